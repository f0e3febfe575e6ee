// Packet time (µs since the Unix epoch) as text: the one home of these formats.

/** ISO-8601 with microseconds of a packet time in µs. */
export function iso(tsMicros: number): string {
  const ms = Math.floor(tsMicros / 1000);
  const us = Math.floor(tsMicros % 1000);
  return new Date(ms).toISOString().replace('Z', `${String(us).padStart(3, '0')}Z`);
}

/** ISO-8601 of a packet time in µs. */
export function isoTime(tsMicros: number): string {
  return new Date(Math.floor(tsMicros / 1000)).toISOString();
}

/**
 * The packet time in µs of an ISO-8601 UTC time with up to six fraction digits (the inverse of
 * iso(); Date.parse alone keeps milliseconds); NaN when the text is not a time.
 */
export function isoMicros(text: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return NaN;
  const m = /\.\d{3}(\d{1,3})/.exec(text);
  return ms * 1000 + (m ? Number(m[1]!.padEnd(3, '0')) : 0);
}
