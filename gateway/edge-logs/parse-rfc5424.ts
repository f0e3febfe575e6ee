// RFC 5424 syslog lines: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]` (§6), with
// structured data and its escapes. A pure function over one line; it never throws.
import type { SyslogParseFailure } from './edge-log-events.js';
import type { StructuredData } from './log-record.js';
import { parseFailure, parsePri, type SyslogParseResult } from './parsed-syslog.js';
import { isoOrNull, parseRfc3339 } from './syslog-time.js';

const SP = 32, LBRACKET = 91, RBRACKET = 93, QUOTE = 34, BACKSLASH = 92, EQUALS = 61, HYPHEN = 45;
const BOM = 0xfeff;

/** PRINTUSASCII = %d33-126 (§6). */
function printable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/** Reads the next header field (up to a space); null when no space follows. */
function field(line: string, at: number): { text: string; end: number } | null {
  const sp = line.indexOf(' ', at);
  return sp < 0 ? null : { text: line.slice(at, sp), end: sp + 1 };
}

/** A header field of at most `max` PRINTUSASCII characters, '-' meaning null (NILVALUE). */
function nilOr(text: string, max: number): string | null | undefined {
  if (text === '-') return null;
  return text.length >= 1 && text.length <= max && printable(text) ? text : undefined;
}

/** SD-NAME (§6.3.2, §6.3.3): 1..32 PRINTUSASCII except '=', SP, ']', '"'. Returns its end, or -1. */
function sdName(line: string, at: number): number {
  let i = at;
  while (i < line.length && i - at <= 32) {
    const c = line.charCodeAt(i);
    if (c < 33 || c > 126 || c === EQUALS || c === RBRACKET || c === QUOTE) break;
    i++;
  }
  return i === at || i - at > 32 ? -1 : i;
}

/**
 * STRUCTURED-DATA from `at` (§6.3): one or more `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]`. In a
 * value, `\"`, `\\` and `\]` stand for the character; a backslash before anything else is itself
 * (§6.3.3). A repeated SD-ID merges into the first (the RFC forbids it, senders do it); a repeated
 * PARAM-NAME (allowed, e.g. several `origin ip`) keeps every value, joined by a newline.
 */
function structuredData(line: string, at: number): { sd: StructuredData; end: number } | null {
  const sd: StructuredData = Object.create(null) as StructuredData;
  let i = at;
  while (line.charCodeAt(i) === LBRACKET) {
    const idEnd = sdName(line, i + 1);
    if (idEnd < 0) return null;
    const id = line.slice(i + 1, idEnd);
    // Null-prototype maps: names come from the network, and "__proto__" is a valid SD-NAME.
    const params = sd[id] ?? (sd[id] = Object.create(null) as Record<string, string>);
    i = idEnd;
    for (;;) {
      const c = line.charCodeAt(i);
      if (c === RBRACKET) { i++; break; }
      if (c !== SP) return null;
      const nameEnd = sdName(line, i + 1);
      if (nameEnd < 0 || line.charCodeAt(nameEnd) !== EQUALS || line.charCodeAt(nameEnd + 1) !== QUOTE) return null;
      const name = line.slice(i + 1, nameEnd);
      let j = nameEnd + 2;
      let value = '';
      let from = j;
      for (;;) {
        if (j >= line.length) return null;
        const v = line.charCodeAt(j);
        if (v === QUOTE) break;
        if (v === BACKSLASH) {
          const next = line.charCodeAt(j + 1);
          if (next === QUOTE || next === BACKSLASH || next === RBRACKET) {
            value += line.slice(from, j);
            from = j + 1; // keep the escaped character, drop the backslash
            j += 2;
            continue;
          }
        }
        j++;
      }
      value += line.slice(from, j);
      const prev = params[name];
      params[name] = prev === undefined ? value : prev + '\n' + value;
      i = j + 1;
    }
  }
  return i === at ? null : { sd, end: i };
}

/**
 * Parses an RFC 5424 line (trailing line terminators already removed). `receivedAt` stands in for
 * a NILVALUE timestamp. A leading BOM of MSG is dropped (§6.4). Returns the fields or a failure.
 */
export function parseRfc5424(line: string, receivedAt: Date): SyslogParseResult {
  const pri = parsePri(line);
  if (pri === null || pri.leadingZero) return parseFailure('syslog.bad_pri');
  let i = pri.end;
  // VERSION: this parser knows version 1 only (§6.2.2).
  if (line.charCodeAt(i) !== 49 || line.charCodeAt(i + 1) !== SP) return parseFailure('rfc5424.bad_version');
  i += 2;
  const out: (string | null)[] = [];
  const reasons: SyslogParseFailure[] = ['rfc5424.bad_hostname', 'rfc5424.bad_app_name', 'rfc5424.bad_procid', 'rfc5424.bad_msgid'];
  const maxLen = [255, 48, 128, 32];
  const tsField = field(line, i);
  if (tsField === null) return parseFailure('rfc5424.header_truncated');
  let tsMs: number | null = receivedAt.getTime();
  if (tsField.text !== '-') tsMs = parseRfc3339(tsField.text);
  const ts = tsMs === null ? null : isoOrNull(tsMs);
  if (ts === null) return parseFailure('rfc5424.bad_timestamp');
  i = tsField.end;
  for (let k = 0; k < 4; k++) {
    const f = field(line, i);
    if (f === null) return parseFailure('rfc5424.header_truncated');
    const v = nilOr(f.text, maxLen[k]!);
    if (v === undefined) return parseFailure(reasons[k]!);
    out.push(v);
    i = f.end;
  }
  if (i >= line.length) return parseFailure('rfc5424.header_truncated');
  let sd: StructuredData | null = null;
  if (line.charCodeAt(i) === HYPHEN) i++;
  else {
    const parsed = structuredData(line, i);
    if (parsed === null) return parseFailure('rfc5424.bad_structured_data');
    sd = parsed.sd;
    i = parsed.end;
  }
  let message = '';
  if (i < line.length) {
    if (line.charCodeAt(i) !== SP) return parseFailure('rfc5424.no_space_before_msg');
    message = line.charCodeAt(i + 1) === BOM ? line.slice(i + 2) : line.slice(i + 1);
  }
  return {
    ok: true,
    record: {
      ts, deviceTs: tsField.text !== '-' ? ts : null, host: out[0] ?? null, app: out[1] ?? null, procId: out[2] ?? null, msgId: out[3] ?? null,
      facility: pri.value >> 3, severityCode: pri.value & 7, message, structuredData: sd, format: 'rfc5424',
    },
  };
}
