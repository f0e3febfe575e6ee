// The overlap window: a ring of the last bytes delivered in one direction, so that a retransmitted or
// overlapping segment can be compared with what the app modules were given (first copy wins).

/** Result of a comparison, ordered so that the worse of two is their maximum. */
export type Cmp = 0 | 1 | 2;
/** No byte could be compared. */
export const CMP_NONE = 0;
/** Every compared byte was equal. */
export const CMP_SAME = 1;
/** Some compared byte differed. */
export const CMP_DIFFERENT = 2;

/**
 * Copies the delivered bytes `src[p, p+n)`, which sit at stream offsets `[at, at+n)`, into the ring
 * `win` (stream offset o lives at `win[o % win.length]`). Only the last `win.length` bytes matter,
 * so at most `win.length` bytes are copied, whatever `n`.
 */
export function windowRecord(win: Buffer, at: number, src: Buffer, p: number, n: number): void {
  const w = win.length;
  if (n > w) {
    p += n - w;
    at += n - w;
    n = w;
  }
  const pos = at % w;
  const first = Math.min(n, w - pos);
  src.copy(win, pos, p, p + first);
  if (n > first) src.copy(win, 0, p + first, p + n);
}

/**
 * Compares the bytes of `src` at stream offsets `[a, z)` (`src[p]` is at offset `so`) with the
 * ring, which holds the delivered offsets `[max(from, next - win.length), next)`.
 */
export function windowCompare(win: Buffer, from: number, next: number, src: Buffer, p: number, so: number, a: number, z: number): Cmp {
  const w = win.length;
  const lo = Math.max(a, from, next - w);
  const hi = Math.min(z, next);
  if (lo >= hi) return CMP_NONE;
  const pos = lo % w;
  const n = hi - lo;
  const first = Math.min(n, w - pos);
  const s = p + (lo - so);
  if (src.compare(win, pos, pos + first, s, s + first) !== 0) return CMP_DIFFERENT;
  if (n > first && src.compare(win, 0, n - first, s + first, s + n) !== 0) return CMP_DIFFERENT;
  return CMP_SAME;
}
