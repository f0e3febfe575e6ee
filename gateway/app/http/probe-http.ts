// The HTTP probe: does a direction start like HTTP/1.x? A request line on the client side
// (RFC 9112 §3), a status line on the server side (§4). Cheap, and strict enough for port 23 or 22.
import { Probe } from '../app-module.js';
import { isTchar } from './parse-http-request.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

/**
 * Methods that make a request at once (RFC 9110 §9, WebDAV RFC 4918 §9, UPnP GENA and SSDP). Another
 * token followed by a space counts only when " HTTP/1." ends its line: "USER anonymous" (FTP) is no request.
 */
const KNOWN_METHODS: readonly Buffer[] = [
  'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY',
  'MOVE', 'LOCK', 'UNLOCK', 'SUBSCRIBE', 'UNSUBSCRIBE', 'NOTIFY', 'M-SEARCH', 'SEARCH', 'REPORT',
].map((m) => Buffer.from(m + ' ', 'latin1'));
const HTTP_1_DOT = Buffer.from('HTTP/1.', 'latin1');
const SP_HTTP_1_DOT = Buffer.from(' HTTP/1.', 'latin1');
/** Longest method token the probe waits through. */
const MAX_PROBE_METHOD = 16;

/** Client side: a method token and a space; server side: "HTTP/1.". */
export function probeHttp(b: Buffer, off: number, end: number, dir: number): Probe {
  if (end > b.length) end = b.length;
  if (dir === 1) return prefixProbe(b, off, end, HTTP_1_DOT);
  let p = off;
  while (p < end && isTchar(b[p]!)) if (++p - off > MAX_PROBE_METHOD) return Probe.No;
  if (p === end) return Probe.NeedMore;
  if (p === off || b[p] !== SP) return Probe.No;
  const tokenEnd = p + 1;
  for (const m of KNOWN_METHODS) {
    if (m.length === tokenEnd - off && b.compare(m, 0, m.length, off, tokenEnd) === 0) return Probe.Yes;
  }
  // An unknown token: the request line must end in " HTTP/1.x" (RFC 9112 §3).
  let lf = tokenEnd;
  while (lf < end && b[lf] !== LF) lf++;
  if (lf === end) return Probe.NeedMore;
  const e = lf > tokenEnd && b[lf - 1] === CR ? lf - 1 : lf;
  const s = e - 1 - SP_HTTP_1_DOT.length;
  if (s < tokenEnd || !isDigit(b[e - 1]!)) return Probe.No;
  return b.compare(SP_HTTP_1_DOT, 0, SP_HTTP_1_DOT.length, s, e - 1) === 0 ? Probe.Yes : Probe.No;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Yes when `b[off, end)` starts with `prefix`, NeedMore while it is a proper prefix of it. */
function prefixProbe(b: Buffer, off: number, end: number, prefix: Buffer): Probe {
  const n = Math.min(end - off, prefix.length);
  for (let i = 0; i < n; i++) if (b[off + i] !== prefix[i]) return Probe.No;
  return n === prefix.length ? Probe.Yes : Probe.NeedMore;
}
