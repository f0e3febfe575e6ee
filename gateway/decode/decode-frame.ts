// The offset walk from link layer to transport payload for one frame, into the reused view.
// Application payloads are parsed later, by the trackers that want them.
import { DLT_RAW_BSD_12, DLT_RAW_BSD_14, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW } from '../capture/link-types.js';
import { ETHERTYPE, IPPROTO } from './dispatch.js';
import { ev } from '../common/events.js';
import { decodeEthernet } from './link/ethernet.js';
import { decodeSll, decodeSll2 } from './link/linux-sll.js';
import { decodeNullLoopback } from './link/null-loopback.js';
import { decodeArp } from './network/arp.js';
import { decodeIpv4 } from './network/ipv4.js';
import { decodeIpv6 } from './network/ipv6.js';
import type { PacketView } from './packet-view.js';
import { decodeIcmp } from './transport/icmp.js';
import { decodeIcmpv6 } from './transport/icmpv6.js';
import { decodeTcp } from './transport/tcp.js';
import { decodeUdp } from './transport/udp.js';

/** Decoding limits (config `decode.*`). */
export interface DecodeLimits {
  /** Stacked VLAN tags followed before decoder.vlan.too_many_layers. Default 2 (QinQ). */
  maxVlanDepth: number;
  /** IPv6 extension headers followed before decoder.ipv6.exthdr_too_many. Default 8. */
  maxIpv6ExtHeaders: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({ maxVlanDepth: 2, maxIpv6ExtHeaders: 8 });

const E_LINK = -ev('decoder.link.unsupported');
const E_ETHERTYPE = -ev('decoder.ethertype.unknown');
const E_IPPROTO = -ev('decoder.ipproto.unknown');
const E_FRAME = -ev('decoder.frame.truncated');

/**
 * Decodes one frame into `pv`. Returns 0, or the negated code of the decode event that stopped it
 * (also left in pv.event). Layers decoded before the event stay valid in the view: a frame whose
 * TCP header is cut still has its IP addresses.
 */
export function decodeFrame(
  pv: PacketView, b: Buffer, off: number, capLen: number, origLen: number, ts: number, linkType: number, ifIndex: number,
  limits: DecodeLimits,
): number {
  pv.reset();
  pv.buf = b; pv.frameOff = off; pv.capLen = capLen; pv.origLen = origLen; pv.ts = ts; pv.linkType = linkType; pv.ifIndex = ifIndex;
  const end = off + capLen;
  if (end > b.length) return (pv.event = E_FRAME);
  const snapTruncated = capLen < origLen;
  let o: number;
  switch (linkType) {
    case LINKTYPE_ETHERNET: o = decodeEthernet(b, off, end, pv, limits.maxVlanDepth); break;
    case LINKTYPE_LINUX_SLL: o = decodeSll(b, off, end, pv); break;
    case LINKTYPE_LINUX_SLL2: o = decodeSll2(b, off, end, pv); break;
    case LINKTYPE_NULL: o = decodeNullLoopback(b, off, end, pv, false); break;
    case LINKTYPE_LOOP: o = decodeNullLoopback(b, off, end, pv, true); break;
    case LINKTYPE_RAW: case LINKTYPE_IPV4: case LINKTYPE_IPV6: case DLT_RAW_BSD_12: case DLT_RAW_BSD_14:
      if (capLen < 1) return (pv.event = E_FRAME);
      pv.etherType = b[off]! >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
      o = off;
      break;
    default:
      return (pv.event = E_LINK);
  }
  if (o < 0) return (pv.event = o);
  pv.l3Off = o;
  const et = pv.etherType;
  if (et === ETHERTYPE.IPV4) o = decodeIpv4(b, o, end, pv, snapTruncated);
  else if (et === ETHERTYPE.IPV6) o = decodeIpv6(b, o, end, pv, snapTruncated, limits.maxIpv6ExtHeaders);
  else if (et === ETHERTYPE.ARP) {
    o = decodeArp(b, o, end, pv);
    return o < 0 ? (pv.event = o) : 0;
  } else if (et === ETHERTYPE.LLDP || et === ETHERTYPE.EAPOL) return 0;
  else return (pv.event = E_ETHERTYPE);
  if (o < 0) return (pv.event = o);
  pv.l4Off = o;
  // Only the first fragment carries the transport header.
  if (pv.isFragment && pv.fragOffset !== 0) return 0;
  const l4End = pv.l4End;
  switch (pv.ipProto) {
    case IPPROTO.TCP: o = decodeTcp(b, o, l4End, pv); break;
    case IPPROTO.UDP:
      // A first fragment holds only the start of the datagram, whose UDP length counts every
      // fragment: it can only be checked against the largest datagram (65535), not this packet.
      o = decodeUdp(b, o, l4End, pv, pv.isFragment ? 0xffff : pv.l3Off + pv.ipLen - o);
      break;
    case IPPROTO.ICMP: o = decodeIcmp(b, o, l4End, pv); break;
    case IPPROTO.ICMPV6: o = decodeIcmpv6(b, o, l4End, pv); break;
    case IPPROTO.IGMP: case IPPROTO.ESP: case IPPROTO.NONE: return 0;
    default: return (pv.event = E_IPPROTO);
  }
  // A fragmented first piece may hold less than a whole header: not an error in the frame.
  if (o < 0 && !(pv.isFragment && pv.l4End - pv.l4Off < 20)) return (pv.event = o);
  return 0;
}
