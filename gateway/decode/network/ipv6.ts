// IPv6 header (RFC 8200) and its extension-header chain, walked to the upper-layer protocol with a
// cap on how many headers are followed (STYLE: decoding depth is capped).
import { ev } from '../../common/events.js';
import { IPPROTO } from '../dispatch.js';
import { Family, type PacketView } from '../packet-view.js';

const E_SMALL = -ev('decoder.ipv6.too_small');
const E_VERSION = -ev('decoder.ipv6.wrong_version');
const E_TRUNC = -ev('decoder.ipv6.trunc_pkt');
const E_EXT_SMALL = -ev('decoder.ipv6.exthdr_too_small');
const E_EXT_MANY = -ev('decoder.ipv6.exthdr_too_many');

function u32(b: Buffer, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Decodes the fixed header and extension headers; returns the upper-layer offset or a negated event. */
export function decodeIpv6(b: Buffer, off: number, end: number, pv: PacketView, snapTruncated: boolean, maxExt: number): number {
  if (end - off < 40) return E_SMALL;
  if (b[off]! >> 4 !== 6) return E_VERSION;
  const payloadLen = (b[off + 4]! << 8) | b[off + 5]!;
  // Jumbograms (RFC 2675) carry payload length 0: take the captured length then.
  const ipLen = payloadLen === 0 ? end - off : 40 + payloadLen;
  if (ipLen > end - off && !snapTruncated) return E_TRUNC;
  pv.family = Family.V6;
  pv.ttl = b[off + 7]!;
  pv.src0 = u32(b, off + 8); pv.src1 = u32(b, off + 12); pv.src2 = u32(b, off + 16); pv.src3 = u32(b, off + 20);
  pv.dst0 = u32(b, off + 24); pv.dst1 = u32(b, off + 28); pv.dst2 = u32(b, off + 32); pv.dst3 = u32(b, off + 36);
  pv.ipLen = ipLen;
  const l4End = Math.min(off + ipLen, end);
  pv.l4End = l4End;
  let next = b[off + 6]!;
  let o = off + 40;
  let count = 0;
  for (;;) {
    switch (next) {
      case IPPROTO.HOPOPTS:
      case IPPROTO.ROUTING:
      case IPPROTO.DSTOPTS:
      case IPPROTO.MOBILITY:
      case IPPROTO.HIP:
      case IPPROTO.SHIM6:
      case IPPROTO.EXP1:
      case IPPROTO.EXP2: {
        // RFC 8200 §4: Hdr Ext Len in 8-octet units, not counting the first 8.
        if (++count > maxExt) return E_EXT_MANY;
        if (l4End - o < 8) return E_EXT_SMALL;
        const len = (b[o + 1]! + 1) << 3;
        if (l4End - o < len) return E_EXT_SMALL;
        next = b[o]!;
        o += len;
        continue;
      }
      case IPPROTO.FRAGMENT: {
        if (++count > maxExt) return E_EXT_MANY;
        if (l4End - o < 8) return E_EXT_SMALL;
        const fo = (b[o + 2]! << 8) | b[o + 3]!;
        pv.fragOffset = fo & 0xfff8;
        pv.isFragment = true;
        next = b[o]!;
        o += 8;
        // RFC 8200 §4.5: a later fragment carries only data; its Next Header names the first header
        // of the fragmentable part, which is in the first fragment. Walking on would read data.
        if (pv.fragOffset !== 0) {
          pv.ipProto = next;
          return o;
        }
        continue;
      }
      case IPPROTO.AH: {
        // RFC 4302 §2.2: Payload Len in 4-octet units, minus 2.
        if (++count > maxExt) return E_EXT_MANY;
        if (l4End - o < 8) return E_EXT_SMALL;
        const len = (b[o + 1]! + 2) << 2;
        if (l4End - o < len) return E_EXT_SMALL;
        next = b[o]!;
        o += len;
        continue;
      }
      default:
        pv.ipProto = next;
        return o;
    }
  }
}
