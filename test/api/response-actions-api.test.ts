// Response actions through the REST API of a real daemon in monitor mode (real HTTP, real SQLite):
// a quarantine is recorded unenforced and the device shows as quarantined until it is released; a
// block of the emergency list is 422; a malformed body is 400 with paths; the actions are listed by
// incident and state; an active action holds again after a restart. (Enforcement in nftables:
// test/e2e/response-netns.test.ts.)
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMac } from '../../gateway/common/address-text.js';
import type { ResponseAction } from '../../gateway/response/action-store.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { deviceMac, writeDeviceCapture } from '../helpers/device-capture.js';

let t: TestDaemon;
const DEV = deviceMac(1);

beforeAll(async () => {
  t = await startTestDaemon({ policy: { emergency: ['192.168.7.53/32'] }, detect: { deviceNew: { holdSeconds: 0 } } });
  const file = join(t.dir, 'devices.pcap');
  writeDeviceCapture(file, 1, 3, 1);
  await t.daemon.ingestCapture(file);
});
afterAll(async () => { await t.close(); });

async function call(method: string, path: string, body?: unknown, token = t.tokens.analyst): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await t.api(path, { method, token, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const compliance = async (mac: string) => ((await call('GET', '/api/v1/devices')).body.items as { mac: string; compliance: string }[]).find((d) => d.mac === mac)?.compliance;

describe('response actions API (monitor mode)', () => {
  it('quarantines a device (recorded, not enforced, shown as quarantined), lists it by incident, releases it', async () => {
    expect(await compliance(DEV)).toBe('no-profile');
    const made = await call('POST', '/api/v1/actions', { kind: 'quarantine', device: DEV.toUpperCase(), incident: 'inc-1', note: 'telnet brute force' });
    expect(made.status).toBe(201);
    const a = made.body.action as ResponseAction;
    expect(a).toMatchObject({ kind: 'quarantine', device: DEV, peer: null, incident: 'inc-1', note: 'telnet brute force', state: 'active', enforced: false, releasedBy: null });
    expect(a.by).toMatch(/^test analyst \(.+\)$/);
    expect(await compliance(DEV)).toBe('quarantined');
    expect(await compliance(deviceMac(2))).toBe('no-profile');
    // The same quarantine again: 200 with the active one.
    const again = await call('POST', '/api/v1/actions', { kind: 'quarantine', device: DEV });
    expect([again.status, (again.body.action as ResponseAction).id]).toEqual([200, a.id]);

    expect((await call('GET', '/api/v1/actions?incident=inc-1')).body.items).toEqual([a]);
    expect((await call('GET', `/api/v1/actions/${a.id}`)).body).toEqual(a);
    const rel = await call('POST', `/api/v1/actions/${a.id}/release`, undefined, t.tokens.admin);
    expect(rel.status).toBe(200);
    expect(rel.body.action).toMatchObject({ id: a.id, state: 'released', releasedBy: expect.stringMatching(/^test admin/) as string });
    expect(await compliance(DEV)).toBe('no-profile');
    expect((await call('GET', '/api/v1/actions?incident=inc-1&state=active')).body.items).toEqual([]);
    expect((await call('POST', '/api/v1/actions/act_0000/release')).body.code).toBe('action.not-found');
    expect((await call('GET', '/api/v1/actions/act_0000')).status).toBe(404);
  });

  it('refuses the emergency list (and a network holding it) with 422 action.emergency, and bad bodies with 400', async () => {
    for (const peer of ['192.168.7.53', '192.168.0.0/16', '127.0.0.1']) {
      const r = await call('POST', '/api/v1/actions', { kind: 'block', peer });
      expect([r.status, r.body.code], peer).toEqual([422, 'action.emergency']);
    }
    const bad = await call('POST', '/api/v1/actions', { kind: 'block', device: DEV, extra: 1 });
    expect([bad.status, bad.body.code]).toEqual([400, 'request.invalid']);
    expect((bad.body.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['/device', '/extra', '/peer']);
    const host = await call('POST', '/api/v1/actions', { kind: 'block', peer: '203.0.113.9/24' });
    expect([host.status, (host.body.details as { path: string; code: string }[])[0]]).toEqual([400, expect.objectContaining({ path: '/peer', code: 'host-bits' })]);
    expect((await call('GET', '/api/v1/actions?state=active')).body.items).toEqual([]);
    // The vendor role may not act.
    expect((await call('POST', '/api/v1/actions', { kind: 'block', peer: '203.0.113.9' }, t.tokens.vendor)).status).toBe(403);
  });

  it('an active action holds again after a restart', async () => {
    const q = (await call('POST', '/api/v1/actions', { kind: 'quarantine', device: DEV })).body.action as ResponseAction;
    const b = (await call('POST', '/api/v1/actions', { kind: 'block', peer: '203.0.113.0/24', incident: 'inc-2' })).body.action as ResponseAction;
    await t.restart();
    expect(t.events.filter((e) => e.event === 'actions.restored').at(-1)).toMatchObject({ actions: 2 });
    expect(t.daemon.policy.isQuarantined(parseMac(DEV))).toBe(true);
    const items = (await call('GET', '/api/v1/actions?state=active')).body.items as ResponseAction[];
    expect(items.map((x) => x.id).sort()).toEqual([q.id, b.id].sort());
    expect(items.every((x) => x.enforced === false)).toBe(true);
  });
});
