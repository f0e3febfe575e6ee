// Chooses the parser for one syslog line: RFC 5424 when the line opens with `<PRI>1 ` (§6.2.2
// VERSION 1), RFC 3164 otherwise. Pure; never throws.
import { parseRfc3164 } from './parse-rfc3164.js';
import { parseRfc5424 } from './parse-rfc5424.js';
import { parseFailure, type SyslogParseResult } from './parsed-syslog.js';

const VERSION_1 = /^<\d{1,3}>1 /;

/** `line` without trailing CR, LF and NUL: line terminators senders leave in, not content. */
export function trimLineEnd(line: string): string {
  let end = line.length;
  for (;;) {
    const c = line.charCodeAt(end - 1);
    if (c === 10 || c === 13 || c === 0) end--;
    else return end === line.length ? line : line.slice(0, end);
  }
}

/**
 * Parses one syslog line received at `receivedAt` (which dates lines without a timestamp and picks
 * the year of BSD ones). Trailing CR/LF/NUL are ignored; a line of only spaces and terminators is
 * `syslog.empty`. Callers cap the length first (the receiver cuts at edgeLogs.maxLineBytes).
 */
export function parseSyslog(line: string, receivedAt: Date): SyslogParseResult {
  const text = trimLineEnd(line);
  if (text.trim() === '') return parseFailure('syslog.empty');
  return VERSION_1.test(text) ? parseRfc5424(text, receivedAt) : parseRfc3164(text, receivedAt);
}
