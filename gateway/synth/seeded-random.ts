// Deterministic randomness for the demo capture: the same seed gives the same bytes, ports and
// jitter on every machine, so the capture (and the alerts it raises) never changes between runs.

/** xorshift32 (G. Marsaglia, "Xorshift RNGs", 2003) with helpers for what a packet generator draws. */
export class SeededRandom {
  private state: number;

  /** `seed` is any 32-bit integer; 0 is replaced (xorshift never leaves the zero state). */
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** A number in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** A number in [-max, max]: timing jitter. */
  jitter(max: number): number {
    return (this.next() * 2 - 1) * max;
  }

  /** `n` random bytes (stand-ins for ciphertext, nonces, binary bodies). */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.nextU32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
    }
    return out;
  }

  /** An IANA dynamic port (RFC 6335 §6: 49152–65535), as client stacks pick. */
  ephemeralPort(): number {
    return this.int(49152, 65535);
  }
}
