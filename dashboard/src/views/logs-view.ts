// The edge log stream: devices' own error logs (syslog, HTTP ingest) newest first, live from the
// stream, with a "this severity and worse" filter and text search answered by the API.
import type { LogRecord } from '../api/api-types';
import { SYSLOG_SEVERITIES, syslogCode } from '../state/severity';
import { h, select } from '../ui/element';
import { count } from '../ui/format';
import { VirtualList } from '../ui/virtual-list';
import { createLogRow, LOG_ROW_HEIGHT, paintLogRow } from './log-row';
import type { View, ViewContext } from './view';

/** Records per REST page, and the most this page holds. */
const PAGE = 500;
const CAP = 20_000;
const TYPING_PAUSE_MS = 200;

export class LogsView implements View {
  readonly el: HTMLElement;
  /** Ascending by seq; the list shows it from the end. */
  private records: LogRecord[] = [];
  private readonly seqs = new Set<number>();
  private next: number | null = null;
  private readonly list: VirtualList<LogRecord>;
  private readonly severity: HTMLSelectElement;
  private readonly search: HTMLInputElement;
  private readonly total = h('b', { 'data-testid': 'log-total' }, '0');
  private readonly older = h('button', { type: 'button', class: 'btn btn-ghost btn-xs' }, 'Load older');
  private readonly empty = h('div', { class: 'empty' });
  private readonly offs: (() => void)[] = [];
  private generation = 0;
  private timer: number | undefined;

  constructor(private readonly ctx: ViewContext) {
    this.severity = select({ class: 'input', 'data-testid': 'log-severity', 'aria-label': 'Severity and worse', onchange: () => void this.reload() },
      [['all', 'Any severity'], ...SYSLOG_SEVERITIES.map((s) => [s, s === 'emergency' ? s : `${s} and worse`] as const)], 'all');
    this.search = h('input', { type: 'search', class: 'input search', 'data-testid': 'log-search', placeholder: 'Search message, host, app…',
      oninput: () => { clearTimeout(this.timer); this.timer = window.setTimeout(() => void this.reload(), TYPING_PAUSE_MS); } });
    this.list = new VirtualList<LogRecord>({
      rowHeight: LOG_ROW_HEIGHT,
      className: 'log-list',
      createRow: createLogRow,
      paintRow: (row, l) => paintLogRow(row, l, (mac) => ctx.live.devices.label(mac)),
    });
    this.list.el.setAttribute('data-testid', 'log-stream');
    this.older.addEventListener('click', () => void this.loadOlder());
    const head = h('div', { class: 'lrow lrow-head' }, ['Time', 'Severity', 'Device', 'Host', 'App', 'Message'].map((t) => h('span', null, t)));
    this.el = h('section', { class: 'page page-logs' },
      h('div', { class: 'toolbar' }, h('div', { class: 'filters' }, h('h1', null, 'Edge logs'), this.severity, this.search),
        h('div', { class: 'feed-count' }, this.total, ' records shown')),
      h('div', { class: 'log-main' }, head, h('div', { class: 'feed-list' }, this.list.el, this.empty),
        h('div', { class: 'feed-foot' }, h('span', { class: 'muted' }, 'Newest first'), this.older)));
    this.offs.push(ctx.live.onLogs((logs) => this.arrived(logs)));
    this.offs.push(ctx.live.onResync(() => void this.reload()));
    void this.reload();
  }

  destroy(): void {
    for (const off of this.offs) off();
    clearTimeout(this.timer);
  }

  private matches(l: LogRecord): boolean {
    const sev = this.severity.value;
    if (sev !== 'all' && syslogCode(l.severity) > syslogCode(sev)) return false;
    const q = this.search.value.trim().toLowerCase();
    return q === '' || [l.message, l.host, l.app, l.raw].some((v) => v?.toLowerCase().includes(q));
  }

  private query(before?: number): Record<string, string | number | undefined> {
    const sev = this.severity.value;
    return { limit: PAGE, severity: sev === 'all' ? undefined : sev, q: this.search.value.trim() || undefined, before };
  }

  private async reload(): Promise<void> {
    const gen = ++this.generation;
    try {
      const page = await this.ctx.http.get<{ items: LogRecord[]; next: number | null }>('/api/v1/logs', this.query());
      if (gen !== this.generation) return;
      // Records the stream delivered while the page loaded stay: merge by seq.
      const live = this.records.filter((l) => this.matches(l));
      this.records = [];
      this.seqs.clear();
      this.next = page.next;
      this.merge([...page.items, ...live]);
      this.list.scrollTop = 0;
    } catch (e) {
      this.empty.hidden = false;
      this.empty.textContent = `Could not load the logs: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private async loadOlder(): Promise<void> {
    if (this.next === null) return;
    this.older.disabled = true;
    try {
      const page = await this.ctx.http.get<{ items: LogRecord[]; next: number | null }>('/api/v1/logs', this.query(this.next));
      this.next = page.next;
      this.merge(page.items);
    } finally {
      this.older.disabled = false;
    }
  }

  private arrived(logs: LogRecord[]): void {
    const fresh = logs.filter((l) => this.matches(l) && !this.seqs.has(l.seq));
    if (fresh.length === 0) return;
    // Reading further down: keep the rows under the eyes still while new ones land on top.
    const away = this.list.scrollTop >= LOG_ROW_HEIGHT / 2;
    const before = this.list.scrollTop;
    this.merge(fresh);
    if (away) this.list.scrollTop = before + fresh.length * LOG_ROW_HEIGHT;
  }

  private merge(items: LogRecord[]): void {
    let sorted = true;
    for (const l of items) {
      if (this.seqs.has(l.seq)) continue;
      this.seqs.add(l.seq);
      if (this.records.length > 0 && l.seq < this.records[this.records.length - 1]!.seq) sorted = false;
      this.records.push(l);
    }
    if (!sorted) this.records.sort((a, b) => a.seq - b.seq);
    if (this.records.length > CAP) for (const l of this.records.splice(0, this.records.length - CAP)) this.seqs.delete(l.seq);
    const n = this.records.length;
    this.list.setSource(n, (i) => this.records[n - 1 - i]!);
    this.total.textContent = String(n);
    this.total.title = `${count(n)} records held`;
    this.older.hidden = this.next === null;
    this.empty.hidden = n > 0;
    this.empty.textContent = 'No log record matches. Devices send theirs over syslog (UDP/TCP) or POST /api/v1/logs.';
  }
}
