// SSDP datagram parser (UPnP Device Architecture 2.0 §1.2-§1.3): HTTP over UDP on port 1900.
// Reads M-SEARCH, NOTIFY and their 200 OK answers, and the headers that name the device.

import { ev } from '../../common/events.js';
import { fieldValue, headerNameIs } from '../http/parse-http-request.js';
import type { SsdpMessage } from './ssdp-message.js';

const SP = 0x20;
const HT = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

/** Start lines (UDA 2.0 §1.3.2 M-SEARCH, §1.2.2 NOTIFY, §1.3.3 response), as bytes. The trailing
 *  digit of "HTTP/1.x" is checked separately so HTTP/1.0 senders are read too. */
const M_SEARCH = Buffer.from('M-SEARCH * HTTP/1.', 'latin1');
const NOTIFY = Buffer.from('NOTIFY * HTTP/1.', 'latin1');
const RESPONSE = Buffer.from('HTTP/1.', 'latin1');
const STATUS_200 = Buffer.from(' 200', 'latin1');

/**
 * Parse one SSDP datagram in `buf[off, end)`. Header names are matched case-insensitively; the
 * head ends at an empty line or at the end of the datagram; the first instance of a header counts.
 * @returns the message, or `-ev('decoder.ssdp.malformed')` when the start line is not one of
 *   the three SSDP forms or a header line has no "name:".
 */
export function parseSsdp(buf: Buffer, off: number, end: number): SsdpMessage | number {
  if (end > buf.length) end = buf.length;
  const bad = -ev('decoder.ssdp.malformed');
  if (off < 0 || off >= end) return bad;

  let p = lineEndOf(buf, off, end);
  const startEnd = trimCr(buf, off, p);
  let kind: SsdpMessage['kind'];
  if (isVersionLine(buf, off, startEnd, M_SEARCH) && off + M_SEARCH.length + 1 === startEnd) kind = 'M-SEARCH';
  else if (isVersionLine(buf, off, startEnd, NOTIFY) && off + NOTIFY.length + 1 === startEnd) kind = 'NOTIFY';
  else if (isResponse200(buf, off, startEnd)) kind = 'RESPONSE';
  else return bad;

  const msg: SsdpMessage = { kind, target: null, usn: null, server: null, location: null, nts: null };
  // Header lines until an empty line or the end of the datagram. Bounded: each pass consumes a line.
  while (p < end) {
    const lineStart = p + 1; // after the LF
    if (lineStart >= end) break;
    p = lineEndOf(buf, lineStart, end);
    const lineEnd = trimCr(buf, lineStart, p);
    if (lineEnd === lineStart) break;
    const first = buf[lineStart]!;
    if (first === SP || first === HT) continue; // obs-fold (RFC 9112 §5.2): ignored
    let colon = lineStart;
    while (colon < lineEnd && buf[colon] !== COLON) colon++;
    if (colon === lineStart || colon === lineEnd) return bad;
    // Some devices put a space before the colon; tolerate it when matching the name.
    let nameEnd = colon;
    while (nameEnd > lineStart && (buf[nameEnd - 1] === SP || buf[nameEnd - 1] === HT)) nameEnd--;
    const v = colon + 1;
    // UDA 2.0 §1.3.2: ST in M-SEARCH and in the response, NT in NOTIFY.
    if (msg.target === null && headerNameIs(buf, lineStart, nameEnd, kind === 'NOTIFY' ? 'nt' : 'st')) msg.target = fieldValue(buf, v, lineEnd);
    else if (msg.usn === null && headerNameIs(buf, lineStart, nameEnd, 'usn')) msg.usn = fieldValue(buf, v, lineEnd);
    else if (msg.server === null && headerNameIs(buf, lineStart, nameEnd, 'server')) msg.server = fieldValue(buf, v, lineEnd);
    else if (msg.location === null && headerNameIs(buf, lineStart, nameEnd, 'location')) msg.location = fieldValue(buf, v, lineEnd);
    else if (msg.nts === null && headerNameIs(buf, lineStart, nameEnd, 'nts')) msg.nts = fieldValue(buf, v, lineEnd);
  }
  return msg;
}

/** Offset of the LF that ends the line starting at `s`, or `end` when the datagram ends first. */
function lineEndOf(buf: Buffer, s: number, end: number): number {
  let p = s;
  while (p < end && buf[p] !== LF) p++;
  return p;
}

/** End of the line content `buf[s, e)` without a trailing CR. */
function trimCr(buf: Buffer, s: number, e: number): number {
  return e > s && buf[e - 1] === CR ? e - 1 : e;
}

/** Whether `buf[s, e)` starts with `prefix` ("…HTTP/1.") followed by a digit. */
function isVersionLine(buf: Buffer, s: number, e: number, prefix: Buffer): boolean {
  if (e - s < prefix.length + 1) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[s + i] !== prefix[i]) return false;
  const d = buf[s + prefix.length]!;
  return d >= 0x30 && d <= 0x39;
}

/** "HTTP/1.x 200" then the end of the line or SP and any reason phrase (RFC 9112 §4). */
function isResponse200(buf: Buffer, s: number, e: number): boolean {
  if (!isVersionLine(buf, s, e, RESPONSE)) return false;
  const p = s + RESPONSE.length + 1;
  if (e - p < STATUS_200.length) return false;
  for (let i = 0; i < STATUS_200.length; i++) if (buf[p + i] !== STATUS_200[i]) return false;
  const q = p + STATUS_200.length;
  return q === e || buf[q] === SP;
}
