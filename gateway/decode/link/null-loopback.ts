// BSD loopback (LINKTYPE_NULL: address family in the capturing host's byte order; LINKTYPE_LOOP:
// network byte order). IPv6 has several family values across BSDs (24, 28, 30).
import { ev } from '../../common/events.js';
import { ETHERTYPE } from '../dispatch.js';
import type { PacketView } from '../packet-view.js';

const E_SMALL = -ev('decoder.null.too_small');
const E_FAMILY = -ev('decoder.null.unknown_family');
const AF_INET = 2;
const AF_INET6 = new Set([24, 28, 30, 10]);

/** Decodes the 4-byte family header; sets the ethertype it stands for. */
export function decodeNullLoopback(b: Buffer, off: number, end: number, pv: PacketView, networkOrder: boolean): number {
  if (end - off < 4) return E_SMALL;
  let fam = networkOrder ? b.readUInt32BE(off) : b.readUInt32LE(off);
  // LINKTYPE_NULL is in the writer's byte order, which the file does not record: a family that
  // only makes sense byte-swapped is read swapped.
  if (!networkOrder && fam > 0xffff) fam = b.readUInt32BE(off);
  if (fam === AF_INET) pv.etherType = ETHERTYPE.IPV4;
  else if (AF_INET6.has(fam)) pv.etherType = ETHERTYPE.IPV6;
  else return E_FAMILY;
  return off + 4;
}
