// bruteforce.telnet / bruteforce.ssh: the detector driven directly with finished flows and server
// replies at chosen packet times (session and failure thresholds, window edges, the streaming
// match, reports, caps), then the pipeline over built telnet and SSH attacks and a normal session.
import { AppDispatch, AppFlow } from '../../../gateway/app/app-dispatch.js';
import { DecodeCounters } from '../../../gateway/common/events.js';
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import { bruteforce, BRUTEFORCE_DEFAULTS, type BruteforceConfig, type BruteforceDetector } from '../../../gateway/detect/detectors/bruteforce.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { Flow, type FlowEndReason } from '../../../gateway/track/flow.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';
import { ether, ETHER_IPV4, frame, ipv4, padTo, PROTO, tcp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;
const TCP = 6;
const ATTACKER = '203.0.113.66';
const SERVER = '192.168.1.50';
const SERVER_MAC = '02:00:00:00:00:32';
const ROUTER_MAC = '02:00:00:00:00:01';

interface SessionOptions {
  port?: number;
  src?: string;
  dst?: string;
  /** Seconds the session lasted (default 3). */
  dur?: number;
  /** Closed with FIN (default true), RST, or left open. */
  close?: 'fin' | 'rst' | 'none';
  /** The server answered (default true). */
  answered?: boolean;
  /** A's first packet was a SYN (default true). */
  syn?: boolean;
  endReason?: FlowEndReason;
}

function setup(over: Partial<BruteforceConfig> = {}) {
  const { host, alerts, devices } = fakeHost();
  devices.touch(parseMac(SERVER_MAC), T, 60);
  const d = bruteforce.create(host, { ...BRUTEFORCE_DEFAULTS, ...over }) as BruteforceDetector;
  let id = 1;
  const dispatch = new AppDispatch(new DecodeCounters());
  const pv = new PacketView();
  /** A live TCP flow src → dst:port opened at `t` (seconds after T). */
  function open(t: number, o: SessionOptions = {}): Flow {
    const ts = T + Math.round(t * S);
    const f = new Flow(id++, 0, 4, TCP, ts);
    f.a0 = parseIpv4(o.src ?? ATTACKER); f.b0 = parseIpv4(o.dst ?? SERVER); f.aPort = 40000 + id; f.bPort = o.port ?? 23;
    f.aMac = parseMac(ROUTER_MAC); f.bMac = parseMac(SERVER_MAC); f.initiatorKnown = true;
    f.flagsAB = (o.syn ?? true) ? SYN | ACK | PSH : ACK | PSH;
    if (o.answered ?? true) { f.flagsBA = SYN | ACK | PSH; f.pktsBA = 3; }
    f.pktsAB = 3;
    return f;
  }
  /** Ends the flow `dur` seconds after it began. */
  function end(f: Flow, o: SessionOptions = {}): void {
    f.lastTs = f.firstTs + Math.round((o.dur ?? 3) * S);
    const close = o.close ?? 'fin';
    if (close === 'fin') { f.flagsAB |= FIN; f.flagsBA |= FIN; }
    if (close === 'rst') f.flagsAB |= RST;
    f.endReason = o.endReason ?? (close === 'none' ? 'idle' : 'closed');
    d.onFlowEnd!(f);
  }
  function session(t: number, o: SessionOptions = {}): Flow {
    const f = open(t, o);
    end(f, o);
    return f;
  }
  /** The server's reply `text` on flow `f` at time `t`, through the app dispatch table as the sensor feeds it. */
  const apps = new Map<Flow, AppFlow>();
  function reply(f: Flow, t: number, text: string): void {
    const b = Buffer.from(text, 'latin1');
    pv.reset();
    pv.buf = b; pv.ts = T + Math.round(t * S); pv.family = 4; pv.ipProto = TCP; pv.src0 = f.b0; pv.dst0 = f.a0;
    pv.srcPort = f.bPort; pv.dstPort = f.aPort; pv.tcpFlags = PSH | ACK; pv.payloadOff = 0; pv.payloadLen = b.length;
    f.payloadBA += b.length;
    let af = apps.get(f);
    if (af === undefined) apps.set(f, (af = new AppFlow(f.bPort)));
    dispatch.tcpData(af, 1, b, 0, b.length, pv.ts, (rec) => d.onApp!(rec, pv, f, 1));
  }
  const tick = (t: number): void => d.onTick!(T + Math.round(t * S));
  return { d, alerts, session, open, end, reply, tick };
}

describe('bruteforce: short sessions', () => {
  it('9 telnet sessions in a minute are quiet; the 10th raises bruteforce.telnet', () => {
    const { alerts, session } = setup();
    for (let i = 0; i < 9; i++) session(i * 5);
    expect(alerts).toHaveLength(0);
    session(45);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'bruteforce.telnet', src: ATTACKER, dst: SERVER, dport: 23, proto: 'tcp', device: SERVER_MAC, peer: ATTACKER, count: 1, ts: T + 45 * S,
    });
    expect(alerts[0]!.evidence).toMatchObject({ service: 'telnet', sessions: 10, failures: 0, windowSeconds: 60, trigger: 'sessions' });
  });

  it('the 10th session starting exactly 60 s after the first counts; 1 µs later it does not', () => {
    const edge = setup();
    for (let i = 0; i < 9; i++) edge.session(0);
    edge.session(60);
    expect(edge.alerts).toHaveLength(1);
    const late = setup();
    for (let i = 0; i < 9; i++) late.session(0);
    late.session(60.000001);
    expect(late.alerts).toHaveLength(0);
  });

  it('sessions count when short or closed; unanswered, long-and-open and mid-stream flows do not', () => {
    const { alerts, session } = setup();
    for (let i = 0; i < 20; i++) {
      session(i, { answered: false }); // a port scan, not a login
      session(i, { dur: 30, close: 'none' }); // still open after 30 s, ended by the idle timeout
      session(i, { syn: false }); // picked up mid-stream: who opened it is unknown
      session(i, { port: 80 });
    }
    expect(alerts).toHaveLength(0);
    const b = setup();
    for (let i = 0; i < 4; i++) b.session(i, { dur: 29.9, close: 'none' });
    for (let i = 0; i < 3; i++) b.session(i, { dur: 50, close: 'fin' });
    for (let i = 0; i < 3; i++) b.session(i, { dur: 50, close: 'rst' });
    expect(b.alerts).toHaveLength(1);
  });

  it('ten SSH sessions raise bruteforce.ssh; 2323 is telnet', () => {
    const { alerts, session } = setup();
    for (let i = 0; i < 10; i++) session(i, { port: 22 });
    for (let i = 0; i < 10; i++) session(i, { port: 2323 });
    expect(alerts.map((a) => [a.rule, a.dport, a.evidence.service])).toEqual([['bruteforce.ssh', 22, 'ssh'], ['bruteforce.telnet', 2323, 'telnet']]);
  });

  it('each attacker of one device is its own alert', () => {
    const { alerts, session } = setup();
    for (let i = 0; i < 10; i++) { session(i, { src: '203.0.113.1' }); session(i, { src: '203.0.113.2' }); }
    expect(alerts.map((a) => [a.src, a.peer, a.device])).toEqual([['203.0.113.1', '203.0.113.1', SERVER_MAC], ['203.0.113.2', '203.0.113.2', SERVER_MAC]]);
  });
});

describe('bruteforce: failed telnet logins', () => {
  it('9 "Login incorrect" replies are quiet; the 10th raises bruteforce.telnet', () => {
    const { alerts, open, reply } = setup();
    const f = open(0);
    for (let i = 0; i < 9; i++) reply(f, i * 5, '\r\nLogin incorrect\r\nlogin: ');
    expect(alerts).toHaveLength(0);
    reply(f, 45, '\r\nLogin incorrect\r\n');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ trigger: 'failures', failures: 10, sessions: 0 });
    expect(alerts[0]!.ts).toBe(T + 45 * S);
  });

  it('counts the telnet module\'s login-failure records: any case, several daemons\' wording, split replies; not SSH', () => {
    const { alerts, open, reply } = setup();
    const f = open(0);
    reply(f, 1, 'LOGIN INCORRECT\r\n');
    reply(f, 2, 'Authentication Failed.\r\n');
    reply(f, 3, '% Access denied\r\n');
    reply(f, 4, 'Login inc');
    reply(f, 4.1, 'orrect\r\n');
    reply(f, 5, 'Login incorrect: authentication failed\r\n'); // one line, one failure
    reply(f, 7, 'Password: ');
    reply(f, 8, 'Welcome to BusyBox\r\n');
    expect(alerts).toHaveLength(0);
    for (let i = 0; i < 5; i++) reply(f, 9 + i, 'Login incorrect\r\n');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence.failures).toBe(10);
    const ssh = open(0, { port: 22 });
    for (let i = 0; i < 20; i++) reply(ssh, 1 + i, 'Login incorrect\r\n');
    expect(alerts).toHaveLength(1);
  });
});

describe('bruteforce: one alert per finding, with its final counts', () => {
  it('reports progress as sessions + failures double, then once when activity stops for the window', () => {
    const { d, alerts, open, end, reply, tick } = setup();
    for (let i = 0; i < 50; i++) {
      const f = open(i);
      reply(f, i + 0.5, 'Login incorrect\r\n');
      end(f, { dur: 1 });
    }
    // Opened at the 10th failure (9 sessions ended by then); reported again at 2× and 4× that activity.
    expect(alerts.map((a) => [a.count, a.evidence.sessions, a.evidence.failures])).toEqual([[1, 9, 10], [0, 19, 19], [0, 38, 38]]);
    tick(49.5 + 60);
    expect(d.stateSize!()).toBeGreaterThan(0);
    tick(50 + 61);
    expect(alerts.at(-1)).toMatchObject({ count: 0, evidence: { sessions: 50, failures: 50 } });
    expect(alerts).toHaveLength(4);
    expect(d.stateSize!()).toBe(0);
  });

  it('closes every finding at shutdown', () => {
    const { alerts, session, tick } = setup();
    for (let i = 0; i < 11; i++) session(i, { endReason: i === 10 ? 'shutdown' : 'closed' });
    tick(12);
    expect(alerts.map((a) => [a.count, a.evidence.sessions])).toEqual([[1, 10], [0, 11]]);
  });
});

describe('bruteforce: bounded state', () => {
  it('evicts the least recently active key at maxTracked and counts it', () => {
    const { d, session } = setup({ maxTracked: 2 });
    session(0, { src: '203.0.113.1' });
    session(1, { src: '203.0.113.2' });
    session(2, { src: '203.0.113.3' });
    expect(d.stateSize!()).toBe(2);
    expect(d.evicted).toBe(1);
  });
});

// ---------------------------------------------------------------- built captures

const ATTACKER_SIDE = (src: string, dst: string) => ether({ src, dst, type: ETHER_IPV4 });

/** One TCP session with the given exchanges; `c`/`s` lines are client/server payloads in order. */
function tcpSession(o: {
  t: number; client: string; clientMac: string; server: string; serverMac: string; sport: number; dport: number; lines: Array<['c' | 's', string]>;
}): TimedFrame[] {
  const out: TimedFrame[] = [];
  let cs = 1000, ss = 5000, t = o.t;
  const c = (flags: string, payload = Buffer.alloc(0)) => {
    out.push({ t, data: padTo(frame(ATTACKER_SIDE(o.clientMac, o.serverMac), ipv4({ src: o.client, dst: o.server, proto: PROTO.TCP, payload: tcp({ sport: o.sport, dport: o.dport, flags, seq: cs, ack: ss, payload }) }))) });
    cs += payload.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    t += 0.01;
  };
  const s = (flags: string, payload = Buffer.alloc(0)) => {
    out.push({ t, data: padTo(frame(ATTACKER_SIDE(o.serverMac, o.clientMac), ipv4({ src: o.server, dst: o.client, proto: PROTO.TCP, payload: tcp({ sport: o.dport, dport: o.sport, flags, seq: ss, ack: cs, payload }) }))) });
    ss += payload.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    t += 0.01;
  };
  c('S'); s('SA'); c('A');
  for (const [who, text] of o.lines) (who === 'c' ? c : s)('PA', Buffer.from(text, 'latin1'));
  c('FA'); s('FA'); c('A');
  return out;
}

describe('bruteforce on captures', () => {
  it('50 failed telnet logins in a minute against a LAN device: one bruteforce.telnet alert', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 50; i++) {
      frames.push(...tcpSession({
        t: i * 1.1, client: ATTACKER, clientMac: ROUTER_MAC, server: SERVER, serverMac: SERVER_MAC, sport: 41000 + i, dport: 23,
        lines: [['s', 'login: '], ['c', 'root\r\n'], ['s', 'Password: '], ['c', 'xc3511\r\n'], ['s', '\r\nLogin incorrect\r\n']],
      }));
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [bruteforce] } });
    expect(summary.alerts).toHaveLength(1);
    const a = summary.alerts[0]!;
    expect(a).toMatchObject({ rule: 'bruteforce.telnet', src: ATTACKER, dst: SERVER, dport: 23, device: SERVER_MAC, count: 1, severity: 'critical' });
    expect(a.evidence).toMatchObject({ service: 'telnet', sessions: 50, failures: 50, windowSeconds: 60 });
  });

  it('12 short SSH sessions from one LAN host to another within half a minute: bruteforce.ssh', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 12; i++) {
      frames.push(...tcpSession({
        t: i * 2.5, client: '192.168.1.99', clientMac: '02:00:00:00:00:63', server: '192.168.1.60', serverMac: '02:00:00:00:00:3c', sport: 42000 + i, dport: 22,
        lines: [['s', 'SSH-2.0-dropbear_2019.78\r\n'], ['c', 'SSH-2.0-libssh2_1.8.0\r\n'], ['c', 'x'.repeat(200)], ['s', 'y'.repeat(300)]],
      }));
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [bruteforce] } });
    expect(summary.alerts).toHaveLength(1);
    expect(summary.alerts[0]).toMatchObject({ rule: 'bruteforce.ssh', src: '192.168.1.99', dst: '192.168.1.60', dport: 22, device: '02:00:00:00:00:63' });
    expect(summary.alerts[0]!.evidence).toMatchObject({ service: 'ssh', sessions: 12, failures: 0 });
  });

  it('one ordinary telnet session (ndpi/telnet.pcap) and one SSH session (ndpi/ssh.pcap) are not brute force', async () => {
    for (const f of ['pcap/ndpi/telnet.pcap', 'pcap/ndpi/ssh.pcap']) {
      const { summary } = await replayCapture(fixture(f), { config: pipelineConfig(), detect: { detectors: [bruteforce] } });
      expect(summary.alerts).toEqual([]);
    }
  });
});
