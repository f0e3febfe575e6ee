// beacon.c2: RITA-style scoring of a (device, destination, port) pair's connection starts and
// sizes over a sliding window. The scorer on its own, the detector driven with hand-made flows and
// a fake clock, then built captures: a 60 s ± 1 s beacon for an hour, and the same device calling
// at random (exponential) gaps.
import { describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../gateway/alerts/alert.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { BEACON_DEFAULTS, beacon, beaconConfigErrors, scoreBeacon, type BeaconConfig, type BeaconDetector } from '../../../gateway/detect/detectors/beacon.js';
import { Flow } from '../../../gateway/track/flow.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { ETHER_IPV4, PROTO, ether, frame, ipv4, tcp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';
import { prng } from '../../helpers/prng.js';

const DEVICE_MAC = '02:00:00:00:00:50';
const DEVICE_IP = '192.168.1.50';
const ROUTER_MAC = '02:00:00:00:00:01';
const SERVER_IP = '203.0.113.10';
const S = 1e6;
const HOUR = 3600;


/** Start times (s): every `period` ± `jitter` from 0 up to `end`. */
function periodic(period: number, jitter: number, end: number, seed = 1): number[] {
  const rnd = prng(seed);
  const out: number[] = [];
  for (let t = 0; t <= end; t += period) out.push(Math.max(0, t + (rnd() * 2 - 1) * jitter));
  return out;
}

/** Start times (s) with exponential gaps of mean `mean` (a Poisson process) from 0 up to `end`. */
function poisson(mean: number, end: number, seed = 1): number[] {
  const rnd = prng(seed);
  const out: number[] = [];
  for (let t = 0; t <= end; t += -mean * Math.log(1 - rnd())) out.push(t);
  return out;
}

interface FlowSpec {
  start: number;
  dur?: number;
  src?: string;
  dst?: string;
  dport?: number;
  proto?: number;
  sent?: number;
  initiatorKnown?: boolean;
}

let nextId = 1;
/** A finished flow as the flow table hands it to onFlowEnd. */
function flow(o: FlowSpec): Flow {
  const f = new Flow(nextId++, 0, 4, o.proto ?? PROTO.TCP, o.start * S);
  f.a0 = parseIpv4(o.src ?? DEVICE_IP);
  f.b0 = parseIpv4(o.dst ?? SERVER_IP);
  f.aPort = 40000 + (f.id % 20000);
  f.bPort = o.dport ?? 443;
  const deviceIsA = (o.src ?? DEVICE_IP) === DEVICE_IP;
  f.aMac = parseMac(deviceIsA ? DEVICE_MAC : ROUTER_MAC);
  f.bMac = parseMac(deviceIsA ? ROUTER_MAC : DEVICE_MAC);
  f.initiatorKnown = o.initiatorKnown ?? true;
  f.lastTs = (o.start + (o.dur ?? 0.2)) * S;
  f.pktsAB = 5; f.bytesAB = o.sent ?? 420; f.pktsBA = 4; f.bytesBA = 700;
  f.endReason = 'closed';
  return f;
}

interface Harness {
  d: BeaconDetector;
  alerts: AlertInput[];
  /** Ends one flow per start time (seconds), in order, ticking the clock as it goes. */
  feed(starts: readonly number[], o?: Omit<FlowSpec, 'start'>): void;
}

function harness(over: Partial<BeaconConfig> = {}): Harness {
  const { host, alerts, devices } = fakeHost();
  devices.touch(parseMac(DEVICE_MAC), 0, 0);
  const d = beacon.create(host, { ...BEACON_DEFAULTS, ...over }) as BeaconDetector;
  return {
    d, alerts,
    feed(starts, o = {}) {
      for (const s of starts) {
        const f = flow({ ...o, start: s });
        d.onTick(f.lastTs);
        d.onFlowEnd(f);
      }
    },
  };
}

describe('scoreBeacon', () => {
  const w = BEACON_DEFAULTS;

  it('gives a perfect beacon full interval and size scores', () => {
    const starts = periodic(60, 0, HOUR).map((t) => t * S);
    const s = scoreBeacon(starts, starts.map(() => 420), HOUR * S, w)!;
    expect(s).toMatchObject({ periodSeconds: 60, connections: 61, intervalSkew: 0, intervalMadm: 0, intervalScore: 1, sizeSkew: 0, sizeMadm: 0, sizeMode: 420 });
    expect(s.sizeScore).toBeCloseTo((1 + 1 + (1 - 420 / 65535)) / 3, 6);
    expect(s.durationScore).toBe(1);
    expect(s.histogramScore).toBeGreaterThan(0.9);
    expect(s.score).toBeGreaterThan(0.95);
  });

  it('scores exponential gaps low on intervals and the histogram', () => {
    const starts = poisson(60, HOUR).map((t) => t * S);
    const s = scoreBeacon(starts, starts.map(() => 420), HOUR * S, w)!;
    expect(s.intervalScore).toBeLessThan(0.7);
    expect(s.score).toBeLessThan(BEACON_DEFAULTS.threshold);
  });

  it('merges starts less than 1 s apart into one check-in (RITA drops zero intervals)', () => {
    const starts = periodic(60, 0, 1200).flatMap((t) => [t * S, t * S + 0.3 * S]);
    const s = scoreBeacon(starts, starts.map(() => 100), 1200 * S, w)!;
    expect(s).toMatchObject({ connections: 21, periodSeconds: 60, intervalMadm: 0 });
  });

  it('gives null with fewer than two check-ins', () => {
    expect(scoreBeacon([0], [1], HOUR * S, w)).toBeNull();
    expect(scoreBeacon([0, 0.5 * S], [1, 1], HOUR * S, w)).toBeNull();
  });

  it('takes the Bowley skew only when the quartiles spread 10 s or more', () => {
    // Quartiles 50, 60, 90 (s): skew (50 + 90 − 120) / 40 = 0.5.
    const gaps = [50, 50, 50, 60, 60, 90, 90, 90];
    const starts = [0];
    for (const g of gaps) starts.push(starts[starts.length - 1]! + g * S);
    const s = scoreBeacon(starts, starts.map(() => 1), HOUR * S, w)!;
    expect(s.intervalSkew).toBeCloseTo(0.5, 9);
    // Spread of 4 s: too close to tell, skew 0.
    const tight = [58, 58, 58, 60, 60, 62, 62, 62];
    const t2 = [0];
    for (const g of tight) t2.push(t2[t2.length - 1]! + g * S);
    expect(scoreBeacon(t2, t2.map(() => 1), HOUR * S, w)!.intervalSkew).toBe(0);
  });
});

describe('beacon detector', () => {
  it('accepts its defaults and rejects a bad config, naming every bad key', () => {
    expect(beaconConfigErrors(BEACON_DEFAULTS)).toEqual([]);
    expect(beaconConfigErrors({ ...BEACON_DEFAULTS, windowSeconds: 0, threshold: 1.5, histogramBuckets: 0, ignorePorts: [70000] })).toHaveLength(4);
    expect(beaconConfigErrors({ ...BEACON_DEFAULTS, intervalWeight: 0, sizeWeight: 0, durationWeight: 0, histogramWeight: 0 })).toHaveLength(1);
    expect(beaconConfigErrors({ ...BEACON_DEFAULTS, maxConnectionsPerPair: 10 })).toHaveLength(1);
    expect(() => harness({ windowSeconds: 0 })).toThrow(RangeError);
  });

  it('raises beacon.c2 once for a device calling one host every 60 s ± 1 s for an hour', () => {
    const h = harness();
    h.feed(periodic(60, 1, HOUR));
    expect(h.alerts).toHaveLength(1);
    const a = h.alerts[0]!;
    expect(a).toMatchObject({ rule: 'beacon.c2', device: DEVICE_MAC, src: DEVICE_IP, dst: SERVER_IP, proto: 'tcp', dport: 443 });
    const ev = a.evidence as Record<string, number>;
    expect(ev.score).toBeGreaterThanOrEqual(0.8);
    expect(ev.periodSeconds).toBeGreaterThan(59);
    expect(ev.periodSeconds).toBeLessThan(61);
    expect(ev.connections).toBeGreaterThanOrEqual(20);
    expect(ev.windowSeconds).toBe(3600);
    for (const k of ['intervalSkew', 'intervalMadm', 'sizeSkew', 'sizeMadm']) expect(typeof ev[k]).toBe('number');
  });

  it('raises nothing for the same device calling at random (exponential) gaps', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const h = harness();
      h.feed(poisson(60, HOUR, seed));
      expect(h.alerts, `seed ${seed}`).toEqual([]);
    }
  });

  it('alerts at most once per pair per window', () => {
    const h = harness();
    h.feed(periodic(60, 1, 1.5 * HOUR));
    expect(h.alerts).toHaveLength(1);
    const first = h.alerts[0]!.ts;
    const h2 = harness();
    h2.feed(periodic(60, 1, 3 * HOUR));
    expect(h2.alerts.length).toBeGreaterThanOrEqual(2);
    expect(h2.alerts[1]!.ts - h2.alerts[0]!.ts).toBeGreaterThanOrEqual(HOUR * S);
    expect(h2.alerts[0]!.ts).toBe(first);
  });

  it('needs minConnections distinct check-ins in the window', () => {
    const cfg = { windowSeconds: 1200 };
    const h19 = harness(cfg);
    h19.feed(periodic(60, 0, 60 * 18)); // 19 connections
    expect(h19.alerts).toEqual([]);
    const h20 = harness(cfg);
    h20.feed(periodic(60, 0, 60 * 19)); // 20 connections
    expect(h20.alerts).toHaveLength(1);
    expect(h20.alerts[0]!.evidence.connections).toBe(20);
  });

  it('fires at the threshold and not above it', () => {
    const starts = periodic(60, 5, 60 * 24, 9);
    const s = scoreBeacon(starts.map((t) => t * S), starts.map(() => 420), HOUR * S, BEACON_DEFAULTS)!;
    // minConnections = all of them: the pair is scored exactly once, on the last flow.
    const at = harness({ minConnections: starts.length, threshold: s.score });
    at.feed(starts);
    expect(at.alerts).toHaveLength(1);
    expect(at.alerts[0]!.evidence.score).toBeCloseTo(s.score, 3);
    const above = harness({ minConnections: starts.length, threshold: s.score + 1e-9 });
    above.feed(starts);
    expect(above.alerts).toEqual([]);
  });

  it('scores flows that end out of start order', () => {
    const h = harness();
    const starts = periodic(60, 1, HOUR);
    // Every fourth flow is long-lived and ends after the next three have ended.
    const order = starts.map((t, i) => ({ t, end: i % 4 === 0 ? t + 200 : t + 0.2 })).sort((a, b) => a.end - b.end);
    for (const o of order) h.d.onFlowEnd(flow({ start: o.t, dur: o.end - o.t }));
    expect(h.alerts).toHaveLength(1);
    expect(h.alerts[0]!.evidence.periodSeconds).toBeGreaterThan(59);
    expect(h.alerts[0]!.evidence.periodSeconds).toBeLessThan(61);
  });

  it('leaves out LAN, multicast and broadcast destinations, ignored ports, and flows the device did not start', () => {
    const starts = periodic(60, 0, HOUR);
    const h = harness();
    h.feed(starts, { dst: '192.168.1.1', dport: 80 });
    h.feed(starts, { dst: '239.255.255.250', dport: 1900, proto: PROTO.UDP });
    h.feed(starts, { dst: '255.255.255.255', dport: 9999, proto: PROTO.UDP });
    h.feed(starts, { dport: 123, proto: PROTO.UDP });
    h.feed(starts, { dport: 53, proto: PROTO.UDP });
    h.feed(starts, { src: SERVER_IP, dst: DEVICE_IP, dport: 8080 });
    h.feed(starts, { initiatorKnown: false });
    h.feed(starts, { proto: PROTO.ICMP, dport: 0 });
    expect(h.alerts).toEqual([]);
    // includeLanDestinations scores the LAN pair.
    const lan = harness({ includeLanDestinations: true });
    lan.feed(starts, { dst: '192.168.1.1', dport: 80 });
    expect(lan.alerts).toHaveLength(1);
  });

  it('keeps destinations and ports apart', () => {
    const h = harness();
    const starts = periodic(60, 1, HOUR);
    // Two destinations each called every 120 s, interleaved: neither pair has a 60 s period, and
    // each is scored on its own.
    h.feed(starts.filter((_, i) => i % 2 === 0), { dst: '203.0.113.10' });
    h.feed(starts.filter((_, i) => i % 2 === 1), { dst: '203.0.113.11' });
    expect(h.alerts).toHaveLength(2);
    expect(h.alerts.map((a) => a.dst).sort()).toEqual(['203.0.113.10', '203.0.113.11']);
    for (const a of h.alerts) expect(a.evidence.periodSeconds).toBeGreaterThan(110);
  });

  it('keeps at most maxPairs pairs and maxConnectionsPerPair connections, counting what it drops', () => {
    const h = harness({ maxPairs: 2, maxConnectionsPerPair: 30 });
    for (let i = 0; i < 5; i++) h.feed([i], { dst: `203.0.113.${20 + i}` });
    expect(h.d.stateSize()).toBe(2);
    expect(h.d.evictedPairs).toBe(3);
    h.feed(periodic(60, 1, HOUR));
    expect(h.d.droppedConnections).toBe(61 - 30);
    // 30 connections spread over half the window still make a beacon.
    expect(h.alerts).toHaveLength(1);
    expect(h.alerts[0]!.evidence.flows).toBe(30);
  });

  it('ages out starts older than the window and forgets pairs idle for a window', () => {
    const h = harness({ windowSeconds: 600 });
    h.feed(periodic(60, 0, 540)); // 10 connections: below minConnections
    h.feed([2000]); // the next connection much later: the old ten have aged out
    h.feed(periodic(60, 0, 540).map((t) => 2060 + t)); // 10 more: still 11 in the window at most
    expect(h.alerts).toEqual([]);
    expect(h.d.stateSize()).toBe(1);
    h.d.onTick((2600 + 600 + 1) * S);
    expect(h.d.stateSize()).toBe(0);
  });
});

// ---------------------------------------------------------------- built captures

/** One TCP connection from the device to the server: handshake, request, response, close. */
function session(t: number, sport: number): TimedFrame[] {
  const out = (dt: number, flags: string, seq: number, ack: number, payload?: Buffer): TimedFrame => ({
    t: t + dt,
    data: frame(
      ether({ dst: ROUTER_MAC, src: DEVICE_MAC, type: ETHER_IPV4 }),
      ipv4({ src: DEVICE_IP, dst: SERVER_IP, proto: PROTO.TCP, payload: tcp({ sport, dport: 443, flags, seq, ack, payload }) }),
    ),
  });
  const back = (dt: number, flags: string, seq: number, ack: number, payload?: Buffer): TimedFrame => ({
    t: t + dt,
    data: frame(
      ether({ dst: DEVICE_MAC, src: ROUTER_MAC, type: ETHER_IPV4 }),
      ipv4({ src: SERVER_IP, dst: DEVICE_IP, proto: PROTO.TCP, payload: tcp({ sport: 443, dport: sport, flags, seq, ack, payload }) }),
    ),
  });
  const req = Buffer.alloc(120, 0x41), resp = Buffer.alloc(300, 0x42);
  return [
    out(0, 'S', 1000, 0), back(0.03, 'SA', 5000, 1001), out(0.031, 'A', 1001, 5001),
    out(0.032, 'PA', 1001, 5001, req), back(0.08, 'PA', 5001, 1121, resp),
    out(0.081, 'FA', 1121, 5301), back(0.11, 'FA', 5301, 1122), out(0.111, 'A', 1122, 5302),
  ];
}

function sessions(starts: readonly number[]): TimedFrame[] {
  return starts.flatMap((t, i) => session(t, 40000 + i));
}

describe('beacon over built captures', () => {
  it('flags a device calling one host every 60 s ± 1 s for an hour', async () => {
    const { summary } = await replayFrames(sessions(periodic(60, 1, HOUR, 42)), { detect: { detectors: [beacon] } });
    expect(summary.alerts).toHaveLength(1);
    const a = summary.alerts[0]!;
    expect(a).toMatchObject({ rule: 'beacon.c2', device: DEVICE_MAC, src: DEVICE_IP, dst: SERVER_IP, proto: 'tcp', dport: 443 });
    expect(a.evidence.score).toBeGreaterThanOrEqual(0.8);
    expect(a.evidence.periodSeconds).toBeGreaterThan(59);
    expect(a.evidence.periodSeconds).toBeLessThan(61);
    expect(a.evidence).toMatchObject({ windowSeconds: 3600, intervalSkew: expect.any(Number) as unknown, intervalMadm: expect.any(Number) as unknown, sizeSkew: 0, sizeMadm: 0 });
  });

  it('stays quiet for the same device calling at random (exponential, mean 60 s) gaps', async () => {
    const { summary, sensor: engine } = await replayFrames(sessions(poisson(60, HOUR, 42)), { detect: { detectors: [beacon] } });
    expect(summary.alerts).toEqual([]);
    expect(engine.stateSizes()).toEqual({ beacon: 1 });
  });
});
