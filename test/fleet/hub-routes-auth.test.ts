// The hub's routes over real HTTP (a Hub on a real nats-server), walked from its route table
// (gateway/hub/hub-routes.ts): every route but health and the document refuses a missing and a
// wrong token (401); each lets exactly the roles with its permission through (403 for the others,
// never 500); the OpenAPI document at /api/v1/openapi.json describes each route with its
// permission and error codes, the stream and itself — and nothing the hub does not serve.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, ROLES, type Role } from '../../gateway/auth/roles.js';
import { validateHubConfig } from '../../gateway/hub/hub-config.js';
import { HUB_ROUTES } from '../../gateway/hub/hub-routes.js';
import { Hub } from '../../gateway/hub/hub.js';
import { API_ERRORS } from '../../gateway/server/api-errors.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';

const concrete = (p: string): string => p.replace(':id', '00000000-0000-4000-8000-000000000000');

describe.skipIf(natsServerUnavailable() !== null)('hub routes and roles (real nats-server)', () => {
  let nats: TestNats;
  let hub: Hub;
  let dir: string;
  const tokens = {} as Record<Role, string>;
  const errors: unknown[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-hub-routes-'));
    nats = await startNatsServer({ sites: ['home'] });
    hub = new Hub(validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass }, api: { port: 0 }, storage: { dataDir: dir },
    }), (event, fields) => { if (event === 'api.error') errors.push(fields); });
    await hub.start();
    tokens.admin = hub.tokens.create({ role: 'admin', name: 'hub admin' }).token;
    tokens.analyst = hub.tokens.create({ role: 'analyst', name: 'hub analyst' }).token;
    tokens.vendor = hub.tokens.create({ role: 'vendor', vendor: 'example.com' }).token;
    tokens.device = hub.tokens.create({ role: 'device' }).token;
  }, 30_000);

  afterAll(async () => {
    await hub?.stop();
    await nats?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, token: string | null): Promise<{ status: number; code?: string }> => {
    const body = method === 'get' ? undefined : '{}';
    const res = await fetch(`${hub.url}${path}`, {
      method: method.toUpperCase(), body,
      headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    });
    const text = await res.text();
    return { status: res.status, code: text.startsWith('{') ? (JSON.parse(text) as { code?: string }).code : undefined };
  };

  it('serves the routes of its table: health, whoami, sites, alerts, devices, incidents, logs, search, commands', () => {
    expect(HUB_ROUTES.map((r) => `${r.method} ${r.path}`)).toEqual([
      'get /api/v1/health', 'get /api/v1/whoami', 'get /api/v1/sites', 'get /api/v1/alerts',
      'get /api/v1/devices', 'get /api/v1/incidents', 'get /api/v1/logs', 'get /api/v1/search',
      'post /api/v1/commands', 'get /api/v1/commands', 'get /api/v1/commands/:id',
    ]);
  });

  it('refuses a missing and a wrong token on every route that needs one, and lets exactly the roles with its permission through', async () => {
    for (const [i, r] of HUB_ROUTES.entries()) {
      const path = concrete(r.path);
      if (r.permission === null) {
        expect((await call(r.method, path, null)).status, path).toBe(200);
        continue;
      }
      expect(await call(r.method, path, null), `${r.method} ${path}`).toEqual({ status: 401, code: 'auth.missing' });
      // A different bad token per route, below the limiter's per-token limit.
      expect(await call(r.method, path, `ew_${String(i).padStart(8, 'A')}${'A'.repeat(35)}`), `${r.method} ${path}`).toEqual({ status: 401, code: 'auth.invalid' });
      for (const role of ROLES) {
        const res = await call(r.method, path, tokens[role]);
        const allowed = r.permission === 'authenticated' || can(role, r.permission);
        if (allowed) expect(res.status, `${role} ${r.method} ${path}: ${res.code}`).not.toBe(403);
        else expect(res, `${role} ${r.method} ${path}`).toEqual({ status: 403, code: 'auth.forbidden' });
        expect(res.status, `${role} ${r.method} ${path}`).not.toBe(401);
        expect(res.status, `${role} ${r.method} ${path}: ${JSON.stringify(errors)}`).not.toBe(500);
      }
    }
    // The analyst reaches every data route; the vendor none (the hub keeps no MUD profiles).
    expect(HUB_ROUTES.filter((r) => r.permission !== null && r.permission !== 'authenticated' && !can('analyst', r.permission))).toEqual([]);
    expect(HUB_ROUTES.filter((r) => r.permission !== null && r.permission !== 'authenticated' && can('vendor', r.permission))).toEqual([]);
  }, 60_000);

  it('answers a bad query, an unknown command and a bad body with the registry\'s codes', async () => {
    expect(await call('get', '/api/v1/alerts?site=Not.A.Site', tokens.analyst)).toEqual({ status: 400, code: 'request.invalid' });
    expect(await call('get', '/api/v1/devices?colour=red', tokens.analyst)).toEqual({ status: 400, code: 'request.invalid' });
    expect(await call('get', `/api/v1/commands/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, tokens.analyst)).toEqual({ status: 404, code: 'command.not-found' });
    // No signing key in this hub's config: a command cannot be sent, and says why.
    expect(await call('post', '/api/v1/commands', tokens.analyst)).toEqual({ status: 503, code: 'command.no-signing-key' });
    expect(await call('get', '/api/v1/nothing-here', tokens.analyst)).toEqual({ status: 404, code: 'route.not-found' });
    // A body of the wrong type, not JSON, or too large: refused before the command is looked at.
    const post = async (contentType: string, body: string) => {
      const res = await fetch(`${hub.url}/api/v1/commands`, { method: 'POST', body, headers: { authorization: `Bearer ${tokens.analyst}`, 'content-type': contentType } });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    };
    expect(await post('text/plain', 'block it')).toEqual({ status: 415, code: 'request.unsupported-type' });
    expect(await post('application/json', '{"action":')).toEqual({ status: 400, code: 'request.bad-json' });
    expect(await post('application/json', JSON.stringify({ note: 'x'.repeat(20_000) }))).toEqual({ status: 413, code: 'request.too-large' });
  });

  it('describes every route in its OpenAPI document, with its permission and error codes, and nothing else', async () => {
    const res = await fetch(`${hub.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string; info: { title: string };
      paths: Record<string, Record<string, { 'x-permission'?: string; security: unknown[]; responses: Record<string, { description: string }> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('edgeward hub API');
    const ops = Object.entries(doc.paths).flatMap(([p, m]) => Object.keys(m).map((method) => `${method} ${p}`)).sort();
    expect(ops).toEqual([
      ...HUB_ROUTES.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
      'get /api/v1/openapi.json', 'get /api/v1/stream',
    ].sort());
    for (const r of HUB_ROUTES) {
      const op = doc.paths[r.path.replace(/:([A-Za-z]+)/g, '{$1}')]![r.method]!;
      expect(op['x-permission'], r.path).toBe(r.permission ?? undefined);
      expect(op.security.length, r.path).toBe(r.permission === null ? 0 : 1);
      for (const code of r.errors ?? []) {
        const status = String(API_ERRORS[code][0]);
        expect(op.responses[status]?.description, `${r.method} ${r.path} ${code}`).toContain(code);
      }
    }
    expect(doc.paths['/api/v1/stream']!.get!['x-permission']).toBe('stream:read');
  });
});
