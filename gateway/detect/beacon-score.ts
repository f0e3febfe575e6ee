// The beacon score of one (device, destination) pair, as RITA scores it (activecm/rita v5,
// analysis/beacons.go: getTimestampScore, getDataSizeScore, calculateStatisticalScore), but over
// the span the pair's check-ins cover instead of a fixed 24 h dataset, so a 2 s beacon is judged
// after a minute and a 60 s one after a few minutes. Allocation-free: the caller hands in the
// ring of check-in times and sizes and one scratch buffer, reused for every pair.
//
//   timing score  ((1 − |Bowley skew|) + max(0, (median − MAD) / median)) / 2 of the intervals
//   size score    the same over the sizes (RITA v5 dropped v4's "smallness" term)
//   score         timingWeight × timing + sizeWeight × size, over the weights' sum
//
// Bowley skew is 0 when the quartiles spread less than 10 (s or bytes) or the median equals a
// quartile (RITA): a jittered beacon's quartiles are close, and its skew says nothing.

/** Check-ins closer than this are one (RITA drops zero intervals at its 1 s resolution), µs. */
export const MERGE_US = 1e6;
/** Bowley skew is trusted only when the quartiles spread at least this much (RITA: 10). */
const MIN_SKEW_SPREAD = 10;

/** What the scoring found for one pair. */
export interface BeaconScore {
  /** Weighted score, 0–1. */
  score: number;
  /** Distinct check-ins (events at least 1 s apart) scored. */
  checkins: number;
  /** First to last check-in, seconds. */
  spanSeconds: number;
  /** Median interval between check-ins, seconds. */
  medianSeconds: number;
  /** Median absolute deviation of the intervals about their median, seconds. */
  madSeconds: number;
  /** Bowley skew of the intervals (−1…1). */
  intervalSkew: number;
  timingScore: number;
  /** Median, MAD, Bowley skew and mode of the sizes, bytes. */
  sizeMedian: number;
  sizeMad: number;
  sizeSkew: number;
  sizeMode: number;
  sizeScore: number;
}

/** Weights of the two parts. */
export interface BeaconWeights {
  timingWeight: number;
  sizeWeight: number;
}

/** Median of the first n of a sorted list (RITA's stats.Median: the mean of the middle two). */
function median(s: Float64Array, from: number, n: number): number {
  const h = n >> 1;
  return n % 2 === 1 ? s[from + h]! : (s[from + h - 1]! + s[from + h]!) / 2;
}

/** Quartile by halves (montanaflynn/stats.Quartile, which RITA uses): medians of the lower and upper half. */
function bowley(s: Float64Array, from: number, n: number): number {
  if (n < 3) return 0;
  const h = n >> 1;
  const q1 = median(s, from, h);
  const q2 = median(s, from, n);
  const q3 = median(s, from + (n % 2 === 1 ? h + 1 : h), h);
  const den = q3 - q1;
  if (den < MIN_SKEW_SPREAD || q2 === q1 || q2 === q3) return 0;
  return (q1 + q3 - 2 * q2) / den;
}

/**
 * Median absolute deviation of s[from, from+n) (sorted) about its median; `dev` is scratch of the
 * same length at `devFrom`.
 */
function mad(s: Float64Array, from: number, n: number, dev: Float64Array, devFrom: number): number {
  const m = median(s, from, n);
  for (let i = 0; i < n; i++) dev[devFrom + i] = Math.abs(s[from + i]! - m);
  dev.subarray(devFrom, devFrom + n).sort();
  return median(dev, devFrom, n);
}

/** RITA's statistical score of a sorted list: skew and dispersion; `madDefault` when the median is below 1. */
function statScore(med: number, m: number, skew: number, madDefault: number): number {
  let madScore = med >= 1 ? (med - m) / med : madDefault;
  if (!(madScore > 0)) madScore = 0;
  return ((1 - Math.abs(skew)) + madScore) / 2;
}

/**
 * Scores `n` events: `times` (µs, any order) and `sizes` (bytes, same order), the first n of each.
 * `scratch` must hold at least 3 × n numbers. Null with fewer than four distinct check-ins (three
 * intervals: RITA's minimum).
 */
export function scoreBeacon(times: Float64Array, sizes: Float64Array, n: number, scratch: Float64Array, w: Readonly<BeaconWeights>): BeaconScore | null {
  if (n < 4) return null;
  // Times sorted in [0, n), intervals (s) in [n, n + k), deviations after them.
  const t = scratch.subarray(0, n);
  t.set(times.subarray(0, n));
  t.sort();
  let k = 0;
  let prev = t[0]!;
  for (let i = 1; i < n; i++) {
    const d = t[i]! - prev;
    if (d < MERGE_US) continue;
    scratch[n + k++] = d / 1e6;
    prev = t[i]!;
  }
  if (k < 3) return null;
  const spanSeconds = (prev - t[0]!) / 1e6;
  scratch.subarray(n, n + k).sort();
  const medianSeconds = median(scratch, n, k);
  const intervalSkew = bowley(scratch, n, k);
  const madSeconds = mad(scratch, n, k, scratch, n + k);
  // RITA: a timing median under 1 s scores dispersion 1 (cannot happen here: intervals are ≥ 1 s).
  const timingScore = statScore(medianSeconds, madSeconds, intervalSkew, 1);

  // Sizes sorted in [0, n), deviations in [n, 2n).
  const s = scratch.subarray(0, n);
  s.set(sizes.subarray(0, n));
  s.sort();
  const sizeMedian = median(scratch, 0, n);
  const sizeSkew = bowley(scratch, 0, n);
  let sizeMode = s[0]!, best = 0;
  for (let i = 0, run = 0; i < n; i++) {
    run = i > 0 && s[i] === s[i - 1] ? run + 1 : 1;
    if (run > best) { best = run; sizeMode = s[i]!; }
  }
  const sizeMad = mad(scratch, 0, n, scratch, n);
  const sizeScore = statScore(sizeMedian, sizeMad, sizeSkew, 0);

  const wsum = w.timingWeight + w.sizeWeight;
  const score = wsum > 0 ? (w.timingWeight * timingScore + w.sizeWeight * sizeScore) / wsum : 0;
  return {
    score, checkins: k + 1, spanSeconds, medianSeconds, madSeconds, intervalSkew, timingScore,
    sizeMedian, sizeMad, sizeSkew, sizeMode, sizeScore,
  };
}
