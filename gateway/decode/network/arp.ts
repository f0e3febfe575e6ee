// ARP for Ethernet/IPv4 (RFC 826): who claims which IPv4 address, the cheapest way to learn devices.
import { ev } from '../../common/events.js';
import type { PacketView } from '../packet-view.js';
import { readMac } from '../link/ethernet.js';

const E_SMALL = -ev('decoder.arp.too_small');
const E_UNSUPPORTED = -ev('decoder.arp.unsupported');

/** Decodes an ARP packet into pv.arp*; returns the end offset or a negated event. */
export function decodeArp(b: Buffer, off: number, end: number, pv: PacketView): number {
  if (end - off < 8) return E_SMALL;
  const htype = (b[off]! << 8) | b[off + 1]!;
  const ptype = (b[off + 2]! << 8) | b[off + 3]!;
  const hlen = b[off + 4]!;
  const plen = b[off + 5]!;
  if (htype !== 1 || ptype !== 0x0800 || hlen !== 6 || plen !== 4) return E_UNSUPPORTED;
  if (end - off < 28) return E_SMALL;
  pv.arpOp = (b[off + 6]! << 8) | b[off + 7]!;
  pv.arpSenderMac = readMac(b, off + 8);
  pv.arpSenderIp = b.readUInt32BE(off + 14);
  pv.arpTargetMac = readMac(b, off + 18);
  pv.arpTargetIp = b.readUInt32BE(off + 24);
  return off + 28;
}
