// Charts (uPlot): new alerts per bucket by severity, traffic per device, edge log volume by
// severity; above them the live capture's counters and loss (from /api/v1/health); refreshed while
// the page is open.
import uPlot from 'uplot';
import type { CountSeries, Health, TrafficSeries } from '../api/api-types';
import { SEVERITIES, SYSLOG_SEVERITIES } from '../state/severity';
import { h, replaceChildren, select } from '../ui/element';
import { bytes, count } from '../ui/format';
import { CaptureCard } from './capture-card';
import { columnTotals, countColumns, trafficColumns, trafficDevices } from './chart-series';
import { UplotChart } from './uplot-chart';
import type { View, ViewContext } from './view';

const REFRESH_MS = 15_000;

/** Range choices: seconds back and the bucket that keeps ~60–100 points. */
const RANGES: Record<string, { seconds: number; bucket: number; label: string }> = {
  '1h': { seconds: 3600, bucket: 60, label: 'Last hour (per minute)' },
  '6h': { seconds: 6 * 3600, bucket: 300, label: 'Last 6 h (per 5 min)' },
  '24h': { seconds: 86_400, bucket: 900, label: 'Last 24 h (per 15 min)' },
};

const SEVERITY_COLOR: Record<string, string> = { critical: '#e5484d', high: '#f76808', medium: '#f5a524', low: '#6b8fb8' };
const SYSLOG_COLOR: Record<string, string> = {
  emergency: '#a01c1f', alert: '#c92a2d', critical: '#e5484d', error: '#f76808', warning: '#f5a524',
  notice: '#6b8fb8', info: '#8d99a6', debug: '#c0c7cf', unknown: '#d8dde2',
};
const DEVICE_COLORS = ['#3b82f6', '#10b981', '#8b5cf6', '#f59e0b', '#ef4444', '#14b8a6', '#ec4899', '#6366f1', '#84cc16', '#f97316'];
const LOG_NAMES = [...SYSLOG_SEVERITIES, 'unknown'];

/** The range's end: now, or the newest bucket when packet time runs ahead of the clock (a fast replay). */
function lastBucket(s: CountSeries, nowSec: number): number {
  let end = nowSec;
  for (const b of s.buckets) end = Math.max(end, Date.parse(b.t) / 1000);
  return end;
}

function alpha(hex: string, a: number): string {
  return `${hex}${Math.round(a * 255).toString(16).padStart(2, '0')}`;
}

export class ChartsView implements View {
  readonly el: HTMLElement;
  private readonly alerts = new UplotChart('chart-alerts', 'Alerts by severity');
  private readonly traffic = new UplotChart('chart-traffic', 'Traffic per device (sent + received)');
  private readonly logs = new UplotChart('chart-logs', 'Edge log volume by severity');
  private readonly capture = new CaptureCard();
  private readonly range: HTMLSelectElement;
  private readonly totals = h('div', { class: 'summary' });
  private readonly timer: number;

  constructor(private readonly ctx: ViewContext) {
    this.range = select({ class: 'input', 'data-testid': 'chart-range', onchange: () => void this.load() },
      Object.entries(RANGES).map(([k, r]) => [k, r.label] as const), '1h');
    this.el = h('section', { class: 'page page-charts' },
      h('div', { class: 'page-head' }, h('h1', null, 'Charts'), this.totals, h('div', { class: 'spacer' }), this.range),
      this.capture.el,
      this.alerts.el,
      h('div', { class: 'two-col' }, this.traffic.el, this.logs.el));
    // Drawn once the page is in the document, so the charts know their width.
    requestAnimationFrame(() => void this.load());
    this.timer = window.setInterval(() => void this.load(), REFRESH_MS);
  }

  destroy(): void {
    clearInterval(this.timer);
    this.alerts.destroy();
    this.traffic.destroy();
    this.logs.destroy();
  }

  private async load(): Promise<void> {
    const r = RANGES[this.range.value] ?? RANGES['1h']!;
    const now = Date.now() / 1000;
    const from = now - r.seconds;
    const since = new Date(from * 1000).toISOString();
    const q = { since, bucket: r.bucket };
    const [a, t, l, hl] = await Promise.allSettled([
      this.ctx.http.get<CountSeries>('/api/v1/stats/alerts', q),
      this.ctx.http.get<TrafficSeries>('/api/v1/stats/traffic'),
      this.ctx.http.get<CountSeries>('/api/v1/stats/logs', q),
      this.ctx.http.get<Health>('/api/v1/health'),
    ]);
    if (hl.status === 'fulfilled') this.capture.update(hl.value);
    const perBucket = r.bucket === 60 ? 'per minute' : `per ${r.bucket / 60} min`;
    if (a.status === 'fulfilled') {
      const data = countColumns(a.value, SEVERITIES, r.bucket, from, lastBucket(a.value, now));
      const sum = columnTotals(data);
      this.alerts.note.textContent = `new alerts ${perBucket}`;
      replaceChildren(this.totals, SEVERITIES.map((s, i) => h('span', { class: `badge sev-${s}` }, `${s} ${count(sum[i] ?? 0)}`)).reverse());
      this.alerts.draw([...SEVERITIES].map((s) => ({
        label: s, stroke: SEVERITY_COLOR[s], fill: alpha(SEVERITY_COLOR[s]!, 0.12), width: 1.5, paths: uPlot.paths.stepped!({ align: 1 }),
      })), data, (v) => count(v));
    } else this.alerts.note.textContent = `could not load: ${String(a.reason)}`;
    if (t.status === 'fulfilled') {
      const macs = trafficDevices(t.value);
      this.traffic.note.textContent = `bytes/s over ${t.value.intervalSeconds} s intervals, last hour`;
      this.traffic.draw(macs.map((mac, i) => ({
        label: this.ctx.live.devices.label(mac), stroke: DEVICE_COLORS[i % DEVICE_COLORS.length], width: 1.5,
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${bytes(v)}/s`),
      })), trafficColumns(t.value, macs), (v) => bytes(v));
    } else this.traffic.note.textContent = `could not load: ${String(t.reason)}`;
    if (l.status === 'fulfilled') {
      this.logs.note.textContent = `records ${perBucket}`;
      this.logs.draw(LOG_NAMES.map((s) => ({
        label: s, stroke: SYSLOG_COLOR[s], fill: alpha(SYSLOG_COLOR[s]!, 0.1), width: 1.5, paths: uPlot.paths.stepped!({ align: 1 }),
      })), countColumns(l.value, LOG_NAMES, r.bucket, from, lastBucket(l.value, now)), (v) => count(v));
    } else this.logs.note.textContent = `could not load: ${String(l.reason)}`;
  }
}
