// Issue 17 items 5 and 6 on a real daemon: GET /api/v1/rules serves the guidance table to readers
// of alerts; a new alert's message names its device by its host name (the daemon's renderer over
// its inventory); an edge log is dated by its receive time with the device's time beside it and a
// far one flagged; a critical line raises a critical edge.error.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleCatalog } from '../../gateway/alerts/rule-guidance.js';
import { parseMac } from '../../gateway/common/address-text.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { deviceMac, writeDeviceCapture } from '../helpers/device-capture.js';

let t: TestDaemon;
const dev = deviceMac(1);

beforeAll(async () => {
  t = await startTestDaemon({ detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } } });
  const file = join(t.dir, 'devices.pcap');
  writeDeviceCapture(file, 1, 2, 2);
  await t.daemon.ingestCapture(file);
});
afterAll(async () => { await t.close(); });

interface Alert { rule: string; severity: string; device: string | null; message: string; ts: string; evidence: Record<string, unknown> }
interface Log { message: string; ts: string; receivedAt: string; deviceTs: string | null; clockSkewed: boolean }

describe('GET /api/v1/rules', () => {
  it('gives every rule with its severity, category, meaning and what to do, to a token that reads alerts', async () => {
    const res = await t.api('/api/v1/rules', { token: t.tokens.analyst });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: unknown[] };
    expect(body).toEqual({ items: ruleCatalog() });
    const download = (body.items as { id: string; severity: string; whatToDo: string }[]).find((i) => i.id === 'malware.download');
    expect(download?.severity).toBe('critical');
    expect(download?.whatToDo).toContain('quarantine it');
  });

  it('refuses no token and a token that may not read alerts', async () => {
    expect((await t.api('/api/v1/rules')).status).toBe(401);
    expect((await t.api('/api/v1/rules', { token: t.tokens.device })).status).toBe(403);
  });
});

describe('the daemon words alerts with device names, and dates edge logs by receipt', () => {
  it('an edge.error of a device that gave a host name names it; a crit line is critical; the record keeps the device time', async () => {
    const d = t.daemon.pipeline.devices.get(parseMac(dev))!;
    t.daemon.pipeline.devices.set(d, 'hostname', 'front-cam');
    const tok = t.daemon.tokens.create({ role: 'device', device: dev }).token;
    const ahead = new Date(Date.now() + 5 * 60_000).toISOString();
    const before = Date.now();
    const res = await t.api('/api/v1/logs', {
      method: 'POST', token: tok, headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ message: 'httpd killed; web interface down', severity: 'crit', app: 'watchdog', ts: ahead }, { message: 'retrying', severity: 'info', app: 'watchdog' }]),
    });
    expect(res.status).toBe(202);
    const after = Date.now();
    const logs = (await (await t.api(`/api/v1/logs?device=${dev}`, { token: t.tokens.analyst })).json()) as { items: Log[] };
    // Newest first by receipt, each dated by receipt; the device's own time beside the first, flagged.
    expect(logs.items.map((l) => [l.message, l.deviceTs, l.clockSkewed])).toEqual([['retrying', null, false], ['httpd killed; web interface down', ahead, true]]);
    for (const l of logs.items) {
      expect(l.ts).toBe(l.receivedAt);
      expect(Date.parse(l.ts)).toBeGreaterThanOrEqual(before - 1);
      expect(Date.parse(l.ts)).toBeLessThanOrEqual(after + 1);
    }
    const alerts = (await (await t.api(`/api/v1/alerts?rule=edge.error&device=${dev}`, { token: t.tokens.analyst })).json()) as { items: Alert[] };
    expect(alerts.items).toHaveLength(1);
    const a = alerts.items[0]!;
    expect(a).toMatchObject({ severity: 'critical', message: 'front-cam watchdog logged critical: httpd killed; web interface down' });
    expect(a.evidence).toMatchObject({ deviceTs: ahead, clockSkewed: true });
    // Dated when it arrived, not five minutes ahead.
    expect(Date.parse(a.ts)).toBeLessThanOrEqual(after + 1);
    // Counted where an operator looks.
    const metrics = await (await t.api('/metrics', { token: t.tokens.analyst })).text();
    expect(metrics).toMatch(/^edgeward_edge_logs_clock_skewed_total 1$/m);
  });
});
