// The soak's synthetic LAN on a simulated clock (no wall clock): well-formed frames of every kind,
// the packet shares it promises, devices that join over DHCP and are replaced, names that change,
// and the same bytes for the same seed.
import { asFactory, testSensor } from '../helpers/sensor.js';
import { createHash } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../gateway/sensor/sensor-config.js';
import type { DnsMessage } from '../../gateway/app/dns/dns-message.js';
import { SoakTraffic, TRAFFIC_MIX, type TrafficOptions } from '../../gateway/soak/soak-traffic.js';

const T0 = Date.UTC(2026, 0, 1) * 1000; // µs
const OPTS: TrafficOptions = { seed: 7, devices: 50, joinsPerSecond: 5, bulkFlows: 16, servers: 1024 };

/** Drives `g` for `seconds` of packet time at `rate` packets/s in 10 ms slices, as the soak does (a slice's extra packets are owed by the next). */
function drive(g: SoakTraffic, seconds: number, rate: number): void {
  const sliceUs = 10_000;
  let sent = 0;
  for (let t = sliceUs; t <= seconds * 1e6; t += sliceUs) {
    const due = Math.floor((rate * t) / 1e6) - sent;
    if (due > 0) sent += g.emit(due, T0 + t - sliceUs, T0 + t);
  }
}

/** The last DNS query and response the pipeline decoded. */
const lastLookup: [DnsMessage | null, DnsMessage | null] = [null, null];

function run(opts: TrafficOptions, seconds: number, rate: number, maxDevices = 8192) {
  const p = testSensor([asFactory('lookups', { onApp(rec) { if (rec.kind === 'dns') lastLookup[rec.msg.qr ? 1 : 0] = rec.msg; } })], pipelineConfig({ devices: { maxDevices } })).pipeline;
  let lastTs = 0, backwards = 0;
  const g = new SoakTraffic(opts, (buf, len, ts) => {
    if (ts < lastTs) backwards++;
    lastTs = ts;
    p.handle(buf, 0, len, len, ts, 1, 0);
  });
  drive(g, seconds, rate);
  return { p, g, backwards };
}

describe('SoakTraffic', () => {
  const { p, g, backwards } = run(OPTS, 30, 5000);
  const c = g.counters;

  it('sends the packets asked for, in packet-time order, every one decoding cleanly', () => {
    expect(c.packets).toBeGreaterThanOrEqual(150_000);
    expect(c.packets).toBeLessThan(150_000 * 1.01);
    expect(p.packets).toBe(c.packets);
    expect(backwards).toBe(0);
    expect(p.decodeErrors).toBe(0);
    expect(p.firstTs).toBeGreaterThan(T0);
    expect(p.lastTs).toBeLessThanOrEqual(T0 + 30e6);
  });

  it('keeps the packet shares of its mix', () => {
    expect((c.httpsSessions * 9) / c.packets).toBeCloseTo(TRAFFIC_MIX.https, 1);
    expect((c.dnsLookups * 2) / c.packets).toBeGreaterThan(TRAFFIC_MIX.dns * 0.8);
    expect((c.dnsLookups * 2) / c.packets).toBeLessThan(TRAFFIC_MIX.dns * 1.2);
    expect((c.pings * 2) / c.packets).toBeGreaterThan(TRAFFIC_MIX.ping * 0.8);
    expect((c.pings * 2) / c.packets).toBeLessThan(TRAFFIC_MIX.ping * 1.2);
  });

  it('makes TCP, UDP and ICMP flows that end: sessions close, bulk streams are replaced', () => {
    const f = p.flows.counters;
    expect(f.tcp).toBeGreaterThan(c.httpsSessions + c.httpSessions);
    expect(f.udp).toBeGreaterThanOrEqual(c.dnsLookups);
    expect(f.icmp).toBeGreaterThan(0);
    expect(f.endedClosed).toBeGreaterThan((c.httpsSessions + c.httpSessions) / 2);
    expect(c.bulkEnded).toBeGreaterThan(0);
    expect(f.evicted).toBe(0);
  });

  it('resolves two new names on every lookup into the DNS cache: the name and its CNAME target', () => {
    expect(p.dns.size).toBe(2 * c.dnsLookups);
    expect(p.dns.answers).toBe(c.dnsLookups);
    const [q, a] = lastLookup;
    expect(q?.qr).toBe(false);
    expect(a?.qr).toBe(true);
    const name = a!.questions[0]!.name, target = a!.answers[0]!.data!;
    expect(q!.questions[0]!.name).toBe(name);
    expect(name).toMatch(/^[0-9a-z]{6}\.svc\.vendor\d\d\.example$/);
    expect(target).toMatch(/^[0-9a-z]{6}\.edge\.cdn\d\d\.example$/);
    const addr = p.dns.addressesFor(target, p.lastTs);
    expect(addr).toHaveLength(1);
    expect(p.dns.addressesFor(name, p.lastTs)).toEqual(addr);
  });

  it('lets devices join over DHCP and replaces them with new MACs', () => {
    // 5 a second: the 50 slots fill in the first 10 s, then 100 more replace devices.
    expect(c.joins).toBeGreaterThanOrEqual(148);
    expect(c.joins).toBeLessThanOrEqual(151);
    expect(c.departures).toBe(c.joins - OPTS.devices);
    expect(g.population).toBe(OPTS.devices);
    const devs = [...p.devices.all()].filter((d) => d.mac.startsWith('0a:ed:'));
    expect(devs).toHaveLength(c.joins);
    const d = devs[devs.length - 1]!;
    expect(d.hostname).toMatch(/^(cam|plug|spk)-[0-9a-z]{8}$/);
    expect(d.dhcpVendorClass).toMatch(/^Example/);
    expect(d.dhcpFingerprint).not.toBeNull();
    expect(d.ips[0]).toMatch(/^10\.1\.\d+\.\d+$/);
  });

  it('evicts departed devices at the inventory cap', () => {
    const small = run(OPTS, 30, 5000, 64);
    expect(small.p.devices.size).toBeLessThanOrEqual(64);
    expect(small.p.devices.evicted).toBeGreaterThan(50);
  });

  it('allocates next to nothing per packet (frames are patched templates)', async () => {
    const gen = new SoakTraffic(OPTS, () => {});
    drive(gen, 10, 50_000); // warm up: let V8 optimise the hot path
    const session = new Session();
    session.connect();
    try {
      // Sampling heap profiler, counting what young-generation GCs already freed as well.
      await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
      const before = gen.counters.packets;
      drive(gen, 4, 50_000);
      const { profile } = await session.post('HeapProfiler.stopSampling');
      let bytes = 0;
      const walk = (n: { selfSize: number; children: unknown[] }): void => { bytes += n.selfSize; for (const c of n.children) walk(c as typeof n); };
      walk(profile.head);
      // About 5 bytes a packet remain (SeededRandom boxes its state); a Buffer or array a packet would be 100+.
      expect(bytes / (gen.counters.packets - before)).toBeLessThan(32);
    } finally {
      session.disconnect();
    }
  });

  it('gives the same bytes for the same seed and others for another', () => {
    const digest = (seed: number) => {
      const h = createHash('sha256');
      const gen = new SoakTraffic({ ...OPTS, seed }, (buf, len, ts) => { h.update(buf.subarray(0, len)); h.update(String(ts)); });
      drive(gen, 2, 5000);
      return h.digest('hex');
    };
    expect(digest(3)).toBe(digest(3));
    expect(digest(3)).not.toBe(digest(4));
  });
});
