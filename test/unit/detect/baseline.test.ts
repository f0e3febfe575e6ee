// baseline.new-destination: the detector with a fake host and clock (learning window, names from
// the DNS cache, profiled devices skipped, which flows count, caps), then a built capture.
import { describe, expect, it } from 'vitest';
import { iso } from '../../../gateway/common/packet-time.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import { baseline, BASELINE_DEFAULTS, type BaselineConfig, type BaselineDetector } from '../../../gateway/detect/detectors/baseline.js';
import { Flow } from '../../../gateway/track/flow.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { ether, ETHER_IPV4, frame, ipv4, PROTO, tcp, udp } from '../../helpers/frames.js';
import { replayFrames, T0, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const H = 3600 * S;
const T = T0;
const DEV = '02:00:00:00:00:0d';
const DEV_IP = '192.168.1.13';
const GW = '02:00:00:00:00:01';

function setup(over: Partial<BaselineConfig> = {}) {
  const { host, alerts, devices, dns } = fakeHost();
  const d = baseline.create(host, { ...BASELINE_DEFAULTS, ...over }) as BaselineDetector;
  const dev = devices.touch(parseMac(DEV), T, 60)!;
  const pv = new PacketView();
  let nextId = 1;
  /** The first packet of a new flow DEV → dst:port at `ts` µs (or from outside when `inbound`). */
  function open(ts: number, dst: string, port: number, o: { proto?: number; inbound?: boolean; initiatorKnown?: boolean; mac?: string } = {}): Flow {
    const proto = o.proto ?? PROTO.TCP;
    const f = new Flow(nextId++, 0, 4, proto, ts);
    const lan = parseIpv4(DEV_IP), far = parseIpv4(dst);
    f.a0 = o.inbound ? far : lan; f.b0 = o.inbound ? lan : far; f.aPort = 40000; f.bPort = port;
    f.initiatorKnown = o.initiatorKnown ?? true;
    f.pktsAB = 1;
    const m = parseMac(o.mac ?? (o.inbound ? GW : DEV));
    f.aMac = m;
    pv.reset();
    pv.ts = ts; pv.family = 4; pv.ipProto = proto; pv.src0 = f.a0; pv.dst0 = f.b0; pv.srcPort = 40000; pv.dstPort = port;
    pv.srcMac = m; pv.dstMac = parseMac(o.inbound ? DEV : GW);
    d.onPacket(pv, f, 0, null);
    return f;
  }
  /** A DNS answer name → addr seen at `ts`. */
  function answer(ts: number, name: string, addr: string, ttl = 86400 * 3): void {
    dns.onMessage({
      id: 1, qr: true, opcode: 0, rcode: 0, tc: false, questions: [{ name, type: 1, class: 1 }],
      answers: [{ name, type: 1, class: 1, ttl, rdLen: 4, data: addr }], authorities: [], additionals: [],
    }, ts);
  }
  return { d, dev, devices, alerts, open, answer };
}

describe('baseline.new-destination by hand', () => {
  it('learns for 24 h from first sight, then reports each destination not seen while learning, once', () => {
    const { alerts, open } = setup();
    open(T + 1 * H, '198.51.100.1', 443);
    open(T + 23 * H, '198.51.100.2', 8883);
    expect(alerts).toHaveLength(0);
    open(T + 25 * H, '198.51.100.1', 443); // learned
    open(T + 25 * H, '198.51.100.2', 8883);
    expect(alerts).toHaveLength(0);
    open(T + 26 * H, '203.0.113.66', 23);
    open(T + 27 * H, '198.51.100.1', 80); // same host, another port: another destination
    open(T + 28 * H, '203.0.113.66', 23); // reported already
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatchObject({
      rule: 'baseline.new-destination', ts: T + 26 * H, device: DEV, src: DEV_IP, dst: '203.0.113.66', dport: 23, proto: 'tcp',
      peer: '203.0.113.66 23/tcp',
      evidence: { destination: '203.0.113.66 23/tcp', name: null, address: '203.0.113.66', learnedDestinations: 2, learningEndedAt: iso(T + 24 * H) },
    });
    expect(alerts[1]!.evidence).toMatchObject({ destination: '198.51.100.1 80/tcp', learnedDestinations: 3 });
  });

  it('uses DNS names: a new address of a learned name is known; a new name is reported by name', () => {
    const { alerts, open, answer } = setup();
    answer(T + 1 * H, 'api.vendor.example', '198.51.100.10');
    open(T + 1 * H, '198.51.100.10', 443);
    answer(T + 30 * H, 'api.vendor.example', '198.51.100.11');
    open(T + 30 * H, '198.51.100.11', 443);
    expect(alerts).toHaveLength(0);
    answer(T + 31 * H, 'c2.bad.example', '203.0.113.99');
    open(T + 31 * H, '203.0.113.99', 443);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ destination: 'c2.bad.example 443/tcp', name: 'c2.bad.example', address: '203.0.113.99' });
    // After the answer expired, the learned address alone still counts as known.
    open(T + 200 * H, '198.51.100.10', 443);
    expect(alerts).toHaveLength(1);
  });

  it('learningSeconds is configurable; UDP and ICMP destinations are keyed by protocol', () => {
    const { alerts, open } = setup({ learningSeconds: 60 });
    open(T + 10 * S, '192.168.1.1', 53, { proto: PROTO.UDP });
    open(T + 120 * S, '192.168.1.1', 53, { proto: PROTO.UDP });
    open(T + 121 * S, '192.168.1.1', 53, { proto: PROTO.TCP });
    open(T + 122 * S, '8.8.8.8', 0, { proto: PROTO.ICMP });
    expect(alerts.map((a) => a.evidence.destination)).toEqual(['192.168.1.1 53/tcp', '8.8.8.8 icmp']);
  });

  it('skips devices with a MUD URL or profile, flows from outside, unknown initiators and later packets', () => {
    const { alerts, dev, open, d } = setup({ learningSeconds: 1 });
    open(T + 0.5 * S, '198.51.100.9', 443); // learning starts (from first sight, T)
    open(T + 5 * S, '198.51.100.1', 443, { inbound: true });
    open(T + 5 * S, '198.51.100.2', 443, { initiatorKnown: false });
    const f = open(T + 5 * S, '198.51.100.3', 443);
    expect(alerts).toHaveLength(1); // the third, learning long over
    f.pktsAB = 2;
    d.onPacket(new PacketView(), f, 0, null);
    expect(alerts).toHaveLength(1);
    dev.mudUrl = 'https://vendor.example/thermo.json';
    open(T + 6 * S, '198.51.100.4', 443);
    dev.mudUrl = null; dev.profile = 'default';
    open(T + 7 * S, '198.51.100.5', 443);
    expect(alerts).toHaveLength(1);
    expect(d.stateSize()).toBe(0); // a profiled device's baseline is dropped
  });

  it('stops learning at maxDestinationsPerDevice (counted) and still reports afterwards', () => {
    const { alerts, d, open } = setup({ maxDestinationsPerDevice: 2 });
    for (let i = 1; i <= 4; i++) open(T + i * S, `198.51.100.${i}`, 443);
    expect(d.unlearned).toBe(2);
    open(T + 25 * H, '198.51.100.1', 443);
    open(T + 25 * H, '198.51.100.3', 443);
    expect(alerts.map((a) => a.evidence.destination)).toEqual(['198.51.100.3 443/tcp']);
    expect(alerts[0]!.evidence).toMatchObject({ learnedDestinations: 2, unlearned: 2 });
    expect(d.stateSize()).toBe(1 + 2);
  });

  it('keeps at most maxDevices baselines; a device back after eviction and after its window learns afresh', () => {
    const { alerts, d, devices, open } = setup({ maxDevices: 1 });
    open(T + 1 * S, '198.51.100.1', 443);
    open(T + 2 * S, '198.51.100.9', 443, { mac: '02:00:00:00:00:0e' }); // not in the inventory: ignored
    expect(d.evicted).toBe(0);
    const other = '02:00:00:00:00:0f';
    devices.touch(parseMac(other), T + 3 * S, 60);
    open(T + 3 * S, '198.51.100.2', 443, { mac: other });
    expect(d.evicted).toBe(1);
    open(T + 30 * H, '203.0.113.5', 443); // DEV again: evicted, window over → learns from now
    expect(alerts).toHaveLength(0);
    open(T + 55 * H, '203.0.113.6', 443);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence.learningEndedAt).toBe(iso(T + 54 * H));
  });
});

// ---------------------------------------------------------------- through the pipeline

function syn(t: number, dst: string, dport: number, sport: number): TimedFrame {
  return { t, data: frame(ether({ src: DEV, dst: GW, type: ETHER_IPV4 }), ipv4({ src: DEV_IP, dst, proto: PROTO.TCP, payload: tcp({ sport, dport, flags: 'S' }) })) };
}

describe('baseline.new-destination through the pipeline', () => {
  it('learns for learningSeconds, then reports the one new destination (a telnet peer); answers from outside do not count', async () => {
    const frames: TimedFrame[] = [
      syn(0, '198.51.100.1', 443, 40001), syn(30, '198.51.100.1', 443, 40002),
      { t: 31, data: frame(ether({ src: DEV, dst: GW, type: ETHER_IPV4 }), ipv4({ src: DEV_IP, dst: '192.168.1.1', proto: PROTO.UDP, payload: udp({ sport: 40100, dport: 53, payload: Buffer.alloc(12) }) })) },
      syn(100, '198.51.100.1', 443, 40003),
      { t: 101, data: frame(ether({ src: GW, dst: DEV, type: ETHER_IPV4 }), ipv4({ src: '203.0.113.200', dst: DEV_IP, proto: PROTO.TCP, payload: tcp({ sport: 50000, dport: 80, flags: 'S' }) })) },
      syn(102, '203.0.113.23', 23, 40004),
      { t: 103, data: frame(ether({ src: DEV, dst: GW, type: ETHER_IPV4 }), ipv4({ src: DEV_IP, dst: '192.168.1.1', proto: PROTO.UDP, payload: udp({ sport: 40101, dport: 53, payload: Buffer.alloc(12) }) })) },
    ];
    const { summary } = await replayFrames(frames, { detect: { detectors: [baseline], config: { baseline: { learningSeconds: 60 } } } });
    expect(summary.alerts).toHaveLength(1);
    expect(summary.alerts[0]).toMatchObject({
      rule: 'baseline.new-destination', severity: 'low', device: DEV, src: DEV_IP, dst: '203.0.113.23', dport: 23,
      evidence: { destination: '203.0.113.23 23/tcp', learnedDestinations: 2, learningEndedAt: '2026-01-01T00:01:00.000000Z' },
    });
  });
});
