// The pipeline target's input: a burst of frame records `linkType (u16) length (u16) frame`. Some
// bursts are a TCP head of the corpus cut into segments, to reach the app layer's reassembly.
import { LINKTYPE_ETHERNET } from '../capture/link-types.js';
import { DEFAULT_DECODE_LIMITS, decodeFrame } from '../decode/decode-frame.js';
import { Family, PacketView } from '../decode/packet-view.js';
import { IPPROTO } from '../decode/dispatch.js';
import type { SeededRandom } from '../synth/seeded-random.js';
import { mutateBytes } from './byte-mutator.js';
import type { Corpus } from './corpus.js';
import { frameGenerator, splitFrameInput } from './frame-input.js';
import { chance, pick } from './iteration-random.js';

/** Record header: link type and frame length. */
const RECORD_HEADER = 4;

/** Packs frames into a burst. */
export function packBurst(frames: readonly { linkType: number; frame: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of frames) {
    const h = Buffer.alloc(RECORD_HEADER);
    h.writeUInt16BE(f.linkType & 0xffff, 0);
    const frame = f.frame.subarray(0, 0xffff);
    h.writeUInt16BE(frame.length, 2);
    parts.push(h, frame);
  }
  return Buffer.concat(parts);
}

/** Calls `each` for every record of a burst; a cut last record gives what is there. */
export function forEachFrame(burst: Buffer, each: (linkType: number, frame: Buffer) => void): void {
  let p = 0;
  while (p + RECORD_HEADER <= burst.length) {
    const linkType = burst.readUInt16BE(p);
    const len = burst.readUInt16BE(p + 2);
    const s = p + RECORD_HEADER;
    each(linkType, burst.subarray(s, Math.min(burst.length, s + len)));
    p = s + len;
  }
}

/** A corpus frame carrying TCP payload, with where its layers start. */
interface TcpSeed {
  data: Buffer;
  l3Off: number;
  l4Off: number;
  payloadOff: number;
  v6: boolean;
}

function tcpSeeds(corpus: Corpus): TcpSeed[] {
  const pv = new PacketView();
  const out: TcpSeed[] = [];
  for (const f of corpus.frames) {
    if (f.linkType !== LINKTYPE_ETHERNET) continue;
    const r = decodeFrame(pv, f.data, 0, f.data.length, f.data.length, 0, f.linkType, 0, DEFAULT_DECODE_LIMITS);
    if (r !== 0 || pv.ipProto !== IPPROTO.TCP || pv.payloadLen < 2 || pv.isFragment) continue;
    // Only frames whose IP header is followed directly by TCP (no IPv6 extension headers to resize).
    if (pv.family === Family.V6 && pv.l4Off !== pv.l3Off + 40) continue;
    out.push({ data: f.data.subarray(0, pv.payloadOff + pv.payloadLen), l3Off: pv.l3Off, l4Off: pv.l4Off, payloadOff: pv.payloadOff, v6: pv.family === Family.V6 });
  }
  return out;
}

/** The segments of one seed's payload, cut at random points, on a fresh source port. */
function segments(s: TcpSeed, rng: SeededRandom): Buffer[] {
  const payload = s.data.subarray(s.payloadOff);
  const cuts = new Set<number>();
  for (let k = rng.int(1, 4); k > 0; k--) cuts.add(rng.int(1, payload.length - 1));
  const points = [0, ...[...cuts].sort((a, b) => a - b), payload.length];
  const sport = rng.int(1024, 65535);
  const seq0 = s.data.readUInt32BE(s.l4Off + 4);
  const out: Buffer[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const piece = payload.subarray(points[i]!, points[i + 1]!);
    const f = Buffer.concat([s.data.subarray(0, s.payloadOff), piece]);
    if (s.v6) f.writeUInt16BE((f.length - s.l3Off - 40) & 0xffff, s.l3Off + 4);
    else f.writeUInt16BE((f.length - s.l3Off) & 0xffff, s.l3Off + 2);
    f.writeUInt16BE(sport, s.l4Off);
    f.writeUInt32BE((seq0 + points[i]!) >>> 0, s.l4Off + 4);
    out.push(f);
  }
  return out;
}

/** The generator of pipeline bursts. */
export function burstGenerator(corpus: Corpus): (rng: SeededRandom) => Buffer {
  const single = frameGenerator(corpus);
  const seeds = tcpSeeds(corpus);
  return (rng) => {
    if (seeds.length === 0 || chance(rng, 0.7)) return packBurst([splitFrameInput(single(rng))]);
    const s = pick(rng, seeds);
    const segs = segments(s, rng);
    // Now and then a segment is damaged, repeated (a retransmission) or two trade places.
    if (chance(rng, 0.4)) {
      const i = rng.int(0, segs.length - 1);
      segs[i] = mutateBytes(segs[i]!, rng, [], { keep: chance(rng, 0.7) ? s.payloadOff : 0, maxLen: 16 * 1024 });
    }
    if (chance(rng, 0.15)) segs.splice(rng.int(0, segs.length), 0, pick(rng, segs));
    if (chance(rng, 0.15) && segs.length > 1) {
      const i = rng.int(0, segs.length - 2);
      [segs[i], segs[i + 1]] = [segs[i + 1]!, segs[i]!];
    }
    return packBurst(segs.map((frame) => ({ linkType: LINKTYPE_ETHERNET, frame })));
  };
}
