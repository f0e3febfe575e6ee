// One row of the edge log stream, painted in place by the virtual list. Its time is the receive
// time; a device clock far from it is flagged with the offset, the device's own time in the tooltip.
import type { LogRecord } from '../api/api-types';
import { syslogTone } from '../state/severity';
import { h } from '../ui/element';
import { shortTime } from '../ui/format';

/** Row height of the log list (CSS px); the stylesheet's .lrow agrees. */
export const LOG_ROW_HEIGHT = 26;

interface LogRowEl extends HTMLDivElement {
  cells: { time: HTMLElement; when: HTMLElement; skew: HTMLElement; sev: HTMLElement; device: HTMLElement; host: HTMLElement; app: HTMLElement; msg: HTMLElement };
}

/** A clock offset in seconds as "+5m", "-3h", "+40s". */
function offsetText(seconds: number): string {
  const a = Math.abs(seconds);
  const sign = seconds < 0 ? '-' : '+';
  if (a < 90) return `${sign}${Math.round(a)}s`;
  if (a < 5400) return `${sign}${Math.round(a / 60)}m`;
  if (a < 172_800) return `${sign}${Math.round(a / 3600)}h`;
  return `${sign}${Math.round(a / 86_400)}d`;
}

export function createLogRow(): HTMLElement {
  const when = h('span');
  const skew = h('span', { class: 'skew-flag', 'data-testid': 'log-skew', hidden: true });
  const cells = {
    time: h('span', { class: 'c-time' }, when, skew), when, skew,
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
  const received = l.ts ?? l.receivedAt ?? null;
  c.when.textContent = shortTime(received);
  const skewed = l.clockSkewed === true && l.deviceTs != null && received !== null;
  const offset = skewed ? (Date.parse(l.deviceTs!) - Date.parse(received)) / 1000 : 0;
  row.dataset.skewed = skewed ? 'true' : 'false';
  c.skew.hidden = !skewed;
  c.skew.textContent = skewed ? offsetText(offset) : '';
  c.time.title = `received ${received ?? '—'}\ndevice clock ${l.deviceTs ?? 'not given'}`
    + (skewed ? `\nthe device's clock is off by ${offsetText(offset)}` : '');
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
