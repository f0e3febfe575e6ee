// scan.port: the detector driven directly with hand-made flows and packet times (thresholds and
// window edges, stealth flags, UDP exclusions, open ports, progress and closing reports, caps),
// then the pipeline over nDPI's nmap captures and a slow scan built in code.
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { parseIpv4, parseIpv6, parseMac } from '../../../gateway/common/address-text.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import { scanPort, SCAN_PORT_DEFAULTS, type ScanPortConfig, type ScanPortDetector } from '../../../gateway/detect/detectors/scan-port.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { Flow } from '../../../gateway/track/flow.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';
import { ether, ETHER_IPV4, frame, ipv4, padTo, PROTO, tcp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const SYN = 0x02, FIN = 0x01, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
const TCP = 6, UDP = 17;
const SCANNER_MAC = '02:00:00:00:00:08';
const ROUTER_MAC = '02:00:00:00:00:01';

function setup(over: Partial<ScanPortConfig> = {}) {
  const { host, alerts, devices } = fakeHost();
  devices.touch(parseMac(SCANNER_MAC), T, 60);
  const d = scanPort.create(host, { ...SCAN_PORT_DEFAULTS, ...over }) as ScanPortDetector;
  let id = 1;
  const pv = new PacketView();
  /** Delivers the first packet of a new flow src:sport → dst:dport at time `t` (seconds after T). */
  function probe(t: number, dport: number, o: { flags?: number; proto?: number; src?: string; dst?: string; sport?: number; dstMac?: string } = {}): Flow {
    const ts = T + Math.round(t * S);
    const proto = o.proto ?? TCP;
    const f = new Flow(id++, 0, 4, proto, ts);
    f.a0 = parseIpv4(o.src ?? '192.168.1.8'); f.b0 = parseIpv4(o.dst ?? '203.0.113.5');
    f.aPort = o.sport ?? 40000; f.bPort = dport; f.aMac = parseMac(SCANNER_MAC); f.initiatorKnown = true;
    const flags = proto === TCP ? (o.flags ?? SYN) : 0;
    f.pktsAB = 1; f.flagsAB = flags;
    pv.reset();
    pv.ts = ts; pv.family = 4; pv.ipProto = proto; pv.src0 = f.a0; pv.dst0 = f.b0; pv.srcPort = f.aPort; pv.dstPort = dport;
    pv.tcpFlags = flags; pv.srcMac = f.aMac; pv.dstMac = parseMac(o.dstMac ?? ROUTER_MAC);
    d.onPacket!(pv, f, 0, null);
    return f;
  }
  const tick = (t: number): void => d.onTick!(T + Math.round(t * S));
  return { d, alerts, probe, tick };
}

/** Ports 1..n probed at time t. */
function ports(n: number, from = 1): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

describe('scan.port: fast threshold and window', () => {
  it('24 distinct ports in a minute are quiet; the 25th raises one alert', () => {
    const { alerts, probe } = setup();
    ports(24).forEach((p, i) => probe(i, p));
    expect(alerts).toHaveLength(0);
    probe(24, 1000);
    expect(alerts).toHaveLength(1);
    const a = alerts[0]!;
    expect(a).toMatchObject({ rule: 'scan.port', src: '192.168.1.8', dst: '203.0.113.5', proto: 'tcp', device: SCANNER_MAC, count: 1, ts: T + 24 * S });
    expect(a.evidence).toMatchObject({ ports: 25, windowSeconds: 60, trigger: 'fast', openPorts: 0, probes: 25 });
    expect(a.evidence.sample).toEqual(ports(20));
  });

  it('a probe exactly 60 s after the first still counts; 1 µs later the first ones have left the window', () => {
    const edge = setup();
    ports(24).forEach((p) => edge.probe(0, p));
    edge.probe(60, 25);
    expect(edge.alerts).toHaveLength(1);
    const late = setup();
    ports(24).forEach((p) => late.probe(0, p));
    late.probe(60.000001, 25);
    expect(late.alerts).toHaveLength(0);
  });

  it('probing one port many times is not a scan', () => {
    const { alerts, probe } = setup();
    for (let i = 0; i < 200; i++) probe(i * 0.1, 80, { sport: 40000 + i });
    expect(alerts).toHaveLength(0);
  });

  it('counts only the first packet of a flow, sent by the initiator, with SYN and no ACK', () => {
    const { d, alerts, probe } = setup();
    const pv = new PacketView();
    for (const p of ports(30)) {
      const f = new Flow(p, 0, 4, TCP, T);
      f.a0 = parseIpv4('192.168.1.8'); f.b0 = parseIpv4('203.0.113.5'); f.aPort = 40000; f.bPort = p;
      pv.reset(); pv.ts = T + p; pv.family = 4; pv.ipProto = TCP; pv.srcPort = 40000; pv.dstPort = p; pv.dst0 = f.b0; pv.tcpFlags = SYN;
      f.pktsAB = 2; d.onPacket!(pv, f, 0, null); // a retransmitted SYN: not the first packet
      f.pktsAB = 0; f.pktsBA = 1; d.onPacket!(pv, f, 1, null); // from the responder
    }
    for (const p of ports(30, 100)) probe(1, p, { flags: SYN | ACK }); // SYN-ACK: a reply, not a probe
    for (const p of ports(30, 200)) probe(2, p, { flags: ACK | PSH }); // mid-stream pickup
    for (const p of ports(30, 300)) probe(3, p, { flags: RST }); // a lone RST may be legitimate
    expect(alerts).toHaveLength(0);
  });
});

describe('scan.port: IPv6', () => {
  it('keys pairs by the full addresses and names them in RFC 5952 text', () => {
    const { d, alerts } = setup();
    const pv = new PacketView();
    const src = parseIpv6('2001:db8::8')!, dst = parseIpv6('2001:db8:0:1::5')!, other = parseIpv6('2001:db8:0:2::5')!;
    for (let i = 0; i < 25; i++) {
      const to = i === 24 ? other : dst; // a different host with the same first word is another pair
      const f = new Flow(i + 1, 0, 6, TCP, T + i);
      [f.a0, f.a1, f.a2, f.a3] = src; [f.b0, f.b1, f.b2, f.b3] = to; f.aPort = 40000; f.bPort = 1 + i; f.pktsAB = 1; f.initiatorKnown = true;
      pv.reset(); pv.ts = T + i; pv.family = 6; pv.ipProto = TCP; pv.srcPort = 40000; pv.dstPort = 1 + i; pv.tcpFlags = SYN;
      [pv.dst0, pv.dst1, pv.dst2, pv.dst3] = to;
      d.onPacket!(pv, f, 0, null);
    }
    expect(alerts).toHaveLength(0);
    expect(d.stateSize!()).toBe(2);
    const f = new Flow(99, 0, 6, TCP, T + 30);
    [f.a0, f.a1, f.a2, f.a3] = src; [f.b0, f.b1, f.b2, f.b3] = dst; f.aPort = 40000; f.bPort = 999; f.pktsAB = 1; f.initiatorKnown = true;
    pv.dstPort = 999; pv.ts = T + 30; [pv.dst0, pv.dst1, pv.dst2, pv.dst3] = dst;
    d.onPacket!(pv, f, 0, null);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ src: '2001:db8::8', dst: '2001:db8:0:1::5', evidence: { ports: 25 } });
  });
});

describe('scan.port: slow threshold', () => {
  it('nmap -T1 (a probe every 15 s) is caught at the 50th port within 15 minutes', () => {
    const { alerts, probe } = setup();
    ports(49).forEach((p, i) => probe(i * 15, p));
    expect(alerts).toHaveLength(0);
    probe(49 * 15, 50);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ ports: 50, windowSeconds: 900, trigger: 'slow' });
  });

  it('a probe every 20 s never holds 50 ports in the 15-minute window', () => {
    const { alerts, probe } = setup();
    ports(200).forEach((p, i) => probe(i * 20, p));
    expect(alerts).toHaveLength(0);
  });
});

describe('scan.port: stealth probes', () => {
  it('one FIN probe is quiet; NULL at a second port of the same host raises a stealth finding', () => {
    const { alerts, probe } = setup();
    probe(0, 80);
    probe(1, 3390, { flags: FIN });
    expect(alerts).toHaveLength(0);
    probe(2, 3391, { flags: 0 });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ trigger: 'stealth', ports: 3, stealthProbes: 2, windowSeconds: 900 });
  });

  it('Xmas (FIN PSH URG), SYN+FIN and SYN+RST are stealth probes too', () => {
    for (const [x, y] of [[FIN | PSH | URG, FIN | PSH | URG], [SYN | FIN, SYN | FIN], [SYN | RST, FIN]]) {
      const { alerts, probe } = setup();
      probe(0, 1, { flags: x });
      probe(1, 2, { flags: y });
      expect(alerts.map((a) => a.evidence.trigger)).toEqual(['stealth']);
    }
  });

  it('stealth probes of two different hosts are two pairs, neither a finding', () => {
    const { alerts, probe } = setup();
    probe(0, 1, { flags: FIN, dst: '203.0.113.5' });
    probe(1, 2, { flags: FIN, dst: '203.0.113.6' });
    expect(alerts).toHaveLength(0);
  });
});

describe('scan.port: UDP and destinations that are not one host', () => {
  it('25 UDP ports of one host raise a udp finding', () => {
    const { alerts, probe } = setup();
    ports(25, 2000).forEach((p, i) => probe(i, p, { proto: UDP }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.proto).toBe('udp');
  });

  it('discovery and service ports (source or destination) are not probes, nor is UDP when switched off', () => {
    const a = setup();
    // SSDP and mDNS answers: from the service port to each asker's fresh ephemeral port.
    ports(40, 50000).forEach((p, i) => a.probe(i, p, { proto: UDP, sport: i % 2 === 0 ? 1900 : 5353 }));
    expect(a.alerts).toHaveLength(0);
    const b = setup({ udp: false });
    ports(40, 2000).forEach((p, i) => b.probe(i, p, { proto: UDP }));
    expect(b.alerts).toHaveLength(0);
  });

  it('multicast, broadcast and group-MAC destinations are not counted', () => {
    const { alerts, probe } = setup();
    ports(30).forEach((p) => probe(0, p, { dst: '239.255.255.250' }));
    ports(30).forEach((p) => probe(1, p, { dst: '255.255.255.255' }));
    ports(30).forEach((p) => probe(2, p, { dst: '192.168.1.255', dstMac: 'ff:ff:ff:ff:ff:ff' }));
    expect(alerts).toHaveLength(0);
  });
});

describe('scan.port: one alert per finding, with its final counts', () => {
  it('reports progress as the port count doubles and once more when the pair goes quiet', () => {
    const { alerts, probe, tick } = setup();
    ports(120).forEach((p, i) => probe(i * 0.1, p));
    // Progress reports carry count 0: the alert's count stays one finding.
    expect(alerts.map((a) => [a.count, a.evidence.ports])).toEqual([[1, 25], [0, 50], [0, 100]]);
    tick(11.9 + 61);
    expect(alerts.map((a) => [a.count, a.evidence.ports])).toEqual([[1, 25], [0, 50], [0, 100], [0, 120]]);
    expect(new Set(alerts.map((a) => `${a.rule}|${a.device}|${a.peer ?? a.dst}`)).size).toBe(1);
  });

  it('counts open ports at flow end and closes the finding after a quiet window, or at shutdown', () => {
    const s = setup();
    const flows = ports(30).map((p, i) => s.probe(i, p));
    expect(s.alerts).toHaveLength(1);
    for (const f of [flows[21]!, flows[22]!]) { // 22, 23 answered
      f.flagsBA = SYN | ACK; f.pktsBA = 1; f.endReason = 'closed';
      s.d.onFlowEnd!(f);
    }
    s.tick(29 + 60); // quiet for exactly the window: still open
    expect(s.alerts).toHaveLength(1);
    expect(s.d.findings).toBe(1);
    s.tick(29 + 61);
    expect(s.d.findings).toBe(0);
    expect(s.alerts).toHaveLength(2);
    expect(s.alerts[1]).toMatchObject({ count: 0, ts: T + 29 * S });
    expect(s.alerts[1]!.evidence).toMatchObject({ ports: 30, openPorts: 2, openSample: [22, 23] });
    // The next scan of the same pair needs a full threshold again.
    ports(24, 100).forEach((p) => s.probe(100, p));
    expect(s.alerts).toHaveLength(2);

    const z = setup();
    ports(26).forEach((p, i) => z.probe(i, p));
    const last = z.probe(26, 1000);
    last.endReason = 'shutdown';
    z.d.onFlowEnd!(last);
    z.tick(27);
    expect(z.alerts.map((a) => [a.count, a.evidence.ports])).toEqual([[1, 25], [0, 27]]);
  });

  it('an open port answered before the finding is carried into it', () => {
    const { d, alerts, probe } = setup();
    const f = probe(0, 443);
    f.flagsBA = SYN | ACK; f.endReason = 'closed';
    d.onFlowEnd!(f);
    ports(24).forEach((p) => probe(1, p));
    expect(alerts[0]!.evidence).toMatchObject({ ports: 25, openPorts: 1, openSample: [443] });
  });
});

describe('scan.port: bounded state', () => {
  it('evicts the least recently probed pair at maxTracked and counts it', () => {
    const { d, probe } = setup({ maxTracked: 2 });
    // A pair is tracked in full from its second distinct port (the first waits in the first-probe table).
    for (const [t, dst] of [[0, '203.0.113.1'], [1, '203.0.113.2'], [2, '203.0.113.3']] as const) {
      probe(t, 1, { dst });
      probe(t + 0.1, 2, { dst });
    }
    expect(d.stateSize!()).toBe(2);
    expect(d.evicted).toBe(1);
  });

  it('keeps single probes (a spoofed flood) out of the pair table', () => {
    const { d, alerts, probe } = setup({ maxTracked: 2 });
    for (let i = 0; i < 5000; i++) probe(i * 0.001, 80, { src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
    expect(d.stateSize!()).toBe(0);
    expect(d.evicted).toBe(0);
    expect(alerts).toEqual([]);
  });

  it('closes the quietest finding at maxFindings (with its last report) and counts it', () => {
    const { d, alerts, probe } = setup({ maxFindings: 1 });
    ports(26).forEach((p, i) => probe(i * 0.1, p, { dst: '203.0.113.1' }));
    ports(25).forEach((p, i) => probe(10 + i * 0.1, p, { dst: '203.0.113.2' }));
    expect(d.findings).toBe(1);
    expect(d.findingsEvicted).toBe(1);
    expect(alerts.map((a) => [a.dst, a.count, a.evidence.ports])).toEqual([['203.0.113.1', 1, 25], ['203.0.113.1', 0, 26], ['203.0.113.2', 1, 25]]);
  });

  it('forgets pairs idle for the slow window', () => {
    const { d, probe, tick } = setup();
    probe(0, 1);
    probe(0, 2);
    tick(900);
    expect(d.stateSize!()).toBe(1);
    tick(900.000001);
    expect(d.stateSize!()).toBe(0);
  });
});

describe('scan.port on captures', () => {
  it('ndpi/synscan.pcap: one alert from 172.16.0.8 to 64.13.134.52 with the 1000 ports of an nmap SYN scan', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/synscan.pcap'), { config: pipelineConfig(), detect: { detectors: [scanPort] } });
    const scans = summary.alerts.filter((a) => a.rule === 'scan.port');
    expect(scans).toHaveLength(1);
    const a = scans[0]!;
    expect(a).toMatchObject({ src: '172.16.0.8', dst: '64.13.134.52', proto: 'tcp', count: 1 });
    // nmap's top 1000 TCP ports, 1994 SYNs (unanswered ports retried from a second source port);
    // 22, 53 and 80 answered SYN-ACK.
    expect(a.evidence).toMatchObject({ ports: 1000, probes: 1994, trigger: 'fast', windowSeconds: 60, openPorts: 3, openSample: [22, 53, 80] });
    expect(a.evidence.sample).toEqual([1, 3, 4, 6, 7, 9, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 30, 32, 33, 37]);
  });

  it('ndpi/tcp_scan.pcapng: nmap connect, SYN, FIN, NULL and Xmas probes of one host are a stealth finding', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/tcp_scan.pcapng'), { config: pipelineConfig(), detect: { detectors: [scanPort] } });
    expect(summary.alerts).toHaveLength(1);
    const a = summary.alerts[0]!;
    expect(a).toMatchObject({ rule: 'scan.port', src: '192.168.1.178', dst: '192.168.1.2', device: '28:37:37:00:6d:c8' });
    expect(a.evidence).toMatchObject({ trigger: 'stealth', ports: 7, stealthProbes: 3, openPorts: 2, openSample: [80, 443], sample: [80, 443, 445, 3389, 3390, 3391, 3392] });
  });

  it('a slow SYN scan built in code (one port per 15 s) is one alert whose evidence holds every port', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 60; i++) {
      frames.push({
        t: i * 15,
        data: padTo(frame(
          ether({ dst: ROUTER_MAC, src: SCANNER_MAC, type: ETHER_IPV4 }),
          ipv4({ src: '192.168.1.8', dst: '198.51.100.7', proto: PROTO.TCP, payload: tcp({ sport: 50000, dport: 1000 + i, flags: 'S' }) }),
        )),
      });
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [scanPort] } });
    expect(summary.alerts).toHaveLength(1);
    expect(summary.alerts[0]).toMatchObject({ rule: 'scan.port', src: '192.168.1.8', dst: '198.51.100.7', device: SCANNER_MAC, count: 1 });
    expect(summary.alerts[0]!.evidence).toMatchObject({ trigger: 'slow', ports: 60, windowSeconds: 900 });
  });
});
