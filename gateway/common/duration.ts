// Durations as operators type them on the command line (`--window 10m`, `1h30m`, `90s`, `500ms`)
// and as reports print them: the one home of both.

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Seconds of a duration text: a bare number of seconds (`90`), or numbers with units, one or
 * several (`500ms`, `90s`, `15m`, `1h30m`, `2d`, `1.5h`). Null for anything else, zero and
 * negative durations included.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n > 0 && Number.isFinite(n) ? n : null;
  }
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return total > 0 && Number.isFinite(total) ? total : null;
}

/** Seconds as "45s", "10m", "10m6s", "1h2m", "3d4h" (two most significant units, rounded down). */
export function formatDuration(seconds: number): string {
  let s = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  // Trailing zero units read badly ("10m0s"): drop them.
  return parts.filter((p, i) => i === 0 || !p.startsWith('0')).join('');
}
