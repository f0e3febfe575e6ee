// DNS/mDNS parser: sample messages decoded field by field, and each named decode event by code.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { parseDns, parseDnsOverTcp } from '../../../../gateway/app/dns/parse-dns.js';
import type { DnsMessage } from '../../../../gateway/app/dns/dns-message.js';
import { ascii, hex } from '../../../helpers/hex.js';
import { samples } from './samples.js';

function ok(buf: Buffer, maxRecords?: number): DnsMessage {
  const r = parseDns(buf, 0, buf.length, maxRecords);
  if (typeof r === 'number') throw new Error(`expected a message, got event ${r}`);
  return r;
}

const label63 = '3f' + ascii('a'.repeat(63));

describe('parseDns', () => {
  it('reads a query', () => {
    const m = ok(samples.dns.query);
    expect(m).toEqual({
      id: 0x1234,
      qr: false,
      opcode: 0,
      rcode: 0,
      tc: false,
      questions: [{ name: 'example.com', type: 1, class: 1 }],
      answers: [],
      authorities: [],
      additionals: [],
    });
  });

  it('reads an A answer whose name is a pointer', () => {
    const m = ok(samples.dns.a);
    expect(m.qr).toBe(true);
    expect(m.answers).toEqual([{ name: 'example.com', type: 1, class: 1, ttl: 300, rdLen: 4, data: '192.0.2.1' }]);
  });

  it('reads an AAAA answer in RFC 5952 text and keeps the OPT class whole', () => {
    const m = ok(samples.dns.aaaa);
    expect(m.questions).toEqual([{ name: 'www.example.com', type: 28, class: 1 }]);
    expect(m.answers[0]).toEqual({ name: 'www.example.com', type: 28, class: 1, ttl: 3600, rdLen: 16, data: '2001:db8::1' });
    expect(m.additionals[0]).toMatchObject({ name: '', type: 41, class: 1232, rdLen: 0, data: null });
  });

  it('follows a CNAME chain through nested compression pointers', () => {
    const m = ok(samples.dns.cnameChain);
    expect(m.answers.map((r) => [r.name, r.type, r.data, r.ttl])).toEqual([
      ['www.example.com', 5, 'cdn.example.net', 3600],
      ['cdn.example.net', 5, 'edge.cdn.example.net', 60],
      ['edge.cdn.example.net', 1, '198.51.100.7', 20],
    ]);
  });

  it('reads TXT strings apart and joined', () => {
    const rr = ok(samples.dns.txt).answers[0]!;
    expect(rr.txt).toEqual(['v=spf1 -all', 'hello']);
    expect(rr.data).toBe('v=spf1 -allhello');
    expect(rr.rdLen).toBe(18);
  });

  it('reads a PTR answer and lower-cases names', () => {
    const m = ok(samples.dns.ptr);
    expect(m.questions[0]!.name).toBe('1.2.0.192.in-addr.arpa');
    expect(m.answers[0]).toMatchObject({ type: 12, data: 'host.example.com' });
  });

  it('reads an mDNS response: cache-flush bit cleared, SRV target and port, spaces kept', () => {
    const m = ok(samples.dns.mdns);
    expect(m.id).toBe(0);
    expect(m.answers[0]).toEqual({
      name: '_googlecast._tcp.local',
      type: 12,
      class: 1,
      ttl: 4500,
      rdLen: 14,
      data: 'living room._googlecast._tcp.local',
    });
    const [srv, a, txt] = m.additionals;
    expect(srv).toEqual({ name: 'living room._googlecast._tcp.local', type: 33, class: 1, ttl: 120, rdLen: 16, data: 'cc-1a2b.local', port: 8009 });
    expect(a).toMatchObject({ name: 'cc-1a2b.local', class: 1, data: '192.168.1.23' });
    expect(txt!.txt).toEqual(['md=Chromecast', 'fn=Living Room']);
  });

  it('clears the unicast-response bit of an mDNS question', () => {
    const q = hex`
      0000 0000 0001 0000 0000 0000
      04 ${ascii('_hap')} 04 ${ascii('_tcp')} 05 ${ascii('local')} 00
      000c 8001                                 # PTR, QU bit + IN`;
    expect(ok(q).questions).toEqual([{ name: '_hap._tcp.local', type: 12, class: 1 }]);
  });

  it('escapes dots, backslashes and non-printable bytes inside labels', () => {
    const q = hex`
      0000 0000 0001 0000 0000 0000
      04 612e625c 03 41ff00 00                  # "a.b\\" "A\\255\\000"
      0001 0001`;
    expect(ok(q).questions[0]!.name).toBe('a\\.b\\\\.a\\255\\000');
  });

  it('reads a message at a non-zero offset, with pointers relative to the message', () => {
    const buf = Buffer.concat([hex`ffffffff`, samples.dns.cnameChain, hex`ffff`]);
    const r = parseDns(buf, 4, 4 + samples.dns.cnameChain.length);
    expect(r).toEqual(ok(samples.dns.cnameChain));
  });

  it('leaves data null for types it does not decode and for A with a bad length', () => {
    const m = ok(hex`
      0001 8180 0000 0002 0000 0000
      00 000f 0001 00000000 0003 0001 00          # root MX: pref 1, target root
      00 0001 0001 00000000 0003 010203           # A with 3 bytes`);
    expect(m.answers.map((r) => [r.type, r.rdLen, r.data])).toEqual([
      [15, 3, null],
      [1, 3, null],
    ]);
  });

  it('treats a TTL with the top bit set as 0 (RFC 2181 §8)', () => {
    const m = ok(hex`0001 8180 0000 0001 0000 0000  00 0001 0001 80000000 0004 01020304`);
    expect(m.answers[0]!.ttl).toBe(0);
  });

  it('keeps what arrived of a response with TC set', () => {
    const cut = Buffer.from(samples.dns.cnameChain.subarray(0, 62)); // question + first answer
    cut[2]! |= 0x02; // TC (flags bit 0x0200)
    const m = ok(cut);
    expect(m.tc).toBe(true);
    expect(m.answers).toHaveLength(1);
    expect(parseDns(samples.dns.cnameChain, 0, 62)).toBe(-ev('decoder.dns.truncated'));
  });

  describe('decode events', () => {
    it('too_small under 12 bytes', () => {
      expect(parseDns(hex`1234 0100 0001 0000 0000 00`, 0, 11)).toBe(-ev('decoder.dns.too_small'));
    });

    it('truncated when a question runs past the end', () => {
      const q = samples.dns.query;
      expect(parseDns(q, 0, q.length - 1)).toBe(-ev('decoder.dns.truncated'));
      expect(parseDns(q, 0, 20)).toBe(-ev('decoder.dns.truncated'));
    });

    it('truncated when RDATA runs past the end', () => {
      const a = samples.dns.a;
      expect(parseDns(a, 0, a.length - 1)).toBe(-ev('decoder.dns.truncated'));
    });

    it('truncated when a CNAME target runs past its RDATA', () => {
      const m = hex`
        0001 8180 0000 0001 0000 0000
        00 0005 0001 00000000 0002 01 61 00      # rdlen 2 but the name needs 3`;
      expect(parseDns(m, 0, m.length)).toBe(-ev('decoder.dns.truncated'));
    });

    it('pointer_loop for a pointer back into its own name', () => {
      const loop = hex`
        0bad 0100 0001 0000 0000 0000
        03 ${ascii('abc')} c00c                  # @12 abc + ->12: abc.abc.abc…
        0001 0001`;
      expect(parseDns(loop, 0, loop.length)).toBe(-ev('decoder.dns.pointer_loop'));
    });

    it('pointer_loop for a pointer to itself and for a forward pointer', () => {
      const self = hex`0bad 0100 0001 0000 0000 0000  c00c 0001 0001`;
      expect(parseDns(self, 0, self.length)).toBe(-ev('decoder.dns.pointer_loop'));
      const fwd = hex`0bad 0100 0001 0000 0000 0000  c010 0001 0001 00 00`;
      expect(parseDns(fwd, 0, fwd.length)).toBe(-ev('decoder.dns.pointer_loop'));
    });

    it('pointer_loop for two answers pointing at each other', () => {
      const m = hex`
        0bad 8180 0000 0002 0000 0000
        c01c 0001 0001 00000000 0000             # @12 ->28
        c00c 0001 0001 00000000 0000             # @28 ->12`;
      expect(parseDns(m, 0, m.length)).toBe(-ev('decoder.dns.pointer_loop'));
    });

    it('name_too_long past 255 bytes on the wire, 255 itself is fine', () => {
      const label61 = '3d' + ascii('b'.repeat(61));
      const max = hex`0001 0100 0001 0000 0000 0000 ${label63}${label63}${label63}${label61} 00 0001 0001`;
      expect(ok(max).questions[0]!.name).toHaveLength(63 * 3 + 61 + 3);
      const over = hex`0001 0100 0001 0000 0000 0000 ${label63}${label63}${label63}${label63} 00 0001 0001`;
      expect(parseDns(over, 0, over.length)).toBe(-ev('decoder.dns.name_too_long'));
    });

    it('name_too_long also counts labels reached through pointers', () => {
      const m = hex`
        0001 8180 0001 0001 0000 0000
        ${label63}${label63}${label63} 00 0001 0001  # @12 a 192-byte name, 193 on the wire
        ${label63} c00c 0001 0001 00000000 0000       # 64 more + ->12: 257`;
      expect(parseDns(m, 0, m.length)).toBe(-ev('decoder.dns.name_too_long'));
    });

    it('bad_label for the 0x40 and 0x80 label types', () => {
      for (const t of ['41', '80']) {
        const m = hex`0001 0100 0001 0000 0000 0000 ${t} 00 00 0001 0001`;
        expect(parseDns(m, 0, m.length)).toBe(-ev('decoder.dns.bad_label'));
      }
    });

    it('too_many_records past maxRecords', () => {
      expect(parseDns(samples.dns.mdns, 0, samples.dns.mdns.length, 3)).toBe(-ev('decoder.dns.too_many_records'));
      expect(ok(samples.dns.mdns, 4).additionals).toHaveLength(3);
    });
  });
});

describe('parseDnsOverTcp', () => {
  const tcp = samples.dnsTcp.query;

  it('reads a length-prefixed message and says where it ends', () => {
    const withNext = Buffer.concat([tcp, hex`0010 ffff`]);
    const r = parseDnsOverTcp(withNext, 0, withNext.length);
    expect(r).toEqual({ status: 'ok', value: ok(samples.dns.query), end: tcp.length });
  });

  it('is incomplete until the whole message is there', () => {
    for (const n of [0, 1, 2, 12, tcp.length - 1]) expect(parseDnsOverTcp(tcp, 0, n)).toEqual({ status: 'incomplete' });
  });

  it('errors on a length below the header and on a bad message', () => {
    expect(parseDnsOverTcp(hex`0005 0102030405`, 0, 7)).toEqual({ status: 'error', event: -ev('decoder.dns.too_small') });
    const loop = hex`000e 0bad 0100 0001 0000 0000 0000 c00c`;
    expect(parseDnsOverTcp(loop, 0, loop.length)).toEqual({ status: 'error', event: -ev('decoder.dns.pointer_loop') });
  });
});
