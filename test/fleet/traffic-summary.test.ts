// Per-minute traffic summaries (gateway/fleet/traffic-summary.ts, record kind `traffic`): a daemon
// with fleet on ingests a built capture (two devices: HTTP, TLS with an SNI, DNS lookups naming the
// TLS server) and its outbox holds one summary for the minute whose devices, peers, JA4 and totals
// are what the daemon's own flow table stored; with privacy settings, no SNI, no peer name and
// nothing of the excluded device. No NATS server is needed: the records wait in the outbox.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter } from '../../gateway/capture/pcap-writer.js';
import { packageVersion } from '../../gateway/common/package-root.js';
import type { TrafficSummary } from '../../gateway/fleet/traffic-summary.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { dnsFrame } from '../helpers/dns-wire.js';
import { deviceFrames, GATEWAY, markers, type PrivacyDevice } from '../helpers/privacy-capture.js';
import { T0, type TimedFrame } from '../helpers/replay-frames.js';

const CAM: PrivacyDevice = { mac: '02:00:00:00:0a:01', ip: '192.168.1.21', tag: 'acam' };
const PLUG: PrivacyDevice = { mac: '02:00:00:00:0a:02', ip: '192.168.1.22', tag: 'bplug' };
/** The TLS server of deviceFrames, which the devices look up first. */
const TLS_SERVER = '203.0.113.20';
const HTTP_SERVER = '198.51.100.7';
const apiName = (d: PrivacyDevice): string => `api.${d.tag}.example`;

/** The privacy capture's frames of `d`, plus an A lookup answering TLS_SERVER just before its TLS. */
function frames(d: PrivacyDevice, t: number): TimedFrame[] {
  const ends = { clientMac: d.mac, clientIp: d.ip, resolverMac: GATEWAY.mac, resolverIp: GATEWAY.ip, sport: 40010 };
  return [
    ...deviceFrames(d, t),
    { t: t + 0.5, data: dnsFrame(ends, { id: 9, name: apiName(d), type: 1 }) },
    { t: t + 0.51, data: dnsFrame(ends, { id: 9, name: apiName(d), type: 1, response: true, answers: [TLS_SERVER] }) },
  ];
}

interface FlowRow { src: string; dst: string; src_mac: string | null; dst_mac: string | null; record: string }
interface FlowRec { srcPackets: number; dstPackets: number; srcBytes: number; dstBytes: number; ja4?: string; sni?: string }

/** The daemon's SQLite after its stop: the traffic records of the outbox and the flow table. */
function readDb(t: TestDaemon): { records: { id: string; data: TrafficSummary }[]; flows: (FlowRow & { rec: FlowRec })[] } {
  const db = new Database(join(t.dir, 'edgeward.sqlite'), { readonly: true });
  try {
    const records = (db.prepare("SELECT id, body FROM fleet_outbox WHERE kind = 'traffic' ORDER BY seq").all() as { id: string; body: string }[])
      .map((r) => ({ id: r.id, data: JSON.parse(r.body) as TrafficSummary }));
    const flows = (db.prepare('SELECT src, dst, src_mac, dst_mac, record FROM flows').all() as FlowRow[]).map((f) => ({ ...f, rec: JSON.parse(f.record) as FlowRec }));
    return { records, flows };
  } finally {
    db.close();
  }
}

const isLan = (a: string): boolean => a.startsWith('192.168.');

describe('fleet traffic summaries', () => {
  const daemons: TestDaemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.close();
  });

  /** A daemon with fleet on (a server nobody listens on), the capture ingested, then stopped (the minute closes). */
  async function run(privacy: Record<string, unknown> = {}, plugAt = 11): Promise<ReturnType<typeof readDb>> {
    const t = await startTestDaemon({
      fleet: { enabled: true, servers: ['nats://127.0.0.1:9'], site: 'summary' },
      privacy,
    });
    daemons.push(t);
    const file = join(t.dir, 'summary.pcap');
    const w = new PcapWriter(file);
    for (const f of [...frames(CAM, 1), ...frames(PLUG, plugAt)].sort((a, b) => a.t - b.t)) w.write(f.data, T0 + Math.round(f.t * 1e6));
    w.close();
    await t.daemon.ingestCapture(file);
    await t.stop();
    return readDb(t);
  }

  it('sums the minute as the flow table has it: devices, peers with their DNS names, JA4 with SNI', async () => {
    const { records, flows } = await run();
    expect(records.map((r) => r.id)).toEqual(['traffic:2026-01-01T00:00:00.000Z']);
    const s = records[0]!.data;
    expect(s).toMatchObject({ minute: '2026-01-01T00:00:00.000Z', seconds: 60 });
    expect(flows.length).toBeGreaterThan(0);
    const sum = (f: (r: FlowRec) => number): number => flows.reduce((n, r) => n + f(r.rec), 0);
    expect([s.packets, s.bytes, s.flows]).toEqual([sum((r) => r.srcPackets + r.dstPackets), sum((r) => r.srcBytes + r.dstBytes), flows.length]);

    // Devices: the two of the capture and the router (a LAN host: it answers their DNS), each with
    // the counts of the flows where it is the LAN side (the router's MAC on a server's frames is not).
    expect(s.devices.map((d) => d.mac).sort()).toEqual([GATEWAY.mac, CAM.mac, PLUG.mac]);
    for (const d of s.devices) {
      const own = flows.filter((f) => (f.src_mac === d.mac && isLan(f.src)) || (f.dst_mac === d.mac && isLan(f.dst)));
      expect(own.length).toBeGreaterThan(0);
      expect(d).toEqual({
        mac: d.mac, flows: own.length, denied: 0,
        packets: own.reduce((n, f) => n + f.rec.srcPackets + f.rec.dstPackets, 0), bytes: own.reduce((n, f) => n + f.rec.srcBytes + f.rec.dstBytes, 0),
      });
    }

    // Peers: every address off the LAN in the flow table; the TLS server named by the lookups.
    const remote = new Set(flows.flatMap((f) => [f.src, f.dst]).filter((a) => !isLan(a)));
    expect(new Set(s.peers.map((p) => p.address))).toEqual(remote);
    expect(remote).toEqual(new Set([TLS_SERVER, HTTP_SERVER]));
    const peer = (a: string) => s.peers.find((p) => p.address === a)!;
    expect(peer(TLS_SERVER)).toMatchObject({ domain: apiName(CAM), devices: 2 });
    expect(peer(HTTP_SERVER)).toMatchObject({ domain: null, devices: 2 });
    const toPeer = (a: string) => flows.filter((f) => f.src === a || f.dst === a);
    expect(peer(TLS_SERVER).packets).toBe(toPeer(TLS_SERVER).reduce((n, f) => n + f.rec.srcPackets + f.rec.dstPackets, 0));

    // TLS: the fingerprints and names of the flow table, one hello each.
    const hellos = flows.filter((f) => f.rec.ja4 !== undefined).map((f) => ({ ja4: f.rec.ja4!, sni: f.rec.sni ?? null }));
    expect(hellos.map((h) => h.sni).sort()).toEqual([markers(CAM.tag).sni, markers(PLUG.tag).sni]);
    const byPair = (xs: { ja4: string; sni: string | null }[]) => xs.map((x) => `${x.ja4} ${x.sni}`).sort();
    expect(byPair(s.tls)).toEqual(byPair(hellos));
    expect(s.tls.every((x) => x.count === 1)).toBe(true);

    expect(s.gateway).toEqual({ version: packageVersion(), outboxDepth: expect.any(Number) as number, health: 'ok', captureLossPercent: null });
  });

  it('honours privacy: no SNI, no peer names, nothing of an excluded device', async () => {
    const { records, flows } = await run({ tlsSni: false, dnsNames: false, excludeDevices: [PLUG.mac] });
    expect(records).toHaveLength(1);
    const s = records[0]!.data;
    expect(s.devices.map((d) => d.mac).sort()).toEqual([GATEWAY.mac, CAM.mac]);
    expect(flows.some((f) => f.src_mac === PLUG.mac || f.dst_mac === PLUG.mac)).toBe(false);
    expect(s.packets).toBe(flows.reduce((n, f) => n + f.rec.srcPackets + f.rec.dstPackets, 0));
    expect(s.peers.length).toBeGreaterThan(0);
    for (const p of s.peers) expect(p).toMatchObject({ domain: null, devices: 1 });
    expect(s.tls.length).toBe(1);
    expect(s.tls[0]!.sni).toBeNull();
    const text = JSON.stringify(records);
    for (const m of [markers(CAM.tag).sni, markers(PLUG.tag).sni, apiName(CAM), PLUG.mac, PLUG.ip]) expect(text).not.toContain(m);
  });

  it('cuts minutes by packet time: one record a minute, each with the traffic of its minute', async () => {
    const { records, flows } = await run({}, 70);
    expect(records.map((r) => r.id)).toEqual(['traffic:2026-01-01T00:00:00.000Z', 'traffic:2026-01-01T00:01:00.000Z']);
    const [first, second] = records.map((r) => r.data) as [TrafficSummary, TrafficSummary];
    expect(first.devices.map((d) => d.mac).sort()).toEqual([GATEWAY.mac, CAM.mac]);
    expect(second.devices.map((d) => d.mac).sort()).toEqual([GATEWAY.mac, PLUG.mac]);
    expect(first.tls.map((x) => x.sni)).toEqual([markers(CAM.tag).sni]);
    expect(second.tls.map((x) => x.sni)).toEqual([markers(PLUG.tag).sni]);
    expect(first.flows + second.flows).toBe(flows.length);
    expect(first.packets + second.packets).toBe(flows.reduce((n, f) => n + f.rec.srcPackets + f.rec.dstPackets, 0));
  });
});
