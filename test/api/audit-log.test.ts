// The audit log on a real daemon: every non-GET route of the route table (whatever routes exist)
// leaves exactly one row per request — without a token (401), with a role lacking the permission
// (403, the token named), and as admin (whatever it answers) — with the actor, client, method,
// path, status and code of the answer; GETs leave none; no token text reaches the table, not even
// one pasted into a path or a query; GET /api/v1/audit is admin-only, filtered and paged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../gateway/audit/audit-entry.js';
import { can, ROLES, type Role } from '../../gateway/auth/roles.js';
import { isWrite } from '../../gateway/server/route.js';
import { ROUTES } from '../../gateway/server/route-table.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let t: TestDaemon;
/** Public id of the test daemon's token of each role. */
const ids = {} as Record<Role, string>;
beforeAll(async () => {
  t = await startTestDaemon();
  for (const role of ROLES) {
    const info = t.daemon.tokens.verify(t.tokens[role]);
    ids[role] = info!.id;
  }
});
afterAll(async () => { await t.close(); });

/** A concrete path for a route pattern. */
const concrete = (p: string) => p
  .replace(':mac', '02:00:00:00:00:99')
  .replace(':url', encodeURIComponent('https://example.com/nope.json'))
  .replace(/:[A-Za-z]+/g, 'nope');

async function call(method: string, path: string, token: string | null, body: string | undefined = method === 'get' || method === 'delete' ? undefined : '{}') {
  const res = await t.api(path, { method: method.toUpperCase(), token, body, headers: body ? { 'content-type': 'application/json' } : {} });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : null };
}

/** The newest row, through the API (admin). */
async function newest(): Promise<AuditEntry> {
  const res = await t.api('/api/v1/audit?limit=1', { token: t.tokens.admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: AuditEntry[] }).items[0]!;
}

const rows = () => t.daemon.audit.count();

describe('audit log', () => {
  const writes = ROUTES.filter(isWrite);

  it('has write routes to walk', () => {
    expect(writes.length).toBeGreaterThanOrEqual(7);
  });

  for (const r of writes) {
    it(`${r.method.toUpperCase()} ${r.path}: one row per request, refused ones too`, async () => {
      const path = concrete(r.path);
      const method = r.method.toUpperCase();

      let before = rows();
      const none = await call(r.method, path, null);
      expect(none.status).toBe(401);
      expect(rows()).toBe(before + 1);
      expect(await newest()).toMatchObject({
        actor: { kind: 'none', tokenId: null, name: null, role: null }, client: '127.0.0.1', method, path, outcome: { status: 401, code: 'auth.missing' },
      });
      // The path's ids are the target, also of a refusal.
      if (r.path.includes('/:')) expect((await newest()).target).toMatch(/nope|02:00:00:00:00:99|https:\/\/example\.com\/nope\.json/);

      const denied = ROLES.filter((role) => r.permission !== 'authenticated' && r.permission !== null && !can(role, r.permission));
      for (const role of denied) {
        before = rows();
        const res = await call(r.method, path, t.tokens[role]);
        expect(res.status).toBe(403);
        expect(rows()).toBe(before + 1);
        expect(await newest()).toMatchObject({ actor: { kind: 'token', tokenId: ids[role], role }, method, path, outcome: { status: 403, code: 'auth.forbidden' } });
      }

      before = rows();
      const admin = await call(r.method, path, t.tokens.admin);
      expect(rows()).toBe(before + 1);
      const row = await newest();
      expect(row).toMatchObject({ actor: { kind: 'token', tokenId: ids.admin, name: 'test admin', role: 'admin' }, method, path });
      expect(row.outcome).toEqual({ status: admin.status, code: admin.status >= 400 ? admin.body?.code : null });
      expect(row.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    });
  }

  it('names the target and a detail of a token created and revoked over the API; never its secret', async () => {
    const made = await call('post', '/api/v1/tokens', t.tokens.admin, JSON.stringify({ role: 'analyst', name: 'made by the audit test' }));
    expect(made.status).toBe(201);
    const secret = made.body!.token as string;
    expect(await newest()).toMatchObject({ path: '/api/v1/tokens', target: made.body!.id, outcome: { status: 201, code: null }, detail: 'role=analyst' });
    const gone = await call('delete', `/api/v1/tokens/${String(made.body!.id)}`, t.tokens.admin);
    expect(gone.status).toBe(204);
    expect(await newest()).toMatchObject({ method: 'DELETE', target: made.body!.id, outcome: { status: 204, code: null } });

    // Tokens pasted where they do not belong: in a path, in a query.
    expect((await call('delete', `/api/v1/tokens/${t.tokens.analyst}`, t.tokens.admin)).status).toBe(404);
    expect(await newest()).toMatchObject({ path: '/api/v1/tokens/ew_…', target: 'ew_…', outcome: { status: 404, code: 'token.not-found' } });
    const q = await call('post', `/api/v1/alerts/nope/resolve?token=${t.tokens.admin}&note=x`, t.tokens.admin);
    expect(q.body?.code).toBe('auth.token-in-query');
    expect(await newest()).toMatchObject({ actor: { kind: 'none' }, path: '/api/v1/alerts/nope/resolve', detail: null, outcome: { status: 401, code: 'auth.token-in-query' } });

    const dump = JSON.stringify(t.daemon.db.prepare('SELECT * FROM audit_log').all());
    for (const tok of [...Object.values(t.tokens), secret]) expect(dump).not.toContain(tok.slice(3, 20));
    expect(dump).not.toMatch(/ew_[A-Za-z0-9_-]{8}/);
  });

  it('leaves no row for a GET', async () => {
    const before = rows();
    for (const r of ROUTES.filter((x) => !isWrite(x))) await call(r.method, concrete(r.path), t.tokens.admin);
    expect(rows()).toBe(before);
  });

  it('GET /api/v1/audit: admins only, by actor, path prefix and time, in cursor pages', async () => {
    for (const role of ['analyst', 'vendor', 'device'] as const) expect((await t.api('/api/v1/audit', { token: t.tokens[role] })).status).toBe(403);
    const list = async (q: string) => {
      const res = await t.api(`/api/v1/audit?${q}`, { token: t.tokens.admin });
      expect(res.status, q).toBe(200);
      return (await res.json()) as { items: AuditEntry[]; next: number | null };
    };
    const all = await list('limit=1000');
    expect(all.next).toBeNull();
    expect(all.items.length).toBe(rows());
    expect((await list(`actor=${ids.analyst}`)).items.every((e) => e.actor.tokenId === ids.analyst)).toBe(true);
    expect((await list('actor=none')).items.length).toBe(all.items.filter((e) => e.actor.kind === 'none').length);
    const tokensOnly = await list('path=/api/v1/tokens&limit=1000');
    expect(tokensOnly.items.length).toBeGreaterThan(0);
    expect(tokensOnly.items.every((e) => e.path.startsWith('/api/v1/tokens'))).toBe(true);
    expect((await list(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toEqual([]);
    const seqs: number[] = [];
    let cursor = '';
    for (;;) {
      const p = await list(`limit=7${cursor}`);
      seqs.push(...p.items.map((e) => e.seq));
      if (p.next === null) break;
      cursor = `&before=${p.next}`;
    }
    expect(seqs).toEqual(all.items.map((e) => e.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const bad = await t.api('/api/v1/audit?since=yesterday&limit=0', { token: t.tokens.admin });
    expect(bad.status).toBe(400);
  });
});
