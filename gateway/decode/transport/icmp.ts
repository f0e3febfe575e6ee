// ICMPv4 (RFC 792): type and code; the rest is left to detectors that want it.
import { ev } from '../../common/events.js';
import type { PacketView } from '../packet-view.js';

const E_SMALL = -ev('decoder.icmpv4.too_small');

/** Decodes type and code; returns the offset after the 4-byte header or a negated event. */
export function decodeIcmp(b: Buffer, off: number, end: number, pv: PacketView): number {
  if (end - off < 4) return E_SMALL;
  pv.icmpType = b[off]!;
  pv.icmpCode = b[off + 1]!;
  pv.payloadOff = off + 4;
  pv.payloadLen = end - off - 4;
  return off + 4;
}
