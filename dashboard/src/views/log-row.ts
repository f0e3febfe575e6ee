// One row of the edge log stream, painted in place by the virtual list.
import type { LogRecord } from '../api/api-types';
import { syslogTone } from '../state/severity';
import { h } from '../ui/element';
import { shortTime } from '../ui/format';

/** Row height of the log list (CSS px); the stylesheet's .lrow agrees. */
export const LOG_ROW_HEIGHT = 26;

interface LogRowEl extends HTMLDivElement {
  cells: { time: HTMLElement; sev: HTMLElement; device: HTMLElement; host: HTMLElement; app: HTMLElement; msg: HTMLElement };
}

export function createLogRow(): HTMLElement {
  const cells = {
    time: h('span', { class: 'c-time' }),
    sev: h('span', null, h('span', { class: 'badge' })),
    device: h('span', { class: 'mono ellipsis' }),
    host: h('span', { class: 'ellipsis' }),
    app: h('span', { class: 'ellipsis' }),
    msg: h('span', { class: 'ellipsis' }),
  };
  const row = h('div', { class: 'lrow', 'data-testid': 'log-row' }, cells.time, cells.sev, cells.device, cells.host, cells.app, cells.msg) as LogRowEl;
  row.cells = cells;
  return row;
}

export function paintLogRow(el: HTMLElement, l: LogRecord, deviceLabel: (mac: string | null) => string): void {
  const row = el as LogRowEl;
  const c = row.cells;
  const sev = l.severity ?? 'unknown';
  row.dataset.severity = sev;
  row.dataset.seq = String(l.seq);
  row.dataset.device = l.device ?? '';
  c.time.textContent = shortTime(l.ts ?? l.receivedAt ?? null);
  c.time.title = `sent ${l.ts ?? '—'}\nreceived ${l.receivedAt ?? '—'}`;
  const badge = c.sev.firstChild as HTMLElement;
  badge.className = `badge sev-${syslogTone(l.severity)}`;
  badge.textContent = sev;
  c.device.textContent = l.device !== null ? deviceLabel(l.device) : (l.sourceIp ?? '—');
  c.device.title = l.device ?? `not tied to a device (from ${l.sourceIp ?? '?'})`;
  c.host.textContent = l.host ?? '';
  c.app.textContent = l.app ?? '';
  c.msg.textContent = l.message || l.raw;
  c.msg.title = l.raw;
}
