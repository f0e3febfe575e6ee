// Floods shorter than a second, and the slow shapes of reflection and spoofed SYN floods (issue
// 16), built frame by frame and replayed through the whole pipeline with the three flood
// detectors: a 25 ms BACnet reflection burst, a 0.15 s SYN-ACK reflection, a 30 s low-rate DNS
// reflection with trailing fragments, a spoofed SYN stream under the raw rate, a sub-second UDP
// flood; and the benign shapes next to them that must stay quiet (a resolver answering a client's
// burst of lookups, an NTP server answering requests, web servers completing handshakes, a
// validating resolver asking many servers, real clients retrying).
import { describe, expect, it } from 'vitest';
import { FLOOD_AMPLIFICATION_DEFAULTS, floodAmplification } from '../../../gateway/detect/detectors/flood-amplification.js';
import { FLOOD_SYN_DEFAULTS, floodSyn } from '../../../gateway/detect/detectors/flood-syn.js';
import { FLOOD_UDP_DEFAULTS, floodUdp } from '../../../gateway/detect/detectors/flood-udp.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { ether, frame, IPV4_MF, ipv4, PROTO, tcp, udp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const DEV = '02:00:00:00:aa:01';
const GW = '02:00:00:00:00:01';
const VICTIM = '192.168.1.20';
const FLOODS = new Set(['flood.syn', 'flood.udp', 'flood.amplification']);

/** A public address for index i (up to 16 M distinct): 45.x.y.z, never a LAN or reserved range. */
const outside = (i: number) => `45.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** A UDP frame; `toLan`: from the gateway side to the device, else the device out. */
function udpFrame(src: string, sport: number, dst: string, dport: number, payloadLen: number, toLan = true): Buffer {
  return frame(ether({ dst: toLan ? DEV : GW, src: toLan ? GW : DEV, type: 0x0800 }),
    ipv4({ src, dst, proto: PROTO.UDP, payload: udp({ sport, dport, payload: Buffer.alloc(payloadLen, 0x41) }) }));
}

/** A TCP segment with `flags` ('S', 'SA', 'A', 'R'). */
function tcpFrame(src: string, sport: number, dst: string, dport: number, flags: string, toLan: boolean): Buffer {
  return frame(ether({ dst: toLan ? DEV : GW, src: toLan ? GW : DEV, type: 0x0800 }), ipv4({ src, dst, proto: PROTO.TCP, payload: tcp({ sport, dport, flags }) }));
}

/**
 * A large DNS answer from `src`:53 split in two IPv4 fragments, as an RRSIG or ANY answer over
 * EDNS0 arrives: the first (1,514 B frame, the UDP header with the whole datagram's length, more
 * fragments) and the trailing one (no UDP header, offset 1,480).
 */
function fragmentedAnswer(src: string, dport: number, id: number): Buffer[] {
  const body = 2400; // UDP payload bytes of the whole answer
  const head = udp({ sport: 53, dport, payload: Buffer.alloc(1480 - 8, 0x42), length: 8 + body });
  const first = ipv4({ src, dst: VICTIM, proto: PROTO.UDP, id, flags: IPV4_MF, payload: head });
  const rest = ipv4({ src, dst: VICTIM, proto: PROTO.UDP, id, fragOffset: 1480, payload: Buffer.alloc(8 + body - 1480, 0x43) });
  const eth = ether({ dst: DEV, src: GW, type: 0x0800 });
  return [frame(eth, first), frame(eth, rest)];
}

/** Replays `frames` with the flood detectors; their alerts. */
async function floods(frames: TimedFrame[]) {
  const { summary } = await replayFrames(frames, { detect: { detectors: [floodSyn, floodUdp, floodAmplification] } });
  return summary.alerts.filter((a) => FLOODS.has(a.rule));
}

describe('sub-second bursts', () => {
  it('10,000 BACnet responses from 6,000 reflectors in 25 ms: one flood.amplification (burst) with the peak rate and the reflectors', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 10_000; i++) frames.push({ t: 1 + (i * 0.025) / 10_000, data: udpFrame(outside(i % 6000), 47808, VICTIM, 20000 + (i % 3), 300) });
    const alerts = await floods(frames);
    expect(alerts.map((a) => [a.rule, a.severity, a.dst, a.sport])).toEqual([['flood.amplification', 'high', VICTIM, 47808]]);
    const ev = alerts[0]!.evidence;
    expect(ev).toMatchObject({ trigger: 'burst', direction: 'inbound', servicePorts: [47808], packets: 10_000, seconds: 1, burstWindowMs: 100, peakBurstPackets: 10_000 });
    expect(ev.peakBurstPerSecond).toBe(100_000); // 10,000 in one 100 ms bucket
    expect(ev.peakBurstSpanMs).toBeGreaterThan(24);
    expect(ev.peakBurstSpanMs).toBeLessThan(26);
    expect(ev.reflectors).toBeGreaterThan(6000 * 0.8);
    expect(ev.reflectors).toBeLessThan(6000 * 1.2);
  });

  it('a burst whose first 300 responses come from 3 reflectors, then 3,000 from 3,000: judged again as it grows, one flood.amplification', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 3300; i++) frames.push({ t: 1 + i * 0.00001, data: udpFrame(outside(i < 300 ? i % 3 : i), 123, VICTIM, 80, 440) });
    const alerts = await floods(frames);
    expect(alerts.map((a) => [a.rule, a.evidence.trigger])).toEqual([['flood.amplification', 'burst']]);
    // Judged at the bucket's 200th response (3 reflectors: under minReflectors), raised at its 400th
    // (about 103), at 1 s + 399 × 10 µs.
    expect(alerts[0]!.firstTs).toBe('2026-01-01T00:00:01.003990Z');
  });

  it('6,600 SYN-ACKs, each from another of 7,000 reflectors, in 0.15 s: one flood.syn (synack, burst)', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 6600; i++) frames.push({ t: 2 + (i * 0.15) / 6600, data: tcpFrame(outside(Math.floor((i * 7000) / 6600)), 443, VICTIM, 1024 + (i % 50000), 'SA', true) });
    const alerts = await floods(frames);
    expect(alerts.map((a) => [a.rule, a.severity, a.dst])).toEqual([['flood.syn', 'high', VICTIM]]);
    const ev = alerts[0]!.evidence;
    expect(ev).toMatchObject({ kind: 'synack', trigger: 'burst', packets: 6600, seconds: 1 });
    expect(ev.peakBurstPerSecond).toBe(44_000); // 4,400 in the first 100 ms
    expect(ev.distinctSources).toBeGreaterThan(6600 * 0.8);
    expect(ev.distinctSources).toBeLessThan(6600 * 1.2);
  });

  it('5,000 datagrams from 2 hosts to random ports in 50 ms: one flood.udp (burst), no amplification', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 5000; i++) frames.push({ t: 3 + (i * 0.05) / 5000, data: udpFrame(outside(i & 1), 40000 + (i % 1000), VICTIM, 1 + ((i * 7919) % 65000), 100) });
    const alerts = await floods(frames);
    expect(alerts.map((a) => [a.rule, a.dst])).toEqual([['flood.udp', VICTIM]]);
    expect(alerts[0]!.evidence).toMatchObject({ trigger: 'burst', packets: 5000, distinctSources: 2, peakBurstPerSecond: 50_000 });
  });

  it('a resolver answering 200 lookups a LAN client made within 100 ms: nothing', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 200; i++) {
      const t = 1 + i * 0.0005, port = 30000 + i;
      frames.push({ t, data: udpFrame(VICTIM, port, '9.9.9.9', 53, 40, false) });
      frames.push({ t: t + 0.004, data: udpFrame('9.9.9.9', 53, VICTIM, port, 1200) });
    }
    expect(await floods(frames)).toEqual([]);
  });

  it('a LAN recursive resolver asking 200 servers within 100 ms, answered with 1,200 B each: nothing; the same answers unasked: a burst', async () => {
    const asked: TimedFrame[] = [], unasked: TimedFrame[] = [];
    for (let i = 0; i < 200; i++) {
      const t = 1 + i * 0.0004, port = 30000 + i, server = outside(5000 + i);
      asked.push({ t, data: udpFrame(VICTIM, port, server, 53, 60, false) });
      const answer = { t: t + 0.003, data: udpFrame(server, 53, VICTIM, port, 1200) };
      asked.push(answer);
      unasked.push(answer);
    }
    expect(await floods(asked)).toEqual([]);
    expect((await floods(unasked)).map((a) => [a.rule, a.evidence.trigger])).toEqual([['flood.amplification', 'burst']]);
  });

  it('an NTP server answering a burst of 300 requests within 100 ms: nothing', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 300; i++) {
      const t = 1 + i * 0.0003;
      frames.push({ t, data: udpFrame(VICTIM, 123, '162.159.200.1', 123, 48, false) });
      frames.push({ t: t + 0.002, data: udpFrame('162.159.200.1', 123, VICTIM, 123, 48) });
    }
    expect(await floods(frames)).toEqual([]);
  });
});

describe('low-rate reflection', () => {
  /** 400 fragmented DNS answers from 300 reflectors over 30 s; with `asked`, each after the target's query. */
  function rrsig(asked: boolean): TimedFrame[] {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 400; i++) {
      const t = 1 + (i * 30) / 400, src = outside(1000 + (i % 300)), port = 22 + (asked ? i : 0);
      if (asked) frames.push({ t: t - 0.01, data: udpFrame(VICTIM, port, src, 53, 60, false) });
      const [first, rest] = fragmentedAnswer(src, port, i);
      frames.push({ t, data: first! }, { t: t + 0.0001, data: rest! });
    }
    return frames;
  }

  it('400 unsolicited RRSIG-size answers (with trailing fragments) from 300 reflectors over 30 s: one flood.amplification (reflectors)', async () => {
    const alerts = await floods(rrsig(false));
    expect(alerts.map((a) => [a.rule, a.severity, a.dst, a.sport])).toEqual([['flood.amplification', 'high', VICTIM, 53]]);
    const ev = alerts[0]!.evidence as Record<string, number>;
    expect(ev).toMatchObject({ trigger: 'reflectors', direction: 'inbound', servicePorts: [53], requestBytes: 0 });
    expect(ev.reflectors).toBeGreaterThanOrEqual(20);
    // The final numbers (the window's alert is refreshed when it ends): all 400 answers from the
    // 300 reflectors, every trailing fragment counted with its answer.
    expect(ev.responses).toBe(400);
    expect(ev.reflectors).toBeGreaterThan(300 * 0.8);
    expect(ev.reflectors).toBeLessThan(300 * 1.2);
    expect(ev.fragments).toBe(400);
    expect(ev.fragmentBytes).toBe(ev.fragments * (14 + 20 + 8 + 2400 - 1480));
    expect(ev.meanResponseBytes).toBe(Math.round(ev.bytes / ev.responses));
    expect(ev.meanResponseBytes).toBeGreaterThan(2400);
    expect(ev.bytes).toBeGreaterThanOrEqual(262_144);
  });

  it('the same answers to queries the target sent (a validating resolver): nothing', async () => {
    expect(await floods(rrsig(true))).toEqual([]);
  });
});

describe('SYN floods from spoofed sources, and servers that answer', () => {
  it('150 SYNs a second from ever-new sources for 5 s, none answered: one flood.syn (spoofed-sources)', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 750; i++) frames.push({ t: 1 + i / 150, data: tcpFrame(outside(i), 1024 + i, VICTIM, 30120, 'S', true) });
    const alerts = await floods(frames);
    expect(alerts.map((a) => [a.rule, a.severity, a.dst, a.dport])).toEqual([['flood.syn', 'high', VICTIM, 30120]]);
    expect(alerts[0]!.evidence).toMatchObject({ kind: 'syn', trigger: 'spoofed-sources', completedHandshakes: 0 });
    expect(alerts[0]!.evidence.seconds).toBeGreaterThanOrEqual(3);
  });

  it('150 unanswered SYNs a second from 5 real hosts retrying: nothing', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 750; i++) frames.push({ t: 1 + i / 150, data: tcpFrame(outside(i % 5), 1024 + i, VICTIM, 30120, 'S', true) });
    expect(await floods(frames)).toEqual([]);
  });

  /** `n` connections to the LAN web server, from distinct clients, at `rate` a second, each handshake completing after `rtt` s. */
  function handshakes(n: number, rate: number, rtt: number): TimedFrame[] {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < n; i++) {
      const t = 1 + i / rate, c = outside(i), p = 20000 + (i % 40000);
      frames.push({ t, data: tcpFrame(c, p, VICTIM, 443, 'S', true) });
      frames.push({ t: t + 0.0005, data: tcpFrame(VICTIM, 443, c, p, 'SA', false) });
      frames.push({ t: t + rtt, data: tcpFrame(c, p, VICTIM, 443, 'A', true) });
    }
    return frames;
  }

  it('a web server completing 500 handshakes a second for 3 s: nothing; the same SYNs unanswered: one flood.syn', async () => {
    const ok = handshakes(1500, 500, 0.05);
    expect(await floods(ok)).toEqual([]);
    const half = ok.filter((_, i) => i % 3 === 0);
    expect((await floods(half)).map((a) => [a.rule, a.evidence.trigger])).toEqual([['flood.syn', 'sustained']]);
  });

  it('a flash crowd of 300 handshakes within 100 ms (2 ms round trips): nothing', async () => {
    expect(await floods(handshakes(300, 3000, 0.002))).toEqual([]);
  });

  it('500 handshakes a second for 3 s from distant clients (300 ms round trips, so many SYNs wait past their second): nothing', async () => {
    expect(await floods(handshakes(1500, 500, 0.3))).toEqual([]);
  });
});

describe('burst settings', () => {
  it('refuses buckets that do not divide a second, and bursts smaller than a hot second', () => {
    const { host } = fakeHost();
    expect(() => floodSyn.create(host, { ...FLOOD_SYN_DEFAULTS, burstMs: 300 })).toThrow(RangeError);
    expect(() => floodUdp.create(host, { ...FLOOD_UDP_DEFAULTS, burstFactor: 5 })).toThrow(RangeError);
    expect(() => floodAmplification.create(host, { ...FLOOD_AMPLIFICATION_DEFAULTS, reflectionWindowSeconds: 0 })).toThrow(RangeError);
    expect(() => floodAmplification.create(host, { ...FLOOD_AMPLIFICATION_DEFAULTS, burstMs: 50, burstFactor: 20 })).not.toThrow();
  });
});
