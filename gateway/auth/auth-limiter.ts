// Failed-authentication limiter: after `maxFailures` failures from one client within `windowMs`, that
// client is refused (429 with Retry-After) for `blockMs`. Shared by the REST API and the WebSocket
// upgrade; bounded in memory (`auth.limiter_table_full` at the cap); time is injected so tests use
// a fake clock.
import { BoundedTable } from '../common/bounded-table.js';
import type { DecodeCounters } from '../common/events.js';
import { clientKey } from './client-key.js';

/** Limiter settings. */
export interface AuthLimiterOptions {
  /** Failures within the window that trigger a block. Default 10. */
  maxFailures: number;
  /** Sliding window of failures, milliseconds. Default 60000. */
  windowMs: number;
  /** How long a client is refused once over the limit, milliseconds. Default 300000. */
  blockMs: number;
  /** Clients tracked at once; the least recently failing is forgotten beyond it. Default 10000. */
  maxClients: number;
  /** Clock, milliseconds. Default Date.now. */
  now: () => number;
}

/** Defaults of {@link AuthLimiterOptions} (the clock aside). */
export const AUTH_LIMITER_DEFAULTS = Object.freeze({ maxFailures: 10, windowMs: 60_000, blockMs: 300_000, maxClients: 10_000 });

/** What the limiter says of a client. */
export type LimitState = { blocked: false } | { blocked: true; retryAfterMs: number };

interface Entry {
  /** Times of the failures inside the window, oldest first; at most maxFailures. */
  failures: number[];
  blockedUntil: number;
}

/** Counts failed authentications per client address. */
export class AuthLimiter {
  private readonly opts: AuthLimiterOptions;
  /**
   * Clients by key, least recently failing first: under a flood of new addresses the quiet ones go
   * (counted, `auth.limiter_table_full`).
   */
  private readonly entries: BoundedTable<string, Entry>;
  private blockedCount = 0;

  /** `counters`: the named-event counters where `auth.limiter_table_full` is counted. */
  constructor(options: Partial<AuthLimiterOptions> = {}, counters?: DecodeCounters) {
    this.opts = { ...AUTH_LIMITER_DEFAULTS, now: Date.now, ...options };
    if (!(this.opts.maxFailures >= 1 && this.opts.maxClients >= 1)) throw new RangeError('maxFailures and maxClients must be at least 1');
    this.entries = new BoundedTable<string, Entry>({
      name: 'auth limiter maxClients', capacity: this.opts.maxClients, order: 'lru', counters, event: 'auth.limiter_table_full',
    });
  }

  /** Whether `ip` is refused now, and for how long. Call before checking a credential. */
  check(ip: string): LimitState {
    const e = this.entries.peek(clientKey(ip));
    if (e === undefined) return { blocked: false };
    const now = this.opts.now();
    if (e.blockedUntil > now) return { blocked: true, retryAfterMs: e.blockedUntil - now };
    const last = e.failures[e.failures.length - 1] ?? 0;
    if (last <= now - this.opts.windowMs) this.entries.delete(clientKey(ip)); // nothing left to remember
    return { blocked: false };
  }

  /** Records one failure of `ip`; returns the state after it (blocked when this one hit the limit). */
  fail(ip: string): LimitState {
    const key = clientKey(ip);
    const now = this.opts.now();
    let e = this.entries.peek(key);
    if (e === undefined) {
      e = { failures: [], blockedUntil: 0 };
      this.entries.add(key, e); // at the cap the least recently failing client is forgotten
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
      this.blockedCount++;
    }
    return e.blockedUntil > now ? { blocked: true, retryAfterMs: e.blockedUntil - now } : { blocked: false };
  }

  /** Clients tracked, clients forgotten to stay under maxClients, blocks imposed. */
  stats(): { tracked: number; evicted: number; blocks: number } {
    return { tracked: this.entries.size, evicted: this.entries.evicted, blocks: this.blockedCount };
  }
}
