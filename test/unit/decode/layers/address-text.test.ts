// Address text (gateway/common/address-text.ts): MAC, IPv4 and RFC 5952 IPv6 formatting, and the
// parsers' round trips and rejects.

import { describe, expect, it } from 'vitest';
import { ipv4ToString, ipv6ToString, macToString, parseIpv4, parseIpv6, parseMac } from '../../../../gateway/common/address-text.js';
import { ipv6Bytes } from '../../../helpers/frames.js';

/** Words of an IPv6 address from the test builder's independent parser. */
function words(text: string): [number, number, number, number] {
  const b = ipv6Bytes(text);
  return [b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)];
}

describe('MAC text', () => {
  it('formats lower case with leading zeros', () => {
    expect(macToString(0)).toBe('00:00:00:00:00:00');
    expect(macToString(2 ** 48 - 1)).toBe('ff:ff:ff:ff:ff:ff');
    expect(macToString(0x0a0b0c0d0e0f)).toBe('0a:0b:0c:0d:0e:0f');
    expect(macToString(0x800000000000)).toBe('80:00:00:00:00:00');
  });

  it('parses colons or dashes in any case, and round-trips', () => {
    expect(parseMac('AA-BB-CC-dd-ee-ff')).toBe(0xaabbccddeeff);
    expect(parseMac(' 02:00:5e:10:20:30 ')).toBe(0x02005e102030);
    for (const m of ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '02:00:5e:10:20:30', '80:01:02:03:04:05']) expect(macToString(parseMac(m))).toBe(m);
  });

  it('rejects malformed text with -1', () => {
    for (const bad of ['', '02:00:5e:10:20', '02:00:5e:10:20:30:40', '0:0:0:0:0:0', '02005e102030', 'gg:00:00:00:00:00', '02.00.5e.10.20.30']) {
      expect(parseMac(bad), bad).toBe(-1);
    }
  });
});

describe('IPv4 text', () => {
  it('formats and parses dotted quads, round-tripping', () => {
    expect(ipv4ToString(0)).toBe('0.0.0.0');
    expect(ipv4ToString(0xffffffff)).toBe('255.255.255.255');
    expect(ipv4ToString(0xc0a8010a)).toBe('192.168.1.10');
    expect(parseIpv4('192.168.1.10')).toBe(0xc0a8010a);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const a of ['0.0.0.0', '10.0.0.1', '172.16.254.3', '224.0.0.251', '255.255.255.255']) expect(ipv4ToString(parseIpv4(a))).toBe(a);
  });

  it('rejects malformed text with -1', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-4', '1..2.3', 'a.b.c.d', '1.2.3.4 x', '1234.1.1.1']) {
      expect(parseIpv4(bad), bad).toBe(-1);
    }
  });
});

describe('IPv6 text (RFC 5952)', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],            // §4.2.3: equal runs, the first is compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],                  // §4.2.3: the longest run wins
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],         // §4.2.2: a single zero group is not compressed
    ['2001:DB8:AAAA:0:0:0:0:BBBB', '2001:db8:aaaa::bbbb'],     // §4.3: lower case
    ['1:0:0:0:0:0:0:0', '1::'],
    ['0:0:0:0:0:0:0:ffff', '::ffff'],
    ['0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'],         // §5: IPv4-mapped keeps the dotted tail
    ['ff02:0:0:0:0:0:0:fb', 'ff02::fb'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ];

  it('formats to the canonical text', () => {
    for (const [full, canonical] of cases) expect(ipv6ToString(...words(full)), full).toBe(canonical);
  });

  it('parses full, compressed and dotted forms to the same words, and round-trips the canonical text', () => {
    for (const [full, canonical] of cases) {
      expect(parseIpv6(full), full).toEqual(words(full));
      expect(parseIpv6(canonical), canonical).toEqual(words(full));
      const w = parseIpv6(canonical)!;
      expect(ipv6ToString(...w)).toBe(canonical);
    }
    expect(parseIpv6('::ffff:192.0.2.1')).toEqual([0, 0, 0xffff, 0xc0000201]);
    expect(parseIpv6('::192.0.2.1')).toEqual([0, 0, 0, 0xc0000201]);
    expect(parseIpv6('1:2:3:4:5:6:192.0.2.1')).toEqual([0x00010002, 0x00030004, 0x00050006, 0xc0000201]);
    expect(parseIpv6('64:ff9b::192.0.2.1')).toEqual([0x0064ff9b, 0, 0, 0xc0000201]);
    expect(parseIpv6('fe80::1%eth0')).toEqual([0xfe800000, 0, 0, 1]); // zone id dropped
    expect(parseIpv6(' FE80::A ')).toEqual([0xfe800000, 0, 0, 10]);
  });

  it('rejects malformed text with null', () => {
    const bad = [
      '', ':', ':::', '1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8',
      '12345::', 'g::1', '1:::2', ':1::', '1::2:', '1:2:3:4:5:6:7:192.0.2.1', '::ffff:256.0.0.1', '::ffff:1.2.3',
      '1.2.3.4', '1:2:3:4:5:6::192.0.2.1', 'fe80::1 2',
    ];
    for (const t of bad) expect(parseIpv6(t), JSON.stringify(t)).toBeNull();
  });
});
