// Havoc-style byte mutations (after AFL's): bit flips, interesting values, length-field smashing,
// truncation, insertion, deletion, duplication, splicing with another seed, dictionary tokens.
// Several are stacked per input; every choice comes from the input's own random stream.
import type { SeededRandom } from '../synth/seeded-random.js';
import { chance, pick } from './iteration-random.js';

/** Options of {@link mutateBytes}. */
export interface ByteMutateOptions {
  /** Tokens inserted or written over the input whole (keywords, magic numbers, separators). */
  dict?: readonly Buffer[];
  /** Longest output, bytes. Default 65,536. */
  maxLen?: number;
  /** Leading bytes left alone: the target's own header (a frame input's link type). Default 0. */
  keep?: number;
}

/** Byte values at the edges of signed and unsigned ranges, and the usual separators. */
const INTERESTING_8 = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x10, 0x20, 0x40, 0x0a, 0x0d, 0x3a, 0x2e];
const INTERESTING_16 = [0x0000, 0x0001, 0x00ff, 0x0100, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff, 0x0400, 0x1000, 0x05dc, 0x05dd];
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x00010000, 0x0000ffff, 0x01000000];

const DEFAULT_MAX_LEN = 65_536;

/** A random offset in [lo, len) (lo when the range is empty). */
function at(rng: SeededRandom, lo: number, len: number): number {
  return len > lo ? rng.int(lo, len - 1) : lo;
}

/** Writes `v` as a `width`-byte integer at `o` in either byte order, clipped to the buffer. */
function writeWidth(b: Buffer, o: number, v: number, width: number, le: boolean): void {
  for (let k = 0; k < width && o + k < b.length; k++) {
    const shift = 8 * (le ? k : width - 1 - k);
    b[o + k] = Math.floor(v / 2 ** shift) & 0xff;
  }
}

/** Applies one mutation; returns the (possibly new) buffer. */
function mutateOnce(b: Buffer, rng: SeededRandom, others: readonly Buffer[], o: Required<ByteMutateOptions>): Buffer {
  const keep = Math.min(o.keep, b.length);
  const len = b.length;
  switch (rng.int(0, 15)) {
    case 0: { // flip one to four bits
      if (len <= keep) return b;
      const n = rng.int(1, 4);
      for (let i = 0; i < n; i++) { const p = at(rng, keep, len); b[p] = b[p]! ^ (1 << rng.int(0, 7)); }
      return b;
    }
    case 1: // an interesting byte
      if (len > keep) b[at(rng, keep, len)] = pick(rng, INTERESTING_8);
      return b;
    case 2: // a random byte
      if (len > keep) b[at(rng, keep, len)] = rng.int(0, 255);
      return b;
    case 3: { // small arithmetic on a byte
      if (len <= keep) return b;
      const p = at(rng, keep, len);
      b[p] = (b[p]! + rng.int(-35, 35)) & 0xff;
      return b;
    }
    case 4: // an interesting 16-bit value
      if (len > keep) writeWidth(b, at(rng, keep, len), pick(rng, INTERESTING_16), 2, chance(rng, 0.3));
      return b;
    case 5: // an interesting 32-bit value
      if (len > keep) writeWidth(b, at(rng, keep, len), pick(rng, INTERESTING_32), 4, chance(rng, 0.3));
      return b;
    case 6: { // smash a length field: a value related to the bytes around it
      if (len <= keep) return b;
      const p = at(rng, keep, len);
      const rest = len - p;
      const v = pick(rng, [0, 1, rest, rest - 1, rest + 1, rest - 2, rest + 2, rest >> 1, rest * 2, len, len + 1, 0xff, 0xffff, 0x7fff, 0xffffffff, rng.nextU32()]);
      writeWidth(b, p, Math.max(0, v), pick(rng, [1, 2, 2, 4]), chance(rng, 0.25));
      return b;
    }
    case 7: // truncate
      return len > keep ? b.subarray(0, at(rng, keep, len)) : b;
    case 8: { // delete a range
      if (len <= keep + 1) return b;
      const s = at(rng, keep, len);
      const e = Math.min(len, s + rng.int(1, Math.max(1, Math.min(64, len - s))));
      return Buffer.concat([b.subarray(0, s), b.subarray(e)]);
    }
    case 9: { // insert random bytes
      const s = at(rng, keep, len + 1);
      return Buffer.concat([b.subarray(0, s), rng.bytes(rng.int(1, chance(rng, 0.1) ? 1024 : 32)), b.subarray(s)]);
    }
    case 10: { // duplicate a range (repeated options, records, headers)
      if (len <= keep) return b;
      const s = at(rng, keep, len);
      const e = Math.min(len, s + rng.int(1, 128));
      const times = chance(rng, 0.1) ? rng.int(2, 64) : 1;
      const chunk = b.subarray(s, e);
      return Buffer.concat([b.subarray(0, e), ...Array<Buffer>(times).fill(chunk), b.subarray(e)]);
    }
    case 11: { // copy a range over another place
      if (len <= keep + 1) return b;
      const s = at(rng, keep, len);
      const n = rng.int(1, Math.min(64, len - s));
      b.copy(b, at(rng, keep, len), s, s + n);
      return b;
    }
    case 12: { // splice: our head, another seed's tail
      if (others.length === 0) return b;
      const other = pick(rng, others);
      const cut = at(rng, keep, len + 1);
      return Buffer.concat([b.subarray(0, cut), other.subarray(Math.min(other.length, rng.int(0, other.length)))]);
    }
    case 13: { // insert a dictionary token
      if (o.dict.length === 0) return b;
      const s = at(rng, keep, len + 1);
      return Buffer.concat([b.subarray(0, s), pick(rng, o.dict), b.subarray(s)]);
    }
    case 14: { // write a dictionary token over the input
      if (o.dict.length === 0 || len <= keep) return b;
      const t = pick(rng, o.dict);
      t.copy(b, at(rng, keep, len));
      return b;
    }
    default: { // fill a range with one byte
      if (len <= keep) return b;
      const s = at(rng, keep, len);
      b.fill(pick(rng, INTERESTING_8), s, Math.min(len, s + rng.int(1, 32)));
      return b;
    }
  }
}

/**
 * A mutated copy of `seed` (the seed itself is never changed). `others` are splice partners.
 * One to four mutations are stacked, sometimes up to sixteen.
 */
export function mutateBytes(seed: Buffer, rng: SeededRandom, others: readonly Buffer[] = [], opts: ByteMutateOptions = {}): Buffer {
  const o: Required<ByteMutateOptions> = { dict: opts.dict ?? [], maxLen: opts.maxLen ?? DEFAULT_MAX_LEN, keep: opts.keep ?? 0 };
  let b: Buffer = Buffer.from(seed);
  const n = chance(rng, 0.1) ? rng.int(5, 16) : rng.int(1, 4);
  for (let i = 0; i < n; i++) {
    b = mutateOnce(b, rng, others, o);
    if (b.length > o.maxLen) b = b.subarray(0, o.maxLen);
  }
  return b;
}

/** Random bytes, as a wholly unstructured input (a small share of every target's inputs). */
export function randomBytes(rng: SeededRandom, maxLen: number): Buffer {
  return rng.bytes(rng.int(0, chance(rng, 0.8) ? Math.min(maxLen, 128) : maxLen));
}
