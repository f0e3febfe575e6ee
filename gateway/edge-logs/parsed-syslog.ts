// What the syslog parsers return — the fields a line itself carries, or a named failure — and the
// PRI part both RFC 5424 and RFC 3164 open with.
import type { SyslogParseFailure } from './edge-log-events.js';
import type { StructuredData } from './log-record.js';

/** The fields of one syslog line; the receiver adds source, device and transport. */
export interface ParsedSyslog {
  /** ISO-8601 UTC (ms): the line's own time, else the receive time. */
  ts: string;
  /** The line's own time, ISO-8601 UTC (ms), or null when it has none (RFC 5424 NILVALUE, an RFC 3164 line without one). */
  deviceTs: string | null;
  host: string | null;
  app: string | null;
  procId: string | null;
  msgId: string | null;
  /** Facility 0..23. */
  facility: number;
  /** Severity 0..7. */
  severityCode: number;
  message: string;
  structuredData: StructuredData | null;
  format: 'rfc5424' | 'rfc3164';
}

/** A parse outcome: the fields, or why the line must be kept raw. */
export type SyslogParseResult = { ok: true; record: ParsedSyslog } | { ok: false; reason: SyslogParseFailure };

/** The failure outcome for `reason`. */
export function parseFailure(reason: SyslogParseFailure): SyslogParseResult {
  return { ok: false, reason };
}

/** A PRI part: its value 0..191, where the header starts, and whether it had a leading zero. */
export interface Pri {
  value: number;
  end: number;
  leadingZero: boolean;
}

/** Largest PRI: facility 23 (local7) × 8 + severity 7 (RFC 5424 §6.2.1). */
const MAX_PRI = 191;

/**
 * Reads `<PRIVAL>` at the start of `line` (RFC 5424 §6.2.1, RFC 3164 §4.1.1): 1 to 3 digits,
 * 0..191. Null when the line does not start with a valid one.
 */
export function parsePri(line: string): Pri | null {
  if (line.charCodeAt(0) !== 60) return null; // '<'
  let v = 0;
  let i = 1;
  for (; i < line.length && i <= 4; i++) {
    const c = line.charCodeAt(i);
    if (c === 62) break; // '>'
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  const n = i - 1;
  if (n < 1 || n > 3 || line.charCodeAt(i) !== 62 || v > MAX_PRI) return null;
  return { value: v, end: i + 1, leadingZero: n > 1 && line.charCodeAt(1) === 48 };
}
