// HTTP/1.x response head parser (RFC 9112 §4, §5): the status line and, through a visitor, every
// header field. Scans in place and copies only the version text; ok / incomplete / error.
import { ev } from '../../common/events.js';
import type { StreamParse } from '../parse-result.js';
import { HEAD_INCOMPLETE, HEAD_MALFORMED, readHeaderFields, type HeaderFieldVisitor } from './parse-http-request.js';

/** A response's status line. */
export interface HttpResponseHead {
  /** "HTTP/1.1" etc. */
  version: string;
  /** Three-digit status code (RFC 9110 §15). */
  status: number;
}

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
/** "HTTP/1." then one digit: the status line of an HTTP/1.x response (RFC 9112 §2.3). */
const HTTP_1 = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e];
const VERSION_LEN = 8;

const incomplete: StreamParse<HttpResponseHead> = Object.freeze({ status: 'incomplete' });

/**
 * Parse the response head that starts at `buf[off]` and ends before `end`.
 * - ok: `end` is the offset just after the blank line that ends the head;
 * - incomplete: a valid start, but the blank line has not arrived;
 * - error `decoder.http.response_malformed`: not "HTTP/1.x SP 3DIGIT", or a field line with no name.
 * The reason phrase is skipped whatever it holds; a lone LF ends a line (RFC 9112 §2.2); obs-fold
 * continuation lines are skipped (§5.2). The caller bounds `end` (the module caps heads at 8 KiB).
 */
export function parseHttpResponse(buf: Buffer, off: number, end: number, onField?: HeaderFieldVisitor): StreamParse<HttpResponseHead> {
  if (end > buf.length) end = buf.length;
  if (off < 0 || off > end) return malformed();
  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4)
  let p = off;
  for (let i = 0; i < HTTP_1.length; i++, p++) {
    if (p === end) return incomplete;
    if (buf[p] !== HTTP_1[i]) return malformed();
  }
  if (p === end) return incomplete;
  if (!isDigit(buf[p]!)) return malformed();
  p++;
  if (p === end) return incomplete;
  if (buf[p] !== SP) return malformed();
  p++;
  let status = 0;
  for (let i = 0; i < 3; i++, p++) {
    if (p === end) return incomplete;
    const c = buf[p]!;
    if (!isDigit(c)) return malformed();
    status = status * 10 + (c - 0x30);
  }
  if (p === end) return incomplete;
  // Servers that omit the reason phrase sometimes omit its space too: accept SP, CR or LF here.
  const after = buf[p]!;
  if (after !== SP && after !== CR && after !== LF) return malformed();
  while (p < end && buf[p] !== LF) p++;
  if (p === end) return incomplete;
  p++;

  const r = readHeaderFields(buf, p, end, onField ?? noField);
  if (r === HEAD_INCOMPLETE) return incomplete;
  if (r === HEAD_MALFORMED) return malformed();
  p = r;
  return { status: 'ok', value: { version: buf.toString('latin1', off, off + VERSION_LEN), status }, end: p };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function malformed(): StreamParse<HttpResponseHead> {
  return { status: 'error', event: -ev('decoder.http.response_malformed') };
}

function noField(): void {}
