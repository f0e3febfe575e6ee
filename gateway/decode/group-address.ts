// Whether a frame goes to one host or to a group, from the packet view: scans, floods and tunnels
// count hosts, and multicast, broadcast and group MACs are not hosts.
import { Family, type PacketView } from './packet-view.js';

/** True when a 48-bit MAC has the group (I/G) bit, the least significant bit of its first octet (IEEE 802 §8.2): broadcast or multicast. */
export function isGroupMac(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 1) === 1;
}

/**
 * True for a destination that is not one host: a group MAC, IPv4 multicast 224/4 (RFC 5771), the
 * limited broadcast (RFC 919) or 0.0.0.0 (RFC 1122 §3.2.1.3: a source only), IPv6 multicast ff00::/8
 * (RFC 4291).
 */
export function isGroupDestination(pv: PacketView): boolean {
  if (pv.dstMac >= 0 && isGroupMac(pv.dstMac)) return true;
  if (pv.family === Family.V4) return pv.dst0 >>> 28 === 0xe || pv.dst0 >>> 0 === 0xffffffff || pv.dst0 === 0;
  return pv.dst0 >>> 24 === 0xff;
}
