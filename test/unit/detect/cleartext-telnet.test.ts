// cleartext.telnet: the detector driven directly with hand-made flows and packets (which side is
// the server and which the device, once per flow, caps), then the pipeline over nDPI's telnet
// capture and built sessions.
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import {
  cleartextTelnet, CLEARTEXT_TELNET_DEFAULTS, type CleartextTelnetConfig, type CleartextTelnetDetector,
} from '../../../gateway/detect/detectors/cleartext-telnet.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { Flow } from '../../../gateway/track/flow.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';
import { ether, ETHER_IPV4, frame, ipv4, padTo, PROTO, tcp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const SYN = 0x02, PSH = 0x08, ACK = 0x10;
const TCP = 6;
const CAM = '192.168.1.20', CAM_MAC = '02:00:00:00:00:14';
const LAPTOP = '192.168.1.30', LAPTOP_MAC = '02:00:00:00:00:1e';
const ROUTER_MAC = '02:00:00:00:00:01';

interface End { ip: string; mac: string; port: number }

function setup(over: Partial<CleartextTelnetConfig> = {}) {
  const { host, alerts, devices } = fakeHost();
  for (const m of [CAM_MAC, LAPTOP_MAC]) devices.touch(parseMac(m), T, 60);
  const d = cleartextTelnet.create(host, { ...CLEARTEXT_TELNET_DEFAULTS, ...over }) as CleartextTelnetDetector;
  let id = 1;
  const pv = new PacketView();
  function flow(a: End, b: End, initiatorKnown = true): Flow {
    const f = new Flow(id++, 0, 4, TCP, T);
    f.a0 = parseIpv4(a.ip); f.b0 = parseIpv4(b.ip); f.aPort = a.port; f.bPort = b.port;
    f.aMac = parseMac(a.mac); f.bMac = parseMac(b.mac); f.initiatorKnown = initiatorKnown;
    return f;
  }
  /** A packet on `f` in direction `dir` (0: A→B) at `t` seconds, with flags and payload length. */
  function packet(f: Flow, dir: number, t: number, flags: number, payloadLen = 0): void {
    pv.reset();
    pv.ts = T + Math.round(t * S); pv.family = 4; pv.ipProto = TCP; pv.tcpFlags = flags; pv.payloadOff = 0; pv.payloadLen = payloadLen;
    pv.src0 = dir === 0 ? f.a0 : f.b0; pv.dst0 = dir === 0 ? f.b0 : f.a0;
    pv.srcPort = dir === 0 ? f.aPort : f.bPort; pv.dstPort = dir === 0 ? f.bPort : f.aPort;
    if (dir === 0) { f.pktsAB++; f.flagsAB |= flags; } else { f.pktsBA++; f.flagsBA |= flags; }
    d.onPacket!(pv, f, dir, null);
  }
  return { d, alerts, flow, packet };
}

const laptop = (port = 50000): End => ({ ip: LAPTOP, mac: LAPTOP_MAC, port });
const cam = (port = 23): End => ({ ip: CAM, mac: CAM_MAC, port });
const outside = (ip: string, port: number): End => ({ ip, mac: ROUTER_MAC, port });

describe('cleartext.telnet', () => {
  it('a LAN device answering a telnet SYN is the device; one alert per session, not per packet', () => {
    const { alerts, flow, packet } = setup();
    const f = flow(laptop(), cam());
    packet(f, 0, 0, SYN);
    expect(alerts).toHaveLength(0);
    packet(f, 1, 0.001, SYN | ACK);
    packet(f, 1, 0.1, PSH | ACK, 7);
    packet(f, 0, 0.2, PSH | ACK, 6);
    packet(f, 1, 0.3, PSH | ACK, 10);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'cleartext.telnet', device: CAM_MAC, src: LAPTOP, dst: CAM, sport: 50000, dport: 23, proto: 'tcp', peer: LAPTOP, ts: T + 1000,
    });
    expect(alerts[0]!.evidence).toEqual({ role: 'server', server: CAM, client: LAPTOP, port: 23, trigger: 'syn-ack' });
  });

  it('a second session is a second emit for the same (device, peer); another client is another peer', () => {
    const { alerts, flow, packet } = setup();
    packet(flow(laptop(50000), cam()), 1, 0, SYN | ACK);
    packet(flow(laptop(50001), cam()), 1, 1, SYN | ACK);
    packet(flow(outside('203.0.113.7', 40000), cam()), 1, 2, SYN | ACK);
    expect(alerts.map((a) => [a.device, a.peer])).toEqual([[CAM_MAC, LAPTOP], [CAM_MAC, LAPTOP], [CAM_MAC, '203.0.113.7']]);
  });

  it('an unanswered or refused telnet SYN, client data and other ports are not sessions', () => {
    const { alerts, flow, packet } = setup();
    const f = flow(laptop(), cam());
    packet(f, 0, 0, SYN);
    packet(f, 0, 1, PSH | ACK, 20);
    packet(f, 1, 2, 0x14); // RST ACK
    packet(flow(laptop(), cam(80)), 1, 3, SYN | ACK);
    packet(flow(laptop(), cam(22)), 1, 3, PSH | ACK, 20);
    expect(alerts).toHaveLength(0);
  });

  it('a session picked up mid-stream is found by the server\'s payload; on 2323 the server may be side A', () => {
    const { alerts, flow, packet } = setup();
    const f = flow(laptop(), cam(), false);
    packet(f, 1, 0, ACK);
    packet(f, 1, 1, PSH | ACK, 12);
    // A server on 2323 spoke first: the flow table made it the initiator.
    const g = flow(cam(2323), laptop(50002), false);
    packet(g, 0, 2, PSH | ACK, 12);
    expect(alerts.map((a) => [a.device, a.src, a.dst, a.dport, a.evidence.trigger])).toEqual([
      [CAM_MAC, LAPTOP, CAM, 23, 'payload'],
      [CAM_MAC, LAPTOP, CAM, 2323, 'payload'],
    ]);
  });

  it('a LAN device logging in to an outside telnet server is the device, as the client', () => {
    const { alerts, flow, packet } = setup();
    packet(flow(cam(41000), outside('198.51.100.23', 23)), 1, 0, SYN | ACK);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ device: CAM_MAC, src: CAM, dst: '198.51.100.23', peer: '198.51.100.23', evidence: { role: 'client' } });
  });

  it('telnet between two outside hosts is not about a LAN device (decided once per flow)', () => {
    const { d, alerts, flow, packet } = setup();
    const f = flow(outside('203.0.113.1', 40000), outside('198.51.100.1', 23));
    packet(f, 1, 0, SYN | ACK);
    packet(f, 1, 1, PSH | ACK, 10);
    expect(alerts).toHaveLength(0);
    expect(d.stateSize!()).toBe(1);
  });

  it('the ports are configurable', () => {
    const { alerts, flow, packet } = setup({ ports: [8023] });
    packet(flow(laptop(), cam(23)), 1, 0, SYN | ACK);
    packet(flow(laptop(), cam(8023)), 1, 0, SYN | ACK);
    expect(alerts.map((a) => a.dport)).toEqual([8023]);
  });

  it('forgets a flow when it ends, and the oldest at maxTracked (counted)', () => {
    const { d, alerts, flow, packet } = setup({ maxTracked: 2 });
    const fs = [flow(laptop(1), cam()), flow(laptop(2), cam()), flow(laptop(3), cam())];
    fs.forEach((f, i) => packet(f, 1, i, SYN | ACK));
    expect(d.stateSize!()).toBe(2);
    expect(d.evicted).toBe(1);
    d.onFlowEnd!(fs[2]!);
    expect(d.stateSize!()).toBe(1);
    expect(alerts).toHaveLength(3);
  });
});

describe('cleartext.telnet on captures', () => {
  it('ndpi/telnet.pcap: the OpenBSD server 192.168.0.1 is the device, 192.168.0.2 its peer', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/telnet.pcap'), { config: pipelineConfig(), detect: { detectors: [cleartextTelnet] } });
    expect(summary.alerts).toHaveLength(1);
    expect(summary.alerts[0]).toMatchObject({
      rule: 'cleartext.telnet', severity: 'medium', device: '00:00:c0:9f:a0:97', src: '192.168.0.2', dst: '192.168.0.1', sport: 1550, dport: 23, count: 1,
    });
    expect(summary.alerts[0]!.evidence).toMatchObject({ role: 'server', server: '192.168.0.1', client: '192.168.0.2', port: 23, trigger: 'syn-ack' });
  });

  it('built: three sessions to a camera\'s 2323 from two clients are two alerts, counts 2 and 1', async () => {
    const frames: TimedFrame[] = [];
    const session = (t: number, client: string, clientMac: string, sport: number) => {
      const c = (dt: number, flags: string) => frames.push({ t: t + dt, data: padTo(frame(ether({ src: clientMac, dst: CAM_MAC, type: ETHER_IPV4 }), ipv4({ src: client, dst: CAM, proto: PROTO.TCP, payload: tcp({ sport, dport: 2323, flags }) }))) });
      const s = (dt: number, flags: string, payload?: Buffer) => frames.push({ t: t + dt, data: padTo(frame(ether({ src: CAM_MAC, dst: clientMac, type: ETHER_IPV4 }), ipv4({ src: CAM, dst: client, proto: PROTO.TCP, payload: tcp({ sport: 2323, dport: sport, flags, payload }) }))) });
      c(0, 'S'); s(0.01, 'SA'); c(0.02, 'A'); s(0.03, 'PA', Buffer.from('login: ')); c(0.5, 'FA'); s(0.51, 'FA'); c(0.52, 'A');
    };
    session(0, LAPTOP, LAPTOP_MAC, 50000);
    session(5, LAPTOP, LAPTOP_MAC, 50001);
    session(10, '192.168.1.31', '02:00:00:00:00:1f', 50000);
    const { summary } = await replayFrames(frames, { detect: { detectors: [cleartextTelnet] } });
    expect(summary.alerts.map((a) => [a.rule, a.device, a.src, a.dport, a.count])).toEqual([
      ['cleartext.telnet', CAM_MAC, LAPTOP, 2323, 2],
      ['cleartext.telnet', CAM_MAC, '192.168.1.31', 2323, 1],
    ]);
  });
});
