// Frame builders for tests: the builders of gateway/synth/frame-builders.ts (one header each,
// addresses as text, lengths and checksums computed; the demo capture is built with the same ones),
// plus decodeBytes() to decode the result. Concatenate layers with frame():
//
//   const f = frame(
//     ether({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01', type: ETHER_IPV4 }),
//     ipv4({ src: '192.168.1.10', dst: '192.168.1.1', proto: 17, payload: udp({ sport: 5353, dport: 53, payload: q }) }),
//   );
//
// Address text is parsed by the builders, independently of gateway/common/address-text.ts, so a
// bug there cannot hide in both the input and the check. Builders never validate their options
// beyond what they need to build: a test that wants a malformed header passes the override
// (totalLength, dataOffset, length…) or patches the returned bytes.

import { decodeFrame, DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../gateway/decode/decode-frame.js';
import { PacketView } from '../../gateway/decode/packet-view.js';
import { LINK } from '../../gateway/synth/frame-builders.js';

export * from '../../gateway/synth/frame-builders.js';

/** Options of decodeBytes(). */
export interface DecodeBytesOptions {
  /** Link type (LINK.*), default Ethernet. */
  linkType?: number;
  /** Captured bytes, default the whole frame. */
  capLen?: number;
  /** Bytes on the wire, default capLen. */
  origLen?: number;
  /** Where the frame sits in a larger buffer (the bytes around it are 0xff), default 0. */
  off?: number;
  limits?: DecodeLimits;
  /** View to decode into, default a new one. */
  pv?: PacketView;
}

/** Decodes one frame with decodeFrame; returns its code (0 or a negated event) and the view. */
export function decodeBytes(f: Buffer, o: DecodeBytesOptions = {}): { code: number; pv: PacketView } {
  const off = o.off ?? 0;
  const b = Buffer.alloc(off + f.length + (off > 0 ? 16 : 0), 0xff);
  f.copy(b, off);
  const pv = o.pv ?? new PacketView();
  const capLen = o.capLen ?? f.length;
  const code = decodeFrame(pv, b, off, capLen, o.origLen ?? capLen, 0, o.linkType ?? LINK.ETHERNET, 0, o.limits ?? DEFAULT_DECODE_LIMITS);
  return { code, pv };
}
