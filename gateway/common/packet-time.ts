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
