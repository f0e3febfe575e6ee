// The Suppressions page: every suppression with its scope, who made it and why, its expiry and how
// many alert occurrences it silenced; the silenced inputs of one on demand; remove, and a new one.
import type { Suppression, SuppressedAlert } from '../api/api-types';
import { canSuppress } from '../api/role-access';
import { deviceHash } from '../router';
import { h, replaceChildren, select } from '../ui/element';
import { count, endpoint, shortTime } from '../ui/format';
import { toast } from '../ui/toast';
import { SuppressForm } from './suppress-form';
import type { View, ViewContext } from './view';
import '../styles/suppressions.css';

/** How often the list (and its counts) is read again while the page is open, ms. */
const REFRESH_MS = 10_000;
const STATES: readonly (readonly [string, string])[] = [['active', 'Active'], ['expired', 'Expired'], ['removed', 'Removed'], ['', 'All']];

export class SuppressionsView implements View {
  readonly el: HTMLElement;
  private readonly body = h('tbody');
  private readonly state: HTMLSelectElement;
  private readonly formHost = h('div');
  private readonly hits = h('div', { 'data-testid': 'suppression-hits' });
  private readonly mayWrite: boolean;
  private readonly timer: number;

  constructor(private readonly ctx: ViewContext) {
    this.mayWrite = canSuppress(ctx.session.role);
    this.state = select({ class: 'input', 'data-testid': 'suppression-state', onchange: () => void this.load() }, STATES, 'active');
    this.el = h('section', { class: 'page page-suppressions' },
      h('div', { class: 'page-head' }, h('h1', null, 'Suppressions'), this.state,
        this.mayWrite ? h('button', { type: 'button', class: 'btn', 'data-testid': 'suppression-new', onclick: () => this.openForm() }, 'New suppression…') : null,
        h('span', { class: 'muted' }, 'Matching alerts raise nothing until the expiry; they are counted and kept here.')),
      this.formHost,
      h('div', { class: 'card' },
        h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'suppression-table' },
          h('thead', null, h('tr', null, ['State', 'Scope', 'Reason', 'Made', 'Expires', 'Silenced', 'Last', ''].map((t) => h('th', null, t)))),
          this.body))),
      this.hits);
    void this.load();
    this.timer = window.setInterval(() => void this.load(), REFRESH_MS);
  }

  destroy(): void {
    window.clearInterval(this.timer);
  }

  private openForm(): void {
    const f = new SuppressForm(this.ctx, {}, {
      onDone: () => { replaceChildren(this.formHost); this.state.value = 'active'; void this.load(); },
      onCancel: () => replaceChildren(this.formHost),
    });
    replaceChildren(this.formHost, f.el);
  }

  private async load(): Promise<void> {
    try {
      const r = await this.ctx.http.get<{ items: Suppression[] }>('/api/v1/suppressions', { state: this.state.value || undefined });
      replaceChildren(this.body, r.items.length === 0
        ? h('tr', null, h('td', { colspan: '8', class: 'empty-cell' }, this.state.value === 'active' ? 'Nothing is suppressed now.' : 'None.'))
        : r.items.map((s) => this.row(s)));
    } catch (e) {
      replaceChildren(this.body, h('tr', null, h('td', { colspan: '8', class: 'form-error' }, `Could not load the suppressions: ${e instanceof Error ? e.message : String(e)}`)));
    }
  }

  private scope(s: Suppression): HTMLElement {
    const part = (k: string, v: HTMLElement | string) => h('span', { class: 'scope-part' }, h('span', { class: 'k' }, k), v);
    return h('td', { 'data-testid': 'suppression-scope' },
      s.rule !== null ? part('rule', s.rule) : null,
      s.device !== null ? part('device', h('a', { href: deviceHash(s.device) }, this.ctx.live.devices.label(s.device))) : null,
      s.peer !== null ? part('peer', s.peer) : null,
      s.port !== null ? part('port', String(s.port)) : null);
  }

  private row(s: Suppression): HTMLElement {
    const ended = s.state === 'removed' ? `removed ${shortTime(s.removedAt)} by ${s.removedBy ?? '?'}` : null;
    return h('tr', { 'data-testid': 'suppression-row', 'data-id': s.id, 'data-state': s.state },
      h('td', null, h('span', { class: `badge sup-${s.state}` }, s.state)),
      this.scope(s),
      h('td', { class: 'reason' }, s.reason),
      h('td', null, shortTime(s.createdAt), h('div', { class: 'muted small' }, s.createdBy)),
      h('td', null, shortTime(s.expiresAt), ended ? h('div', { class: 'muted small' }, ended) : null),
      h('td', { class: 'num', 'data-testid': 'suppression-count' }, count(s.suppressed)),
      h('td', null, shortTime(s.lastSuppressedAt)),
      h('td', null,
        h('button', { type: 'button', class: 'btn btn-xs', 'data-testid': 'suppression-show-hits', onclick: () => void this.showHits(s) }, 'Silenced alerts'),
        this.mayWrite && s.state !== 'removed'
          ? h('button', { type: 'button', class: 'btn btn-xs btn-danger', 'data-testid': 'suppression-remove', onclick: () => void this.remove(s) }, 'Remove')
          : null));
  }

  private async showHits(s: Suppression): Promise<void> {
    try {
      const r = await this.ctx.http.get<{ items: SuppressedAlert[]; total: number }>(`/api/v1/suppressions/${encodeURIComponent(s.id)}/hits`, { limit: 100 });
      replaceChildren(this.hits, h('div', { class: 'card' },
        h('div', { class: 'card-head' }, h('strong', null, `Silenced by ${s.id}`), h('span', { class: 'muted' }, `${count(r.total)} kept of ${count(s.suppressed)} occurrences; newest first`)),
        h('div', { class: 'table-wrap table-scroll' }, h('table', { class: 'grid' },
          h('thead', null, h('tr', null, ['Time', 'Rule', 'Device', 'Flow', 'Count', 'Message'].map((t) => h('th', null, t)))),
          h('tbody', null, r.items.length === 0
            ? h('tr', null, h('td', { colspan: '6', class: 'empty-cell' }, 'Nothing silenced yet.'))
            : r.items.map((x) => h('tr', { 'data-testid': 'suppression-hit' },
              h('td', null, shortTime(x.ts)), h('td', null, x.rule), h('td', null, this.ctx.live.devices.label(x.device)),
              h('td', { class: 'mono' }, `${endpoint(x.src, x.sport)} → ${endpoint(x.dst, x.dport)}${x.proto ? ` ${x.proto}` : ''}`),
              h('td', { class: 'num' }, count(x.count)), h('td', null, x.message))))))));
    } catch (e) {
      toast(`Could not load what ${s.id} silenced: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
  }

  private async remove(s: Suppression): Promise<void> {
    if (!confirm(`Remove this suppression? Matching alerts are raised again from now on.\n\n${s.reason}`)) return;
    try {
      await this.ctx.http.delete(`/api/v1/suppressions/${encodeURIComponent(s.id)}`);
      toast('Suppression removed');
      void this.load();
    } catch (e) {
      toast(`Could not remove: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
  }
}
