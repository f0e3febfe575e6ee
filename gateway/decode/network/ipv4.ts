// IPv4 header (RFC 791): addresses, protocol, fragments marked, options length-checked.
import { ev } from '../../common/events.js';
import { Family, type PacketView } from '../packet-view.js';

const E_SMALL = -ev('decoder.ipv4.too_small');
const E_VERSION = -ev('decoder.ipv4.wrong_version');
const E_HLEN_SMALL = -ev('decoder.ipv4.hlen_too_small');
const E_HLEN_BIG = -ev('decoder.ipv4.hlen_too_big');
const E_IPLEN = -ev('decoder.ipv4.iplen_smaller_than_hlen');
const E_TRUNC = -ev('decoder.ipv4.trunc_pkt');
const E_OPT = -ev('decoder.ipv4.opt_malformed');

/**
 * Decodes an IPv4 header. Returns the offset of the transport header (pv.l4End marks where the IP
 * payload ends, Ethernet padding excluded), or a negated event. `snapTruncated` says the capture
 * cut the frame on purpose (snaplen), so a total length past the captured bytes is not an error.
 */
export function decodeIpv4(b: Buffer, off: number, end: number, pv: PacketView, snapTruncated: boolean): number {
  if (end - off < 20) return E_SMALL;
  const vihl = b[off]!;
  if (vihl >> 4 !== 4) return E_VERSION;
  const hlen = (vihl & 0x0f) << 2;
  if (hlen < 20) return E_HLEN_SMALL;
  if (end - off < hlen) return E_HLEN_BIG;
  const total = (b[off + 2]! << 8) | b[off + 3]!;
  // TSO/GRO captures carry total length 0 on large segments: take the captured length then.
  const ipLen = total === 0 ? end - off : total;
  if (ipLen < hlen) return E_IPLEN;
  if (ipLen > end - off && !snapTruncated) return E_TRUNC;
  if (hlen > 20 && !optionsOk(b, off + 20, off + hlen)) return E_OPT;
  const frag = (b[off + 6]! << 8) | b[off + 7]!;
  pv.family = Family.V4;
  pv.ttl = b[off + 8]!;
  pv.ipProto = b[off + 9]!;
  pv.src0 = ((b[off + 12]! << 24) | (b[off + 13]! << 16) | (b[off + 14]! << 8) | b[off + 15]!) >>> 0;
  pv.dst0 = ((b[off + 16]! << 24) | (b[off + 17]! << 16) | (b[off + 18]! << 8) | b[off + 19]!) >>> 0;
  pv.ipLen = ipLen;
  pv.fragOffset = (frag & 0x1fff) << 3;
  pv.isFragment = (frag & 0x2000) !== 0 || pv.fragOffset !== 0;
  pv.l4End = Math.min(off + ipLen, end);
  return off + hlen;
}

/** Walks the options (RFC 791 §3.1): EOL and NOP are one byte; others carry a length ≥ 2. */
function optionsOk(b: Buffer, o: number, end: number): boolean {
  while (o < end) {
    const t = b[o]!;
    if (t === 0) return true; // end of option list
    if (t === 1) { o++; continue; } // no-operation
    if (o + 1 >= end) return false;
    const l = b[o + 1]!;
    if (l < 2 || o + l > end) return false;
    o += l;
  }
  return true;
}
