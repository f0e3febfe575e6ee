// Failed-authentication limiter: after `maxFailures` failures from one client within `windowMs`, that
// client is refused (429 with Retry-After) for `blockMs`. Shared by the REST API and the WebSocket
// upgrade; bounded in memory; time is injected so tests use a fake clock.
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
  private readonly entries = new Map<string, Entry>();
  private evictedCount = 0;
  private blockedCount = 0;

  constructor(options: Partial<AuthLimiterOptions> = {}) {
    this.opts = { ...AUTH_LIMITER_DEFAULTS, now: Date.now, ...options };
    if (!(this.opts.maxFailures >= 1 && this.opts.maxClients >= 1)) throw new RangeError('maxFailures and maxClients must be at least 1');
  }

  /** Whether `ip` is refused now, and for how long. Call before checking a credential. */
  check(ip: string): LimitState {
    const e = this.entries.get(clientKey(ip));
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
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { failures: [], blockedUntil: 0 };
      if (this.entries.size >= this.opts.maxClients) this.evictOldest();
    } else {
      this.entries.delete(key); // re-inserted below: Map order is least recently failing first
    }
    this.entries.set(key, e);
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
    return { tracked: this.entries.size, evicted: this.evictedCount, blocks: this.blockedCount };
  }

  private evictOldest(): void {
    // Map order is least recently failing first: under a flood of new addresses the quiet ones go.
    const first = this.entries.keys().next();
    if (!first.done) {
      this.entries.delete(first.value);
      this.evictedCount++;
    }
  }
}
