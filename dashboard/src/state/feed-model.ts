// The alerts the feed shows: the held alerts that pass the filters, kept in feed order and
// updated incrementally per batch (appends at the newest end, trims at the oldest), rebuilt only
// when the filters change or an older page arrives.
import type { AlertEntry, AlertStore, StoreChange } from './alert-store';
import { compileFilter, NO_FILTER, type AlertFilter } from './alert-filter';

/** How often a time-window filter is re-evaluated, since alerts age out of it (ms). */
export const WINDOW_RECHECK_MS = 30_000;

export interface FeedUpdate {
  /** The list was rebuilt: positions are not comparable with before. */
  rebuilt: boolean;
  /** Live alerts that joined the list in this batch. */
  arrived: AlertEntry[];
}

export class FeedModel {
  /** Matching entries, ascending by order (index 0 = oldest); the feed shows them newest first. */
  entries: AlertEntry[] = [];
  private members = new Set<AlertEntry>();
  private filter: AlertFilter = { ...NO_FILTER };
  private match: (e: AlertEntry) => boolean = () => true;
  private readonly listeners = new Set<(u: FeedUpdate) => void>();

  constructor(
    private readonly store: AlertStore,
    private readonly hostname: (mac: string) => string | null,
  ) {
    store.onChange((c) => this.onStore(c));
  }

  get current(): Readonly<AlertFilter> {
    return this.filter;
  }

  onUpdate(fn: (u: FeedUpdate) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setFilter(f: AlertFilter): void {
    this.filter = { ...f };
    this.rebuild();
  }

  /** Re-runs the filters over everything held (filters changed, time window moved, names learned). */
  rebuild(): void {
    this.match = compileFilter(this.filter, Date.now(), this.hostname);
    this.entries = this.store.list.filter(this.match);
    this.members = new Set(this.entries);
    this.emit({ rebuilt: true, arrived: [] });
  }

  private onStore(c: StoreChange): void {
    if (c.reordered) {
      this.rebuild();
      return;
    }
    let rebuild = false;
    for (const e of c.updated) {
      // Triage can move an alert in or out of a status filter.
      if (this.match(e) !== this.members.has(e)) {
        rebuild = true;
        break;
      }
    }
    if (rebuild) {
      this.rebuild();
      return;
    }
    const arrived: AlertEntry[] = [];
    for (const e of c.added) {
      if (!this.match(e)) continue;
      this.entries.push(e);
      this.members.add(e);
      if (c.live) arrived.push(e);
    }
    if (c.trimmedThrough !== null) {
      let n = 0;
      while (n < this.entries.length && this.entries[n]!.order <= c.trimmedThrough) this.members.delete(this.entries[n++]!);
      if (n > 0) this.entries.splice(0, n);
    }
    this.emit({ rebuilt: false, arrived });
  }

  private emit(u: FeedUpdate): void {
    for (const fn of this.listeners) fn(u);
  }
}
