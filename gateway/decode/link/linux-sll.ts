// Linux cooked capture headers, v1 (16 bytes) and v2 (20 bytes), as written by `tcpdump -i any`
// (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html, LINKTYPE_LINUX_SLL2.html).
import { ev } from '../../common/events.js';
import type { PacketView } from '../packet-view.js';
import { readMac } from './ethernet.js';

const E_SLL = -ev('decoder.sll.too_small');
const E_SLL2 = -ev('decoder.sll2.too_small');
/** ARPHRD_ETHER: the address field holds a 6-byte MAC. */
const ARPHRD_ETHER = 1;

/** SLL v1: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2). The address is the sender's. */
export function decodeSll(b: Buffer, off: number, end: number, pv: PacketView): number {
  if (end - off < 16) return E_SLL;
  const hatype = (b[off + 2]! << 8) | b[off + 3]!;
  const alen = (b[off + 4]! << 8) | b[off + 5]!;
  if (hatype === ARPHRD_ETHER && alen === 6) pv.srcMac = readMac(b, off + 6);
  pv.etherType = (b[off + 14]! << 8) | b[off + 15]!;
  return off + 16;
}

/** SLL v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8). */
export function decodeSll2(b: Buffer, off: number, end: number, pv: PacketView): number {
  if (end - off < 20) return E_SLL2;
  pv.etherType = (b[off]! << 8) | b[off + 1]!;
  const hatype = (b[off + 8]! << 8) | b[off + 9]!;
  const alen = b[off + 11]!;
  if (hatype === ARPHRD_ETHER && alen === 6) pv.srcMac = readMac(b, off + 12);
  return off + 20;
}
