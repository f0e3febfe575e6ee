// /api/v1/exposure/audits over real HTTP on 127.0.0.1: only an admin starts an audit; a device that
// has not consented, a body that is not a list of MACs, a consenting device whose address nobody
// knows are refused (nothing is sent: no target exists here at all); the runs list reads the
// exposure inventory (a run stored as `edgeward audit` stores it); an unknown request is 404. The
// audit itself against real servers is test/e2e/exposure-audit-netns.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExposureStore } from '../../gateway/exposure/exposure-store.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

/** Consents, but no table (nor this host's neighbour table) has an address for it. */
const CONSENTING = '02:ee:00:00:00:01';
const OTHER = '02:ee:00:00:00:02';

let t: TestDaemon;
beforeAll(async () => { t = await startTestDaemon({ audit: { consent: [CONSENTING] } }); });
afterAll(async () => { await t.close(); });

async function post(body: unknown, token = t.tokens.admin) {
  const res = await t.api('/api/v1/exposure/audits', { method: 'POST', token, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as { code?: string; details?: { path: string; code?: string }[] } };
}

describe('exposure audits API', () => {
  it('is for admins only', async () => {
    for (const role of ['analyst', 'vendor', 'device'] as const) expect((await post({}, t.tokens[role])).status, role).toBe(403);
  });

  it('refuses a device without consent, naming it; bad bodies with every fault', async () => {
    const r = await post({ devices: [CONSENTING, OTHER] });
    expect([r.status, r.body.code]).toEqual([422, 'exposure.no-consent']);
    // Every refused device is named, the consenting one whose address is unknown too.
    expect(r.body.details).toEqual([
      { path: `/devices/${CONSENTING}`, code: 'exposure.no-address', message: expect.stringContaining(`${CONSENTING}: no IPv4 or routable IPv6 address is known`) as string },
      { path: `/devices/${OTHER}`, code: 'exposure.no-consent', message: `${OTHER} has not consented to the audit (audit.consent or --consent-file)` },
    ]);
    const bad = await post({ devices: ['nope', 7], extra: true });
    expect([bad.status, bad.body.code]).toEqual([400, 'request.invalid']);
    expect(bad.body.details?.map((d) => d.path).sort()).toEqual(['/devices/0', '/devices/1', '/extra']);
    expect((await post({ devices: [] })).status).toBe(400);
  });

  it('refuses a consenting device whose address is not known', async () => {
    const r = await post({});
    expect([r.status, r.body.code]).toEqual([422, 'exposure.no-address']);
    expect(r.body.details?.map((d) => d.path)).toEqual([`/devices/${CONSENTING}`]);
    // The refusals are in the audit log, as every write is.
    const log = await (await t.api('/api/v1/audit?limit=50', { token: t.tokens.admin })).json() as { items: { path: string; outcome: { status: number; code: string | null } }[] };
    expect(log.items.filter((x) => x.path === '/api/v1/exposure/audits').map((x) => x.outcome.code)).toEqual(expect.arrayContaining(['exposure.no-address', 'exposure.no-consent']));
  });

  it('lists the runs of the inventory, newest first; an unknown request is 404', async () => {
    const store = new ExposureStore(t.daemon.db);
    const run = { mac: CONSENTING, ip: '192.168.1.20', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:09.000Z', results: [{ service: 'telnet' as const, port: 23, outcome: 'default-accepted' as const, list: 'mirai', tried: 4, detail: null }] };
    const id = store.recordAudit(run);
    store.recordAudit({ ...run, mac: OTHER });
    const all = await (await t.api('/api/v1/exposure/audits', { token: t.tokens.analyst })).json() as { items: { id: number; mac: string }[]; requests: unknown[] };
    expect(all.items.map((x) => x.mac)).toEqual([OTHER, CONSENTING]);
    expect(all.requests).toEqual([]);
    const one = await (await t.api(`/api/v1/exposure/audits?device=${CONSENTING.toUpperCase()}`, { token: t.tokens.analyst })).json() as { items: unknown[] };
    expect(one.items).toEqual([{ ...run, id }]);
    const missing = await t.api('/api/v1/exposure/audits/xa-000000000000', { token: t.tokens.analyst });
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([404, 'exposure.audit-not-found']);
    expect((await t.api('/api/v1/exposure/audits?device=nope', { token: t.tokens.analyst })).status).toBe(400);
  });
});
