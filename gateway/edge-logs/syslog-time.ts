// Timestamps of syslog lines: the RFC 3339 profile of RFC 5424 §6.2.3, and the BSD "Mmm dd hh:mm:ss"
// of RFC 3164 §4.1.2, which has no year and no zone. Pure functions; they return null, never throw.

const DAY_MS = 86_400_000;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Month index 0..11 of a three-letter English abbreviation (any case), else -1. */
export function monthIndex(s: string, at: number): number {
  if (at + 3 > s.length) return -1;
  return MONTHS.indexOf(s.slice(at, at + 3).toLowerCase());
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month0: number): number {
  if (month0 === 1 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return MONTH_DAYS[month0]!;
}

/** Decimal value of s[from, to) if every character is a digit, else -1. */
export function digits(s: string, from: number, to: number): number {
  if (to > s.length || from >= to) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** UTC ms of a calendar time, valid for any year 0..9999 (Date.UTC maps 0..99 to 1900..1999). */
function utcMs(y: number, mo0: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo0, d);
  t.setUTCHours(h, mi, s, ms);
  return t.getTime();
}

/**
 * Parses an RFC 3339 date-time as RFC 5424 §6.2.3 restricts it — `YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|±hh:mm)`,
 * upper-case T and Z, no leap second — filling all of `s`. Returns epoch ms (fractions below a
 * millisecond are dropped), or null.
 */
export function parseRfc3339(s: string, maxFractionDigits = 6): number | null {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 ||
      s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return null;
  const y = digits(s, 0, 4), mo = digits(s, 5, 7), d = digits(s, 8, 10);
  const h = digits(s, 11, 13), mi = digits(s, 14, 16), sec = digits(s, 17, 19);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo - 1)) return null;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return null; // §6.2.3: no leap second
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    const n = i - start;
    if (n < 1 || n > maxFractionDigits) return null;
    ms = Number(s.slice(start, Math.min(i, start + 3)).padEnd(3, '0'));
  }
  let offsetMin: number;
  if (i === s.length - 1 && s.charCodeAt(i) === 90) offsetMin = 0;
  else if (i === s.length - 6 && (s[i] === '+' || s[i] === '-') && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, i + 3), om = digits(s, i + 4, i + 6);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offsetMin = (s[i] === '-' ? -1 : 1) * (oh * 60 + om);
  } else return null;
  return utcMs(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
}

/**
 * Epoch ms of a BSD timestamp. With `year` null (RFC 3164 has none) the year is the one that puts
 * the time nearest to, and not more than a day after, `receivedAt`: a line from Dec 31 received on
 * Jan 1 is last year's, one whose clock runs a little ahead stays this year's. `utc` false reads the
 * fields as the gateway's local time, which is what a LAN device without a zone most likely means.
 * Null when the day does not exist (Feb 30, or Feb 29 with no leap year near).
 */
export function bsdTime(month0: number, day: number, h: number, mi: number, sec: number, ms: number,
  year: number | null, utc: boolean, receivedAt: Date): number | null {
  if (month0 < 0 || month0 > 11 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60) return null;
  const at = (y: number): number | null => {
    if (day > daysInMonth(y, month0)) return null;
    if (utc) return utcMs(y, month0, day, h, mi, Math.min(sec, 59), ms);
    const t = new Date(2000, month0, day, h, mi, Math.min(sec, 59), ms);
    t.setFullYear(y, month0, day);
    return t.getTime();
  };
  if (year !== null) return at(year);
  const limit = receivedAt.getTime() + DAY_MS;
  const now = utc ? receivedAt.getUTCFullYear() : receivedAt.getFullYear();
  // Latest candidate not beyond the limit; eight years back reaches a leap year for Feb 29.
  for (let y = now + 1; y >= now - 8; y--) {
    const t = at(y);
    if (t !== null && t <= limit) return t;
  }
  return null;
}

/** ISO-8601 UTC text of epoch ms, or null when out of Date's range. */
export function isoOrNull(ms: number): string | null {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null;
  return new Date(ms).toISOString();
}
