// The capture readers on mutated capture files: openCapture picks pcap or pcapng by magic number,
// then every frame goes through decodeFrame. Contract: a CaptureError with its code is the only
// exception, every frame handed out lies inside the reader's buffer, and packet time is a number.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureError } from '../../capture/frame-source.js';
import { openCapture } from '../../capture/open-capture.js';
import { DEFAULT_DECODE_LIMITS, decodeFrame } from '../../decode/decode-frame.js';
import { PacketView } from '../../decode/packet-view.js';
import { mutateBytes, randomBytes } from '../byte-mutator.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance, pick } from '../iteration-random.js';
import { checkViewBounds } from './decode-frame-target.js';

/** Magic numbers, block types, byte-order marks, option codes and link types of the two formats. */
const CAPTURE_DICT = [
  [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], [0x0a, 0x0d, 0x0d, 0x0a],
  [0x4d, 0x3c, 0x2b, 0x1a], [0x1a, 0x2b, 0x3c, 0x4d], [0x01, 0x00, 0x00, 0x00], [0x06, 0x00, 0x00, 0x00], [0x03, 0x00, 0x00, 0x00],
  [0x02, 0x00, 0x00, 0x00], [0x05, 0x00, 0x00, 0x00], [0x09, 0x00, 0x01, 0x00], [0x0e, 0x00, 0x08, 0x00], [0x00, 0x00, 0x00, 0x00],
  [0xff, 0xff, 0x00, 0x00], [0x71, 0x00], [0x14, 0x01], [0x65, 0x00], [0x89], [0x7f],
].map((b) => Buffer.from(b));

const CAPTURE_ERROR_CODES = new Set(['capture.bad_magic', 'capture.bad_header', 'capture.corrupt_record', 'capture.open_failed']);

export const captureReaderTarget: FuzzTarget = {
  name: 'capture-reader',
  description: 'openCapture + the pcap and pcapng readers on mutated capture files, frames decoded: only CaptureError(code) escapes',
  ext: 'bin',
  generator(corpus) {
    const seeds = corpus.captures.map((c) => c.data);
    return (rng) => {
      if (seeds.length === 0 || chance(rng, 0.02)) return randomBytes(rng, 4096);
      return mutateBytes(pick(rng, seeds), rng, seeds, { dict: CAPTURE_DICT, maxLen: 64 * 1024 });
    };
  },
  open(_corpus, ctx) {
    const file = join(ctx.scratchDir, 'input.cap');
    const pv = new PacketView();
    return {
      async run(input: Buffer): Promise<void> {
        writeFileSync(file, input);
        const source = openCapture(file);
        await source.run((buf, off, capLen, origLen, ts, linkType, ifIndex) => {
          if (!(off >= 0 && capLen >= 0 && off + capLen <= buf.length)) {
            throw new FuzzInvariantError(`frame [${off}, +${capLen}) handed out past the reader's buffer (${buf.length} bytes)`);
          }
          if (!Number.isFinite(ts)) throw new FuzzInvariantError(`packet time ${ts} is not a finite number`);
          if (!Number.isInteger(origLen) || !Number.isInteger(ifIndex) || !Number.isInteger(linkType)) {
            throw new FuzzInvariantError(`frame fields not integers: origLen ${origLen}, ifIndex ${ifIndex}, linkType ${linkType}`);
          }
          decodeFrame(pv, buf, off, capLen, origLen, ts, linkType, ifIndex, DEFAULT_DECODE_LIMITS);
          checkViewBounds(pv, off, off + capLen);
        });
      },
    };
  },
  documented: (err) => err instanceof CaptureError && CAPTURE_ERROR_CODES.has(err.code),
};
