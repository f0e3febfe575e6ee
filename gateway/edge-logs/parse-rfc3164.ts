// BSD syslog lines (RFC 3164) and what devices really send: no PRI, timestamp or hostname (BusyBox),
// ISO timestamps (rsyslog), Cisco IOS sequence numbers and clocks. Pure over one line; never throws.
import type { StructuredData } from './log-record.js';
import { parseFailure, parsePri, type SyslogParseResult } from './parsed-syslog.js';
import { bsdTime, isoOrNull, monthIndex, parseRfc3339 } from './syslog-time.js';

const SP = 32;

/** RFC 3164 §4.3.3: a line without PRI is given PRI 13 (facility user, severity notice). */
const DEFAULT_PRI = 13;

/**
 * BSD timestamp, with what devices add: a `*` or `.` before it (Cisco: clock not synchronized), a
 * year after the day (Cisco `service timestamps ... year`), milliseconds, and a `ZONE:` or `:`
 * after it (Cisco). A zone is taken only when a colon closes it: in RFC 3164 §5.4 example 3
 * ("05:34:00 CST 1987 mymachine") the word after the time is the HOSTNAME.
 */
const BSD_TIMESTAMP = /[*.]?([A-Za-z]{3}) +(\d{1,2}) (?:(\d{4}) )?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: ([A-Za-z]{1,5}):|(:))?(?= |$)/y;

/** An RFC 3339 timestamp where the BSD one belongs (rsyslog's forwarding formats). */
const ISO_TIMESTAMP = /(\d{4}-\d{2}-\d{2}T[^ ]+)(?= |$)/y;

/** Cisco IOS `service sequence-numbers`: `NNN: ` right after PRI. */
const SEQUENCE = /(\d{1,10}): +/y;

/** Cisco `logging origin-id`: `name: ` between the sequence number and the timestamp. */
const ORIGIN = /([^\s:]{1,255}): +/y;

/** TAG (RFC 3164 §4.1.3), as devices write it: `name:`, `name[pid]:` or `name[pid]`. */
const TAG = /^([^\s[\]:]{1,64})(?:\[([^\]\s]{0,32})\]:?|:)$/;

/** What a HOSTNAME looks like when nothing else says the word is one. */
const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

function readTimestamp(line: string, at: number, receivedAt: Date): { ms: number; end: number } | null {
  const c = line.charCodeAt(at);
  if (c >= 48 && c <= 57) {
    ISO_TIMESTAMP.lastIndex = at;
    const m = ISO_TIMESTAMP.exec(line);
    const ms = m ? parseRfc3339(m[1]!, 9) : null;
    return ms === null ? null : { ms, end: ISO_TIMESTAMP.lastIndex };
  }
  BSD_TIMESTAMP.lastIndex = at;
  const m = BSD_TIMESTAMP.exec(line);
  if (m === null) return null;
  const month = monthIndex(m[1]!, 0);
  if (month < 0) return null;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const zone = m[8]?.toUpperCase();
  const utc = zone === 'UTC' || zone === 'GMT' || zone === 'Z';
  const t = bsdTime(month, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]), ms,
    m[3] === undefined ? null : Number(m[3]), utc, receivedAt);
  return t === null ? null : { ms: t, end: BSD_TIMESTAMP.lastIndex };
}

/** The word at `at` (up to a space or the end) and where it ends; null at the end of the line. */
function word(line: string, at: number): { text: string; end: number } | null {
  if (at >= line.length) return null;
  const sp = line.indexOf(' ', at);
  const end = sp < 0 ? line.length : sp;
  return { text: line.slice(at, end), end };
}

function skipSpaces(line: string, at: number): number {
  while (line.charCodeAt(at) === SP) at++;
  return at;
}

/**
 * Parses a BSD syslog line (trailing line terminators already removed). Only a malformed PRI
 * fails: anything else is a valid RFC 3164 message, whose missing parts take RFC 3164 §4.3.3
 * defaults (PRI 13, the receive time). HOSTNAME and TAG are told apart by shape: a word ending in
 * ':' or `[pid]` is the TAG; after a timestamp, a word before it is the HOSTNAME; without a
 * timestamp, a word is taken as HOSTNAME only when a `tag[pid]:` follows it.
 */
export function parseRfc3164(line: string, receivedAt: Date): SyslogParseResult {
  let i = 0;
  let pri = DEFAULT_PRI;
  if (line.charCodeAt(0) === 60) {
    const p = parsePri(line);
    if (p === null) return parseFailure('syslog.bad_pri');
    pri = p.value;
    i = p.end;
  }
  i = skipSpaces(line, i);
  let sequenceId: string | null = null;
  SEQUENCE.lastIndex = i;
  const seq = SEQUENCE.exec(line);
  if (seq !== null) { sequenceId = seq[1]!; i = SEQUENCE.lastIndex; }

  let host: string | null = null;
  let time = readTimestamp(line, i, receivedAt);
  if (time === null && sequenceId !== null) {
    ORIGIN.lastIndex = i;
    const o = ORIGIN.exec(line);
    const t = o === null ? null : readTimestamp(line, ORIGIN.lastIndex, receivedAt);
    if (t !== null) { host = o![1]!; time = t; }
  }
  if (time !== null) i = skipSpaces(line, time.end);

  let app: string | null = null;
  let procId: string | null = null;
  const takeTag = (m: RegExpExecArray, end: number): void => {
    app = m[1]!.charCodeAt(0) === 37 && m[1]!.length > 1 ? m[1]!.slice(1) : m[1]!; // Cisco '%FAC-SEV-MNEMONIC'
    procId = m[2] === undefined || m[2] === '' ? null : m[2];
    i = line.charCodeAt(end) === SP ? end + 1 : end;
  };
  const w1 = word(line, i);
  const tag1 = w1 === null ? null : TAG.exec(w1.text);
  if (w1 !== null && tag1 !== null) takeTag(tag1, w1.end);
  else if (w1 !== null && host === null) {
    const next = skipSpaces(line, w1.end);
    const w2 = word(line, next);
    const tag2 = w2 === null ? null : TAG.exec(w2.text);
    if (time !== null) {
      host = w1.text;
      i = next;
      if (tag2 !== null) takeTag(tag2, w2!.end);
    } else if (tag2 !== null && tag2[2] !== undefined && HOSTNAME.test(w1.text)) {
      host = w1.text;
      takeTag(tag2, w2!.end);
    }
  }

  const ts = isoOrNull(time === null ? receivedAt.getTime() : time.ms) ?? new Date(0).toISOString();
  let sd: StructuredData | null = null;
  if (sequenceId !== null) {
    // RFC 5424 §7.3.1: the `meta` SD-ID's sequenceId is what this number is.
    sd = Object.create(null) as StructuredData;
    sd['meta'] = Object.assign(Object.create(null) as Record<string, string>, { sequenceId });
  }
  return {
    ok: true,
    record: {
      ts, deviceTs: time === null ? null : ts, host, app, procId, msgId: null,
      facility: pri >> 3, severityCode: pri & 7, message: line.slice(i), structuredData: sd, format: 'rfc3164',
    },
  };
}
