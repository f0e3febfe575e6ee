// UDP header (RFC 768): ports and a length checked against the IP payload.
import { ev } from '../../common/events.js';
import { Family, type PacketView } from '../packet-view.js';

const E_SMALL = -ev('decoder.udp.too_small');
const E_LEN = -ev('decoder.udp.len_invalid');

/**
 * Decodes a UDP header; returns the payload offset or a negated event. `ipPayloadLen` is what the
 * IP header declares, `end` what was captured (smaller when the capture cut the frame).
 */
export function decodeUdp(b: Buffer, off: number, end: number, pv: PacketView, ipPayloadLen: number): number {
  if (end - off < 8) return E_SMALL;
  const len = (b[off + 4]! << 8) | b[off + 5]!;
  // Length 0 is legal only for IPv6 jumbograms (RFC 2675 §4); otherwise it must fit the IP payload.
  if ((len < 8 && !(len === 0 && pv.family === Family.V6)) || len > ipPayloadLen) return E_LEN;
  pv.srcPort = (b[off]! << 8) | b[off + 1]!;
  pv.dstPort = (b[off + 2]! << 8) | b[off + 3]!;
  pv.payloadOff = off + 8;
  pv.payloadLen = Math.min(len === 0 ? ipPayloadLen : len, end - off) - 8;
  if (pv.payloadLen < 0) pv.payloadLen = 0;
  return off + 8;
}
