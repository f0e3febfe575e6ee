// One incident: what it is about and how bad, its timeline (each alert's first occurrence and its
// recurrences summed up, the device's own logs, state changes and response actions), what to do
// about its rules, and the analyst's controls: contain, close, reopen; quarantine the device,
// block a peer, release either; and "False positive", which closes it and offers the suppressions
// that would silence it (each through the Suppress… form).
import { ApiError } from '../api/http-client';
import type { Incident, IncidentState, ResponseAction, SuggestedSuppression } from '../api/incident-types';
import { canRespond, canSuppress, canTriage } from '../api/role-access';
import { deviceHash } from '../router';
import { ruleGuidance } from '../state/rule-guidance';
import { h, replaceChildren, select } from '../ui/element';
import { count, shortTime } from '../ui/format';
import { toast } from '../ui/toast';
import { kindBadge, stateBadge, subjectLabel } from './incidents-view';
import { severityBadge } from './severity-badge';
import { SuppressForm } from './suppress-form';
import type { View, ViewContext } from './view';
import '../styles/incidents.css';

/** Refresh while the page is open (ms): the stream brings changes of the incident; actions have no topic. */
const REFRESH_MS = 10_000;
/** Longest note, as the server takes it. */
const MAX_NOTE = 1000;

/** The server's words for a refused request. */
function failure(e: unknown): string {
  if (e instanceof ApiError) return e.details.length > 0 ? `${e.message}: ${e.details.map((d) => d.message).join('; ')}` : e.message;
  return e instanceof Error ? e.message : String(e);
}

export class IncidentDetailView implements View {
  readonly el: HTMLElement;
  private incident: Incident | null = null;
  private actions: ResponseAction[] = [];
  private suggestions: SuggestedSuppression[] | null = null;
  private readonly timer: number;
  private readonly offs: (() => void)[] = [];
  private reloadQueued = false;
  private busy = false;
  private readonly note = h('input', { class: 'input note', 'data-testid': 'incident-note', maxlength: MAX_NOTE, placeholder: 'Note (optional): why, what was done' });
  private readonly head = h('div', { class: 'page-head' });
  private readonly meta = h('div', { class: 'card' });
  private readonly controls = h('div', { class: 'card' });
  private readonly response = h('div', { class: 'card', 'data-testid': 'incident-response' });
  private readonly fp = h('div', { class: 'card', 'data-testid': 'incident-fp', hidden: true });
  private readonly timeline = h('div', { class: 'card' });
  private readonly todo = h('div', { class: 'card' });

  constructor(private readonly ctx: ViewContext, private readonly id: string) {
    this.el = h('section', { class: 'page page-incident', 'data-testid': 'incident-detail', 'data-id': id }, h('p', { class: 'muted' }, 'Loading…'));
    void this.load();
    this.timer = window.setInterval(() => void this.load(), REFRESH_MS);
    // A change of this incident (a new alert, a state change elsewhere) repaints it without waiting.
    this.offs.push(ctx.live.onIncidents((changes) => {
      if (!changes.some((c) => c.incident.id === id) || this.reloadQueued) return;
      this.reloadQueued = true;
      requestAnimationFrame(() => { this.reloadQueued = false; void this.load(); });
    }));
  }

  destroy(): void {
    clearInterval(this.timer);
    for (const off of this.offs) off();
  }

  private async load(): Promise<void> {
    try {
      const [i, a] = await Promise.all([
        this.ctx.http.get<Incident>(`/api/v1/incidents/${encodeURIComponent(this.id)}`),
        this.ctx.http.get<{ items: ResponseAction[] }>('/api/v1/actions', { incident: this.id, limit: 1000 }).catch(() => ({ items: [] as ResponseAction[] })),
      ]);
      const first = this.incident === null;
      this.incident = i;
      this.actions = a.items;
      if (first) this.layout();
      this.render();
    } catch (e) {
      if (this.incident !== null && e instanceof ApiError && e.status === 0) return;
      clearInterval(this.timer);
      replaceChildren(this.el,
        h('p', { class: 'form-error' }, e instanceof ApiError && e.status === 404 ? `No incident ${this.id}.` : `Could not load incident ${this.id}: ${failure(e)}`),
        h('a', { href: '#/incidents' }, '← All incidents'));
    }
  }

  /** The page's frame, built once; render() fills it. */
  private layout(): void {
    replaceChildren(this.el, this.head, this.meta,
      h('div', { class: 'inc-columns' }, this.timeline, h('div', { class: 'inc-side' }, this.controls, this.response, this.fp, this.todo)));
    void this.renderTodo();
  }

  private render(): void {
    const i = this.incident!;
    this.el.dataset.state = i.state;
    this.el.dataset.kind = i.kind;
    replaceChildren(this.head,
      h('a', { href: '#/incidents', class: 'back' }, '← Incidents'),
      severityBadge(i.severity), h('h1', { 'data-testid': 'incident-title' }, i.title), kindBadge(i.kind), stateBadge(i.state),
      i.resolution !== null ? h('span', { class: 'muted', 'data-testid': 'incident-resolution' }, i.resolution === 'false-positive' ? 'false positive' : 'resolved') : null);
    const subject = i.subject.kind === 'device' && i.subject.device !== null
      ? h('a', { href: deviceHash(i.subject.device) }, subjectLabel(i)) : subjectLabel(i);
    const meta = (k: string, v: string | Node): HTMLElement[] => [h('dt', null, k), h('dd', null, v)];
    replaceChildren(this.meta, h('dl', { class: 'meta' },
      meta('subject', subject), meta('first activity', shortTime(i.firstTs)), meta('last activity', shortTime(i.lastTs)),
      meta('alerts', `${count(i.counts.alerts)} (${count(i.counts.occurrences)} occurrences)`), meta('device logs', count(i.counts.logs)),
      meta('id', h('span', { class: 'mono' }, i.id))));
    this.renderControls();
    this.renderResponse();
    this.renderTimeline();
  }

  private renderControls(): void {
    const i = this.incident!;
    const role = this.ctx.session.role;
    if (!canTriage(role)) {
      replaceChildren(this.controls, h('div', { class: 'card-head' }, h('h2', null, 'State')), h('p', { class: 'muted pad' }, 'Your role reads incidents only.'));
      return;
    }
    const btn = (state: IncidentState, label: string, testid: string, cls = 'btn') =>
      h('button', { type: 'button', class: cls, 'data-testid': testid, disabled: this.busy, onclick: () => void this.setState(state) }, label);
    replaceChildren(this.controls,
      h('div', { class: 'card-head' }, h('h2', null, 'State'), h('span', { class: 'muted' }, `${i.history.length} change${i.history.length === 1 ? '' : 's'}`)),
      h('div', { class: 'inc-controls' },
        this.note,
        i.state === 'open' ? btn('contained', 'Contain', 'incident-contain', 'btn btn-primary') : null,
        i.state !== 'closed' ? btn('closed', 'Close', 'incident-close') : btn('open', 'Reopen', 'incident-reopen'),
        i.resolution !== 'false-positive' ? h('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'incident-false-positive', disabled: this.busy, onclick: () => void this.falsePositive() }, 'False positive') : null));
  }

  private renderResponse(): void {
    const i = this.incident!;
    const may = canRespond(this.ctx.session.role);
    const device = i.subject.device;
    const peers = i.peers;
    const peer = peers.length > 0 ? select({ class: 'input', 'data-testid': 'response-peer', 'aria-label': 'Peer to block' }, peers.map((p) => [p, p] as const), peers[0]!) : null;
    const rows = this.actions.map((a) => h('tr', { 'data-testid': 'action-row', 'data-id': a.id, 'data-kind': a.kind, 'data-state': a.state },
      h('td', null, a.kind === 'quarantine' ? 'Quarantine' : 'Block'),
      h('td', { class: 'mono' }, a.kind === 'quarantine' ? a.device ?? '' : a.peer ?? ''),
      h('td', null, a.state, a.state === 'active' && !a.enforced ? h('div', { class: 'muted small', title: 'policy.mode is monitor: recorded, not applied to nftables' }, 'recorded only') : null),
      h('td', { class: 'small' }, a.by, h('div', { class: 'muted' }, shortTime(a.at))),
      h('td', null, may && a.state === 'active'
        ? h('button', { type: 'button', class: 'btn btn-xs', 'data-testid': 'action-release', disabled: this.busy, onclick: () => void this.release(a) }, 'Release') : null)));
    replaceChildren(this.response,
      h('div', { class: 'card-head' }, h('h2', null, 'Response'), h('span', { class: 'muted' }, `${this.actions.filter((a) => a.state === 'active').length} active`)),
      may ? h('div', { class: 'inc-controls' },
        device !== null ? h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'response-quarantine', disabled: this.busy, onclick: () => void this.act({ kind: 'quarantine', device }) },
          `Quarantine ${i.subject.name ?? device}`) : null,
        peer !== null ? [peer, h('button', { type: 'button', class: 'btn', 'data-testid': 'response-block', disabled: this.busy, onclick: () => void this.act({ kind: 'block', peer: peer.value }) }, 'Block peer')] : null,
        device === null && peer === null ? h('span', { class: 'muted' }, 'No device or outside address to act on.') : null) : null,
      rows.length === 0 ? h('p', { class: 'muted pad' }, 'No action taken for this incident.')
        : h('table', { class: 'grid', 'data-testid': 'action-table' }, h('thead', null, h('tr', null, ['Action', 'Target', 'State', 'By', ''].map((t) => h('th', null, t)))), h('tbody', null, rows)));
  }

  private renderTimeline(): void {
    const i = this.incident!;
    replaceChildren(this.timeline,
      h('div', { class: 'card-head' }, h('h2', null, 'Timeline'), h('span', { class: 'muted' }, 'Oldest first; an alert\'s recurrences are one line')),
      h('ol', { class: 'timeline', 'data-testid': 'timeline' }, i.timeline.map((e) => h('li', {
        class: `k-${e.kind}`, 'data-testid': 'timeline-entry', 'data-kind': e.kind, 'data-ref': e.ref, 'data-rule': e.rule ?? '',
      },
      h('span', { class: 't-time', title: e.ts }, shortTime(e.ts)),
      h('span', { class: 't-kind' }, e.severity !== undefined && e.kind === 'alert' ? severityBadge(e.severity) : e.kind),
      h('span', { class: 't-text' }, e.rule !== undefined ? h('span', { class: 't-rule' }, e.rule) : null, e.text)))));
  }

  /** What to do, rule by rule, in the order the rules came (the gateway's guidance table). */
  private async renderTodo(): Promise<void> {
    replaceChildren(this.todo, h('div', { class: 'card-head' }, h('h2', null, 'What to do')), h('p', { class: 'muted pad' }, 'Loading…'));
    const rules = [...new Set(this.incident!.timeline.flatMap((e) => (e.rule !== undefined ? [e.rule] : [])))];
    try {
      const guide = await ruleGuidance(this.ctx.http);
      replaceChildren(this.todo, h('div', { class: 'card-head' }, h('h2', null, 'What to do')),
        h('ul', { class: 'todo-list', 'data-testid': 'incident-what-to-do' }, rules.map((r) => h('li', { 'data-rule': r },
          h('span', { class: 'rule' }, r), ' ', guide.get(r)?.whatToDo ?? 'No guidance for this rule.'))));
    } catch {
      replaceChildren(this.todo, h('div', { class: 'card-head' }, h('h2', null, 'What to do')), h('p', { class: 'muted pad' }, 'Guidance unavailable.'));
    }
  }

  private noteValue(): string | undefined {
    const n = this.note.value.trim();
    return n === '' ? undefined : n;
  }

  /** Runs one write, keeps the controls off meanwhile, reloads after, and shows the server's words on failure. */
  private async write(what: () => Promise<unknown>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.render();
    try {
      await what();
      return true;
    } catch (e) {
      toast(failure(e), 'error');
      return false;
    } finally {
      this.busy = false;
      await this.load();
    }
  }

  private async setState(state: IncidentState): Promise<void> {
    const note = this.noteValue();
    if (await this.write(() => this.ctx.http.post(`/api/v1/incidents/${encodeURIComponent(this.id)}/state`, { state, note }))) this.note.value = '';
  }

  private async act(body: { kind: 'quarantine'; device: string } | { kind: 'block'; peer: string }): Promise<void> {
    const note = this.noteValue();
    const ok = await this.write(() => this.ctx.http.post('/api/v1/actions', { ...body, incident: this.id, note }));
    if (ok) toast(body.kind === 'quarantine' ? `Quarantined ${body.device}` : `Blocked ${body.peer}`);
  }

  private async release(a: ResponseAction): Promise<void> {
    const ok = await this.write(() => this.ctx.http.post(`/api/v1/actions/${encodeURIComponent(a.id)}/release`));
    if (ok) toast(`Released ${a.kind === 'quarantine' ? a.device : a.peer}`);
  }

  private async falsePositive(): Promise<void> {
    const note = this.noteValue();
    await this.write(async () => {
      const r = await this.ctx.http.post<{ suggestedSuppressions: SuggestedSuppression[] }>(`/api/v1/incidents/${encodeURIComponent(this.id)}/false-positive`, { note });
      this.suggestions = r.suggestedSuppressions;
      this.note.value = '';
    });
    this.renderSuggestions(note);
  }

  /** The suppressions the false positive suggests, each with a Suppress… button that opens the form prefilled with it. */
  private renderSuggestions(note: string | undefined): void {
    const list = this.suggestions;
    if (list === null) return;
    this.fp.hidden = false;
    const mayCreate = canSuppress(this.ctx.session.role);
    const formHost = h('div');
    const reason = `False positive (incident ${this.id})${note ? `: ${note}` : ''}`;
    const part = (v: string | number | null) => (v === null ? h('span', { class: 'muted' }, 'any') : String(v));
    replaceChildren(this.fp,
      h('div', { class: 'card-head' }, h('h2', null, 'Suggested suppressions'), h('span', { class: 'muted' }, 'Closed as a false positive; nothing is silenced until you create one')),
      h('div', { class: 'fp-panel' },
        list.length === 0 ? h('p', { class: 'muted' }, 'Nothing to suggest.') : h('table', { class: 'grid' },
          h('thead', null, h('tr', null, ['Rule', 'Device', 'Peer', 'Port', ''].map((t) => h('th', null, t)))),
          h('tbody', null, list.map((s) => h('tr', { 'data-testid': 'suggested-suppression', 'data-rule': s.rule },
            h('td', { class: 'mono' }, s.rule), h('td', { class: 'mono' }, part(s.device)), h('td', { class: 'mono' }, part(s.peer)), h('td', null, part(s.port)),
            h('td', null, mayCreate ? h('button', {
              type: 'button', class: 'btn btn-xs', 'data-testid': 'suggested-suppress',
              onclick: () => {
                const ticked = (['rule', 'device', 'peer', 'port'] as const).filter((k) => s[k] !== null);
                const form = new SuppressForm(this.ctx, { ...s, ticked, reason }, {
                  onDone: () => replaceChildren(formHost, h('p', { class: 'ok', 'data-testid': 'suppress-done' }, `Suppressed: ${s.rule}`)),
                  onCancel: () => replaceChildren(formHost),
                });
                replaceChildren(formHost, form.el);
              },
            }, 'Suppress…') : null))))),
        formHost));
  }
}
