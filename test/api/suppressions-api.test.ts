// The suppression routes over real HTTP: who may read and write them, a refused body answered
// with every fault and its JSON path, 404 for unknown ids, the active limit, removal with who and
// when, listing by state, and the query checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let t: TestDaemon;
let clock = Date.UTC(2026, 4, 1, 8);

beforeAll(async () => {
  t = await startTestDaemon({ suppressions: { maxActive: 2, maxExpirySeconds: 86400 } }, { now: () => clock });
});
afterAll(async () => { await t.close(); });

interface ErrorBody { code: string; message: string; details?: { path: string; code: string; message: string }[] }
interface Sup { id: string; state: string; removedBy: string | null; removedAt: string | null; expiresAt: string; createdAt: string }

async function call<T = ErrorBody>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await t.api(path, {
    method, token, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

const GOOD = { device: '02:00:00:00:77:01', expiresInSeconds: 600, reason: 'lab device' };

describe('who may', () => {
  it('write: analyst and admin; not vendor nor device; nobody without a token', async () => {
    expect((await call('POST', '/api/v1/suppressions', null, GOOD)).body.code).toBe('auth.missing');
    for (const role of ['vendor', 'device'] as const) {
      const r = await call('POST', '/api/v1/suppressions', t.tokens[role], GOOD);
      expect([r.status, r.body.code], role).toEqual([403, 'auth.forbidden']);
      expect((await call('DELETE', '/api/v1/suppressions/sup-x', t.tokens[role])).status, role).toBe(403);
      // Reading needs alerts:read, which neither has.
      expect((await call('GET', '/api/v1/suppressions', t.tokens[role])).status, role).toBe(403);
    }
    const made = await call<{ suppression: Sup }>('POST', '/api/v1/suppressions', t.tokens.admin, GOOD);
    expect(made.status).toBe(201);
    expect(made.body.suppression).toMatchObject({ state: 'active', createdAt: '2026-05-01T08:00:00.000Z', expiresAt: '2026-05-01T08:10:00.000Z' });
    const removed = await call<{ suppression: Sup }>('DELETE', `/api/v1/suppressions/${made.body.suppression.id}`, t.tokens.analyst);
    expect(removed.status).toBe(200);
    expect(removed.body.suppression).toMatchObject({ state: 'removed', removedAt: '2026-05-01T08:00:00.000Z' });
    expect(removed.body.suppression.removedBy).toMatch(/^test analyst \(/);
  });
});

describe('a refused body', () => {
  it('names every fault by its JSON path', async () => {
    const r = await call('POST', '/api/v1/suppressions', t.tokens.analyst, {
      rule: 'scan.nope', device: '02:00', peer: '300.1.1.1', port: '23', expiresInSeconds: 86401, reason: '', colour: 'red',
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('request.invalid');
    expect(r.body.details!.map((d) => `${d.path} ${d.code}`).sort()).toEqual([
      '/colour unknown', '/device mac', '/expiresInSeconds range', '/peer address', '/port range', '/reason required', '/rule enum',
    ]);
  });

  it('without a scope or an expiry, or not an object', async () => {
    const noScope = await call('POST', '/api/v1/suppressions', t.tokens.analyst, { expiresInSeconds: 60, reason: 'x' });
    expect(noScope.body.details).toEqual([expect.objectContaining({ path: '', code: 'scope-required' })]);
    const noExpiry = await call('POST', '/api/v1/suppressions', t.tokens.analyst, { port: 23, reason: 'x' });
    expect(noExpiry.body.details).toEqual([expect.objectContaining({ path: '/expiresAt', code: 'required' })]);
    const list = await call('POST', '/api/v1/suppressions', t.tokens.analyst, [GOOD]);
    expect([list.status, list.body.details?.[0]?.path]).toEqual([400, '']);
    const bad = await t.api('/api/v1/suppressions', { method: 'POST', token: t.tokens.analyst, body: '{', headers: { 'content-type': 'application/json' } });
    expect(((await bad.json()) as ErrorBody).code).toBe('request.bad-json');
  });

  it('checks the query parameters', async () => {
    const r = await call('GET', '/api/v1/suppressions?state=sleeping&limit=0&x=1', t.tokens.analyst);
    expect(r.status).toBe(400);
    expect(r.body.details!.map((d) => d.path).sort()).toEqual(['/query/limit', '/query/state', '/query/x']);
  });
});

describe('ids, limit, states', () => {
  it('answers 404 suppression.not-found for an unknown id', async () => {
    for (const [m, p] of [['GET', '/api/v1/suppressions/sup-nope'], ['GET', '/api/v1/suppressions/sup-nope/hits'], ['DELETE', '/api/v1/suppressions/sup-nope']]) {
      const r = await call(m, p, t.tokens.analyst);
      expect([r.status, r.body.code], `${m} ${p}`).toEqual([404, 'suppression.not-found']);
    }
  });

  it('refuses more than suppressions.maxActive active ones (409), lists by state, and expiry frees a place', async () => {
    const one = await call<{ suppression: Sup }>('POST', '/api/v1/suppressions', t.tokens.analyst, { port: 23, expiresInSeconds: 60, reason: 'a' });
    const two = await call<{ suppression: Sup }>('POST', '/api/v1/suppressions', t.tokens.analyst, { port: 24, expiresInSeconds: 3600, reason: 'b' });
    expect([one.status, two.status]).toEqual([201, 201]);
    const three = await call('POST', '/api/v1/suppressions', t.tokens.analyst, { port: 25, expiresInSeconds: 60, reason: 'c' });
    expect([three.status, three.body.code]).toEqual([409, 'suppression.limit']);
    clock += 61_000;
    const ids = async (state: string) => (await call<{ items: Sup[] }>('GET', `/api/v1/suppressions?state=${state}`, t.tokens.analyst)).body.items.map((s) => s.id);
    expect(await ids('expired')).toEqual([one.body.suppression.id]);
    expect(await ids('active')).toEqual([two.body.suppression.id]);
    expect((await ids('removed')).length).toBe(1);
    expect((await call('POST', '/api/v1/suppressions', t.tokens.analyst, { port: 25, expiresInSeconds: 60, reason: 'c' })).status).toBe(201);
    const got = await call<Sup>('GET', `/api/v1/suppressions/${two.body.suppression.id}`, t.tokens.analyst);
    expect(got.body).toMatchObject({ id: two.body.suppression.id, state: 'active' });
  });
});
