// Address and prefix parsing into 32-bit words, and canonical formatting.
import { describe, expect, it } from 'vitest';
import { formatIpv6, formatPrefix, parseIpv4, parseIpv6, parsePrefix } from '../../../policies/index.js';
import { prefixContains, prefixWithin } from '../../../policies/net/ip-address.js';
import { formatMac, parseMac } from '../../../policies/index.js';
import { mac48And } from '../../../policies/net/mac-address.js';

describe('IP addresses', () => {
  it('parses IPv4 strictly', () => {
    expect(parseIpv4('192.0.2.1')).toBe(0xc0000201);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1.2.3.-1', '']) expect(parseIpv4(bad), bad).toBe(-1);
  });

  it('parses IPv6 with :: and an embedded IPv4', () => {
    expect(parseIpv6('2001:db8::1')).toEqual([0x20010db8, 0, 0, 1]);
    expect(parseIpv6('::')).toEqual([0, 0, 0, 0]);
    expect(parseIpv6('::ffff:192.0.2.1')).toEqual([0, 0, 0xffff, 0xc0000201]);
    expect(parseIpv6('fdc1:1bdc:1e84:0:0:0:0:1')).toEqual([0xfdc11bdc, 0x1e840000, 0, 1]);
    for (const bad of ['192.168.1.1', '1::2::3', '1:2:3:4:5:6:7', '12345::', 'fe80::1%eth0', '1:2:3:4:5:6:7:8::']) {
      expect(parseIpv6(bad), bad).toBeNull();
    }
  });

  it('formats IPv6 canonically (RFC 5952)', () => {
    expect(formatIpv6([0x20010db8, 0, 0, 1])).toBe('2001:db8::1');
    expect(formatIpv6([0x20010db8, 0x00000001, 0, 1])).toBe('2001:db8:0:1::1');
    expect(formatIpv6([0xff000000, 0, 0, 0])).toBe('ff00::');
  });

  it('parses prefixes, flags bare addresses and host bits', () => {
    expect(parsePrefix('10.1.2.3/8')).toMatchObject({ family: 4, words: [0x0a000000, 0, 0, 0], length: 8, hostBits: true, bare: false });
    expect(parsePrefix('2001:db8::1')).toMatchObject({ family: 6, length: 128, bare: true });
    expect(parsePrefix('10.0.0.0/33')).toBeNull();
    expect(parsePrefix('10.0.0.0/8', 6)).toBeNull();
    expect(formatPrefix(parsePrefix('ff00::/8')!)).toBe('ff00::/8');
    expect(formatPrefix(parsePrefix('8.8.8.8/32')!)).toBe('8.8.8.8');
  });

  it('tests containment', () => {
    const p = parsePrefix('fd00:1::/64')!;
    expect(prefixContains(p, 0xfd000001, 0, 0, 5)).toBe(true);
    expect(prefixContains(p, 0xfd000002, 0, 0, 5)).toBe(false);
    expect(prefixWithin(parsePrefix('10.1.0.0/16')!, parsePrefix('10.0.0.0/8')!)).toBe(true);
    expect(prefixWithin(parsePrefix('10.0.0.0/8')!, parsePrefix('10.1.0.0/16')!)).toBe(false);
  });
});

describe('MAC addresses', () => {
  it('parses, formats and masks 48-bit values', () => {
    expect(parseMac('00:17:88:24:76:ff')).toBe(0x0017882476ff);
    expect(parseMac('00:17:88:24:76')).toBe(-1);
    expect(formatMac(0xffffffffffff)).toBe('ff:ff:ff:ff:ff:ff');
    expect(mac48And(0x0017882476ff, 0xffffff000000)).toBe(0x001788000000);
  });
});
