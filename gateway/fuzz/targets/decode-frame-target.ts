// decodeFrame over every link type on mutated fixture frames. Contract: it never throws, every
// offset it leaves in the view lies inside the frame, and nothing it says depends on the bytes
// after the frame (the frame is a view into a larger capture chunk: reading past its end is a bug).
import { DEFAULT_DECODE_LIMITS, decodeFrame } from '../../decode/decode-frame.js';
import { PacketView } from '../../decode/packet-view.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { frameGenerator, splitFrameInput } from '../frame-input.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance } from '../iteration-random.js';

/** Fields of the view compared between the two decodes (offsets taken relative to the frame). */
function snapshot(pv: PacketView, r: number, base: number): number[] {
  const rel = (o: number): number => (o < 0 ? o : o - base);
  return [
    r, pv.dstMac, pv.srcMac, pv.vlan, pv.etherType, rel(pv.l3Off), pv.arpOp, pv.family, pv.ipProto, pv.ttl,
    pv.src0, pv.src1, pv.src2, pv.src3, pv.dst0, pv.dst1, pv.dst2, pv.dst3, pv.ipLen, pv.isFragment ? 1 : 0, pv.fragOffset,
    rel(pv.l4Off), rel(pv.l4End), pv.srcPort, pv.dstPort, pv.tcpFlags, pv.icmpType, pv.icmpCode, rel(pv.payloadOff), pv.payloadLen,
  ];
}

const FIELD_NAMES = [
  'result', 'dstMac', 'srcMac', 'vlan', 'etherType', 'l3Off', 'arpOp', 'family', 'ipProto', 'ttl', 'src0', 'src1', 'src2', 'src3',
  'dst0', 'dst1', 'dst2', 'dst3', 'ipLen', 'isFragment', 'fragOffset', 'l4Off', 'l4End', 'srcPort', 'dstPort', 'tcpFlags',
  'icmpType', 'icmpCode', 'payloadOff', 'payloadLen',
];

/** Checks that every offset the view holds lies in [start, end]. */
export function checkViewBounds(pv: PacketView, start: number, end: number): void {
  const inside = (name: string, o: number): void => {
    if (o >= 0 && (o < start || o > end)) throw new FuzzInvariantError(`${name} ${o - start} lies outside the frame [0, ${end - start}]`);
  };
  inside('l3Off', pv.l3Off);
  inside('l4Off', pv.l4Off);
  inside('l4End', pv.l4End);
  if (pv.payloadOff >= 0) {
    inside('payloadOff', pv.payloadOff);
    if (pv.payloadLen < 0 || pv.payloadOff + pv.payloadLen > end) {
      throw new FuzzInvariantError(`payload [${pv.payloadOff - start}, +${pv.payloadLen}) runs past the frame end ${end - start}`);
    }
  }
  if (pv.l4Off >= 0 && pv.l4End >= 0 && pv.l4End < pv.l4Off) throw new FuzzInvariantError(`l4End ${pv.l4End - start} before l4Off ${pv.l4Off - start}`);
}

export const decodeFrameTarget: FuzzTarget = {
  name: 'decode-frame',
  description: 'decodeFrame (every link type) on mutated fixture frames: never throws, offsets inside the frame, blind to bytes past its end',
  ext: 'bin',
  generator: frameGenerator,
  open() {
    const pv = new PacketView();
    // One scratch chunk, as a capture reader hands frames out of one buffer.
    let chunk = Buffer.alloc(64 * 1024);
    return {
      run(input: Buffer, rng: SeededRandom): void {
        const { linkType, frame } = splitFrameInput(input);
        const pad = rng.int(0, 15);
        const need = pad + frame.length + 64;
        if (chunk.length < need) chunk = Buffer.alloc(need * 2);
        frame.copy(chunk, pad);
        const end = pad + frame.length;
        // Snap-truncated now and then: origLen above capLen changes how lengths are checked.
        const origLen = chance(rng, 0.1) ? frame.length + rng.int(1, 1500) : frame.length;
        const ts = 1_700_000_000_000_000 + rng.int(0, 1e6);
        const snaps: number[][] = [];
        for (const guard of [0x00, 0xff]) {
          chunk.fill(guard, end);
          const r = decodeFrame(pv, chunk, pad, frame.length, origLen, ts, linkType, 0, DEFAULT_DECODE_LIMITS);
          checkViewBounds(pv, pad, end);
          snaps.push(snapshot(pv, r, pad));
        }
        const [a, b] = snaps as [number[], number[]];
        for (let i = 0; i < a.length; i++) {
          if (a[i] !== b[i]) throw new FuzzInvariantError(`decodeFrame reads past the frame end: ${FIELD_NAMES[i]} is ${a[i]} or ${b[i]} depending on the bytes after it`);
        }
      },
    };
  },
};
