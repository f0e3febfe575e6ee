// The RFC 6587 deframer of syslog over TCP on mutated streams (octet-counted and LF-framed lines,
// mixed), pushed in random chunks. Contract: it never throws, never delivers an empty frame or one
// longer than its maximum, and counts every frame it delivers.
import { SyslogDeframer } from '../../edge-logs/syslog-framing.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { mutateBytes } from '../byte-mutator.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance, pick } from '../iteration-random.js';
import { SYSLOG_LINES } from './syslog-seeds.js';

const FRAMING_DICT = ['\n', '\r\n', '\0', ' ', '0', '1', '9', '12 ', '0 ', '999999999 ', '1000000000 ', '65536 ', '<', '\r'].map((s) => Buffer.from(s));

/** A stream of 1..5 seed lines, each octet-counted or LF-terminated. */
function stream(rng: SeededRandom): Buffer {
  const parts: Buffer[] = [];
  for (let i = rng.int(1, 5); i > 0; i--) {
    const line = Buffer.from(pick(rng, SYSLOG_LINES), 'utf8');
    parts.push(chance(rng, 0.5) ? Buffer.concat([Buffer.from(`${line.length} `), line]) : Buffer.concat([line, Buffer.from(chance(rng, 0.8) ? '\n' : '\r\n')]));
  }
  return Buffer.concat(parts);
}

export const syslogDeframerTarget: FuzzTarget = {
  name: 'syslog-deframer',
  description: 'SyslogDeframer (RFC 6587) on mutated TCP streams in random chunks: never throws, frames within the maximum',
  ext: 'bin',
  generator() {
    return (rng) => {
      const s = stream(rng);
      return chance(rng, 0.1) ? s : mutateBytes(s, rng, [], { dict: FRAMING_DICT, maxLen: 200_000 });
    };
  },
  open() {
    return {
      run(input: Buffer, rng: SeededRandom): void {
        const max = pick(rng, [8, 64, 1024, 65536]);
        let delivered = 0;
        const d = new SyslogDeframer(max, (frame) => {
          if (frame.length === 0) throw new FuzzInvariantError('an empty frame was delivered');
          if (frame.length > max) throw new FuzzInvariantError(`a ${frame.length}-byte frame was delivered, over the ${max}-byte maximum`);
          frame.toString('utf8');
          delivered++;
        });
        // The chunks are copies, so the frames (views into them) must survive later pushes.
        let p = 0;
        while (p < input.length) {
          const n = chance(rng, 0.5) ? input.length - p : rng.int(1, Math.max(1, input.length - p));
          d.push(Buffer.from(input.subarray(p, p + n)));
          p += n;
        }
        d.end();
        if (d.frames !== delivered) throw new FuzzInvariantError(`frames counts ${d.frames}, ${delivered} delivered`);
      },
    };
  },
};
