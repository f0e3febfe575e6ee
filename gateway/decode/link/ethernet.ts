// Ethernet II header with stacked 802.1Q / 802.1ad tags (IEEE 802.3, 802.1Q).
import { ev } from '../../common/events.js';
import { ETHERTYPE } from '../dispatch.js';
import type { PacketView } from '../packet-view.js';

const E_TOO_SMALL = -ev('decoder.ethernet.too_small');
const E_VLAN_SMALL = -ev('decoder.vlan.too_small');
const E_VLAN_DEPTH = -ev('decoder.vlan.too_many_layers');

/** Reads a 48-bit MAC as an integer (exact in a double). */
export function readMac(b: Buffer, o: number): number {
  return (((b[o]! << 8) | b[o + 1]!) >>> 0) * 4294967296 + (((b[o + 2]! << 24) | (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!) >>> 0);
}

/**
 * Decodes the Ethernet header and any VLAN tags into `pv` (MACs, outer VLAN, ethertype).
 * Returns the offset of the network layer, or a negated decode event.
 */
export function decodeEthernet(b: Buffer, off: number, end: number, pv: PacketView, maxVlanDepth: number): number {
  if (end - off < 14) return E_TOO_SMALL;
  pv.dstMac = readMac(b, off);
  pv.srcMac = readMac(b, off + 6);
  let type = (b[off + 12]! << 8) | b[off + 13]!;
  let o = off + 14;
  let depth = 0;
  while (type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ || type === ETHERTYPE.VLAN_9100) {
    if (++depth > maxVlanDepth) return E_VLAN_DEPTH;
    if (end - o < 4) return E_VLAN_SMALL;
    if (depth === 1) pv.vlan = ((b[o]! << 8) | b[o + 1]!) & 0x0fff;
    type = (b[o + 2]! << 8) | b[o + 3]!;
    o += 4;
  }
  pv.etherType = type;
  return o;
}
