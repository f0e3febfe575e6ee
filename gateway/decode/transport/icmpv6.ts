// ICMPv6 (RFC 4443) type and code, and Neighbor Discovery (RFC 4861) messages, which tell which
// link-layer address owns which IPv6 address.
import { ev } from '../../common/events.js';
import type { PacketView } from '../packet-view.js';
import { readMac } from '../link/ethernet.js';

const E_SMALL = -ev('decoder.icmpv6.too_small');
const E_NDP = -ev('decoder.icmpv6.ndp_malformed');

/** NDP message types. */
export const NDP_ROUTER_SOLICIT = 133, NDP_ROUTER_ADVERT = 134, NDP_NEIGHBOR_SOLICIT = 135, NDP_NEIGHBOR_ADVERT = 136, NDP_REDIRECT = 137;

/** ICMPv6 echo request and reply (RFC 4443 §4.1, §4.2). */
export const ICMPV6_ECHO = 128, ICMPV6_ECHO_REPLY = 129;

/**
 * Decodes type and code (and, for an echo request or reply with its 8-byte header captured, the
 * identifier and sequence number); returns the offset after the 4-byte header or a negated event.
 */
export function decodeIcmpv6(b: Buffer, off: number, end: number, pv: PacketView): number {
  if (end - off < 4) return E_SMALL;
  const type = b[off]!;
  pv.icmpType = type;
  pv.icmpCode = b[off + 1]!;
  pv.payloadOff = off + 4;
  pv.payloadLen = end - off - 4;
  if ((type === ICMPV6_ECHO || type === ICMPV6_ECHO_REPLY) && end - off >= 8) {
    pv.icmpId = (b[off + 4]! << 8) | b[off + 5]!;
    pv.icmpSeq = (b[off + 6]! << 8) | b[off + 7]!;
  }
  return off + 4;
}

/** What an NDP message says about addresses. */
export interface NdpInfo {
  type: number;
  /** Target address (NS, NA, redirect) as 16 raw bytes copied out, or null. */
  target: Buffer | null;
  /** Source link-layer address option (type 1) as a 48-bit integer, or -1. */
  sourceLinkAddr: number;
  /** Target link-layer address option (type 2) as a 48-bit integer, or -1. */
  targetLinkAddr: number;
}

/**
 * Parses an NDP message starting at the ICMPv6 header (`off`). Returns null for other ICMPv6
 * types, the info, or a negated event for options of length 0 or running past the end.
 */
export function parseNdp(b: Buffer, off: number, end: number): NdpInfo | number | null {
  if (end - off < 4) return E_SMALL;
  const type = b[off]!;
  let optOff: number;
  let target: Buffer | null = null;
  switch (type) {
    case NDP_ROUTER_SOLICIT: optOff = off + 8; break;
    case NDP_ROUTER_ADVERT: optOff = off + 16; break;
    case NDP_NEIGHBOR_SOLICIT:
    case NDP_NEIGHBOR_ADVERT: optOff = off + 24; break;
    case NDP_REDIRECT: optOff = off + 40; break;
    default: return null;
  }
  if (optOff > end) return E_NDP;
  if (type === NDP_NEIGHBOR_SOLICIT || type === NDP_NEIGHBOR_ADVERT || type === NDP_REDIRECT) {
    target = Buffer.from(b.subarray(off + 8, off + 24));
  }
  const info: NdpInfo = { type, target, sourceLinkAddr: -1, targetLinkAddr: -1 };
  let o = optOff;
  let n = 0;
  while (o + 2 <= end) {
    const ot = b[o]!;
    const ol = b[o + 1]! << 3; // RFC 4861 §4.6: length in units of 8 octets; 0 is invalid
    if (ol === 0 || o + ol > end || ++n > 64) return E_NDP;
    if (ol >= 8 && (ot === 1 || ot === 2)) {
      const mac = readMac(b, o + 2);
      if (ot === 1) info.sourceLinkAddr = mac;
      else info.targetLinkAddr = mac;
    }
    o += ol;
  }
  if (o !== end) return E_NDP;
  return info;
}
