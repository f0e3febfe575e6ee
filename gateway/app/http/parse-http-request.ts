// HTTP/1.x request head parser (RFC 9112 §2-§5): request line, Host and User-Agent, read from a
// TCP stream as ok / incomplete / error. Scans bytes in place and copies only the fields it returns.

import { ev } from '../../common/events.js';
import type { StreamParse } from '../parse-result.js';
import type { HttpRequest } from './http-request.js';

/** Longest method accepted. Registered methods run up to 17 bytes (UPDATEREDIRECTREF, a WebDAV
 *  extension); everything a device or browser sends is far shorter. */
export const MAX_METHOD_LEN = 16;
/** Longest request-target accepted (RFC 9112 §3 recommends supporting at least 8000 octets). */
export const MAX_URI_LEN = 8192;
/** Longest request head (request line + header fields + blank line) searched for its end; past it
 *  the answer is `decoder.http.incomplete`. */
export const MAX_HEAD_LEN = 32_768;

const SP = 0x20;
const HT = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
/** "HTTP/x.y": the version is always 8 bytes (RFC 9112 §2.3). */
const VERSION_LEN = 8;
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

const incomplete: StreamParse<HttpRequest> = Object.freeze({ status: 'incomplete' });

/** One header field line `buf[nameStart, lineEnd)` whose colon is at `colon` (no line end included). */
export type HeaderFieldVisitor = (buf: Buffer, nameStart: number, colon: number, lineEnd: number) => void;

/** readHeaderFields: the blank line did not come before `limit`. */
export const HEAD_INCOMPLETE = -1;
/** readHeaderFields: a field line without a valid name and colon. */
export const HEAD_MALFORMED = -2;

/**
 * Reads the header fields that start at `buf[p]`, one a line, up to the empty line that ends them
 * (RFC 9112 §5; a lone LF ends a line too, §2.2), telling `onField` of each (`buf[lineStart, colon)`
 * is the name, the value runs to `lineEnd`); obs-fold continuation lines (§5.2) are skipped. Returns
 * the offset after the empty line, HEAD_INCOMPLETE, or HEAD_MALFORMED. Requests and responses share it.
 */
export function readHeaderFields(buf: Buffer, p: number, limit: number, onField: HeaderFieldVisitor): number {
  for (;;) {
    const lineStart = p;
    while (p < limit && buf[p] !== LF) p++;
    if (p === limit) return HEAD_INCOMPLETE;
    const lf = p;
    p++;
    const lineEnd = lf > lineStart && buf[lf - 1] === CR ? lf - 1 : lf;
    if (lineEnd === lineStart) return p;
    const first = buf[lineStart]!;
    if (first === SP || first === HT) continue;
    const colon = headerField(buf, lineStart, lineEnd);
    if (colon < 0) return HEAD_MALFORMED;
    onField(buf, lineStart, colon, lineEnd);
  }
}

/**
 * Parse the request head that starts at `buf[off]` and ends before `end`.
 * - ok: `end` is the offset just after the blank line that ends the head (the body, if any, follows);
 * - incomplete: what has arrived is a valid start of a head but the blank line has not;
 * - error `decoder.http.malformed`: the bytes are not an HTTP/1.x request;
 * - error `decoder.http.incomplete`: no blank line within MAX_HEAD_LEN bytes.
 * A lone LF is accepted as a line end (RFC 9112 §2.2).
 * @param onField told of every header field line (`buf[nameStart, colon)` is the name, the value runs
 *   to `lineEnd`), so a caller can read more fields than Host and User-Agent without a second scan.
 */
export function parseHttpRequest(buf: Buffer, off: number, end: number, onField?: HeaderFieldVisitor): StreamParse<HttpRequest> {
  if (end > buf.length) end = buf.length;
  if (off < 0 || off > end) return malformed();
  const limit = end - off > MAX_HEAD_LEN ? off + MAX_HEAD_LEN : end;
  /** Answer when the scan reaches `limit`: wait for more, or give up past the head cap. */
  const outOfBytes = (): StreamParse<HttpRequest> =>
    limit === end ? incomplete : { status: 'error', event: -ev('decoder.http.incomplete') };

  // request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3)
  let p = off;
  while (p < limit && isTchar(buf[p]!)) {
    if (++p - off > MAX_METHOD_LEN) return malformed();
  }
  if (p === limit) return outOfBytes();
  if (p === off || buf[p] !== SP) return malformed();
  const methodEnd = p;
  const uriStart = ++p;
  // request-target: any visible byte; bytes >= 0x80 are tolerated (raw UTF-8 from sloppy clients).
  while (p < limit && buf[p]! > SP && buf[p] !== 0x7f) {
    if (++p - uriStart > MAX_URI_LEN) return malformed();
  }
  if (p === limit) return outOfBytes();
  if (p === uriStart || buf[p] !== SP) return malformed();
  const uriEnd = p;
  const versionStart = ++p;
  for (let i = 0; i < VERSION_LEN; i++, p++) {
    if (p === limit) return outOfBytes();
    const c = buf[p]!;
    const ok = i < 5 ? c === HTTP_SLASH[i] : i === 6 ? c === 0x2e : isDigit(c);
    if (!ok) return malformed();
  }
  if (p === limit) return outOfBytes();
  if (buf[p] === CR) {
    if (++p === limit) return outOfBytes();
  }
  if (buf[p] !== LF) return malformed();
  p++;

  let host: string | null = null;
  let userAgent: string | null = null;
  const r = readHeaderFields(buf, p, limit, (b, lineStart, colon, lineEnd) => {
    onField?.(b, lineStart, colon, lineEnd);
    if (host === null && headerNameIs(b, lineStart, colon, 'host')) host = fieldValue(b, colon + 1, lineEnd);
    else if (userAgent === null && headerNameIs(b, lineStart, colon, 'user-agent')) userAgent = fieldValue(b, colon + 1, lineEnd);
  });
  if (r === HEAD_INCOMPLETE) return outOfBytes();
  if (r === HEAD_MALFORMED) return malformed();
  p = r;
  return {
    status: 'ok',
    value: {
      method: buf.toString('latin1', off, methodEnd),
      uri: buf.toString('latin1', uriStart, uriEnd),
      version: buf.toString('latin1', versionStart, versionStart + VERSION_LEN),
      host,
      userAgent,
    },
    end: p,
  };
}

/**
 * Offset of the colon of the header line `buf[s, e)` (no line end), or -1 when the line is not
 * `field-name ":" …` with a token name (RFC 9112 §5.1: no whitespace before the colon).
 */
export function headerField(buf: Buffer, s: number, e: number): number {
  let p = s;
  while (p < e && isTchar(buf[p]!)) p++;
  return p > s && p < e && buf[p] === COLON ? p : -1;
}

/** Whether header name `buf[s, e)` equals `lowerName` (lower-case ASCII), ignoring ASCII case. */
export function headerNameIs(buf: Buffer, s: number, e: number, lowerName: string): boolean {
  if (e - s !== lowerName.length) return false;
  for (let i = 0; i < lowerName.length; i++) {
    const c = buf[s + i]!;
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}

/** Latin-1 text of the field value `buf[s, e)` without leading or trailing SP/HT (RFC 9112 §5.1). */
export function fieldValue(buf: Buffer, s: number, e: number): string {
  while (s < e && (buf[s] === SP || buf[s] === HT)) s++;
  while (e > s && (buf[e - 1] === SP || buf[e - 1] === HT)) e--;
  return buf.toString('latin1', s, e);
}

/** RFC 9110 §5.6.2 tchar: "!#$%&'*+-.^_`|~", digits and letters. */
export function isTchar(c: number): boolean {
  return TCHAR[c] === 1;
}

const TCHAR = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function malformed(): StreamParse<HttpRequest> {
  return { status: 'error', event: -ev('decoder.http.malformed') };
}
