// scan.host: the detector driven directly with finished flows and packet times (thresholds and
// window edges, what counts as a failed attempt, the exclusions, reports, caps), then the
// pipeline over a telnet sweep built in code and normal fan-out that must stay quiet.
import { describe, expect, it } from 'vitest';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { DnsType, type DnsMessage } from '../../../gateway/app/dns/dns-message.js';
import { scanHost, SCAN_HOST_DEFAULTS, type ScanHostConfig, type ScanHostDetector } from '../../../gateway/detect/detectors/scan-host.js';
import { Flow, type FlowEndReason } from '../../../gateway/track/flow.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { ether, ETHER_IPV4, frame, ipv4, padTo, PROTO, tcp, udp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const SYN = 0x02, FIN = 0x01, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
const TCP = 6, UDP = 17;
const SCANNER = '192.168.1.200';
const SCANNER_MAC = '02:00:00:00:00:c8';
const ROUTER_MAC = '02:00:00:00:00:01';

interface Attempt {
  port?: number;
  proto?: number;
  src?: string;
  /** Flags A sent (default SYN). */
  flags?: number;
  /** Packets and payload bytes from B. */
  pktsBA?: number;
  payloadAB?: number;
  payloadBA?: number;
  sport?: number;
  /** Seconds from the attempt to the end of its flow (default 30: an unanswered SYN's idle timeout). */
  endAfter?: number;
  endReason?: FlowEndReason;
}

function setup(over: Partial<ScanHostConfig> = {}) {
  const { host, alerts, devices, dns } = fakeHost();
  devices.touch(parseMac(SCANNER_MAC), T, 60);
  const d = scanHost.create(host, { ...SCAN_HOST_DEFAULTS, ...over }) as ScanHostDetector;
  let id = 1;
  /** An attempt on `dst` at time `t` (seconds after T), delivered as its flow ends. */
  function attempt(t: number, dst: string, o: Attempt = {}): Flow {
    const ts = T + Math.round(t * S);
    const proto = o.proto ?? TCP;
    const f = new Flow(id++, 0, 4, proto, ts);
    f.a0 = parseIpv4(o.src ?? SCANNER); f.b0 = parseIpv4(dst); f.aPort = o.sport ?? 40000; f.bPort = o.port ?? 23;
    f.aMac = parseMac(SCANNER_MAC); f.bMac = parseMac(ROUTER_MAC); f.initiatorKnown = true;
    f.pktsAB = 1; f.flagsAB = proto === TCP ? (o.flags ?? SYN) : 0;
    f.pktsBA = o.pktsBA ?? 0; f.payloadAB = o.payloadAB ?? 0; f.payloadBA = o.payloadBA ?? 0;
    f.lastTs = ts + Math.round((o.endAfter ?? 0) * S);
    f.endReason = o.endReason ?? 'idle';
    d.onFlowEnd!(f);
    return f;
  }
  const tick = (t: number): void => d.onTick!(T + Math.round(t * S));
  return { d, alerts, attempt, tick, dns };
}

const lan = (i: number): string => `192.168.1.${i}`;

function answer(name: string, addr: string): DnsMessage {
  return {
    id: 1, qr: true, opcode: 0, rcode: 0, tc: false, questions: [{ name, type: DnsType.A, class: 1 }],
    answers: [{ name, type: DnsType.A, class: 1, ttl: 300, rdLen: 4, data: addr }], authorities: [], additionals: [],
  };
}

describe('scan.host: fast threshold and window', () => {
  it('19 hosts on port 23 within a minute are quiet; the 20th raises one alert', () => {
    const { alerts, attempt } = setup();
    for (let i = 1; i <= 19; i++) attempt(i, lan(i));
    expect(alerts).toHaveLength(0);
    attempt(20, lan(20));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'scan.host', src: SCANNER, dst: lan(1), dport: 23, proto: 'tcp', device: SCANNER_MAC, count: 1, peer: `${SCANNER} tcp/23`, ts: T + 20 * S,
    });
    expect(alerts[0]!.evidence).toMatchObject({ port: 23, hosts: 20, windowSeconds: 60, trigger: 'fast', probes: 20, hostsExact: true });
    expect(alerts[0]!.evidence.sample).toEqual(Array.from({ length: 20 }, (_, i) => lan(i + 1)));
  });

  it('the 20th host exactly 60 s after the first counts; 1 µs later it does not', () => {
    const edge = setup();
    for (let i = 1; i <= 19; i++) edge.attempt(0, lan(i));
    edge.attempt(60, lan(20));
    expect(edge.alerts).toHaveLength(1);
    const late = setup();
    for (let i = 1; i <= 19; i++) late.attempt(0, lan(i));
    late.attempt(60.000001, lan(20));
    expect(late.alerts).toHaveLength(0);
  });

  it('attempts delivered out of order (flows end at different times) are placed by their start', () => {
    const { alerts, attempt } = setup();
    // 20 hosts within 38 s, delivered newest first.
    for (let i = 20; i >= 1; i--) attempt(i * 2, lan(i));
    expect(alerts).toHaveLength(1);
    // 20 hosts spread over 95 s, shuffled: no 60-s window holds 20.
    const b = setup();
    for (const i of [5, 1, 19, 3, 7, 11, 2, 20, 13, 4, 17, 6, 9, 8, 15, 10, 12, 14, 16, 18]) b.attempt(i * 5, lan(i));
    expect(b.alerts).toHaveLength(0);
  });

  it('the same host tried again is one host', () => {
    const { alerts, attempt } = setup();
    for (let i = 0; i < 100; i++) attempt(i * 0.5, lan(1 + (i % 19)), { sport: 40000 + i });
    expect(alerts).toHaveLength(0);
  });
});

describe('scan.host: slow threshold', () => {
  it('one host every 15 s is caught at the 50th; one every 20 s never is', () => {
    const a = setup();
    for (let i = 1; i <= 49; i++) a.attempt(i * 15, lan(i));
    expect(a.alerts).toHaveLength(0);
    a.attempt(50 * 15, lan(50));
    expect(a.alerts.map((x) => x.evidence.trigger)).toEqual(['slow']);
    expect(a.alerts[0]!.evidence).toMatchObject({ hosts: 50, windowSeconds: 900 });
    const b = setup();
    for (let i = 1; i <= 200; i++) b.attempt(i * 20, `10.0.${i >> 8}.${i & 255}`);
    expect(b.alerts).toHaveLength(0);
  });
});

describe('scan.host: what counts as an attempt', () => {
  it('refused, half-open and stealth attempts count; connections that carried data do not', () => {
    const ok = setup();
    for (let i = 1; i <= 40; i++) ok.attempt(i, `203.0.113.${i}`, { port: 443, pktsBA: 8, payloadAB: 517, payloadBA: 4000, flags: SYN | ACK | PSH | FIN });
    expect(ok.alerts).toHaveLength(0);
    const bad = setup();
    for (let i = 1; i <= 20; i++) {
      const kind = i % 4;
      bad.attempt(i, lan(i), kind === 0 ? { pktsBA: 1 } // RST from a closed port
        : kind === 1 ? { pktsBA: 1, flags: SYN | RST } // SYN-ACK then the scanner's RST (half-open)
          : kind === 2 ? { flags: FIN | PSH | URG } // Xmas
            : {});
    }
    expect(bad.alerts).toHaveLength(1);
  });

  it('unanswered UDP counts; answered UDP, the fan-out ports and group destinations do not', () => {
    const a = setup();
    for (let i = 1; i <= 20; i++) a.attempt(i, lan(i), { proto: UDP, port: 161 });
    expect(a.alerts.map((x) => [x.proto, x.dport])).toEqual([['udp', 161]]);
    const b = setup();
    for (let i = 1; i <= 30; i++) {
      b.attempt(i, `198.51.100.${i}`, { proto: UDP, port: 161, pktsBA: 1 });
      b.attempt(i, `198.51.100.${i}`, { proto: UDP, port: 123 }); // NTP servers that did not answer
      b.attempt(i, `198.51.100.${i}`, { proto: UDP, port: 53 });
      b.attempt(i, `198.51.100.${i}`, { proto: UDP, sport: 5353, port: 40000 + i });
      b.attempt(i, `198.51.100.${i}`, { proto: TCP, port: 53 });
      b.attempt(i, `239.255.${i}.250`, { proto: UDP, port: 1901 });
    }
    b.attempt(31, '255.255.255.255', { proto: UDP, port: 9999 });
    expect(b.alerts).toHaveLength(0);
    const c = setup({ udp: false });
    for (let i = 1; i <= 30; i++) c.attempt(i, lan(i), { proto: UDP, port: 161 });
    expect(c.alerts).toHaveLength(0);
  });

  it('skips destinations the DNS cache named at the time of the attempt (unless switched off)', () => {
    for (const ignoreResolved of [true, false]) {
      const { alerts, attempt, dns } = setup({ ignoreResolved });
      for (let i = 1; i <= 25; i++) dns.onMessage(answer(`cdn${i}.example.com`, `203.0.113.${i}`), T);
      for (let i = 1; i <= 25; i++) attempt(i, `203.0.113.${i}`, { port: 443 });
      expect(alerts).toHaveLength(ignoreResolved ? 0 : 1);
    }
  });

  it('keeps one key per source, protocol and port', () => {
    const { alerts, attempt } = setup();
    for (let i = 1; i <= 19; i++) {
      attempt(i, lan(i), { port: 23 });
      attempt(i, lan(i), { port: 2323 });
      attempt(i, lan(i), { port: 23, src: '192.168.1.201' });
      attempt(i, lan(i), { port: 23, proto: UDP });
    }
    expect(alerts).toHaveLength(0);
  });
});

describe('scan.host: one alert per finding, with its final counts', () => {
  it('reports as the host count doubles, then once when attempts stop arriving for the window', () => {
    const { d, alerts, attempt, tick } = setup();
    for (let i = 1; i <= 90; i++) attempt(i * 0.5, `10.1.0.${i}`, { endAfter: 30 });
    expect(alerts.map((a) => [a.count, a.evidence.hosts])).toEqual([[1, 20], [0, 40], [0, 80]]);
    // The last attempt (t 45 s) was counted when its flow ended (t 75 s): quiet runs from there.
    tick(75 + 60);
    expect(d.findings).toBe(1);
    tick(75 + 61);
    expect(d.findings).toBe(0);
    expect(alerts.map((a) => [a.count, a.evidence.hosts])).toEqual([[1, 20], [0, 40], [0, 80], [0, 90]]);
    expect(alerts[3]!.ts).toBe(T + 45 * S);
  });

  it('closes every finding at shutdown with its last counts', () => {
    const { alerts, attempt, tick } = setup();
    for (let i = 1; i <= 24; i++) attempt(i, lan(i), { endReason: i === 24 ? 'shutdown' : 'idle' });
    tick(25);
    expect(alerts.map((a) => [a.count, a.evidence.hosts])).toEqual([[1, 20], [0, 24]]);
  });
});

describe('scan.host: bounded state', () => {
  it('evicts the least recently active key at maxTracked and counts it', () => {
    const { d, attempt } = setup({ maxTracked: 2 });
    // A key is tracked in full from its second host (the first waits in the first-attempt table).
    for (const port of [1, 2, 3]) {
      attempt(port - 1, lan(1), { port });
      attempt(port - 0.5, lan(2), { port });
    }
    expect(d.stateSize!()).toBe(2);
    expect(d.evicted).toBe(1);
  });

  it('keeps single attempts (a spoofed flood) out of the key table', () => {
    const { d, alerts, attempt } = setup({ maxTracked: 2 });
    for (let i = 0; i < 3000; i++) attempt(i * 0.001, lan(1), { src: `203.0.${(i >> 8) & 255}.${i & 255}` });
    expect(d.stateSize!()).toBe(0);
    expect(alerts).toEqual([]);
  });

  it('past maxHostsPerFinding counts every attempt as a new host and says so', () => {
    const { alerts, attempt, tick } = setup({ maxHostsPerFinding: 25 });
    for (let i = 1; i <= 30; i++) attempt(i, lan(i));
    attempt(31, lan(30));
    tick(31 + 30 + 61);
    expect(alerts.at(-1)!.evidence).toMatchObject({ hosts: 31, hostsExact: false });
  });

  it('closes the quietest finding at maxFindings', () => {
    const { d, attempt } = setup({ maxFindings: 1 });
    for (let i = 1; i <= 20; i++) attempt(i, lan(i), { port: 23 });
    for (let i = 1; i <= 20; i++) attempt(30 + i, lan(i), { port: 2323 });
    expect(d.findings).toBe(1);
    expect(d.findingsEvicted).toBe(1);
  });

  it('forgets keys idle for the slow window', () => {
    const { d, attempt, tick } = setup();
    attempt(0, lan(1));
    attempt(0, lan(2));
    tick(900);
    expect(d.stateSize!()).toBe(1);
    tick(900.000001);
    expect(d.stateSize!()).toBe(0);
  });
});

describe('scan.host on built captures', () => {
  const eth = (src: string, dst: string) => ether({ src, dst, type: ETHER_IPV4 });

  it('a source sweeping 192.168.1.1-60 on telnet (some refuse, most are silent) is one alert', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 1; i <= 60; i++) {
      const t = i * 0.25;
      frames.push({ t, data: padTo(frame(eth(SCANNER_MAC, ROUTER_MAC), ipv4({ src: SCANNER, dst: lan(i), proto: PROTO.TCP, payload: tcp({ sport: 40000 + i, dport: 23, flags: 'S' }) }))) });
      if (i % 10 === 0) {
        frames.push({ t: t + 0.001, data: padTo(frame(eth(`02:00:00:00:01:${i.toString(16).padStart(2, '0')}`, SCANNER_MAC), ipv4({ src: lan(i), dst: SCANNER, proto: PROTO.TCP, payload: tcp({ sport: 23, dport: 40000 + i, flags: 'RA' }) }))) });
      }
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [scanHost] } });
    expect(summary.alerts).toHaveLength(1);
    const a = summary.alerts[0]!;
    expect(a).toMatchObject({ rule: 'scan.host', src: SCANNER, dst: lan(1), dport: 23, proto: 'tcp', device: SCANNER_MAC, count: 1 });
    expect(a.evidence).toMatchObject({ port: 23, hosts: 60, probes: 60, trigger: 'fast', windowSeconds: 60, hostsExact: true });
    expect(a.evidence.sample).toEqual(Array.from({ length: 20 }, (_, i) => lan(i + 1)));
  });

  it('a client talking to 40 web servers in a minute, NTP to 30 servers and SSDP searches is quiet', async () => {
    const frames: TimedFrame[] = [];
    const me = '02:00:00:00:00:10';
    for (let i = 1; i <= 40; i++) {
      const t = i, dst = `203.0.113.${i}`, sport = 50000 + i;
      const c = (dt: number, o: Parameters<typeof tcp>[0]) => frames.push({ t: t + dt, data: padTo(frame(eth(me, ROUTER_MAC), ipv4({ src: '192.168.1.10', dst, proto: PROTO.TCP, payload: tcp(o) }))) });
      const s = (dt: number, o: Parameters<typeof tcp>[0]) => frames.push({ t: t + dt, data: padTo(frame(eth(ROUTER_MAC, me), ipv4({ src: dst, dst: '192.168.1.10', proto: PROTO.TCP, payload: tcp(o) }))) });
      c(0, { sport, dport: 443, flags: 'S', seq: 0 });
      s(0.01, { sport: 443, dport: sport, flags: 'SA', seq: 0, ack: 1 });
      c(0.02, { sport, dport: 443, flags: 'A', seq: 1, ack: 1 });
      c(0.03, { sport, dport: 443, flags: 'PA', seq: 1, ack: 1, payload: Buffer.alloc(200, 0x16) });
      s(0.05, { sport: 443, dport: sport, flags: 'PA', seq: 1, ack: 201, payload: Buffer.alloc(1000, 0x16) });
      c(0.06, { sport, dport: 443, flags: 'FA', seq: 201, ack: 1001 });
    }
    for (let i = 1; i <= 30; i++) {
      frames.push({ t: i, data: padTo(frame(eth(me, ROUTER_MAC), ipv4({ src: '192.168.1.10', dst: `198.51.100.${i}`, proto: PROTO.UDP, payload: udp({ sport: 123, dport: 123, payload: Buffer.alloc(48) }) }))) });
      frames.push({ t: i + 0.5, data: padTo(frame(eth(me, '01:00:5e:7f:ff:fa'), ipv4({ src: '192.168.1.10', dst: '239.255.255.250', proto: PROTO.UDP, payload: udp({ sport: 50000 + i, dport: 1900, payload: Buffer.from('M-SEARCH * HTTP/1.1\r\n\r\n') }) }))) });
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [scanHost] } });
    expect(summary.alerts).toHaveLength(0);
  });
});
