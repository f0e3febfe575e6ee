// Durations on the command line (`--window 15m`): a number with an optional unit, in seconds.

const UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Seconds of a duration text: `90` (seconds), `500ms`, `90s`, `15m`, `2h`, `7d`; decimals allowed
 * (`1.5h`). Null for anything else, zero or negative included.
 */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null) return null;
  const secs = Number(m[1]) * UNITS[m[2] ?? 's']!;
  return secs > 0 && Number.isFinite(secs) ? secs : null;
}
