// icmp.tunnel: the detector fed echo frames built in code and decoded for real: IP over ICMP
// (icmptunnel's and hans' layouts, over ICMPv4 and ICMPv6), ptunnel's header, an opaque shell-like
// channel found by volume, and the pings that must stay quiet (iputils and Windows ping for ten
// minutes, large patterned pings, a fixed-size opaque payload, two stray inner headers); the cap;
// then the pipeline over a tunnel built in code.
import { describe, expect, it } from 'vitest';
import { parseMac } from '../../../gateway/common/address-text.js';
import { icmpTunnel, ICMP_TUNNEL_DEFAULTS, type IcmpTunnelConfig, type IcmpTunnelDetector } from '../../../gateway/detect/detectors/icmp-tunnel.js';
import type { PluginSpec } from '../../../gateway/sensor/plugin.js';
import { fakeHost, frameFeeder } from '../../helpers/fake-host.js';
import { echoBody, ether, ETHER_IPV4, ETHER_IPV6, frame, icmp, icmpv6, ipv4, ipv6, PROTO, tcp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const CLIENT = '192.168.1.20';
const CLIENT_MAC = '02:00:00:00:00:14';
const SERVER = '203.0.113.9';
const ROUTER_MAC = '02:00:00:00:00:01';
const ECHO = 8, ECHO_REPLY = 0;

/** An echo request (client → server) or reply (server → client) carrying `data`. */
function echo4(request: boolean, data: Buffer, o: { id?: number; seq?: number; client?: string; server?: string } = {}): Buffer {
  const client = o.client ?? CLIENT, server = o.server ?? SERVER;
  return frame(
    ether({ src: request ? CLIENT_MAC : ROUTER_MAC, dst: request ? ROUTER_MAC : CLIENT_MAC, type: ETHER_IPV4 }),
    ipv4({
      src: request ? client : server, dst: request ? server : client, proto: PROTO.ICMP,
      payload: icmp({ type: request ? ECHO : ECHO_REPLY, body: echoBody({ id: o.id ?? 0xfeff, seq: o.seq ?? 0, data }) }),
    }),
  );
}

/** An inner IPv4 TCP segment 10.0.0.2 ⇄ 10.0.0.1 with `n` payload bytes (what a tun device hands the tunnel). */
function innerPacket(n: number, up: boolean, seq: number): Buffer {
  return ipv4({
    src: up ? '10.0.0.2' : '10.0.0.1', dst: up ? '10.0.0.1' : '10.0.0.2', proto: PROTO.TCP,
    payload: tcp({ sport: up ? 40000 : 22, dport: up ? 22 : 40000, seq, flags: 'PA', payload: noise(n, seq + 1) }),
  });
}

/** Deterministic pseudo-random bytes (xorshift32). */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = (seed * 2654435761) | 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

/** iputils ping data (56 bytes by default): a struct timeval, then bytes counting up. */
function linuxPing(t: number, size = 56): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(1767225600 + t, 0); b.writeUInt32LE((t * 7919) % 1000000, 8);
  for (let i = 16; i < size; i++) b[i] = i & 0xff;
  return b;
}

function setup(over: Partial<IcmpTunnelConfig> = {}) {
  const fh = fakeHost();
  fh.devices.touch(parseMac(CLIENT_MAC), T, 60);
  const d = icmpTunnel.create(fh.host, { ...ICMP_TUNNEL_DEFAULTS, ...over }) as IcmpTunnelDetector;
  const feed = frameFeeder(d, T);
  return { d, feed, ...fh };
}

const raised = (alerts: ReturnType<typeof setup>['alerts']) => alerts.filter((a) => a.count !== 0);

describe('icmp.tunnel: IP over ICMP', () => {
  it('echo requests and replies carrying inner IPv4 packets give one high alert with the inner addresses', () => {
    const { d, feed, alerts } = setup();
    for (let i = 0; i < 60; i++) {
      feed(i * 0.5, echo4(true, innerPacket(20 + (i * 37) % 400, true, i)));
      feed(i * 0.5 + 0.02, echo4(false, innerPacket(10 + (i * 53) % 900, false, i)));
    }
    d.onFinish!(T + 60 * S);
    expect(raised(alerts)).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'icmp.tunnel', src: CLIENT, dst: SERVER, proto: 'icmp', device: CLIENT_MAC, count: 1,
      evidence: { trigger: 'inner-ip', innerIpPackets: 3, innerSample: '10.0.0.2 > 10.0.0.1 (proto 6)', ids: [0xfeff] },
    });
    expect(alerts[0]!.severity).toBeUndefined(); // the rule's (high)
    const last = alerts[alerts.length - 1]!;
    expect(last).toMatchObject({ count: 0, evidence: { requests: 60, replies: 60, innerIpPackets: 120, patternedPackets: 0, durationSeconds: 29.52 } });
  });

  it('hans\' layout (a 5-byte header before the inner packet) and ICMPv6 echo are found too', () => {
    const { feed, alerts } = setup();
    for (let i = 0; i < 3; i++) feed(i, echo4(true, Buffer.concat([Buffer.from('hanc\x03', 'latin1'), innerPacket(30 + i, true, i)]), { id: i }));
    expect(raised(alerts)).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ trigger: 'inner-ip', ids: [0, 1, 2] }); // hans -i: a new id per request
    const v6 = setup();
    for (let i = 0; i < 3; i++) {
      v6.feed(i, frame(ether({ src: CLIENT_MAC, dst: ROUTER_MAC, type: ETHER_IPV6 }), ipv6({
        src: 'fd00::20', dst: '2001:db8::9', next: PROTO.ICMPV6, payload: icmpv6({ type: 128, body: echoBody({ id: 1, seq: i, data: innerPacket(40 + i, true, i) }) }),
      })));
    }
    v6.d.onFinish!(T + 10 * S);
    expect(raised(v6.alerts)).toHaveLength(1);
    expect(v6.alerts[0]).toMatchObject({ src: 'fd00::20', dst: '2001:db8::9', proto: 'ipv6-icmp', evidence: { trigger: 'inner-ip' } });
  });

  it('two stray inner headers stay below the threshold', () => {
    const { d, feed, alerts } = setup();
    for (let i = 0; i < 2; i++) feed(i, echo4(true, innerPacket(30, true, i)));
    d.onFinish!(T + 10 * S);
    expect(alerts).toEqual([]);
  });

  it('ptunnel\'s magic in three payloads gives the tool-magic trigger', () => {
    const { feed, alerts } = setup();
    for (let i = 0; i < 3; i++) feed(i, echo4(true, Buffer.concat([Buffer.from([0xd5, 0x20, 0x08, 0x80]), noise(24 + i * 100, i)])));
    expect(raised(alerts)).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ trigger: 'tool-magic', toolMagicPackets: 3 });
  });
});

describe('icmp.tunnel: opaque volume', () => {
  it('a shell-like channel (opaque payloads of many lengths, 16 KiB+) gives one medium alert', () => {
    const { d, feed, alerts } = setup();
    for (let i = 0; i < 80; i++) {
      feed(i * 2, echo4(true, noise(32 + (i % 5) * 11, i), { id: 0x0400, seq: i }));
      feed(i * 2 + 0.05, echo4(false, noise(100 + (i * 131) % 1200, 1000 + i), { id: 0x0400, seq: i }));
    }
    d.onFinish!(T + 200 * S);
    expect(raised(alerts)).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ src: CLIENT, dst: SERVER, severity: 'medium', evidence: { trigger: 'volume', innerIpPackets: 0 } });
    const ev = alerts[0]!.evidence as { opaquePackets: number; opaqueBytes: number; distinctLengths: number };
    expect(ev.opaquePackets).toBeGreaterThanOrEqual(40);
    expect(ev.opaqueBytes).toBeGreaterThanOrEqual(16384);
    expect(ev.distinctLengths).toBeGreaterThanOrEqual(6);
  });

  it('the same opaque packets spread thinner than the window never add up', () => {
    const { d, feed, alerts } = setup({ windowSeconds: 60 });
    for (let i = 0; i < 80; i++) {
      feed(i * 61, echo4(true, noise(32 + (i % 5) * 11, i), { seq: i }));
      feed(i * 61 + 0.05, echo4(false, noise(100 + (i * 131) % 1200, 1000 + i), { seq: i }));
    }
    d.onFinish!(T + 6000 * S);
    expect(alerts).toEqual([]);
  });

  it('a fixed-size opaque payload (one length) is not a tunnel by volume', () => {
    const { d, feed, alerts } = setup();
    for (let i = 0; i < 300; i++) {
      feed(i, echo4(true, noise(120, i), { seq: i }));
      feed(i + 0.01, echo4(false, noise(120, i), { seq: i }));
    }
    d.onFinish!(T + 400 * S);
    expect(alerts).toEqual([]);
  });
});

describe('icmp.tunnel: ordinary pings stay quiet', () => {
  it('iputils ping (56-byte pattern) once a second for ten minutes, with replies', () => {
    const { d, feed, alerts } = setup();
    for (let t = 0; t < 600; t++) {
      feed(t, echo4(true, linuxPing(t), { id: 0x5a5a, seq: t }));
      feed(t + 0.012, echo4(false, linuxPing(t), { id: 0x5a5a, seq: t }));
      d.onTick!(T + t * S);
    }
    d.onFinish!(T + 600 * S);
    expect(alerts).toEqual([]);
  });

  it('Windows ping (32-byte alphabet) and ping -s with sizes from 100 to 1400 bytes', () => {
    const { d, feed, alerts } = setup();
    const win = Buffer.from('abcdefghijklmnopqrstuvwabcdefghi');
    for (let t = 0; t < 600; t++) {
      feed(t, echo4(true, win, { id: 1, seq: t }));
      feed(t + 0.01, echo4(false, win, { id: 1, seq: t }));
      const size = 100 + (t % 14) * 100; // an MTU probe sweep
      feed(t + 0.5, echo4(true, linuxPing(t, size), { id: 2, seq: t, server: '198.51.100.7' }));
      feed(t + 0.51, echo4(false, linuxPing(t, size), { id: 2, seq: t, server: '198.51.100.7' }));
    }
    d.onFinish!(T + 700 * S);
    expect(alerts).toEqual([]);
  });
});

describe('icmp.tunnel: bounded', () => {
  it('evicts the least recently active pair at maxPairs, counted by name, reporting an alerted one', () => {
    const { d, feed, alerts, events } = setup({ maxPairs: 2 });
    for (let i = 0; i < 4; i++) feed(i * 0.1, echo4(true, innerPacket(30, true, i)));
    expect(raised(alerts)).toHaveLength(1);
    feed(1, echo4(true, linuxPing(1), { server: '198.51.100.1' }));
    feed(2, echo4(true, linuxPing(2), { server: '198.51.100.2' }));
    expect(d.evicted).toBe(1);
    expect(d.stateSize!()).toBe(2);
    expect(d.findings).toBe(0);
    expect(events.toJSON()).toEqual({ 'detect.icmpTunnel.table_full': 1 });
    expect(alerts[alerts.length - 1]).toMatchObject({ count: 0, evidence: { requests: 4, innerIpPackets: 4 } });
  });
});

describe('icmp.tunnel through the pipeline', () => {
  it('an IP-over-ICMP tunnel built in code gives exactly one icmp.tunnel', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 30; i++) {
      frames.push({ t: 1 + i, data: echo4(true, innerPacket(40 + i * 13, true, i), { seq: i }) });
      frames.push({ t: 1.01 + i, data: echo4(false, innerPacket(60 + i * 29, false, i), { seq: i }) });
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [icmpTunnel] as unknown as PluginSpec<object>[] } });
    const got = summary.alerts.filter((a) => a.rule === 'icmp.tunnel');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ src: CLIENT, dst: SERVER, severity: 'high', device: CLIENT_MAC, evidence: { requests: 30, replies: 30, innerIpPackets: 60 } });
  });
});
