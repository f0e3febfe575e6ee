// TLS ClientHello parser (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) for the first bytes a client sends:
// which server name (SNI), ALPN protocols and versions it asks for. Reads a stream: ok / incomplete / error.

import { ev } from '../../common/events.js';
import type { StreamParse } from '../parse-result.js';
import type { TlsClientHello } from './client-hello.js';

/** content type, legacy_record_version, length (RFC 8446 §5.1). */
const RECORD_HEADER_LEN = 5;
/** msg_type and 3-byte length (RFC 8446 §4). */
const HANDSHAKE_HEADER_LEN = 4;
const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
/** RFC 8446 §5.1: a plaintext record carries at most 2^14 bytes. */
const MAX_RECORD_LEN = 16_384;
/** Largest ClientHello accepted (bytes after the handshake header). Real ones are under 2 KiB,
 *  post-quantum key shares included; anything past 64 KiB is not a client we need to name. */
export const MAX_CLIENT_HELLO_LEN = 65_536;
/** Records one ClientHello may be split over (64 KiB of full records needs 5). */
const MAX_HELLO_RECORDS = 8;
/** legacy_version + random + session id length byte. */
const HELLO_FIXED_LEN = 2 + 32 + 1;
/** RFC 8446 §4.1.2: legacy_session_id is at most 32 bytes. */
const MAX_SESSION_ID_LEN = 32;

/** Extension types read (IANA TLS ExtensionType registry). */
const Ext = {
  SERVER_NAME: 0, // RFC 6066 §3
  ALPN: 16, // RFC 7301 §3.1
  SUPPORTED_VERSIONS: 43, // RFC 8446 §4.2.1
} as const;
/** RFC 6066 §3: NameType host_name. */
const NAME_TYPE_HOST_NAME = 0;

const incomplete: StreamParse<TlsClientHello> = Object.freeze({ status: 'incomplete' });
/** recordHeader's answer for a complete, valid record header. */
const OK = null;

/**
 * Parse the ClientHello that opens a TLS stream in `buf[off, end)`.
 *
 * - incomplete: the bytes end before the ClientHello does;
 * - error `decoder.tls.malformed`: not a handshake record, or lengths that do not add up;
 * - ok: `end` is the offset just after the last record the ClientHello used.
 *
 * A ClientHello that fits its first record (nearly all) is read in place. One split over several
 * records (RFC 8446 §5.1 allows it) is gathered, copying, from up to 8 consecutive handshake
 * records. Simplification: the 4-byte handshake header itself must sit in the first record.
 */
export function parseClientHello(buf: Buffer, off: number, end: number): StreamParse<TlsClientHello> {
  if (end > buf.length) end = buf.length;
  if (off < 0 || off > end) return malformed();

  const first = recordHeader(buf, off, end);
  if (first !== OK) return first;
  // Fail early on non-TLS bytes: the handshake type is known before the record is complete.
  if (end - off > RECORD_HEADER_LEN && buf[off + RECORD_HEADER_LEN] !== HANDSHAKE_CLIENT_HELLO) return malformed();
  const recordVersion = u16(buf, off + 1);
  const recLen = u16(buf, off + 3);
  if (recLen < HANDSHAKE_HEADER_LEN) return malformed();
  const h = off + RECORD_HEADER_LEN;
  if (end - h < HANDSHAKE_HEADER_LEN) return incomplete;
  const helloLen = (buf[h + 1]! << 16) | (buf[h + 2]! << 8) | buf[h + 3]!;
  if (helloLen > MAX_CLIENT_HELLO_LEN) return malformed();
  const recEnd = h + recLen;
  const body = h + HANDSHAKE_HEADER_LEN;

  if (HANDSHAKE_HEADER_LEN + helloLen <= recLen) {
    // The common case: the whole ClientHello is in this record. Bytes after it in the record
    // would be further handshake messages (RFC 8446 §5.1 coalescing); they are skipped.
    if (end < recEnd) return incomplete;
    const hello = parseHelloBody(buf, body, body + helloLen, recordVersion);
    return typeof hello === 'number' ? { status: 'error', event: hello } : { status: 'ok', value: hello, end: recEnd };
  }

  // Split over records: every following record must be a handshake record too (RFC 8446 §5.1,
  // handshake messages are not interleaved with other content types).
  if (end < recEnd) return incomplete;
  const pieces: Buffer[] = [buf.subarray(body, recEnd)];
  let have = recEnd - body;
  let p = recEnd;
  for (let records = 1; have < helloLen; records++) {
    if (records >= MAX_HELLO_RECORDS) return malformed();
    const r = recordHeader(buf, p, end);
    if (r !== OK) return r;
    const len = u16(buf, p + 3);
    if (end - p - RECORD_HEADER_LEN < len) return incomplete;
    const take = Math.min(len, helloLen - have);
    pieces.push(buf.subarray(p + RECORD_HEADER_LEN, p + RECORD_HEADER_LEN + take));
    have += take;
    p += RECORD_HEADER_LEN + len;
  }
  const joined = Buffer.concat(pieces, helloLen);
  const hello = parseHelloBody(joined, 0, helloLen, recordVersion);
  return typeof hello === 'number' ? { status: 'error', event: hello } : { status: 'ok', value: hello, end: p };
}


/** Check the record header at `p` as far as the bytes go: OK when complete and valid. */
function recordHeader(buf: Buffer, p: number, end: number): StreamParse<TlsClientHello> | typeof OK {
  const avail = end - p;
  if (avail < 1) return incomplete;
  if (buf[p] !== CONTENT_HANDSHAKE) return malformed();
  // legacy_record_version is 0x03xx for SSL 3.0 and every TLS (RFC 8446 §5.1); SSLv2-framed hellos
  // are not read.
  if (avail < 2) return incomplete;
  if (buf[p + 1] !== 3) return malformed();
  if (avail < RECORD_HEADER_LEN) return incomplete;
  const len = u16(buf, p + 3);
  // RFC 8446 §5.1: zero-length handshake fragments are not allowed; at most 2^14 bytes.
  if (len === 0 || len > MAX_RECORD_LEN) return malformed();
  return OK;
}

/** The ClientHello body `buf[s, e)` (after the handshake header), or a negated decode event. */
function parseHelloBody(buf: Buffer, s: number, e: number, recordVersion: number): TlsClientHello | number {
  const bad = -ev('decoder.tls.malformed');
  if (e - s < HELLO_FIXED_LEN) return bad;
  const hello: TlsClientHello = {
    recordVersion,
    helloVersion: u16(buf, s),
    sni: null,
    alpn: [],
    supportedVersions: [],
    cipherSuiteCount: 0,
  };
  let p = s + 2 + 32; // legacy_version, random
  const sidLen = buf[p]!;
  p += 1;
  if (sidLen > MAX_SESSION_ID_LEN || e - p < sidLen + 2) return bad;
  p += sidLen;
  // cipher_suites<2..2^16-2>: a non-empty list of 2-byte values.
  const csLen = u16(buf, p);
  p += 2;
  if (csLen < 2 || (csLen & 1) !== 0 || e - p < csLen + 1) return bad;
  hello.cipherSuiteCount = csLen / 2;
  p += csLen;
  // legacy_compression_methods<1..2^8-1>
  const cmLen = buf[p]!;
  p += 1;
  if (cmLen < 1 || e - p < cmLen) return bad;
  p += cmLen;
  // RFC 5246 §7.4.1.2: a ClientHello before extensions ends here; otherwise the extensions block
  // must fill the rest of the message exactly.
  if (p === e) return hello;
  if (e - p < 2) return bad;
  const extLen = u16(buf, p);
  p += 2;
  if (e - p !== extLen) return bad;

  let seenSni = false;
  let seenAlpn = false;
  let seenVersions = false;
  // Bounded: every pass consumes at least the 4-byte extension header.
  while (p < e) {
    if (e - p < 4) return bad;
    const type = u16(buf, p);
    const len = u16(buf, p + 2);
    const v = p + 4;
    const ve = v + len;
    if (ve > e) return bad;
    // RFC 8446 §4.2: an extension appears at most once; if one repeats, the first counts here.
    if (type === Ext.SERVER_NAME && !seenSni) {
      seenSni = true;
      const r = readServerName(buf, v, ve);
      if (typeof r === 'number') return r;
      hello.sni = r;
    } else if (type === Ext.ALPN && !seenAlpn) {
      seenAlpn = true;
      const r = readAlpn(buf, v, ve, hello.alpn);
      if (r < 0) return r;
    } else if (type === Ext.SUPPORTED_VERSIONS && !seenVersions) {
      seenVersions = true;
      // RFC 8446 §4.2.1 (ClientHello form): versions<2..254>, 2 bytes each.
      if (len < 1) return bad;
      const n = buf[v]!;
      if (n !== len - 1 || n < 2 || (n & 1) !== 0) return bad;
      for (let i = v + 1; i < ve; i += 2) hello.supportedVersions.push(u16(buf, i));
    }
    p = ve;
  }
  return hello;
}

/**
 * RFC 6066 §3: ServerNameList<1..2^16-1> of (NameType, HostName<1..2^16-1>). Returns the first
 * host_name, ASCII lower-cased, null when there is none (an empty extension), or a decode event.
 */
export function readServerName(buf: Buffer, v: number, ve: number): string | null | number {
  const bad = -ev('decoder.tls.malformed');
  if (v === ve) return null;
  if (ve - v < 2 || u16(buf, v) !== ve - v - 2) return bad;
  let sni: string | null = null;
  let p = v + 2;
  while (p < ve) {
    if (ve - p < 3) return bad;
    const nameType = buf[p]!;
    const n = u16(buf, p + 1);
    p += 3;
    if (ve - p < n) return bad;
    if (nameType === NAME_TYPE_HOST_NAME && sni === null && n > 0) sni = asciiLower(buf, p, p + n);
    p += n;
  }
  return sni;
}

/** RFC 7301 §3.1: ProtocolNameList<2..2^16-1> of ProtocolName<1..2^8-1>. Returns 0 or a decode event. */
export function readAlpn(buf: Buffer, v: number, ve: number, out: string[]): number {
  const bad = -ev('decoder.tls.malformed');
  if (ve - v < 2 || u16(buf, v) !== ve - v - 2) return bad;
  let p = v + 2;
  while (p < ve) {
    const n = buf[p]!;
    // "Empty strings MUST NOT be included" (RFC 7301 §3.1).
    if (n === 0 || ve - p - 1 < n) return bad;
    out.push(buf.toString('latin1', p + 1, p + 1 + n));
    p += 1 + n;
  }
  return 0;
}

/** Latin-1 text of `buf[s, e)` with only A–Z lower-cased (host names compare ASCII-case-insensitively). */
function asciiLower(buf: Buffer, s: number, e: number): string {
  let upper = false;
  let high = false;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) upper = true;
    else if (c >= 0x80) high = true;
  }
  const t = buf.toString('latin1', s, e);
  if (!upper) return t;
  if (!high) return t.toLowerCase();
  let out = '';
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return out;
}

function malformed(): StreamParse<TlsClientHello> {
  return { status: 'error', event: -ev('decoder.tls.malformed') };
}

function u16(buf: Buffer, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}
