// The dispatch table and AppFlow: probing with port hints, NeedMore holding, unknown flows, port
// mismatches, events counted, and UDP by port then by probe.
import { describe, expect, it } from 'vitest';
import { AppDispatch, AppFlow } from '../../gateway/app/app-dispatch.js';
import type { AppRecord } from '../../gateway/app/app-record.js';
import { DecodeCounters, ev } from '../../gateway/common/events.js';
import { dnsMessage } from '../helpers/dns-wire.js';
import { collect, elfBody, ofKind, request, response, splitAt, T0 } from './app-test-kit.js';

const s = (x: string): Buffer => Buffer.from(x, 'latin1');

/** Runs segments through a fresh dispatcher and AppFlow on `serverPort`. */
function dispatch(serverPort: number, segs: ReadonlyArray<readonly [number, Buffer]>, opts: { end?: boolean; probeBytes?: number } = {}) {
  const counters = new DecodeCounters();
  const d = new AppDispatch(counters, opts.probeBytes === undefined ? {} : { probeBytes: opts.probeBytes });
  const af = new AppFlow(serverPort);
  const { recs, out } = collect();
  segs.forEach(([dir, b], i) => d.tcpData(af, dir, b, 0, b.length, T0 + i, out));
  if (opts.end !== false) d.tcpEnd(af, T0 + segs.length, out);
  return { af, recs, counters, d };
}

describe('TCP dispatch', () => {
  it('SSH on port 902: found by its probe, a port mismatch', () => {
    const { af, recs } = dispatch(902, [[1, s('SSH-2.0-OpenSSH_8.4\r\n')], [0, s('SSH-2.0-libssh_0.9.6\r\n')], [0, Buffer.alloc(100)]], { end: false });
    expect(af.proto).toBe('ssh');
    expect(af.portMismatch).toBe(true);
    expect(af.status).toBe('done');
    expect(ofKind(recs, 'ssh.banner').map((r) => r.software)).toEqual(['OpenSSH_8.4', 'libssh_0.9.6']);
  });

  it('HTTP on port 7080 is HTTP (mismatch), on 80 no mismatch; the whole keep-alive conversation is read', () => {
    const segs: Array<[number, Buffer]> = [
      [0, request('GET', '/bins.sh')], [1, response(200, {}, s('#!/bin/sh\nwget http://x/a'))],
      [0, request('GET', '/bins/mirai.arm')], [1, response(200, {}, elfBody(0x28, true))],
    ];
    for (const [port, mismatch] of [[7080, true], [80, false]] as const) {
      const { af, recs } = dispatch(port, segs);
      expect([af.proto, af.portMismatch]).toEqual(['http', mismatch]);
      expect(ofKind(recs, 'http.response').map((r) => [r.magic, r.elfArch])).toEqual([['shell', null], ['elf', 'arm']]);
    }
  });

  it('bytes held while the probe needs more are fed first: a method split after one byte', () => {
    const req = request('GET', '/a');
    const { af, recs } = dispatch(8081, [[0, req.subarray(0, 1)], [0, req.subarray(1, 2)], [0, req.subarray(2)], [1, response(204)]]);
    expect(af.proto).toBe('http');
    expect(recs.map((r) => r.kind)).toEqual(['http.request', 'http.response']);
    expect(ofKind(recs, 'http.request')[0]!.uri).toBe('/a');
  });

  it('a server-first protocol decides from the server side; the client bytes held meanwhile follow', () => {
    // The client speaks first but only "SSH-" fragments: NeedMore on both sides until the server line.
    const { af, recs } = dispatch(22, [[0, s('SS')], [1, s('SSH-2.0-dropbear\r\n')], [0, s('H-2.0-PuTTY\r\n')]], { end: false });
    expect(af.proto).toBe('ssh');
    expect(ofKind(recs, 'ssh.banner').map((r) => [r.dir, r.software])).toEqual([[1, 'dropbear'], [0, 'PuTTY']]); // the client line completes last
  });

  it('TLS hello split over segments on 443; done after both hellos', () => {
    const ch = Buffer.concat([Buffer.from([22, 3, 1, 0, 0x2d, 1, 0, 0, 0x29, 3, 3]), Buffer.alloc(32), Buffer.from([0, 0, 2, 0x13, 1, 1, 0])]);
    const { af, recs } = dispatch(443, splitAt(ch, 3, 20).map((b) => [0, b] as [number, Buffer]), { end: false });
    expect([af.proto, af.portMismatch, af.status]).toEqual(['tls', false, 'active']);
    expect(ofKind(recs, 'tls.client_hello')[0]).toMatchObject({ sni: null, ciphers: [0x1301], ja4: expect.stringMatching(/^t12i0100/) as unknown });
  });

  it('telnet on 23: negotiation first (strict probe) or a bare banner (port probe); SSH on 2323 stays SSH', () => {
    expect(dispatch(23, [[1, Buffer.from([255, 253, 24])]]).af.proto).toBe('telnet');
    const banner = dispatch(23, [[1, s('\r\nWelcome\r\nlogin: ')]]);
    expect([banner.af.proto, ofKind(banner.recs, 'telnet').map((r) => r.event)]).toEqual(['telnet', ['login-prompt']]);
    expect(dispatch(2323, [[1, s('SSH-2.0-x\r\n')]]).af.proto).toBe('ssh');
    // The same bare banner on another port is nothing known.
    expect(dispatch(8023, [[1, s('\r\nWelcome\r\nlogin: ')]], { end: false }).af.status).toBe('undecided');
  });

  it('DNS over TCP on 53 and Stratum on any port', () => {
    const q = dnsMessage({ name: 'a.example' });
    const dns = dispatch(53, [[0, Buffer.concat([Buffer.from([0, q.length]), q])]]);
    expect([dns.af.proto, dns.recs.map((r) => r.kind)]).toEqual(['dns', ['dns']]);
    const mining = dispatch(10443, [[0, s('{"id":1,"method":"mining.subscribe","params":["bot/1.0"]}\n')]]);
    expect([mining.af.proto, mining.af.portMismatch, (mining.recs[0] as Extract<AppRecord, { kind: 'stratum' }>).agent]).toEqual(['stratum', true, 'bot/1.0']);
  });

  it('nothing known from both sides: unknown, and later bytes cost nothing', () => {
    const { af, recs, counters } = dispatch(9999, [[0, Buffer.from([0, 1, 2, 3])], [1, Buffer.from([4, 5, 6])], [0, request('GET', '/')]]);
    expect(af.status).toBe('unknown');
    expect(af.proto).toBeNull();
    // Each side's first bytes, once, when the connection is given up: the client's 4 held bytes with
    // the request that made the probes give up (64 bytes at most), then the server's 3 bytes, kept
    // meanwhile for more to come.
    const client = Buffer.concat([Buffer.from([0, 1, 2, 3]), request('GET', '/')]).subarray(0, 64);
    expect(recs.map((r) => r.kind === 'tcp.stream-head' && [r.dir, r.head])).toEqual([[0, client], [1, Buffer.from([4, 5, 6])]]);
    expect(counters.errors()).toBe(0);
  });

  it('an unknown client side waits for the server side; the module is told of the gap', () => {
    const { af, recs } = dispatch(8080, [[0, Buffer.from([0xde, 0xad])], [1, response(200, {}, elfBody(0x08, false))]]);
    expect(af.proto).toBe('http');
    expect(ofKind(recs, 'http.response')[0]).toMatchObject({ request: null, magic: 'elf', elfArch: 'mips' });
  });

  it('a probe that needs more than probeBytes gives up on that side', () => {
    const { af } = dispatch(9999, [[0, s('XYZ ')], [0, s('a'.repeat(100))]], { probeBytes: 64, end: false });
    expect(af.failed).toBe(1);
    expect(af.status).toBe('undecided');
  });

  it('a module event is counted and the module is fed no more', () => {
    const { af, counters } = dispatch(80, [[0, s('GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n')], [0, request('GET', '/')]]);
    expect(af.status).toBe('error');
    expect(counters.toJSON()).toEqual({ 'decoder.http.bad_content_length': 1 });
  });

  it('gaps: while probing a side fails; once active the module is told', () => {
    const counters = new DecodeCounters();
    const d = new AppDispatch(counters);
    const af = new AppFlow(80);
    const { recs, out } = collect();
    d.tcpGap(af, 0, 10);
    d.tcpData(af, 1, response(200, {}, s('#!/bin/sh\n')), 0, response(200, {}, s('#!/bin/sh\n')).length, T0, out);
    expect(af.proto).toBe('http');
    const body = elfBody(0x28, true, 1000);
    const msg = response(200, {}, body);
    d.tcpData(af, 1, msg, 0, msg.length - 500, T0, out);
    d.tcpGap(af, 1, 100);
    d.tcpData(af, 1, msg, msg.length - 400, msg.length, T0, out);
    d.tcpEnd(af, T0, out);
    expect(ofKind(recs, 'http.response').map((r) => [r.magic, r.truncated, r.bodyLen])).toEqual([['shell', false, 10], ['elf', true, 900]]);
  });

  it('rejects a probeBytes option out of range', () => {
    expect(() => new AppDispatch(new DecodeCounters(), { probeBytes: 1 })).toThrow(RangeError);
  });
});

describe('UDP dispatch', () => {
  const d = new AppDispatch(new DecodeCounters());
  const run = (b: Buffer, sport: number, dport: number): { r: number; recs: AppRecord[] } => {
    const { recs, out } = collect();
    return { r: d.udp(b, 0, b.length, sport, dport, T0, 0, out), recs };
  };

  it('by destination port, then source port; mDNS and LLMNR by their ports', () => {
    const q = dnsMessage({ name: 'printer.local' });
    expect(run(q, 40000, 53).recs[0]).toMatchObject({ kind: 'dns', flavor: 'dns' });
    expect(run(q, 53, 40000).recs[0]).toMatchObject({ kind: 'dns', flavor: 'dns' });
    expect(run(q, 5353, 5353).recs[0]).toMatchObject({ kind: 'dns', flavor: 'mdns' });
    expect(run(q, 40000, 5355).recs[0]).toMatchObject({ kind: 'dns', flavor: 'llmnr' });
  });

  it('by probe on other ports: SSDP and DHCP; nothing for unknown bytes', () => {
    expect(run(s('HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nUSN: uuid:1\r\n\r\n'), 40001, 40002).recs[0]).toMatchObject({ kind: 'ssdp', msg: { kind: 'RESPONSE' } });
    const dhcp = Buffer.alloc(244);
    dhcp[0] = 1; dhcp[1] = 1; dhcp[2] = 6;
    dhcp.set([99, 130, 83, 99], 236);
    expect(run(Buffer.concat([dhcp, Buffer.from([53, 1, 1, 255])]), 40001, 40002).recs[0]).toMatchObject({ kind: 'dhcp', msg: { messageType: 1 } });
    expect(run(Buffer.from([1, 2, 3]), 40001, 40002)).toEqual({ r: 0, recs: [] });
  });

  it('returns the module event for the caller to count', () => {
    expect(run(Buffer.from([1, 2, 3]), 40000, 53).r).toBe(-ev('decoder.dns.too_small'));
    expect(run(Buffer.alloc(0), 40000, 53).r).toBe(0);
  });
});
