// The side pane of the feed: everything about the selected alert — the flow, the evidence the
// detector kept, who triaged it and when — with the triage buttons.
import type { Alert } from '../api/api-types';
import { deviceHash } from '../router';
import { h, replaceChildren } from '../ui/element';
import { count } from '../ui/format';
import { flowText } from './alert-row';
import { triage, triageApplies } from './alert-triage';
import { severityBadge } from './severity-badge';
import type { ViewContext } from './view';

export class AlertDetailPane {
  readonly el = h('aside', { class: 'alert-pane', 'data-testid': 'alert-detail', hidden: true });
  private alert: Alert | null = null;

  constructor(
    private readonly ctx: ViewContext,
    private readonly mayTriage: boolean,
    private readonly onClose: () => void,
  ) {}

  get shownId(): string | null {
    return this.alert?.id ?? null;
  }

  show(a: Alert | null): void {
    this.alert = a;
    this.el.hidden = a === null;
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
      this.mayTriage
        ? h('div', { class: 'pane-actions' },
            triageApplies(a, 'acknowledge') && h('button', { type: 'button', class: 'btn', 'data-testid': 'detail-ack', onclick: () => void triage(this.ctx, a.id, 'acknowledge') }, 'Acknowledge'),
            triageApplies(a, 'resolve') && h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'detail-resolve', onclick: () => void triage(this.ctx, a.id, 'resolve') }, 'Resolve'))
        : null,
      h('dl', { class: 'fields' },
        h('dt', null, 'device'), h('dd', null, device),
        field('flow', flowText(a)),
        field('count', count(a.count)),
        field('first', a.firstTs),
        field('last', a.lastTs),
        field('status', status),
        a.acknowledgedAt ? field('acknowledged', `${a.acknowledgedAt} by ${a.acknowledgedBy ?? '?'}`) : null,
        a.resolvedAt ? field('resolved', `${a.resolvedAt} by ${a.resolvedBy ?? '?'}`) : null,
        field('id', a.id),
      ),
      h('h4', null, 'Evidence'),
      h('pre', { class: 'evidence' }, JSON.stringify(a.evidence ?? {}, null, 2)),
    );
  }
}
