// Packet times as the incident tables keep them (ISO-8601 text, milliseconds or microseconds) back to
// µs, for comparing them: text of different fraction lengths does not sort as time.

/** µs since the epoch of an ISO-8601 UTC time with up to six fraction digits; NaN when it is not one. */
export function isoMicros(text: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return NaN;
  // Date.parse keeps milliseconds; the 4th to 6th fraction digits are the µs below them.
  const m = /\.\d{3}(\d{1,3})/.exec(text);
  return ms * 1000 + (m ? Number(m[1]!.padEnd(3, '0')) : 0);
}
