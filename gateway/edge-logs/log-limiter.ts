// Per-device rate limit of edge logs: a token bucket per key (device MAC, else source address),
// a bounded number of keys (`edge_log.limiter_table_full` at the cap), drop counts; time is passed
// in (ms) so tests drive a fake clock.
import { BoundedTable } from '../common/bounded-table.js';
import type { DecodeCounters } from '../common/events.js';

/** Settings of the limiter. */
export interface LogLimiterConfig {
  /** Tokens added per second (lines per second over time). 0: only the burst, ever. */
  ratePerSecond: number;
  /** Bucket size: lines a quiet device may send at once. Below 1 nothing passes. */
  burst: number;
  /** Keys tracked, a positive integer; at the cap the least recently seen is forgotten (counted in `evicted`). */
  maxKeys: number;
  /** Ms between two reports of one key's drops (see `dueReport`). */
  reportIntervalMs: number;
}

interface Bucket {
  tokens: number;
  /** Time of the last refill, ms. */
  last: number;
  dropped: number;
  /** Drops since the last report. */
  unreported: number;
  /** Time of the last report, ms; -Infinity before the first. */
  reportedAt: number;
}

/** Token buckets keyed by device, least recently seen first. */
export class LogLimiter {
  /** Buckets by key, least recently seen first; capped at maxKeys (`edge_log.limiter_table_full`). */
  private readonly buckets: BoundedTable<string, Bucket>;
  /** Key of the last `take`: repeated lines of one device skip the recency update. */
  private lastKey: string | null = null;
  /** Lines refused, all keys, ever (survives eviction). */
  droppedTotal = 0;

  /** `counters`: the named-event counters where `edge_log.limiter_table_full` is counted. */
  constructor(private readonly cfg: Readonly<LogLimiterConfig>, counters?: DecodeCounters) {
    this.buckets = new BoundedTable<string, Bucket>({
      name: 'edgeLogs.maxDevices', capacity: cfg.maxKeys, order: 'lru', counters, event: 'edge_log.limiter_table_full',
    });
  }

  /** Keys forgotten at `maxKeys`. */
  get evicted(): number {
    return this.buckets.evicted;
  }

  /** Takes a token for one line of `key` at time `nowMs`; false when the line must be dropped (and counts it). */
  take(key: string, nowMs: number): boolean {
    let b = this.buckets.peek(key);
    if (b === undefined) {
      b = { tokens: this.cfg.burst, last: nowMs, dropped: 0, unreported: 0, reportedAt: -Infinity };
      this.buckets.add(key, b); // at the cap the least recently seen key is forgotten
    } else if (key !== this.lastKey) {
      this.buckets.touch(key, b); // mark it recent
    }
    this.lastKey = key;
    if (nowMs > b.last) {
      b.tokens = Math.min(this.cfg.burst, b.tokens + ((nowMs - b.last) * this.cfg.ratePerSecond) / 1000);
      b.last = nowMs;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    b.dropped++;
    b.unreported++;
    this.droppedTotal++;
    return false;
  }

  /**
   * Drops of `key` not yet reported, when at least `reportIntervalMs` passed since its last report
   * (or it never had one); they count as reported from then. 0 when nothing is due, so a flood
   * gives one log event per key per interval, not one per line.
   */
  dueReport(key: string, nowMs: number): number {
    const b = this.buckets.peek(key);
    if (b === undefined || b.unreported === 0 || nowMs - b.reportedAt < this.cfg.reportIntervalMs) return 0;
    const n = b.unreported;
    b.unreported = 0;
    b.reportedAt = nowMs;
    return n;
  }

  /** Lines of `key` dropped while it was tracked (0 for an unknown or evicted key). */
  dropped(key: string): number {
    return this.buckets.peek(key)?.dropped ?? 0;
  }

  /** Keys tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** The `limit` keys with the most drops, most first (for the API and metrics). */
  topDropped(limit = 10): { key: string; dropped: number }[] {
    const out: { key: string; dropped: number }[] = [];
    for (const [key, b] of this.buckets) if (b.dropped > 0) out.push({ key, dropped: b.dropped });
    return out.sort((a, b) => b.dropped - a.dropped || (a.key < b.key ? -1 : 1)).slice(0, limit);
  }
}
