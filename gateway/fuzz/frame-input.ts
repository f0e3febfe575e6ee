// The input of the frame targets (decodeFrame, the pipeline): two bytes of link type (big-endian)
// then the frame. Seeds are corpus frames, sometimes re-wrapped into another link type, mutated.
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW, DLT_RAW_BSD_12, DLT_RAW_BSD_14 } from '../capture/link-types.js';
import type { SeededRandom } from '../synth/seeded-random.js';
import { mutateBytes, randomBytes } from './byte-mutator.js';
import type { Corpus } from './corpus.js';
import { chance, pick } from './iteration-random.js';
import { rewrap } from './seed-frames.js';

/** Link types the decoder reads, and one it does not (the unsupported path). */
export const FUZZ_LINK_TYPES = [
  LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_LOOP, LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6,
  DLT_RAW_BSD_12, DLT_RAW_BSD_14, 147,
];

/** Ethertypes, protocol numbers and ports worth writing into a frame. */
const FRAME_DICT = [
  [0x08, 0x00], [0x86, 0xdd], [0x08, 0x06], [0x81, 0x00], [0x88, 0xa8], [0x88, 0xcc], [0x91, 0x00], [0x45], [0x46], [0x4f], [0x60],
  [0x00, 0x35], [0x00, 0x43], [0x00, 0x44], [0x02, 0x22], [0x02, 0x23], [0x07, 0x6c], [0x14, 0xe9], [0x01, 0xbb], [0x00, 0x50],
  [0x16, 0x03, 0x01], [0x63, 0x82, 0x53, 0x63], [0xa1, 0x00], [0x00, 0x00, 0x5e, 0x01], [0x2c], [0x3b], [0x3c], [0x2b], [0x00], [0x11], [0x06], [0x3a],
].map((b) => Buffer.from(b));

/** Longest frame generated (a jumbo frame and then some). */
const MAX_FRAME = 16 * 1024;

/** Encodes a frame input. */
export function frameInput(linkType: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE(linkType & 0xffff, 0);
  return Buffer.concat([h, frame]);
}

/** Link type and frame of a frame input (a 0- or 1-byte input is an empty Ethernet frame). */
export function splitFrameInput(input: Buffer): { linkType: number; frame: Buffer } {
  if (input.length < 2) return { linkType: LINKTYPE_ETHERNET, frame: Buffer.alloc(0) };
  return { linkType: input.readUInt16BE(0), frame: input.subarray(2) };
}

/** The generator of frame inputs from the corpus frames. */
export function frameGenerator(corpus: Corpus): (rng: SeededRandom) => Buffer {
  const frames = corpus.frames;
  const datas = frames.map((f) => f.data);
  return (rng) => {
    if (chance(rng, 0.03) || frames.length === 0) return frameInput(pick(rng, FUZZ_LINK_TYPES), randomBytes(rng, 2048));
    const seed = pick(rng, frames);
    let linkType = seed.linkType;
    let data = seed.data;
    if (linkType === LINKTYPE_ETHERNET && chance(rng, 0.25)) {
      const w = rewrap(data, rng.int(0, 1000));
      if (w !== null) ({ linkType, data } = w);
    }
    if (chance(rng, 0.03)) linkType = pick(rng, FUZZ_LINK_TYPES);
    // A few inputs go through unchanged: the seed itself must decode without a finding too.
    const frame = chance(rng, 0.02) ? data : mutateBytes(data, rng, datas, { dict: FRAME_DICT, maxLen: MAX_FRAME });
    return frameInput(linkType, frame);
  };
}
