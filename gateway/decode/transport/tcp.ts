// TCP header (RFC 9293 §3.1): ports, sequence numbers, flags, data offset; payload located.
import { ev } from '../../common/events.js';
import type { PacketView } from '../packet-view.js';

const E_SMALL = -ev('decoder.tcp.too_small');
const E_HLEN_SMALL = -ev('decoder.tcp.hlen_too_small');
const E_HLEN_BIG = -ev('decoder.tcp.hlen_too_big');

/** TCP flag bits. */
export const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10;

/** Decodes a TCP header; returns the payload offset or a negated event. */
export function decodeTcp(b: Buffer, off: number, end: number, pv: PacketView): number {
  if (end - off < 20) return E_SMALL;
  const hlen = (b[off + 12]! >> 4) << 2;
  if (hlen < 20) return E_HLEN_SMALL;
  if (end - off < hlen) return E_HLEN_BIG;
  pv.srcPort = (b[off]! << 8) | b[off + 1]!;
  pv.dstPort = (b[off + 2]! << 8) | b[off + 3]!;
  pv.tcpSeq = ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0;
  pv.tcpAck = ((b[off + 8]! << 24) | (b[off + 9]! << 16) | (b[off + 10]! << 8) | b[off + 11]!) >>> 0;
  pv.tcpFlags = b[off + 13]!;
  pv.tcpWindow = (b[off + 14]! << 8) | b[off + 15]!;
  pv.payloadOff = off + hlen;
  pv.payloadLen = end - off - hlen;
  return off + hlen;
}
