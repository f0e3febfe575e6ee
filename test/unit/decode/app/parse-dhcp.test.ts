// DHCPv4 parser: a REQUEST decoded field by field, option rules, and each decode event by code.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { parseDhcp } from '../../../../gateway/app/dhcp/parse-dhcp.js';
import type { DhcpMessage } from '../../../../gateway/app/dhcp/dhcp-message.js';
import { ascii, hex } from '../../../helpers/hex.js';
import { MUD_URL, samples } from './samples.js';

const req = samples.dhcp.request;
const OPTIONS = 240;

function ok(buf: Buffer): DhcpMessage {
  const r = parseDhcp(buf, 0, buf.length);
  if (typeof r === 'number') throw new Error(`expected a message, got event ${r}`);
  return r;
}

/** The sample's fixed header and cookie, followed by other options. */
function withOptions(options: Buffer): Buffer {
  return Buffer.concat([req.subarray(0, OPTIONS), options]);
}

describe('parseDhcp', () => {
  it('reads a DHCPREQUEST with hostname, parameter list, vendor class, client id and MUD URL', () => {
    expect(ok(req)).toEqual({
      op: 1,
      xid: 0x3903f326,
      chaddr: '00:16:3e:5a:1b:2c',
      ciaddr: '0.0.0.0',
      yiaddr: '0.0.0.0',
      messageType: 3,
      hostname: 'thermostat',
      requestedIp: '192.168.1.23',
      paramList: [1, 3, 6, 12, 15, 28],
      vendorClass: 'udhcp 1.36.1',
      clientId: '0100163e5a1b2c',
      mudUrl: MUD_URL,
      optionCodes: [53, 61, 50, 12, 60, 55, 161],
    });
  });

  it('reads at an offset without looking past end', () => {
    const buf = Buffer.concat([hex`ffff`, req, Buffer.alloc(8, 0xff)]);
    expect(parseDhcp(buf, 2, 2 + req.length)).toEqual(ok(req));
  });

  it('gives no chaddr unless htype is Ethernet and hlen 6', () => {
    const b = Buffer.from(req);
    b[2] = 16; // hlen
    expect(ok(b).chaddr).toBeNull();
    b[1] = 6; // htype IEEE 802
    b[2] = 6;
    expect(ok(b).chaddr).toBeNull();
  });

  it('reads yiaddr of an ACK and tolerates a missing end option', () => {
    const b = withOptions(hex`35 01 05  01 04 ffffff00`);
    b[0] = 2;
    b.writeUInt32BE(0xc0a80117, 16);
    const m = ok(b);
    expect([m.op, m.yiaddr, m.messageType, m.optionCodes]).toEqual([2, '192.168.1.23', 5, [53, 1]]);
  });

  it('concatenates split options (RFC 3396) and strips trailing NULs from text', () => {
    const m = ok(withOptions(hex`
      0c 05 ${ascii('therm')}                    # hostname, first piece
      00 00                                      # pad
      0c 06 ${ascii('ostat')} 00                 # second piece, NUL-terminated
      37 02 01 03  37 01 06                      # parameter list in two pieces
      ff`));
    expect(m.hostname).toBe('thermostat');
    expect(m.paramList).toEqual([1, 3, 6]);
    expect(m.optionCodes).toEqual([12, 12, 55, 55]);
  });

  it('ignores a requested IP or message type of the wrong size', () => {
    const m = ok(withOptions(hex`32 03 c0a801  35 02 0301 ff`));
    expect(m.requestedIp).toBeNull();
    expect(m.messageType).toBeNull();
  });

  it('stops at the end option', () => {
    const m = ok(withOptions(hex`35 01 01 ff 0c 02 ${ascii('xx')}`));
    expect(m.hostname).toBeNull();
    expect(m.optionCodes).toEqual([53]);
  });

  describe('decode events', () => {
    it('too_small under the 240-byte header and cookie', () => {
      expect(parseDhcp(req, 0, 239)).toBe(-ev('decoder.dhcp.too_small'));
      expect(parseDhcp(req, 0, 0)).toBe(-ev('decoder.dhcp.too_small'));
    });

    it('bad_cookie without the magic cookie (plain BOOTP)', () => {
      const b = Buffer.from(req);
      b.writeUInt32BE(0, 236);
      expect(parseDhcp(b, 0, b.length)).toBe(-ev('decoder.dhcp.bad_cookie'));
    });

    it('option_truncated when an option runs past the packet', () => {
      expect(parseDhcp(withOptions(hex`0c 0a ${ascii('therm')}`), 0, 250)).toBe(-ev('decoder.dhcp.option_truncated'));
      const lone = withOptions(hex`35`);
      expect(parseDhcp(lone, 0, lone.length)).toBe(-ev('decoder.dhcp.option_truncated'));
    });
  });
});
