// flood.udp: unsolicited UDP packet and bit rates per victim on packet time — the packet and byte
// thresholds and their edges, conversations the receiver opened or answers, group addresses,
// fragments, direction and device, the victim cap — and a built capture through the pipeline.
import { describe, expect, it } from 'vitest';
import { Family, PacketView } from '../../../gateway/decode/packet-view.js';
import type { FloodDetector } from '../../../gateway/detect/flood-window.js';
import { FLOOD_UDP_DEFAULTS, floodUdp, type FloodUdpConfig } from '../../../gateway/detect/detectors/flood-udp.js';
import { Flow } from '../../../gateway/track/flow.js';
import { parseIpAddress } from '../../../policies/net/ip-address.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { ether, frame, ipv4, PROTO, udp } from '../../helpers/frames.js';
import { replayFrames } from '../../helpers/replay-frames.js';

const S = 1e6;
const T0 = Date.UTC(2026, 0, 1) * 1000;
const DEV_MAC = 0x02000000aa01;
const GW_MAC = 0x020000000001;

interface Opts { flow?: Flow | null; dir?: number; srcMac?: number; dstMac?: number; len?: number; sport?: number; dport?: number }

function make(over: Partial<FloodUdpConfig> = {}) {
  const { host, alerts, devices } = fakeHost();
  devices.touch(DEV_MAC, T0, 60);
  const d = floodUdp.create(host, { ...FLOOD_UDP_DEFAULTS, ...over }) as FloodDetector;
  const pv = new PacketView();
  let nextTick = 0;
  const feed = (t: number, src: string, dst: string, o: Opts = {}) => {
    const s = parseIpAddress(src)!, dd = parseIpAddress(dst)!;
    pv.reset();
    pv.ts = T0 + Math.round(t * S); pv.family = s.family === 4 ? Family.V4 : Family.V6; pv.ipProto = 17; pv.origLen = o.len ?? 100;
    [pv.src0, pv.src1, pv.src2, pv.src3] = s.words; [pv.dst0, pv.dst1, pv.dst2, pv.dst3] = dd.words;
    pv.srcPort = o.sport ?? 40000; pv.dstPort = o.dport ?? 9999;
    pv.srcMac = o.srcMac ?? GW_MAC; pv.dstMac = o.dstMac ?? DEV_MAC;
    d.onPacket!(pv, o.flow ?? null, o.dir ?? 0, null);
    if (pv.ts >= nextTick) { nextTick = pv.ts + S; d.onTick!(pv.ts); }
  };
  return { d, alerts, feed };
}

/** `rate` datagrams a second for `seconds` seconds from `src` to `dst`. */
function blast(feed: ReturnType<typeof make>['feed'], rate: number, seconds: number, src: string | ((k: number) => string), dst: string, o: Opts = {}, from = 0): void {
  for (let sec = from; sec < from + seconds; sec++) {
    for (let k = 0; k < rate; k++) feed(sec + k / rate, typeof src === 'string' ? src : src(k), dst, { sport: 1024 + k, ...o });
  }
}

describe('floodUdp unit', () => {
  it('alerts at the 1000th datagram of the third second, not at 999 a second', () => {
    const under = make();
    blast(under.feed, 999, 6, '203.0.113.7', '192.168.1.20');
    expect(under.alerts).toHaveLength(0);
    const { alerts, feed } = make();
    blast(feed, 1000, 3, '203.0.113.7', '192.168.1.20');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'flood.udp', src: '203.0.113.7', dst: '192.168.1.20', proto: 'udp', dport: 9999, device: '02:00:00:00:aa:01' });
    expect(alerts[0]!.ts).toBe(T0 + Math.round((2 + 999 / 1000) * S));
    expect(alerts[0]!.evidence).toMatchObject({
      direction: 'inbound', seconds: 3, peakPerSecond: 1000, peakBitsPerSecond: 800_000, distinctSources: 1, thresholdPerSecond: 1000,
    });
  });

  it('alerts on the bit rate alone (packet bar out of reach): 50 Mbit/s yes, 49 no', () => {
    // 4,500 × 1,400 bytes × 8 = 50.4 Mbit/s.
    const { alerts: a2, feed: f2 } = make({ packetsPerSecond: 1_000_000 });
    blast(f2, 4500, 3, '203.0.113.7', '192.168.1.20', { len: 1400 });
    expect(a2).toHaveLength(1);
    expect(a2[0]!.evidence.peakBitsPerSecond).toBeGreaterThanOrEqual(50_000_000);
    // 4,400 × 1,400 × 8 = 49.3 Mbit/s: under.
    const { alerts: a3, feed: f3 } = make({ packetsPerSecond: 1_000_000 });
    blast(f3, 4400, 3, '203.0.113.7', '192.168.1.20', { len: 1400 });
    expect(a3).toHaveLength(0);
  });

  it('leaves alone traffic the receiver asked for or answers', () => {
    const { alerts, feed } = make();
    const download = new Flow(1, 0, 4, 17, T0); // QUIC/video: the device (side A) opened it
    download.initiatorKnown = true;
    download.pktsAB = 1;
    blast(feed, 3000, 4, '203.0.113.7', '192.168.1.20', { flow: download, dir: 1 });
    const vpn = new Flow(2, 0, 4, 17, T0); // a LAN VPN endpoint answering 1 packet in 10
    vpn.pktsAB = 500; vpn.pktsBA = 100;
    blast(feed, 3000, 4, '203.0.113.8', '192.168.1.21', { flow: vpn, dir: 0 }, 10);
    expect(alerts).toHaveLength(0);
    const spoofedPort53 = new Flow(3, 0, 4, 17, T0); // swapped by the flow table: the victim is A, but never sent
    spoofedPort53.initiatorKnown = false;
    spoofedPort53.pktsBA = 1;
    blast(feed, 1500, 3, '203.0.113.9', '192.168.1.22', { flow: spoofedPort53, dir: 1 }, 20);
    expect(alerts.map((a) => a.dst)).toEqual(['192.168.1.22']);
  });

  it('ignores multicast and broadcast destinations', () => {
    const { alerts, feed } = make();
    blast(feed, 2000, 4, '192.168.1.5', '239.255.255.250', { dstMac: 0x01005e7ffffa });
    blast(feed, 2000, 4, '192.168.1.5', '255.255.255.255', { dstMac: 0xffffffffffff }, 10);
    blast(feed, 2000, 4, '192.168.1.5', '192.168.1.255', { dstMac: 0xffffffffffff }, 20); // directed broadcast
    blast(feed, 2000, 4, 'fe80::1', 'ff02::fb', { dstMac: 0x3333000000fb }, 30);
    expect(alerts).toHaveLength(0);
  });

  it('counts later fragments (no ports) toward the victim', () => {
    const { alerts, feed } = make();
    blast(feed, 1200, 3, '203.0.113.7', '192.168.1.20', { sport: -1, dport: -1, len: 1514 });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ dport: null });
  });

  it('sees a LAN device flooding out from many ports to random ports of one address', () => {
    const { alerts, feed } = make();
    for (let sec = 0; sec < 3; sec++) {
      for (let k = 0; k < 2000; k++) feed(sec + k / 2000, '192.168.1.20', '198.51.100.10', { sport: 1024 + k, dport: 1 + ((k * 7919) % 65535), srcMac: DEV_MAC, dstMac: GW_MAC });
    }
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ dst: '198.51.100.10', device: '02:00:00:00:aa:01', dport: null });
    expect(alerts[0]!.evidence).toMatchObject({ direction: 'outbound', peakPerSecond: 2000 });
    const ports = alerts[0]!.evidence.distinctDestinationPorts as number; // 2,000 (the same each second)
    expect(ports).toBeGreaterThan(2000 * 0.75);
    expect(ports).toBeLessThan(2000 * 1.25);
  });

  it('many sources to one victim (spoofed or a botnet) count together', () => {
    const { alerts, feed } = make();
    blast(feed, 1000, 3, (k) => `2001:db8:ffff::${k.toString(16)}`, '2001:db8::20');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.dst).toBe('2001:db8::20');
    const n = alerts[0]!.evidence.distinctSources as number;
    expect(n).toBeGreaterThan(800);
    expect(n).toBeLessThan(1200);
  });

  it('refuses a table without room or a flood without seconds', () => {
    expect(() => make({ maxVictims: 0 })).toThrow(RangeError);
    expect(() => make({ minSeconds: 0 })).toThrow(RangeError);
  });

  it('holds at most maxVictims addresses and counts evictions', () => {
    const { d, feed } = make({ maxVictims: 32 });
    for (let i = 0; i < 500; i++) feed(i / 1000, '203.0.113.7', `10.3.${i >> 8}.${i & 255}`);
    expect(d.stateSize!()).toBe(32);
    expect(d.evicted).toBe(468);
    feed(5, '203.0.113.7', '10.9.9.9'); // its tick drops the idle ones
    expect(d.stateSize!()).toBe(1);
  });
});

describe('floodUdp through the pipeline', () => {
  it('a built 1,200 datagrams/s flood into a LAN device gives one flood.udp with the device and the final numbers', async () => {
    const DEV = '02:00:00:00:aa:01', GW = '02:00:00:00:00:01';
    const frames = [
      // The device is known from a frame of its own (a DNS query to the router).
      { t: 0, data: frame(ether({ dst: GW, src: DEV, type: 0x0800 }), ipv4({ src: '192.168.1.20', dst: '192.168.1.1', proto: PROTO.UDP, payload: udp({ sport: 5353, dport: 53, payload: Buffer.alloc(20) }) })) },
    ];
    for (let i = 0; i < 3600; i++) {
      frames.push({ t: 1 + i / 1200, data: frame(ether({ dst: DEV, src: GW, type: 0x0800 }), ipv4({ src: '203.0.113.7', dst: '192.168.1.20', proto: PROTO.UDP, payload: udp({ sport: 1024 + (i % 50000), dport: 27015, payload: Buffer.alloc(58) }) })) });
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [floodUdp] } });
    expect(summary.alerts).toHaveLength(1);
    expect(summary.alerts[0]).toMatchObject({ rule: 'flood.udp', dst: '192.168.1.20', device: DEV, dport: 27015, count: 1 });
    // Raised at the 1000th datagram of the third second; refreshed with the final numbers at the end of the capture.
    expect(summary.alerts[0]!.evidence).toMatchObject({ direction: 'inbound', seconds: 3, peakPerSecond: 1200, packets: 3600, distinctSources: 1 });
  });
});
