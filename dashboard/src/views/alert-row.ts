// One row of the alert feed: built once, then repainted in place as the virtual list scrolls or the
// alert changes; its data-* attributes carry the alert's identity for scripts and tests.
import type { Alert } from '../api/api-types';
import { deviceHash } from '../router';
import type { AlertEntry } from '../state/alert-store';
import { h } from '../ui/element';
import { count, endpoint, shortTime } from '../ui/format';
import { triageApplies } from './alert-triage';

/** Row height of the feed (CSS px); the stylesheet's .arow agrees. */
export const ALERT_ROW_HEIGHT = 30;

interface AlertRowEl extends HTMLDivElement {
  cells: {
    time: HTMLElement;
    sev: HTMLElement;
    rule: HTMLElement;
    device: HTMLAnchorElement;
    flow: HTMLElement;
    count: HTMLElement;
    message: HTMLElement;
    status: HTMLElement;
    actions: HTMLElement;
    ack: HTMLButtonElement;
    resolve: HTMLButtonElement;
    /** A hub's rows only: the site that raised the alert. */
    site?: HTMLElement;
  };
}

/** A row; on a fleet hub (`hub`) with the site as its first cell. */
export function createAlertRow(hub = false): HTMLElement {
  const cells = {
    time: h('span', { class: 'c-time' }),
    sev: h('span', { class: 'c-sev' }, h('span', { class: 'badge' })),
    rule: h('span', { class: 'c-rule' }),
    device: h('a', { class: 'c-device' }),
    flow: h('span', { class: 'c-flow' }),
    count: h('span', { class: 'c-count' }),
    message: h('span', { class: 'c-msg' }),
    status: h('span', { class: 'c-status' }),
    actions: h('span', { class: 'c-actions' }),
    ack: h('button', { type: 'button', class: 'btn btn-xs', 'data-testid': 'ack', title: 'Acknowledge: someone is on it' }, 'Ack'),
    resolve: h('button', { type: 'button', class: 'btn btn-xs', 'data-testid': 'resolve', title: 'Resolve: handled' }, 'Resolve'),
  };
  const site = hub ? h('span', { class: 'c-site', 'data-testid': 'alert-site' }) : undefined;
  const row = h('div', { class: 'arow', 'data-testid': 'alert-row', role: 'row' },
    site, cells.time, cells.sev, cells.rule, cells.device, cells.flow, cells.count, cells.message, cells.status, cells.actions) as AlertRowEl;
  row.cells = site === undefined ? cells : { ...cells, site };
  return row;
}

/** "tcp 10.0.0.2:5000 → 198.51.100.7:23", or less when the alert has no peer. */
export function flowText(a: Alert): string {
  if (!a.src && !a.dst) return '';
  const proto = a.proto ? `${a.proto} ` : '';
  return a.dst ? `${proto}${endpoint(a.src, a.sport)} → ${endpoint(a.dst, a.dport)}` : `${proto}${endpoint(a.src, a.sport)}`;
}

export interface AlertRowOptions {
  selectedId: string | null;
  mayTriage: boolean;
  deviceLabel(mac: string | null): string;
}

export function paintAlertRow(el: HTMLElement, e: AlertEntry, o: AlertRowOptions): void {
  const row = el as AlertRowEl;
  const c = row.cells;
  const a = e.alert;
  const status = a.status ?? 'open';
  row.dataset.alertId = a.id;
  row.dataset.rule = a.rule;
  row.dataset.severity = a.severity;
  row.dataset.status = status;
  row.dataset.device = a.device ?? '';
  if (c.site !== undefined) {
    row.dataset.site = a.site ?? '';
    c.site.textContent = a.site ?? '';
  }
  row.className = `arow sev-row-${a.severity} st-${status}${o.selectedId === a.id ? ' selected' : ''}`;
  c.time.textContent = shortTime(a.lastTs || a.ts);
  c.time.title = `first ${a.firstTs}\nlast ${a.lastTs}`;
  const badge = c.sev.firstChild as HTMLElement;
  badge.className = `badge sev-${a.severity}`;
  badge.textContent = a.severity;
  c.rule.textContent = a.rule;
  c.device.textContent = o.deviceLabel(a.device);
  c.device.title = a.device ?? '';
  if (a.device !== null) c.device.href = deviceHash(a.device);
  else c.device.removeAttribute('href');
  c.flow.textContent = flowText(a);
  c.count.textContent = a.count > 1 ? `×${count(a.count)}` : '';
  c.message.textContent = a.message;
  c.message.title = a.message;
  c.status.textContent = status === 'acknowledged' ? 'ack’d' : status;
  c.status.title = status === 'acknowledged' ? `by ${a.acknowledgedBy ?? '?'} at ${a.acknowledgedAt ?? '?'}` : status === 'resolved' ? `by ${a.resolvedBy ?? '?'} at ${a.resolvedAt ?? '?'}`
    : status === 'reopened' ? `recurred at ${a.reopenedAt ?? '?'} after it was resolved by ${a.resolvedBy ?? '?'}` : '';
  // Buttons that do not apply are removed, not disabled: the row says only what can be done.
  const showAck = o.mayTriage && triageApplies(a, 'acknowledge');
  const showResolve = o.mayTriage && triageApplies(a, 'resolve');
  if (showAck !== (c.ack.parentNode === c.actions)) {
    if (showAck) c.actions.prepend(c.ack);
    else c.ack.remove();
  }
  if (showResolve !== (c.resolve.parentNode === c.actions)) {
    if (showResolve) c.actions.append(c.resolve);
    else c.resolve.remove();
  }
}
