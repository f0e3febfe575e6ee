// The alerts the dashboard holds: a Map by id (a duplicate from the stream or a REST page updates its
// entry) and one array in order of last activity — the alert's last occurrence, then the server's
// activity number, as the API orders its pages (a new occurrence moves an alert up) — capped to the
// N most recently active so a long session at 1,000 alerts/s keeps bounded memory.
import type { Alert, AlertStatus } from '../api/api-types';

/** How many alerts are held by default: the newest 50,000. */
export const DEFAULT_ALERT_CAP = 50_000;

export interface AlertEntry {
  alert: Alert;
  /** Sort key: the last occurrence in µs since the epoch (ties: the server's activity); ascending = least recently active first. */
  order: number;
  /** lastTs in ms, for the time filter. */
  lastMs: number;
  /** Lower-case text the search runs over, built on the first search. */
  text: string | null;
  /** Bumped on every change, so a row knows it must repaint. */
  version: number;
}

/** What one batch changed. */
export interface StoreChange {
  /** Entries first seen in this batch. */
  added: AlertEntry[];
  /** Entries whose alert changed (count, triage). */
  updated: AlertEntry[];
  /** Some entries landed before newer ones (an older REST page) or moved (new activity): derived lists must be rebuilt. */
  reordered: boolean;
  /** Entries with order ≤ this were dropped from the front (the cap); null when none were. */
  trimmedThrough: number | null;
  /** The batch came from the live stream (counts as "new while scrolled away"). */
  live: boolean;
}

const STATUS_RANK: Record<AlertStatus, number> = { open: 0, acknowledged: 1, resolved: 2, reopened: 3 };

/** µs since the epoch of an ISO-8601 time with up to six fraction digits (Date keeps only ms). */
function isoMicros(t: string): number {
  const ms = Date.parse(t);
  const frac = /\.(\d{4,6})/.exec(t)?.[1];
  return ms * 1000 + (frac === undefined ? 0 : Number(frac.padEnd(6, '0').slice(3)));
}

/** The sort key of an alert: its last occurrence (µs); an alert without times (never from the API) goes last. */
function orderOf(a: Alert, fallback: number): number {
  const t = a.lastTs || a.ts;
  return t ? isoMicros(t) : fallback;
}

/** Feed order: last occurrence, then the server's activity (seq on an older server). */
function byActivity(x: AlertEntry, y: AlertEntry): number {
  return x.order - y.order || (x.alert.activity ?? x.alert.seq ?? 0) - (y.alert.activity ?? y.alert.seq ?? 0);
}

/**
 * Whether `a` is at least as recent as `b` (same alert id), so a REST snapshot taken while stream
 * events were arriving never rolls a row back. The server's rev grows with every change (occurrence,
 * acknowledge, resolve, reopen); without it (an older server) the count, lastTs and status decide.
 */
export function supersedes(a: Alert, b: Alert): boolean {
  if (typeof a.rev === 'number' && typeof b.rev === 'number') return a.rev >= b.rev;
  if (a.count !== b.count) return a.count > b.count;
  if (a.lastTs !== b.lastTs) return a.lastTs > b.lastTs;
  return STATUS_RANK[a.status ?? 'open'] >= STATUS_RANK[b.status ?? 'open'];
}

export function lowerText(e: AlertEntry): string {
  if (e.text === null) {
    const a = e.alert;
    // Addresses also as "ip:port", the way the feed shows them, so a search can be pasted back.
    e.text = [a.rule, a.severity, a.status ?? '', a.device ?? '', a.proto, `${a.src}:${a.sport ?? ''}`, `${a.dst}:${a.dport ?? ''}`, a.message, JSON.stringify(a.evidence ?? {})]
      .join(' ')
      .toLowerCase();
  }
  return e.text;
}

export class AlertStore {
  readonly byId = new Map<string, AlertEntry>();
  /** Ascending by order (oldest first); the feed reads it from the end. */
  list: AlertEntry[] = [];
  /** Every rule id seen, for the rule filter. */
  readonly rules = new Set<string>();
  /** Every site seen (a fleet hub's alerts), for the site filter. */
  readonly sites = new Set<string>();
  private readonly listeners = new Set<(c: StoreChange) => void>();

  constructor(readonly cap: number = DEFAULT_ALERT_CAP) {}

  onChange(fn: (c: StoreChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get newestOrder(): number {
    return this.list.length === 0 ? 0 : this.list[this.list.length - 1]!.order;
  }

  /** Merges alerts (from the stream when `live`, else a REST page) and tells the listeners once. */
  apply(alerts: readonly Alert[], live: boolean): StoreChange {
    const change: StoreChange = { added: [], updated: [], reordered: false, trimmedThrough: null, live };
    let late: AlertEntry[] | null = null;
    for (const a of alerts) {
      const have = this.byId.get(a.id);
      if (have !== undefined) {
        if (have.alert !== a && supersedes(a, have.alert)) {
          const order = orderOf(a, have.order);
          // A new occurrence moves it up the feed (the list is re-sorted below).
          if (order !== have.order) { have.order = order; late ??= []; }
          have.alert = a;
          have.lastMs = Date.parse(a.lastTs || a.ts);
          have.text = null;
          have.version++;
          change.updated.push(have);
        }
        continue;
      }
      const order = orderOf(a, this.newestOrder + 1);
      const e: AlertEntry = { alert: a, order, lastMs: Date.parse(a.lastTs || a.ts), text: null, version: 0 };
      this.byId.set(a.id, e);
      this.rules.add(a.rule);
      if (a.site !== undefined) this.sites.add(a.site);
      change.added.push(e);
      if (order > this.newestOrder || (order === this.newestOrder && this.list.length > 0 && byActivity(e, this.list[this.list.length - 1]!) > 0)) this.list.push(e);
      else (late ??= []).push(e);
    }
    if (late !== null) {
      for (const e of late) this.list.push(e);
      this.list.sort(byActivity);
      change.reordered = true;
    }
    const over = this.list.length - this.cap;
    if (over > 0) {
      const dropped = this.list.splice(0, over);
      for (const e of dropped) this.byId.delete(e.alert.id);
      change.trimmedThrough = dropped[dropped.length - 1]!.order;
    }
    if (change.added.length > 0 || change.updated.length > 0) for (const fn of this.listeners) fn(change);
    return change;
  }

  clear(): void {
    this.byId.clear();
    this.list = [];
    for (const fn of this.listeners) fn({ added: [], updated: [], reordered: true, trimmedThrough: null, live: false });
  }
}
