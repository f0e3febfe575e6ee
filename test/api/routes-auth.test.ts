// Every route over real HTTP on 127.0.0.1, with each role: a write route refuses a missing token
// (401) and a role without its permission (403); every route lets exactly the roles with its
// permission through; tokens in the query string and floods of bad tokens are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, ROLES, type Permission } from '../../gateway/auth/roles.js';
import { isWrite } from '../../gateway/server/route.js';
import { ROUTES } from '../../gateway/server/route-table.js';
import { API_ERRORS } from '../../gateway/server/api-errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let t: TestDaemon;
beforeAll(async () => { t = await startTestDaemon(); });
afterAll(async () => { await t.close(); });

/** A concrete path for a route pattern. */
const concrete = (p: string) => p.replace(':mac', '02:00:00:00:00:99').replace(':url', encodeURIComponent('https://example.com/nope.json')).replace(':id', 'nope');

async function call(method: string, path: string, token: string | null) {
  const body = method === 'get' || method === 'delete' ? undefined : '{}';
  const res = await t.api(path, { method: method.toUpperCase(), token, body, headers: body ? { 'content-type': 'application/json' } : {} });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) as { code?: string } : null };
}

describe('routes and roles', () => {
  const writes = ROUTES.filter(isWrite);

  it('has write routes for triage, profiles, logs, tokens, response actions, suppressions, incidents and exposure audits', () => {
    expect(writes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'delete /api/v1/profiles/:url', 'delete /api/v1/tokens/:id',
      'post /api/v1/alerts/:id/acknowledge', 'post /api/v1/alerts/:id/resolve', 'post /api/v1/alerts/:id/reopen',
      'post /api/v1/logs', 'post /api/v1/profiles', 'post /api/v1/tokens',
      'post /api/v1/actions', 'post /api/v1/actions/:id/release',
      'post /api/v1/suppressions', 'delete /api/v1/suppressions/:id',
      'post /api/v1/incidents/:id/state', 'post /api/v1/incidents/:id/false-positive',
      'post /api/v1/exposure/audits',
    ].sort());
  });

  for (const r of writes) {
    it(`${r.method.toUpperCase()} ${r.path}: 401 without a token, 403 for roles without ${r.permission}`, async () => {
      const none = await call(r.method, concrete(r.path), null);
      expect(none.status).toBe(401);
      expect(none.body?.code).toBe('auth.missing');
      // A different bad token per route: one token failing on every route would reach the limiter's
      // per-token limit (server.authFailures) once there are more than 10 write routes.
      const bad = await call(r.method, concrete(r.path), `ew_${String(writes.indexOf(r)).padStart(8, 'A')}${'A'.repeat(35)}`);
      expect(bad.status).toBe(401);
      expect(bad.body?.code).toBe('auth.invalid');
      const denied = ROLES.filter((role) => r.permission === 'authenticated' || !can(role, r.permission as Permission));
      expect(denied.length).toBeGreaterThan(0);
      for (const role of denied) {
        const res = await call(r.method, concrete(r.path), t.tokens[role]);
        expect(res.status, role).toBe(403);
        expect(res.body?.code).toBe('auth.forbidden');
      }
    });
  }

  it('lets exactly the roles with the permission through on every route', async () => {
    for (const r of ROUTES) {
      for (const role of ROLES) {
        const res = await call(r.method, concrete(r.path), t.tokens[role]);
        const allowed = r.permission === null || r.permission === 'authenticated' || can(role, r.permission);
        if (allowed) expect(res.status, `${role} ${r.method} ${r.path}`).not.toBe(403);
        else expect(res.status, `${role} ${r.method} ${r.path}`).toBe(403);
        expect(res.status).not.toBe(401);
        expect(res.status, `${role} ${r.method} ${r.path}: ${JSON.stringify(t.events.filter((e) => e.event === 'api.error'))}`).not.toBe(500);
      }
    }
  });

  it('tells a token who it is', async () => {
    const res = await t.api('/api/v1/whoami', { token: t.tokens.vendor });
    expect(await res.json()).toMatchObject({ role: 'vendor', vendor: 'example.com', device: null });
  });

  it('refuses a token in the query string even when it is valid', async () => {
    const res = await t.api(`/api/v1/alerts?token=${t.tokens.admin}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('auth.token-in-query');
  });

  it('answers unknown API paths with route.not-found, and errors as {code, message}', async () => {
    const res = await t.api('/api/v1/nothing', { token: t.tokens.admin });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 'route.not-found', message: API_ERRORS['route.not-found'][1] });
  });

  it('sends security headers and no x-powered-by', async () => {
    const res = await t.api('/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('documents every route and every error code in the OpenAPI document', async () => {
    const doc = (await (await t.api('/api/v1/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, { 'x-permission'?: string }>>; 'x-error-codes': Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ROUTES) {
      const op = doc.paths[r.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[r.method];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      expect(op?.['x-permission']).toBe(r.permission ?? undefined);
    }
    expect(Object.keys(doc['x-error-codes']).sort()).toEqual(Object.keys(API_ERRORS).sort());
  });
});

describe('failed-auth limit', () => {
  let s: TestDaemon;
  beforeAll(async () => { s = await startTestDaemon({ server: { authFailures: 3, authBlockSeconds: 60 } }); });
  afterAll(async () => { await s.close(); });

  it('refuses a bad token retried with 429 and Retry-After; a good token from the same address still passes', async () => {
    const codes: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 4; i++) {
      last = await s.api('/api/v1/alerts', { token: `ew_${'B'.repeat(43)}` });
      codes.push(last.status);
    }
    // The third failure starts the block; it is still answered 401, later attempts 429.
    expect(codes).toEqual([401, 401, 401, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    const good = await s.api('/api/v1/alerts', { token: s.tokens.admin });
    expect(good.status).toBe(200);
    expect(JSON.stringify(s.events)).not.toContain(s.tokens.admin);
  });
});
