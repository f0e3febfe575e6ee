// LLDPDU parser (IEEE 802.1AB-2016 §8.5): the mandatory chassis ID, port ID and TTL, the system
// name and description, and the MUD URL TLV of RFC 8520 §11. Input is what follows ethertype 0x88cc.

import { ipv4ToString, macToString } from '../../common/address-text.js';
import { ev } from '../../common/events.js';
import type { LldpInfo } from './lldp-info.js';

/** TLV header: 7-bit type, 9-bit length (802.1AB §8.4.1). */
const TLV_HEADER_LEN = 2;

/** TLV types read (802.1AB §8.4.1, table 8-1). */
const Tlv = {
  END: 0,
  CHASSIS_ID: 1,
  PORT_ID: 2,
  TTL: 3,
  SYSTEM_NAME: 5,
  SYSTEM_DESCRIPTION: 6,
  ORG_SPECIFIC: 127,
} as const;

/** Chassis ID subtypes (802.1AB §8.5.2.2) with binary values; the others are text. */
const CHASSIS_MAC = 4;
const CHASSIS_NETWORK_ADDRESS = 5;
/** Port ID subtypes (802.1AB §8.5.3.2) with binary values; the others are text. */
const PORT_MAC = 3;
const PORT_NETWORK_ADDRESS = 4;
/** IANA address family numbers used in network-address IDs. */
const AF_IPV4 = 1;

/** RFC 8520 §11: OUI 00:00:5E (IANA), subtype 1 carries the MUD URL. */
const IANA_OUI = 0x00005e;
const MUD_URL_SUBTYPE = 1;

/**
 * Parse one LLDPDU in `buf[off, end)` (the bytes after the Ethernet header).
 * TLVs after the End TLV (Ethernet padding) are ignored; a missing End TLV is tolerated.
 * @returns the record, or a negated decode event code (`decoder.lldp.missing_mandatory` when the
 *   chassis ID, port ID or TTL TLV is absent or too short to hold its fields).
 */
export function parseLldp(buf: Buffer, off: number, end: number): LldpInfo | number {
  if (end > buf.length) end = buf.length;
  if (off < 0 || end - off < TLV_HEADER_LEN) return -ev('decoder.lldp.too_small');

  let chassisIdSubtype = -1;
  let chassisId = '';
  let portIdSubtype = -1;
  let portId = '';
  let ttl = -1;
  let systemName: string | null = null;
  let systemDescription: string | null = null;
  let mudUrl: string | null = null;

  // Bounded: every pass consumes at least the 2-byte TLV header.
  let p = off;
  while (p < end) {
    if (end - p < TLV_HEADER_LEN) return -ev('decoder.lldp.too_small');
    const type = buf[p]! >> 1;
    const len = ((buf[p]! & 1) << 8) | buf[p + 1]!;
    const v = p + TLV_HEADER_LEN;
    const ve = v + len;
    if (ve > end) return -ev('decoder.lldp.tlv_truncated');
    if (type === Tlv.END) break;
    // A TLV that repeats: the first one counts (802.1AB §9.2.7.7.1 allows one of each of these).
    switch (type) {
      case Tlv.CHASSIS_ID:
        // 802.1AB §8.5.2: subtype byte and 1..255 bytes of ID.
        if (chassisIdSubtype < 0 && len >= 2) {
          chassisIdSubtype = buf[v]!;
          chassisId = idText(buf, v + 1, ve, chassisIdSubtype === CHASSIS_MAC, chassisIdSubtype === CHASSIS_NETWORK_ADDRESS);
        }
        break;
      case Tlv.PORT_ID:
        if (portIdSubtype < 0 && len >= 2) {
          portIdSubtype = buf[v]!;
          portId = idText(buf, v + 1, ve, portIdSubtype === PORT_MAC, portIdSubtype === PORT_NETWORK_ADDRESS);
        }
        break;
      case Tlv.TTL:
        if (ttl < 0 && len >= 2) ttl = (buf[v]! << 8) | buf[v + 1]!;
        break;
      case Tlv.SYSTEM_NAME:
        // 802.1AB §8.5.6/8.5.7: SnmpAdminString, i.e. UTF-8.
        if (systemName === null) systemName = buf.toString('utf8', v, ve);
        break;
      case Tlv.SYSTEM_DESCRIPTION:
        if (systemDescription === null) systemDescription = buf.toString('utf8', v, ve);
        break;
      case Tlv.ORG_SPECIFIC:
        // RFC 8520 §11: OUI 00-00-5E, subtype 1, then the MUD URL.
        if (mudUrl === null && len >= 4 && ((buf[v]! << 16) | (buf[v + 1]! << 8) | buf[v + 2]!) === IANA_OUI && buf[v + 3] === MUD_URL_SUBTYPE) {
          mudUrl = buf.toString('latin1', v + 4, ve);
        }
        break;
      default:
        break;
    }
    p = ve;
  }
  // 802.1AB §8.2: chassis ID, port ID and TTL are mandatory in every LLDPDU.
  if (chassisIdSubtype < 0 || portIdSubtype < 0 || ttl < 0) return -ev('decoder.lldp.missing_mandatory');
  return { chassisIdSubtype, chassisId, portIdSubtype, portId, ttl, systemName, systemDescription, mudUrl };
}

/**
 * An ID value `buf[s, e)`: a 6-byte MAC as "aa:bb:…", an IPv4 network address (family byte 1) as a
 * dotted quad, printable ASCII as text, anything else as lower-case hex.
 */
function idText(buf: Buffer, s: number, e: number, isMac: boolean, isNetworkAddress: boolean): string {
  if (isMac && e - s === 6) return macToString(((buf[s]! << 8) | buf[s + 1]!) * 0x100000000 + u32(buf, s + 2));
  if (isNetworkAddress && e - s === 5 && buf[s] === AF_IPV4) return ipv4ToString(u32(buf, s + 1));
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) return buf.toString('hex', s, e);
  }
  return buf.toString('latin1', s, e);
}

function u32(buf: Buffer, p: number): number {
  return buf[p]! * 0x1000000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
}
