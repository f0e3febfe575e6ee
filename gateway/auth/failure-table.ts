// Failed attempts per key in a sliding window, and a block once a key reaches its limit: the
// building block of the auth limiter (one table per source address, one per source and credential
// prefix). Bounded (BoundedTable, least recently failing forgotten first, counted as
// `auth.limiter_table_full`); the clock is passed in, so tests run on a fake one.
import { BoundedTable } from '../common/bounded-table.js';
import type { DecodeCounters } from '../common/events.js';

/** What a table says of a key. */
export type LimitState = { blocked: false } | { blocked: true; retryAfterMs: number };

/** Settings of one table. */
export interface FailureTableOptions {
  /** The cap's name in messages (a config key or a description). */
  name: string;
  /** Failures within the window that start a block; at least 1. */
  maxFailures: number;
  /** Sliding window of failures, milliseconds. */
  windowMs: number;
  /** How long a key is blocked once it reached the limit, milliseconds. */
  blockMs: number;
  /** Keys tracked at once; the least recently failing is forgotten beyond it. */
  maxKeys: number;
  /** Where `auth.limiter_table_full` is counted. Default: nowhere (only `evicted`). */
  counters?: DecodeCounters;
}

interface Entry {
  /** Times of the failures inside the window, oldest first; at most maxFailures. */
  failures: number[];
  /** Milliseconds; 0 when never blocked. */
  blockedUntil: number;
}

const FREE: LimitState = Object.freeze({ blocked: false });

/** Failures and blocks by key. */
export class FailureTable {
  private readonly entries: BoundedTable<string, Entry>;
  /** Blocks imposed, ever. */
  blocks = 0;

  constructor(private readonly opts: FailureTableOptions) {
    if (!(opts.maxFailures >= 1)) throw new RangeError(`${opts.name}: maxFailures must be at least 1`);
    this.entries = new BoundedTable<string, Entry>({
      name: opts.name, capacity: opts.maxKeys, order: 'lru', counters: opts.counters, event: 'auth.limiter_table_full',
    });
  }

  /** Keys tracked now. */
  get size(): number {
    return this.entries.size;
  }

  /** Keys forgotten at the cap, ever. */
  get evicted(): number {
    return this.entries.evicted;
  }

  /** Whether `key` is blocked at `now` (ms), and for how long. Forgets a key with nothing left to remember. */
  state(key: string, now: number): LimitState {
    const e = this.entries.peek(key);
    if (e === undefined) return FREE;
    if (e.blockedUntil > now) return { blocked: true, retryAfterMs: e.blockedUntil - now };
    const last = e.failures[e.failures.length - 1] ?? 0;
    if (last <= now - this.opts.windowMs) this.entries.delete(key);
    return FREE;
  }

  /**
   * Records one failure of `key` at `now` (ms); returns the state after it: blocked when this one
   * reached the limit (the block then clears the count, so it starts again after the block).
   */
  fail(key: string, now: number): LimitState {
    let e = this.entries.peek(key);
    if (e === undefined) {
      e = { failures: [], blockedUntil: 0 };
      this.entries.add(key, e); // at the cap the least recently failing key is forgotten
    } else {
      this.entries.touch(key, e); // least recently failing first
    }
    const from = now - this.opts.windowMs;
    while (e.failures.length > 0 && e.failures[0]! <= from) e.failures.shift();
    e.failures.push(now);
    if (e.failures.length > this.opts.maxFailures) e.failures.shift();
    if (e.failures.length >= this.opts.maxFailures && e.blockedUntil <= now) {
      e.blockedUntil = now + this.opts.blockMs;
      e.failures = [];
      this.blocks++;
    }
    return e.blockedUntil > now ? { blocked: true, retryAfterMs: e.blockedUntil - now } : FREE;
  }
}
