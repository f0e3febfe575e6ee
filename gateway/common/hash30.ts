// A 30-bit hash of two int32 words, for tables keyed by a pair of numbers (an IPv4 source and
// destination, a source and a protocol/port): 30 bits stay a small integer, so a Map keyed by it
// holds no boxed numbers, and the detectors' fixed slot tables index by its low bits.

/** Mixes `a` and `b` (int32 or uint32) into 0 … 2^30 − 1 (the first rounds of the Murmur3 finalizer). */
export function hash30(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & 0x3fffffff;
}
