// The API over a replayed capture: devices with their compliance, the detail of a violating
// device (the denied flow and the ACE list), flows, alerts with filters, pages and triage, edge
// logs posted by a device, health and Prometheus text. Real daemon, real HTTP on 127.0.0.1.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { deviceMac, writeDeviceCapture } from '../helpers/device-capture.js';
import { fixture } from '../helpers/fixtures.js';

let t: TestDaemon;
const bound = deviceMac(1);
const unbound = deviceMac(2);

async function get<T = Record<string, unknown>>(path: string, token = t.tokens.analyst): Promise<T> {
  const res = await t.api(path, { token });
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

interface Alert { id: string; seq: number; rule: string; device: string | null; status: string; acknowledgedBy: string | null; resolvedAt: string | null }

beforeAll(async () => {
  t = await startTestDaemon({
    // Device 1 is held to a profile that allows only its cloud; its datagrams to 192.168.7.254 break it.
    policy: { bindings: { [bound]: fixture('mud/mud-visualizer/tester_domain.json') } },
    detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } },
  });
  const file = join(t.dir, 'devices.pcap');
  writeDeviceCapture(file, 1, 4, 3);
  await t.daemon.ingestCapture(file);
});
afterAll(async () => { await t.close(); });

describe('devices', () => {
  it('lists the devices with profile and compliance', async () => {
    const { items } = await get<{ items: { mac: string; compliance: string; profile: string | null; openViolations: number; ips: string[] }[] }>('/api/v1/devices');
    const byMac = new Map(items.map((d) => [d.mac, d]));
    expect(byMac.get(bound)).toMatchObject({ compliance: 'violating', profile: 'https://iot-device.example.com/dnsname', openViolations: 1, ips: ['192.168.7.1'] });
    expect(byMac.get(unbound)).toMatchObject({ compliance: 'no-profile', profile: null });
  });

  it('shows a violating device\'s profile ACEs, its flow and the alert that says which ACL denied it', async () => {
    const d = await get<{ aces: { acl: string; direction: string; matches: string }[]; flows: { live: { dst: string; dport: number }[]; ended: { dst: string; dport: number }[] }; recentAlerts: { rule: string; evidence: { acl: string | null; reason: string } }[] }>(`/api/v1/devices/${bound}`);
    expect(d.aces.map((a) => `${a.direction} ${a.acl}: ${a.matches}`)).toContain('from-device mud-96898-v4fr: ipv4 to cloud-service.example.com: accept');
    // Its flow ended (idle) while later devices' packets went by: it is among the stored ones.
    expect(d.flows.live).toEqual([]);
    expect(d.flows.ended.map((f) => `${f.dst}:${f.dport}`)).toEqual(['192.168.7.254:9999']);
    // The flow says why: denied for this device by its from-device IPv4 ACL, with the nearest ACE.
    const ended = d.flows.ended[0] as unknown as { mud: { device: string; allowed: boolean; acl: string; ace: string; reason: string }[] };
    expect(ended.mud).toEqual([expect.objectContaining({ device: bound, direction: 'from-device', allowed: false, acl: 'mud-96898-v4fr', ace: 'cl0-frdev' })]);
    expect(ended.mud[0]!.reason.length).toBeGreaterThan(0);
    const acl = d.aces as unknown as { acl: string; ace: string | null; flows: number }[];
    expect(acl.find((a) => a.acl === 'mud-96898-v4fr' && a.ace === null)?.flows).toBe(1);
    expect(acl.find((a) => a.acl === 'mud-96898-v4fr' && a.ace === 'cl0-frdev')?.flows).toBe(0);
    const v = d.recentAlerts.find((a) => a.rule === 'mud.violation');
    expect(v).toBeDefined();
    expect(typeof v!.evidence.reason).toBe('string');
    const res = await t.api('/api/v1/devices/02:00:00:00:09:09', { token: t.tokens.analyst });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('device.not-found');
  });
});

describe('explain', () => {
  it('explains the bound device: its one flow denied, with the nearest ACE and what differed', async () => {
    const r = await get<Record<string, unknown>>(`/api/v1/devices/${bound}/explain`);
    expect(r.totals).toBeDefined();
    const denied = r.denied as { acl: string; nearestAce: { ace: string } | null; differences: { code: string }[] }[];
    expect(denied).toHaveLength(1);
    expect(denied[0]!.acl).toBe('mud-96898-v4fr');
    expect(denied[0]!.differences.map((d) => d.code)).toContain('peer-name');
    const no = await t.api(`/api/v1/devices/${unbound}/explain`, { token: t.tokens.analyst });
    expect(no.status).toBe(404);
    expect(((await no.json()) as { code: string }).code).toBe('profile.not-found');
  });
});

describe('flows', () => {
  it('lists ended and live flows by device and port, and checks its parameters', async () => {
    const ended = await get<{ items: { src: string; dst: string; dport: number; srcPackets: number; endReason: string }[] }>(`/api/v1/flows?device=${unbound}&port=9999`);
    expect(ended.items).toEqual([expect.objectContaining({ src: '192.168.7.2', dst: '192.168.7.254', dport: 9999, srcPackets: 3, endReason: 'idle' })]);
    // The last device's flow is still in the table.
    const live = await get<{ items: { src: string }[] }>(`/api/v1/flows?state=live&device=${deviceMac(3)}`);
    expect(live.items.map((f) => f.src)).toEqual(['192.168.7.3']);
    expect((await get<{ items: unknown[] }>(`/api/v1/flows?state=live&device=${unbound}`)).items).toEqual([]);
    const bad = await t.api('/api/v1/flows?state=old&port=70000&nope=1', { token: t.tokens.analyst });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; details: { path: string }[] };
    expect(body.code).toBe('request.invalid');
    expect(body.details.map((x) => x.path).sort()).toEqual(['/query/nope', '/query/port', '/query/state']);
  });
});

describe('alerts', () => {
  it('filters by rule and device, and pages newest first with a cursor', async () => {
    const all = await get<{ items: Alert[]; total: number }>('/api/v1/alerts?limit=1000');
    expect(all.items.filter((a) => a.rule === 'device.new').map((a) => a.device).sort()).toEqual([deviceMac(1), deviceMac(2), deviceMac(3)]);
    const one = await get<{ items: Alert[] }>(`/api/v1/alerts?rule=mud.violation&device=${bound}`);
    expect(one.items).toHaveLength(1);
    const p1 = await get<{ items: Alert[]; next: number | null; total: number }>('/api/v1/alerts?limit=2');
    expect(p1.items).toHaveLength(2);
    expect(p1.total).toBe(all.total);
    const p2 = await get<{ items: Alert[]; next: number | null }>(`/api/v1/alerts?limit=2&before=${p1.next}`);
    const seqs = [...p1.items, ...p2.items].map((a) => a.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('acknowledges and resolves with who and when; resolving the violation makes the device compliant', async () => {
    const v = (await get<{ items: Alert[] }>(`/api/v1/alerts?rule=mud.violation&device=${bound}`)).items[0]!;
    const ack = await t.api(`/api/v1/alerts/${v.id}/acknowledge`, { method: 'POST', token: t.tokens.analyst });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringContaining('test analyst') as unknown });
    const res = await t.api(`/api/v1/alerts/${v.id}/resolve`, { method: 'POST', token: t.tokens.admin });
    const r = (await res.json()) as Alert;
    expect(r.status).toBe('resolved');
    expect(r.acknowledgedBy).toContain('test analyst');
    expect(Date.parse(r.resolvedAt!)).toBeGreaterThan(0);
    expect((await get<{ items: Alert[] }>('/api/v1/alerts?status=resolved')).items.map((a) => a.id)).toEqual([v.id]);
    const d = await get<{ compliance: string }>(`/api/v1/devices/${bound}`);
    expect(d.compliance).toBe('compliant');
  });
});

describe('edge logs over HTTP', () => {
  it('takes records from a device token, ties them to its MAC, and raises edge.error for errors', async () => {
    const tok = t.daemon.tokens.create({ role: 'device', device: unbound }).token;
    const res = await t.api('/api/v1/logs', {
      method: 'POST', token: tok, headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ message: 'sensor read failed', severity: 'error', app: 'camd' }, { message: 'boot ok', severity: 6 }]),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, dropped: 0 });
    const logs = await get<{ items: { device: string; app: string | null; severity: string; message: string; format: string }[] }>(`/api/v1/logs?device=${unbound}&severity=error`);
    expect(logs.items).toEqual([expect.objectContaining({ device: unbound, app: 'camd', severity: 'error', message: 'sensor read failed', format: 'json' })]);
    const alerts = await get<{ items: Alert[] }>(`/api/v1/alerts?rule=edge.error&device=${unbound}`);
    expect(alerts.items).toHaveLength(1);
  });

  it('refuses an invalid record with its JSON path', async () => {
    const res = await t.api('/api/v1/logs', { method: 'POST', token: t.tokens.device, headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ message: 'ok' }, { severity: 'error' }]) });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { code: string; details: { path: string }[] };
    expect(body.code).toBe('log.invalid');
    expect(body.details.map((d) => d.path)).toContain('/1/message');
  });
});

describe('stats for the charts', () => {
  it('counts alerts and edge logs per minute by severity', async () => {
    const since = '2025-12-31T00:00:00.000Z';
    const a = await get<{ bucketSeconds: number; buckets: Record<string, number | string>[] }>(`/api/v1/stats/alerts?since=${since}&bucket=60`);
    expect(a.bucketSeconds).toBe(60);
    const total = a.buckets.reduce((n, b) => n + (b.low as number) + (b.medium as number) + (b.high as number) + (b.critical as number), 0);
    expect(total).toBe((await get<{ total: number }>('/api/v1/alerts')).total);
    // Device i appears at T0 + 2i minutes: its device.new alert is alone in its minute.
    expect(a.buckets.find((b) => b.t === '2026-01-01T00:02:00.000Z')).toMatchObject({ low: 1 });
    // Whole buckets: every start is a multiple of the bucket, and an hour-long bucket holds all.
    expect(a.buckets.every((b) => Date.parse(b.t as string) % 60_000 === 0)).toBe(true);
    const hourly = await get<{ buckets: Record<string, number | string>[] }>(`/api/v1/stats/alerts?since=${since}&bucket=3600`);
    // The capture's alerts are in its first hour (3 device.new, 2 mud.no-profile, 1 mud.violation; the edge.error of the posted log is stamped now).
    expect(hourly.buckets[0]).toMatchObject({ t: '2026-01-01T00:00:00.000Z', low: 5, high: 1 });
    expect(hourly.buckets.every((b) => Date.parse(b.t as string) % 3_600_000 === 0)).toBe(true);
    const l = await get<{ buckets: Record<string, number | string>[] }>(`/api/v1/stats/logs?since=${since}`);
    const logs = l.buckets.reduce((n, b) => n + Object.entries(b).filter(([k]) => k !== 't').reduce((m, [, v]) => m + (v as number), 0), 0);
    expect(logs).toBe(2);
  });
});

describe('health and metrics', () => {
  it('answers health without a token and Prometheus text with one', async () => {
    const h = (await (await t.api('/api/v1/health')).json()) as { status: string; packets: number };
    // No live capture in this daemon (frames come from a file): no capture counters.
    expect(h).toMatchObject({ status: 'ok', packets: 9, sensor: { status: 'ok', disabled: [], faults: 0 }, capture: null });
    const res = await t.api('/metrics', { token: t.tokens.analyst });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^edgeward_packets_total 9$/m);
    expect(text).toMatch(new RegExp(`^edgeward_device_packets_total\\{mac="${bound}",direction="tx"\\} 3$`, 'm'));
    expect(text).toMatch(/^edgeward_alerts_total\{rule="device.new",severity="low"\} 3$/m);
    // Every plug-in of the sensor, with its faults, on/off state, time and state held.
    expect(text).toMatch(/^edgeward_plugin_faults_total\{plugin="scanPort"\} 0$/m);
    expect(text).toMatch(/^edgeward_plugin_enabled\{plugin="mudPolicy"\} 1$/m);
    expect(text).toMatch(/^edgeward_plugin_state_entries\{plugin="deviceNew"\} \d+$/m);
    expect(text).toMatch(/^edgeward_plugin_seconds_total\{plugin="trafficMeter"\} [\d.e-]+$/m);
    expect(text).not.toMatch(/^edgeward_capture_/m);
    expect((await t.api('/metrics')).status).toBe(401);
  });
});
