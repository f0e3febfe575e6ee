// The live alert feed: newest first in a virtual list fed by the stream a frame at a time. When the
// analyst has scrolled away, new alerts do not move what they are reading; a counter says how many
// arrived above, and a click returns to the top.
import { canTriage } from '../api/role-access';
import { isFiltered } from '../state/alert-filter';
import type { AlertEntry } from '../state/alert-store';
import { WINDOW_RECHECK_MS, type FeedUpdate } from '../state/feed-model';
import { h } from '../ui/element';
import { count } from '../ui/format';
import { VirtualList } from '../ui/virtual-list';
import { AlertDetailPane } from './alert-detail-pane';
import { ALERT_ROW_HEIGHT, createAlertRow, paintAlertRow } from './alert-row';
import { triage } from './alert-triage';
import { FeedFilters } from './feed-filters';
import type { View, ViewContext } from './view';

export class FeedView implements View {
  readonly el: HTMLElement;
  private readonly list: VirtualList<AlertEntry>;
  private readonly filters: FeedFilters;
  private readonly pane: AlertDetailPane;
  private readonly total = h('b', { 'data-testid': 'feed-total' }, '0');
  private readonly held = h('span', { class: 'muted' });
  private readonly newCount = h('button', { type: 'button', class: 'new-count', 'data-testid': 'new-count', hidden: true });
  private readonly empty = h('div', { class: 'empty' });
  private readonly older = h('button', { type: 'button', class: 'btn btn-ghost btn-xs' }, 'Load older');
  private readonly mayTriage: boolean;
  private readonly body: HTMLElement;
  private unseen = 0;
  /** The alert object the pane shows, to repaint it when the alert changes. */
  private shownAlert: unknown = null;
  /** The entry at the top edge of the view and how far into it the view starts (px). */
  private anchor: AlertEntry | null = null;
  private anchorOffset = 0;
  /** While another page is shown the list is detached (scrollTop reads 0): its position is kept here. */
  private savedScroll = 0;
  private isHidden = false;
  private readonly offs: (() => void)[] = [];
  private windowTimer: number | undefined;

  constructor(private readonly ctx: ViewContext) {
    const feed = ctx.live.feed;
    // A hub shows every site's alerts with their site; triage stays at the site that raised them.
    const hub = ctx.session.hub;
    this.mayTriage = canTriage(ctx.session.role) && !hub;
    this.pane = new AlertDetailPane(ctx, this.mayTriage, () => this.select(null));
    this.list = new VirtualList<AlertEntry>({
      rowHeight: ALERT_ROW_HEIGHT,
      className: 'alert-feed',
      createRow: () => createAlertRow(hub),
      paintRow: (row, e) => paintAlertRow(row, e, {
        selectedId: this.pane.shownId,
        mayTriage: this.mayTriage,
        deviceLabel: (mac) => ctx.live.devices.label(mac),
      }),
      version: (e) => e.version,
      onScroll: () => this.scrolled(),
    });
    this.list.el.setAttribute('data-testid', 'alert-feed');
    this.list.el.setAttribute('role', 'table');
    this.list.el.addEventListener('click', (ev) => this.clicked(ev));
    this.filters = new FeedFilters(feed.current, (f) => {
      this.list.scrollTop = 0;
      this.setUnseen(0);
      feed.setFilter(f);
      this.scheduleWindowRecheck();
    }, hub);
    this.newCount.addEventListener('click', () => {
      this.list.scrollTop = 0;
      this.setUnseen(0);
    });
    this.older.addEventListener('click', () => void this.loadOlder());
    const head = h('div', { class: 'arow arow-head', role: 'row' },
      hub ? h('span', { class: 'c-site' }, 'Site') : null,
      ([['time', 'Time'], ['sev', 'Severity'], ['rule', 'Rule'], ['device', 'Device'], ['flow', 'Flow'], ['count', '#'], ['msg', 'Message'], ['status', 'Status'], ['actions', '']] as const)
        .map(([c, t]) => h('span', { class: `c-${c}` }, t)));
    this.el = h('section', { class: hub ? 'page page-feed hub-feed' : 'page page-feed' },
      h('div', { class: 'toolbar' }, this.filters.el,
        h('div', { class: 'feed-count' }, this.total, ' alerts', this.held)),
      this.body = h('div', { class: 'feed-body' },
        h('div', { class: 'feed-main' }, head, h('div', { class: 'feed-list' }, this.newCount, this.list.el, this.empty),
          h('div', { class: 'feed-foot' }, h('span', { class: 'muted' }, 'Most recent activity first'), this.older)),
        this.pane.el));
    this.offs.push(feed.onUpdate((u) => this.updated(u)));
    this.offs.push(ctx.live.devices.onChange(() => {
      this.filters.learnDevices(ctx.live.devices);
      this.list.invalidate();
    }));
    this.filters.learnDevices(ctx.live.devices);
    this.scheduleWindowRecheck();
    this.updated({ rebuilt: true, arrived: [] });
  }

  shown(): void {
    this.isHidden = false;
    // The sites page may have chosen a site for the feed meanwhile.
    this.filters.showSite(this.ctx.live.feed.current.site);
    this.list.scrollTop = this.savedScroll;
    this.rememberAnchor();
  }

  hidden(): void {
    this.savedScroll = this.list.scrollTop;
    this.isHidden = true;
  }

  destroy(): void {
    for (const off of this.offs) off();
    clearInterval(this.windowTimer);
  }

  /** Display index 0 is the newest entry, the last of the model's ascending array. */
  private at(i: number): AlertEntry {
    const e = this.ctx.live.feed.entries;
    return e[e.length - 1 - i]!;
  }

  private updated(u: FeedUpdate): void {
    const entries = this.ctx.live.feed.entries;
    const n = entries.length;
    const rh = ALERT_ROW_HEIGHT;
    const wasAtTop = (this.isHidden ? this.savedScroll : this.list.scrollTop) < rh / 2;
    const anchor = this.anchor;
    let top = 0;
    if (!wasAtTop && anchor !== null) {
      // Keep the alert that was at the top edge where it was: find its new display index.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (entries[mid]!.order < anchor.order) lo = mid + 1;
        else hi = mid;
      }
      const pos = Math.min(lo, n - 1);
      top = Math.max(0, (n - 1 - pos) * rh + this.anchorOffset);
      let above = 0;
      for (const e of u.arrived) if (e.order > anchor.order) above++;
      if (above > 0) this.setUnseen(this.unseen + above);
    }
    this.list.setSource(n, (i) => this.at(i));
    if (this.isHidden) this.savedScroll = wasAtTop ? 0 : top;
    else {
      if (!wasAtTop) this.list.scrollTop = top;
      this.rememberAnchor();
    }
    this.total.textContent = String(n);
    const held = this.ctx.live.alerts.list.length;
    const server = this.ctx.live.serverTotal;
    this.held.textContent = ` · ${count(held)} held${server !== null && server > held ? ` of ${count(server)} on the gateway` : ''}`;
    this.older.hidden = this.ctx.live.olderCursor === null;
    this.empty.hidden = n > 0;
    this.empty.textContent = held === 0 || !isFiltered(this.ctx.live.feed.current)
      ? 'No alerts yet. New ones appear here as the gateway raises them.'
      : 'No alert matches these filters.';
    this.filters.learnRules(this.ctx.live.alerts.rules);
    this.filters.learnSites(this.ctx.live.alerts.sites);
    const sel = this.pane.shownId;
    if (sel !== null) {
      const e = this.ctx.live.alerts.byId.get(sel);
      if (e === undefined) this.select(null);
      else if (e.alert !== this.shownAlert) this.pane.show((this.shownAlert = e.alert));
    }
  }

  private rememberAnchor(): void {
    const n = this.list.length;
    if (n === 0) {
      this.anchor = null;
      return;
    }
    const i = Math.min(this.list.topIndex(), n - 1);
    this.anchor = this.at(i);
    this.anchorOffset = this.list.scrollTop - i * ALERT_ROW_HEIGHT;
  }

  private scrolled(): void {
    this.rememberAnchor();
    if (this.list.scrollTop < ALERT_ROW_HEIGHT / 2 && this.unseen > 0) this.setUnseen(0);
    // Near the end of what is held: fetch the next older page.
    if (this.list.scrollTop + this.list.el.clientHeight >= this.list.length * ALERT_ROW_HEIGHT - ALERT_ROW_HEIGHT * 5) void this.loadOlder();
  }

  private setUnseen(n: number): void {
    this.unseen = n;
    this.newCount.hidden = n === 0;
    // A bare number first, so the text reads as the count (and data-count carries it too).
    this.newCount.textContent = `${n} new ↑`;
    this.newCount.dataset.count = String(n);
  }

  private async loadOlder(): Promise<void> {
    if (this.ctx.live.olderCursor === null || this.ctx.live.loadingOlder) return;
    this.older.disabled = true;
    try {
      await this.ctx.live.loadOlder();
    } catch {
      // The button stays for another try.
    } finally {
      this.older.disabled = false;
      this.older.hidden = this.ctx.live.olderCursor === null;
    }
  }

  private clicked(ev: MouseEvent): void {
    const t = ev.target as HTMLElement;
    const row = t.closest<HTMLElement>('.arow');
    const id = row?.dataset.alertId;
    if (row === null || id === undefined) return;
    const action = t.closest<HTMLElement>('button')?.dataset.testid;
    if (action === 'ack' || action === 'resolve') {
      ev.stopPropagation();
      void triage(this.ctx, id, action === 'ack' ? 'acknowledge' : 'resolve');
      return;
    }
    if (t.closest('a') !== null) return;
    this.select(this.pane.shownId === id ? null : id);
  }

  private select(id: string | null): void {
    const e = id === null ? undefined : this.ctx.live.alerts.byId.get(id);
    this.shownAlert = e?.alert ?? null;
    this.pane.show(e?.alert ?? null);
    // With the pane open the flow column gives way, so the message keeps its room.
    this.body.classList.toggle('pane-open', e !== undefined);
    this.list.invalidate();
  }

  /** A time-window filter slides with the clock: re-run it now and then. */
  private scheduleWindowRecheck(): void {
    clearInterval(this.windowTimer);
    if (this.ctx.live.feed.current.since === 'all') return;
    this.windowTimer = window.setInterval(() => this.ctx.live.feed.rebuild(), WINDOW_RECHECK_MS);
  }
}
