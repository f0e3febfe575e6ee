// ICMPv4 (RFC 792): type and code, and the identifier and sequence number of the query messages
// (echo, timestamp, information, address mask); the rest is left to detectors that want it.
import { ev } from '../../common/events.js';
import type { PacketView } from '../packet-view.js';

const E_SMALL = -ev('decoder.icmpv4.too_small');

/** ICMPv4 types of the query messages and their replies (RFC 792; address mask: RFC 950). */
export const ICMP_ECHO_REPLY = 0, ICMP_ECHO = 8, ICMP_TIMESTAMP = 13, ICMP_TIMESTAMP_REPLY = 14,
  ICMP_INFO = 15, ICMP_INFO_REPLY = 16, ICMP_MASK = 17, ICMP_MASK_REPLY = 18;

/** Bit i set: type i is a query or query reply whose second word is identifier and sequence number. */
const QUERY_TYPES = (1 << ICMP_ECHO_REPLY) | (1 << ICMP_ECHO) | (1 << ICMP_TIMESTAMP) | (1 << ICMP_TIMESTAMP_REPLY)
  | (1 << ICMP_INFO) | (1 << ICMP_INFO_REPLY) | (1 << ICMP_MASK) | (1 << ICMP_MASK_REPLY);

/**
 * Decodes type and code (and, for a query message with its 8-byte header captured, the identifier
 * and sequence number); returns the offset after the 4-byte header or a negated event.
 */
export function decodeIcmp(b: Buffer, off: number, end: number, pv: PacketView): number {
  if (end - off < 4) return E_SMALL;
  const type = b[off]!;
  pv.icmpType = type;
  pv.icmpCode = b[off + 1]!;
  pv.payloadOff = off + 4;
  pv.payloadLen = end - off - 4;
  // A query cut by the snap length keeps its type: the identifier is simply unknown (-1).
  if (type < 32 && ((QUERY_TYPES >>> type) & 1) === 1 && end - off >= 8) {
    pv.icmpId = (b[off + 4]! << 8) | b[off + 5]!;
    pv.icmpSeq = (b[off + 6]! << 8) | b[off + 7]!;
  }
  return off + 4;
}
