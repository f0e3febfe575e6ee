// The side pane of the feed: everything about the selected alert — the flow, the evidence the
// detector kept, who triaged it and when — with the triage buttons.
import type { Alert } from '../api/api-types';
import { deviceHash } from '../router';
import { h, replaceChildren } from '../ui/element';
import { count } from '../ui/format';
import { flowText } from './alert-row';
import { alertHistory } from './alert-history';
import { triage, triageApplies, type TriageAction } from './alert-triage';
import { severityBadge } from './severity-badge';
import { canSuppress } from '../api/role-access';
import { prefillFromAlert, SuppressForm } from './suppress-form';
import { ruleWhatToDo } from './rule-what-to-do';
import type { ViewContext } from './view';

export class AlertDetailPane {
  readonly el = h('aside', { class: 'alert-pane', 'data-testid': 'alert-detail', hidden: true });
  private alert: Alert | null = null;
  /** Holds the open "Suppress…" form; kept across re-renders of the same alert (its count updates). */
  private readonly suppressHost = h('div', { 'data-testid': 'suppress-host' });
  private suppressFor: string | null = null;
  /** The analyst's note for the next triage action (kept in the alert's history). */
  private readonly note = h('input', { type: 'text', class: 'input', placeholder: 'Note (optional)', 'data-testid': 'detail-note', maxlength: '1000' });

  constructor(
    private readonly ctx: ViewContext,
    private readonly mayTriage: boolean,
    private readonly onClose: () => void,
  ) {}

  get shownId(): string | null {
    return this.alert?.id ?? null;
  }

  private act(id: string, action: TriageAction): void {
    const note = this.note.value;
    this.note.value = '';
    void triage(this.ctx, id, action, note);
  }

  show(a: Alert | null): void {
    this.alert = a;
    this.el.hidden = a === null;
    if (a?.id !== this.suppressFor) this.closeSuppress();
    if (a === null) {
      replaceChildren(this.el);
      return;
    }
    const status = a.status ?? 'open';
    const field = (k: string, v: unknown): HTMLElement[] => [h('dt', null, k), h('dd', null, v === null || v === undefined || v === '' ? '—' : (v as string))];
    const device = a.device === null ? '—' : h('a', { href: deviceHash(a.device) }, this.ctx.live.devices.label(a.device), a.device !== this.ctx.live.devices.label(a.device) ? ` (${a.device})` : '');
    replaceChildren(
      this.el,
      h('div', { class: 'pane-head' },
        severityBadge(a.severity), h('strong', { class: 'pane-rule' }, a.rule),
        h('button', { type: 'button', class: 'btn btn-ghost pane-close', title: 'Close', onclick: () => this.onClose() }, '×')),
      h('p', { class: 'pane-msg' }, a.message),
      ruleWhatToDo(this.ctx, a.rule),
      this.mayTriage
        ? h('div', { class: 'pane-actions' },
            this.note,
            triageApplies(a, 'acknowledge') && h('button', { type: 'button', class: 'btn', 'data-testid': 'detail-ack', onclick: () => this.act(a.id, 'acknowledge') }, 'Acknowledge'),
            triageApplies(a, 'resolve') && h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'detail-resolve', onclick: () => this.act(a.id, 'resolve') }, 'Resolve'),
            triageApplies(a, 'reopen') && h('button', { type: 'button', class: 'btn', 'data-testid': 'detail-reopen', onclick: () => this.act(a.id, 'reopen') }, 'Reopen'))
        : null,
      canSuppress(this.ctx.session.role) && !this.ctx.session.hub && this.suppressFor === null
        ? h('div', { class: 'pane-actions' }, h('button', { type: 'button', class: 'btn', 'data-testid': 'detail-suppress', onclick: () => this.openSuppress(a) }, 'Suppress…'))
        : null,
      this.suppressHost,
      h('dl', { class: 'fields' },
        a.site !== undefined ? field('site', a.site) : null,
        h('dt', null, 'device'), h('dd', null, device),
        field('flow', flowText(a)),
        field('count', count(a.count)),
        field('first', a.firstTs),
        field('last', a.lastTs),
        field('status', status),
        a.acknowledgedAt ? field('acknowledged', `${a.acknowledgedAt} by ${a.acknowledgedBy ?? '?'}`) : null,
        a.resolvedAt ? field('resolved', `${a.resolvedAt} by ${a.resolvedBy ?? '?'}`) : null,
        a.reopenedAt ? field('reopened', a.reopenedAt) : null,
        field('id', a.siteAlertId ?? a.id),
      ),
      // A hub keeps the latest copy of each alert, not its status history (that stays at the site).
      this.ctx.session.hub ? null : [h('h4', null, 'History'), alertHistory(this.ctx, a.id)],
      h('h4', null, 'Evidence'),
      h('pre', { class: 'evidence' }, JSON.stringify(a.evidence ?? {}, null, 2)),
    );
  }

  /** Opens the suppression form prefilled from `a` (rule, device, the peer on the other side, its port). */
  private openSuppress(a: Alert): void {
    const ips = a.device !== null ? this.ctx.live.devices.byMac.get(a.device)?.ips ?? [] : [];
    const form = new SuppressForm(this.ctx, prefillFromAlert(a, ips), {
      onDone: () => { this.closeSuppress(); this.show(this.alert); },
      onCancel: () => { this.closeSuppress(); this.show(this.alert); },
    });
    this.suppressFor = a.id;
    replaceChildren(this.suppressHost, form.el);
    this.show(a);
  }

  private closeSuppress(): void {
    this.suppressFor = null;
    replaceChildren(this.suppressHost);
  }
}
