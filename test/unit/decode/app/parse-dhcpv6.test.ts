// DHCPv6 parser: a SOLICIT with the MUD URL, the same inside a RELAY-FORW, and decode events by code.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { MAX_DHCPV6_RELAY_DEPTH, parseDhcpv6 } from '../../../../gateway/app/dhcpv6/parse-dhcpv6.js';
import type { Dhcpv6Message } from '../../../../gateway/app/dhcpv6/dhcpv6-message.js';
import { ascii, hex } from '../../../helpers/hex.js';
import { MUD_URL, samples } from './samples.js';

function ok(buf: Buffer): Dhcpv6Message {
  const r = parseDhcpv6(buf, 0, buf.length);
  if (typeof r === 'number') throw new Error(`expected a message, got event ${r}`);
  return r;
}

const solicit: Dhcpv6Message = {
  msgType: 1,
  transactionId: 0x5a3c1f,
  clientDuid: '000100012a1b3c4d00163e5a1b2c',
  fqdn: 'thermostat.home.arpa',
  vendorClass: '32473:acme-thermo',
  oro: [23, 24],
  mudUrl: MUD_URL,
  optionCodes: [1, 8, 6, 39, 16, 112, 3],
};

/** Wrap a message in one RELAY-FORW layer. */
function relay(inner: Buffer): Buffer {
  const head = hex`0c 00 ${'00'.repeat(32)} 0009`;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(inner.length);
  return Buffer.concat([head, len, inner]);
}

describe('parseDhcpv6', () => {
  it('reads a SOLICIT with client DUID, ORO, FQDN, vendor class and MUD URL', () => {
    expect(ok(samples.dhcpv6.solicit)).toEqual(solicit);
  });

  it('unwraps a RELAY-FORW to the client message inside', () => {
    expect(ok(samples.dhcpv6.relayForw)).toEqual(solicit);
  });

  it('unwraps nested relays up to the cap, and refuses one more', () => {
    let b = samples.dhcpv6.solicit;
    for (let i = 0; i < MAX_DHCPV6_RELAY_DEPTH; i++) b = relay(b);
    expect(ok(b)).toEqual(solicit);
    b = relay(b);
    expect(parseDhcpv6(b, 0, b.length)).toBe(-ev('decoder.dhcpv6.relay_too_deep'));
  });

  it('returns a relay without a Relay Message option as itself', () => {
    const b = hex`0d 01 ${'00'.repeat(32)} 0012 0004 ${ascii('eth0')}`;
    expect(ok(b)).toMatchObject({ msgType: 13, transactionId: 0, optionCodes: [18], mudUrl: null });
  });

  it('reads a partial FQDN (no root label) and rejects a compressed one', () => {
    expect(ok(hex`0b 000001  0027 0007 01 05 ${ascii('Thing')}`).fqdn).toBe('thing');
    expect(ok(hex`0b 000001  0027 0004 01 01 61 c0`).fqdn).toBeNull();
  });

  it('reads a vendor class with no data item', () => {
    expect(ok(hex`01 000001  0010 0004 00000137`).vendorClass).toBe('311');
  });

  describe('decode events', () => {
    it('too_small under the 4-byte header, or a relay under 34 bytes', () => {
      expect(parseDhcpv6(hex`01 0000`, 0, 3)).toBe(-ev('decoder.dhcpv6.too_small'));
      expect(parseDhcpv6(samples.dhcpv6.relayForw, 0, 33)).toBe(-ev('decoder.dhcpv6.too_small'));
    });

    it('too_small when the relayed message is under 4 bytes', () => {
      const b = hex`0c 00 ${'00'.repeat(32)} 0009 0002 0100`;
      expect(parseDhcpv6(b, 0, b.length)).toBe(-ev('decoder.dhcpv6.too_small'));
    });

    it('option_truncated when an option runs past the message', () => {
      const s = samples.dhcpv6.solicit;
      expect(parseDhcpv6(s, 0, s.length - 1)).toBe(-ev('decoder.dhcpv6.option_truncated'));
      expect(parseDhcpv6(s, 0, 6)).toBe(-ev('decoder.dhcpv6.option_truncated'));
      const r = samples.dhcpv6.relayForw;
      expect(parseDhcpv6(r, 0, r.length - 1)).toBe(-ev('decoder.dhcpv6.option_truncated'));
    });
  });
});
