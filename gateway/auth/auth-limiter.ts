// Failed-authentication limiter, in two tables. Per source address and credential key (a token's
// prefix, see credential-key.ts): after `maxFailures` failures of that credential from that source
// within `windowMs`, that credential from that source is refused (429, Retry-After) for `blockMs`
// without being looked at — a broken script retrying a revoked token stops there, and nobody who
// holds part of a token can try endings. Per source address, any credential: after
// `maxSourceFailures` failures, credentials from that source that do not verify get 429 — this
// limits a guesser who varies the whole token (a new prefix each try) — while a token that verifies
// still passes, so one broken client never locks out the other users of its address (a NAT, a
// shared host, 127.0.0.1). Shared by the REST API and the WebSocket upgrade (request-auth.ts);
// bounded (`auth.limiter_table_full`); time is injected so tests use a fake clock.
import type { DecodeCounters } from '../common/events.js';
import { clientKey } from './client-key.js';
import { FailureTable, type LimitState } from './failure-table.js';

export type { LimitState };

/** Limiter settings. */
export interface AuthLimiterOptions {
  /** Failures of one credential key from one source within the window that block that pair. Default 10 (server.authFailures). */
  maxFailures: number;
  /** Failures of any credential from one source within the window that block its failing credentials. Default 30 (server.authSourceFailures). */
  maxSourceFailures: number;
  /** Sliding window of failures, milliseconds. Default 60000. */
  windowMs: number;
  /** How long a pair or a source is refused once over its limit, milliseconds. Default 300000. */
  blockMs: number;
  /** Keys tracked at once in each table; the least recently failing is forgotten beyond it. Default 10000. */
  maxClients: number;
  /** Clock, milliseconds. Default Date.now. */
  now: () => number;
}

/** Defaults of {@link AuthLimiterOptions} (the clock aside). */
export const AUTH_LIMITER_DEFAULTS = Object.freeze({ maxFailures: 10, maxSourceFailures: 30, windowMs: 60_000, blockMs: 300_000, maxClients: 10_000 });

/** Counters of one table. */
export interface LimiterTableStats {
  /** Keys tracked now. */
  tracked: number;
  /** Keys forgotten at maxClients, ever. */
  evicted: number;
  /** Blocks imposed, ever. */
  blocks: number;
}

/** Counts failed authentications per source and credential, and per source. */
export class AuthLimiter {
  private readonly opts: AuthLimiterOptions;
  /** By `source credentialKey`. */
  private readonly pairs: FailureTable;
  /** By source. */
  private readonly sources: FailureTable;

  /** `counters`: the named-event counters where `auth.limiter_table_full` is counted. */
  constructor(options: Partial<AuthLimiterOptions> = {}, counters?: DecodeCounters) {
    this.opts = { ...AUTH_LIMITER_DEFAULTS, now: Date.now, ...options };
    const o = this.opts;
    if (!(o.maxFailures >= 1 && o.maxSourceFailures >= 1 && o.maxClients >= 1)) throw new RangeError('maxFailures, maxSourceFailures and maxClients must be at least 1');
    const common = { windowMs: o.windowMs, blockMs: o.blockMs, maxKeys: o.maxClients, counters };
    this.pairs = new FailureTable({ ...common, name: 'auth limiter (source, credential) maxClients', maxFailures: o.maxFailures });
    this.sources = new FailureTable({ ...common, name: 'auth limiter source maxClients', maxFailures: o.maxSourceFailures });
  }

  /**
   * Whether the credential of key `credKey` (credentialKey()) is refused from `ip` now, before it is
   * even looked up. Call before verifying it.
   */
  check(ip: string, credKey: string): LimitState {
    return this.pairs.state(`${clientKey(ip)} ${credKey}`, this.opts.now());
  }

  /**
   * Whether `ip` is over its own limit: a credential from it that does not verify is then answered
   * 429. Never ask this of a credential that verified.
   */
  checkSource(ip: string): LimitState {
    return this.sources.state(clientKey(ip), this.opts.now());
  }

  /**
   * Records one failure of `credKey` from `ip` in both tables. Returns the state after it: blocked
   * when this failure brought the pair or the source to its limit (the longer wait of the two).
   */
  fail(ip: string, credKey: string): LimitState {
    const now = this.opts.now();
    const src = clientKey(ip);
    const a = this.pairs.fail(`${src} ${credKey}`, now);
    const b = this.sources.fail(src, now);
    if (!a.blocked) return b;
    if (!b.blocked) return a;
    return a.retryAfterMs >= b.retryAfterMs ? a : b;
  }

  /** Both tables together, then each: keys tracked, forgotten at the cap, blocks imposed. */
  stats(): LimiterTableStats & { pairs: LimiterTableStats; sources: LimiterTableStats } {
    const t = (f: FailureTable): LimiterTableStats => ({ tracked: f.size, evicted: f.evicted, blocks: f.blocks });
    const pairs = t(this.pairs);
    const sources = t(this.sources);
    return { tracked: pairs.tracked + sources.tracked, evicted: pairs.evicted + sources.evicted, blocks: pairs.blocks + sources.blocks, pairs, sources };
  }
}
