// The failed-auth limiter per source and credential prefix, through the one auth decision
// (authenticateRequest) with a real token store on an in-memory SQLite and a fake clock: a valid
// token is never locked out by other credentials' failures from its address; a token retried in a
// loop is blocked alone; a guesser rotating whole tokens gets 429 past the per-source limit; other
// addresses are unaffected; the tables stay bounded.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthLimiter, type AuthLimiterOptions } from '../../gateway/auth/auth-limiter.js';
import { credentialKey, ILL_SHAPED_KEY, QUERY_KEY } from '../../gateway/auth/credential-key.js';
import { authenticateRequest, type AuthDeps } from '../../gateway/auth/request-auth.js';
import { TokenStore } from '../../gateway/auth/token-store.js';
import { DecodeCounters, ev } from '../../gateway/common/events.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';

const A = '192.0.2.10';
const B = '192.0.2.11';

/** A token-shaped credential that verifies nowhere, distinct for each `i` in its first 8 characters. */
const badToken = (i: number, tail = 'x'): string => `ew_${String(i).padStart(8, 'Q')}${tail.repeat(35).slice(0, 35)}`;

let db: Db;
let tokens: TokenStore;
let clock: { t: number };
let valid: string;

beforeEach(() => {
  db = openDatabase(':memory:');
  tokens = new TokenStore(db);
  clock = { t: 1_000_000 };
  valid = tokens.create({ role: 'analyst' }).token;
});
afterEach(() => { db.close(); });

function deps(over: Partial<AuthLimiterOptions> = {}, counters?: DecodeCounters): AuthDeps & { limiter: AuthLimiter } {
  return { authenticate: (t) => tokens.verify(t), limiter: new AuthLimiter({ now: () => clock.t, ...over }, counters) };
}

const bearer = (ip: string, token: string, url?: string) => ({ ip, authorization: `Bearer ${token}`, url });

describe('credentialKey', () => {
  it('is ew_ and the first 8 characters of the secret, or one key for anything not token-shaped', () => {
    expect(credentialKey(valid)).toBe(valid.slice(0, 11));
    expect(credentialKey(valid)).toHaveLength(11);
    expect(credentialKey('undefined')).toBe(ILL_SHAPED_KEY);
    expect(credentialKey(valid.slice(0, -1))).toBe(ILL_SHAPED_KEY);
    expect(QUERY_KEY).not.toBe(ILL_SHAPED_KEY);
  });
});

describe('limiter per source and credential prefix', () => {
  it('50 different bad tokens from one address: 401 up to the per-source limit, then 429; the valid token still passes', () => {
    const d = deps();
    const codes: string[] = [];
    for (let i = 0; i < 50; i++) {
      const out = authenticateRequest(bearer(A, badToken(i)), d, 'alerts:read');
      codes.push(out.ok ? 'ok' : out.code);
    }
    expect(codes.slice(0, 30)).toEqual(Array(30).fill('auth.invalid'));
    expect(codes.slice(30)).toEqual(Array(20).fill('auth.rate-limited'));
    expect(authenticateRequest(bearer(A, badToken(99)), d)).toMatchObject({ ok: false, status: 429, retryAfterS: 300 });
    expect(authenticateRequest(bearer(A, valid), d, 'alerts:read')).toMatchObject({ ok: true });
    // Another address is not affected.
    expect(authenticateRequest(bearer(B, badToken(1)), d)).toMatchObject({ ok: false, code: 'auth.invalid', status: 401 });
    // Failures past the limit were not counted into new pairs (a rotating guesser does not fill the table).
    expect(d.limiter.stats().pairs.tracked).toBe(31);
    // The block ends; the count starts again.
    clock.t += 300_000;
    expect(authenticateRequest(bearer(A, badToken(100)), d)).toMatchObject({ code: 'auth.invalid' });
  });

  it('one bad token retried: that token is refused (429) without a lookup after 10, other credentials from the address are not', () => {
    const looked: string[] = [];
    const base = deps();
    const d: AuthDeps = { ...base, authenticate: (t) => { looked.push(t); return tokens.verify(t); } };
    const broken = badToken(7);
    for (let i = 0; i < 10; i++) expect(authenticateRequest(bearer(A, broken), d)).toMatchObject({ code: 'auth.invalid' });
    expect(looked).toHaveLength(10);
    expect(authenticateRequest(bearer(A, broken), d)).toMatchObject({ code: 'auth.rate-limited', retryAfterS: 300 });
    expect(looked).toHaveLength(10); // refused before the lookup
    // A different bad token from the same address is a new pair: 401, not 429.
    expect(authenticateRequest(bearer(A, badToken(8)), d)).toMatchObject({ code: 'auth.invalid' });
    expect(authenticateRequest(bearer(A, valid), d)).toMatchObject({ ok: true });
    // The same broken token from another address: its own pair.
    expect(authenticateRequest(bearer(B, broken), d)).toMatchObject({ code: 'auth.invalid' });
    clock.t += 299_000;
    expect(authenticateRequest(bearer(A, broken), d)).toMatchObject({ code: 'auth.rate-limited', retryAfterS: 1 });
    clock.t += 1000;
    expect(authenticateRequest(bearer(A, broken), d)).toMatchObject({ code: 'auth.invalid' });
  });

  it('a guesser holding a token\'s first 8 characters cannot try endings during the block, even the right one', () => {
    const d = deps();
    const prefix = valid.slice(0, 11);
    for (let i = 0; i < 10; i++) {
      const guess = `${prefix}${String(i).padStart(35, 'z')}`;
      expect(authenticateRequest(bearer(A, guess), d)).toMatchObject({ code: 'auth.invalid' });
    }
    // The pair (A, prefix) is blocked: the right ending is refused too, from A only.
    expect(authenticateRequest(bearer(A, valid), d)).toMatchObject({ code: 'auth.rate-limited' });
    expect(authenticateRequest(bearer(B, valid), d)).toMatchObject({ ok: true });
  });

  it('counts ill-shaped credentials and query-string tokens under their own keys; a missing credential never', () => {
    const d = deps();
    for (let i = 0; i < 25; i++) expect(authenticateRequest({ ip: A }, d)).toMatchObject({ code: 'auth.missing', status: 401 });
    for (let i = 0; i < 10; i++) expect(authenticateRequest(bearer(A, `junk${i}`), d)).toMatchObject({ code: 'auth.invalid' });
    expect(authenticateRequest(bearer(A, 'junk99'), d)).toMatchObject({ code: 'auth.rate-limited' });
    for (let i = 0; i < 10; i++) expect(authenticateRequest(bearer(A, valid, `/api/v1/alerts?token=${valid}`), d)).toMatchObject({ code: 'auth.token-in-query' });
    expect(authenticateRequest(bearer(A, valid, `/api/v1/alerts?token=${valid}`), d)).toMatchObject({ code: 'auth.rate-limited' });
    expect(authenticateRequest(bearer(A, valid, '/api/v1/alerts'), d, 'alerts:read')).toMatchObject({ ok: true });
    expect(authenticateRequest({ ip: A }, d)).toMatchObject({ code: 'auth.missing' });
    expect(d.limiter.stats().sources.blocks).toBe(0); // 20 failures: under 30
  });

  it('a refused permission is not a failure', () => {
    const d = deps({ maxFailures: 1, maxSourceFailures: 1 });
    const vendor = tokens.create({ role: 'vendor', vendor: 'example.com' }).token;
    for (let i = 0; i < 5; i++) expect(authenticateRequest(bearer(A, vendor), d, 'alerts:read')).toMatchObject({ code: 'auth.forbidden', status: 403 });
    expect(d.limiter.stats()).toMatchObject({ tracked: 0, blocks: 0 });
  });

  it('a revoked token retried is blocked alone; the new token of the same client passes', () => {
    const d = deps();
    const old = tokens.create({ role: 'analyst' });
    tokens.revoke(old.id);
    for (let i = 0; i < 12; i++) authenticateRequest(bearer(A, old.token), d);
    expect(authenticateRequest(bearer(A, old.token), d)).toMatchObject({ code: 'auth.rate-limited' });
    expect(authenticateRequest(bearer(A, tokens.create({ role: 'analyst' }).token), d)).toMatchObject({ ok: true });
  });

  it('stays bounded under many sources and prefixes, counting auth.limiter_table_full', () => {
    const c = new DecodeCounters();
    const d = deps({ maxClients: 50 }, c);
    for (let s = 0; s < 200; s++) for (let i = 0; i < 3; i++) authenticateRequest(bearer(`10.1.${s >> 8}.${s & 255}`, badToken(i)), d);
    const st = d.limiter.stats();
    expect(st.pairs.tracked).toBe(50);
    expect(st.sources.tracked).toBe(50);
    expect(st.pairs.evicted).toBe(600 - 50);
    expect(st.sources.evicted).toBe(200 - 50);
    expect(c.counts[ev('auth.limiter_table_full')]).toBe(600 - 50 + 200 - 50);
    expect(authenticateRequest(bearer('10.1.0.0', valid), d)).toMatchObject({ ok: true });
  });
});
