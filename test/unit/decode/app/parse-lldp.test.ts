// LLDP parser: an LLDPDU with the MUD URL TLV decoded field by field, and decode events by code.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { parseLldp } from '../../../../gateway/app/lldp/parse-lldp.js';
import type { LldpInfo } from '../../../../gateway/app/lldp/lldp-info.js';
import { ascii, hex } from '../../../helpers/hex.js';
import { MUD_URL, samples } from './samples.js';

function ok(buf: Buffer): LldpInfo {
  const r = parseLldp(buf, 0, buf.length);
  if (typeof r === 'number') throw new Error(`expected a record, got event ${r}`);
  return r;
}

const MANDATORY = hex`
  02 07 04 00163e5a1b2c                          # chassis ID: MAC
  04 07 03 00163e5a1b2d                          # port ID: MAC subtype 3
  06 02 0078                                     # TTL 120`;

describe('parseLldp', () => {
  it('reads chassis, port, TTL, system name and description and the MUD URL', () => {
    expect(ok(samples.lldp.mud)).toEqual({
      chassisIdSubtype: 4,
      chassisId: '00:16:3e:5a:1b:2c',
      portIdSubtype: 5,
      portId: 'eth0',
      ttl: 120,
      systemName: 'thermostat',
      systemDescription: 'Acme Thermostat v2.1',
      mudUrl: MUD_URL,
    });
  });

  it('reads the 9-bit TLV length', () => {
    const desc = 'd'.repeat(300); // length 0x12c: high bit in the type byte
    const m = ok(hex`${MANDATORY} 0d 2c ${ascii(desc)} 0000`);
    expect(m.systemDescription).toBe(desc);
  });

  it('formats port MAC, IPv4 network address and binary IDs', () => {
    const m = ok(hex`
      02 06 05 01 c0a80101                       # chassis ID: network address, IPv4 192.168.1.1
      04 07 03 00163e5a1b2d                      # port ID: MAC
      06 02 0000`);
    expect([m.chassisId, m.portId, m.ttl]).toEqual(['192.168.1.1', '00:16:3e:5a:1b:2d', 0]);
    const bin = ok(hex`02 04 07 01ff02  04 03 07 ${ascii('p1')}  06 02 0001`);
    expect([bin.chassisId, bin.portId]).toEqual(['01ff02', 'p1']);
  });

  it('ignores other organizationally specific TLVs and stops at End', () => {
    const m = ok(hex`
      ${MANDATORY}
      fe 06 0080c2 01 0001                       # IEEE 802.1 port VLAN ID
      fe 08 00005e 02 ${ascii('nope')}           # IANA OUI, another subtype
      00 00                                      # End
      0a 02 ${ascii('xx')}                       # after End: padding, ignored`);
    expect(m.mudUrl).toBeNull();
    expect(m.systemName).toBeNull();
  });

  it('reads at an offset without looking past end', () => {
    const lldp = samples.lldp.mud;
    const buf = Buffer.concat([hex`ffffff`, lldp, Buffer.alloc(8, 0xff)]);
    expect(parseLldp(buf, 3, 3 + lldp.length)).toEqual(ok(lldp));
  });

  describe('decode events', () => {
    it('too_small when a TLV header is cut', () => {
      expect(parseLldp(hex`02`, 0, 1)).toBe(-ev('decoder.lldp.too_small'));
      const cut = hex`${MANDATORY} 0a`;
      expect(parseLldp(cut, 0, cut.length)).toBe(-ev('decoder.lldp.too_small'));
    });

    it('tlv_truncated when a TLV runs past the frame', () => {
      const lldp = samples.lldp.mud;
      expect(parseLldp(lldp, 0, lldp.length - 3)).toBe(-ev('decoder.lldp.tlv_truncated'));
    });

    it('missing_mandatory without chassis ID, port ID or TTL', () => {
      for (const drop of [0, 1, 2]) {
        const tlvs = [hex`02 07 04 00163e5a1b2c`, hex`04 05 05 ${ascii('eth0')}`, hex`06 02 0078`];
        tlvs.splice(drop, 1);
        const b = Buffer.concat([...tlvs, hex`0000`]);
        expect(parseLldp(b, 0, b.length)).toBe(-ev('decoder.lldp.missing_mandatory'));
      }
      const short = hex`02 01 04  04 05 05 ${ascii('eth0')}  06 02 0078  0000`; // chassis ID without a value
      expect(parseLldp(short, 0, short.length)).toBe(-ev('decoder.lldp.missing_mandatory'));
    });
  });
});
