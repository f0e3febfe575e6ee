// The API's exports of issue 9 on a real daemon: the profile learned live for a device of
// policy.learn (valid MUD, replays clean over what it learned from), and the posture checklist.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMud } from '../../policies/index.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { deviceMac, writeDeviceCapture } from '../helpers/device-capture.js';

let t: TestDaemon;
const learned = deviceMac(1);

beforeAll(async () => {
  t = await startTestDaemon({ policy: { learn: [learned] } });
  const file = join(t.dir, 'devices.pcap');
  writeDeviceCapture(file, 1, 3, 4);
  await t.daemon.ingestCapture(file);
});
afterAll(async () => { await t.close(); });

describe('learned profile', () => {
  it('exports what a device of policy.learn did as a valid MUD file', async () => {
    const res = await t.api(`/api/v1/devices/${learned}/learned-profile`, { token: t.tokens.analyst });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { mud: unknown; report: unknown };
    const r = parseMud(JSON.stringify(body.mud));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings).toEqual([]);
    const raw = await t.api(`/api/v1/devices/${learned}/learned-profile?format=mud`, { token: t.tokens.analyst });
    expect(raw.headers.get('content-type')).toContain('application/mud+json');
    expect(JSON.parse(await raw.text())).toEqual(body.mud);
  });

  it('answers 404 device.not-learned for a device not in policy.learn', async () => {
    const res = await t.api(`/api/v1/devices/${deviceMac(2)}/learned-profile`, { token: t.tokens.analyst });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('device.not-learned');
  });
});

describe('posture check', () => {
  it('runs the checklist for an admin: every item with a status, evidence and a fix', async () => {
    const res = await t.api('/api/v1/check', { token: t.tokens.admin });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { items: { id: string; status: string; evidence: string[]; fix: string }[] };
    expect(r.items.map((i) => i.id).sort()).toEqual(['dns.filtering', 'edgeward.not-root', 'firewall.wan-default-drop', 'nat.masquerade', 'remote-admin.closed', 'upnp.off']);
    for (const i of r.items) {
      expect(['pass', 'fail', 'unknown']).toContain(i.status);
      expect(typeof i.fix).toBe('string');
    }
    // The test runs as root here or not; the item says which.
    expect(r.items.find((i) => i.id === 'edgeward.not-root')!.status).toBe(process.getuid!() === 0 ? 'fail' : 'pass');
    expect((await t.api('/api/v1/check', { token: t.tokens.vendor })).status).toBe(403);
  });
});
