// HTTP/1.x over TCP as an app module: every request and response of a keep-alive or pipelined
// connection, bodies framed by RFC 9112 §6.3 and skipped by counting, their first bytes checked by
// magic and reported as soon as they are in (http.body-head), not only when the body ends.
import { ev } from '../../common/events.js';
import type { RecordSink, TcpAppModule } from '../app-module.js';
import { BODY_HEAD_BYTES, HEADER_TEXT_BYTES, REQUEST_BODY_TEXT_BYTES, type HttpRequestRecord, type HttpResponseRecord } from '../app-record.js';
import type { CredentialCheck } from '../credential-check.js';
import type { StreamState } from '../stream-state.js';
import { soapPortMapAction, soapPortMapping, type SoapPortMapAction } from '../upnp/parse-soap-portmap.js';
import { withoutCredentials } from './authorization.js';
import { bodyMagic, ELF_ARCH_BYTES, elfArch, MAX_PE_LFANEW, PE_HEADER_BYTES, peHeaderOffset, peKind } from './body-magic.js';
import { CL_INVALID, headFieldsReader, resetHeadFields, type HttpHeadFields } from './http-head-fields.js';
import { isTchar, parseHttpRequest, type HeaderFieldVisitor } from './parse-http-request.js';
import { probeHttp } from './probe-http.js';
import { parseHttpResponse } from './parse-http-response.js';

/**
 * Longest head (start line, header fields, blank line) and trailer section read, bytes. Default
 * 8 KiB: what common servers accept by default (nginx large_client_header_buffers 8k per line,
 * Apache LimitRequestFieldSize 8190). Past it: `decoder.http.head_too_long`, and the module stops.
 */
export const MAX_HTTP_HEAD_BYTES = 8192;
/**
 * Requests kept waiting for their response, for pairing (RFC 9112 §9.3: responses come in request
 * order). Past 64 the oldest are dropped from the queue, and as many responses pair with null, so
 * the order stays right.
 */
export const MAX_PENDING_REQUESTS = 64;
/** Body bytes of a UPnP AddPortMapping request kept for its SOAP arguments. Default 8 KiB: real ones are under 1 KiB. */
export const MAX_SOAP_BODY_BYTES = 8192;
/** Longest chunk-size line (size, extensions, CRLF), bytes. */
const MAX_CHUNK_LINE = 1024;
/** Hex digits of the largest chunk size read: 13 stays under 2^53. */
const MAX_CHUNK_DIGITS = 13;
/** First size of a head buffer (grown by doubling up to MAX_HTTP_HEAD_BYTES). */
const HEAD_BUF_START = 512;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const SEMI = 0x3b;

/** Where a direction is in its current message. */
const enum Phase {
  /** Reading a head (or waiting for one). */
  Head,
  /** A body of known length: `remaining` bytes left. */
  Length,
  /** A chunk-size line: hex digits. */
  ChunkSize,
  /** The rest of a chunk-size line (extensions, CR) up to its LF. */
  ChunkExt,
  /** Chunk data: `remaining` bytes left. */
  ChunkData,
  /** The CRLF after chunk data. */
  ChunkDataEnd,
  /** Trailer fields after the last chunk, up to an empty line. */
  Trailer,
  /** A response body delimited by the end of the connection. */
  Close,
  /** The direction is no longer read (a gap it cannot resync from). */
  Dead,
}

/** One direction of the connection: 0 requests, 1 responses. */
interface Side {
  phase: Phase;
  /** Head bytes gathered across feeds (only when a head is split), and how many. */
  headBuf: Buffer | null;
  headLen: number;
  /** A message has begun (leading empty lines skipped, RFC 9112 §2.2). */
  begun: boolean;
  /** Head / trailer end scan: the last LF started a line and only CRs followed. */
  atLineStart: boolean;
  /** Packet time of the message's first byte, µs. */
  startTs: number;
  /** Body bytes left (Length), chunk bytes left (ChunkData). */
  remaining: number;
  chunkSize: number;
  chunkDigits: number;
  /** Bytes of the current chunk-size line or trailer section. */
  lineLen: number;
  crSeen: boolean;
  /** The message being read (its head parsed), or null between messages. */
  msg: HttpRequestRecord | HttpResponseRecord | null;
  /** First body bytes (BODY_HEAD_BYTES, copied), allocated with the first body byte. */
  bodyHead: Buffer | null;
  /** Body bytes wanted before the http.body-head record: BODY_HEAD_BYTES, or through a PE image's COFF header. */
  headNeed: number;
  /** The http.body-head record of the current message was emitted. */
  headSent: boolean;
  /** Body offset of a PE image's "PE\0\0" past the head (-1: none), and its COFF header bytes kept. */
  peAt: number;
  peBuf: Buffer | null;
  /** A request body's first REQUEST_BODY_TEXT_BYTES (copied), and how many. */
  reqBody: Buffer | null;
  reqBodyLen: number;
  /** UPnP: the AddPortMapping action named by SOAPAction, and its body bytes kept. */
  soap: SoapPortMapAction | null;
  soapBuf: Buffer | null;
  soapLen: number;
  fields: HttpHeadFields;
  visit: HeaderFieldVisitor;
}

/** Per-connection state of the HTTP module. */
export interface HttpState extends StreamState {
  sides: [Side, Side];
  /** Requests whose response has not begun, oldest first (at most MAX_PENDING_REQUESTS). */
  pending: HttpRequestRecord[];
  /** Requests dropped from `pending` at the cap: that many responses pair with null. */
  dropped: number;
  reqIndex: number;
  respIndex: number;
}

function newSide(check: CredentialCheck | null): Side {
  const { fields, visit } = headFieldsReader(check);
  return {
    phase: Phase.Head, headBuf: null, headLen: 0, begun: false, atLineStart: false, startTs: 0, remaining: 0, chunkSize: 0,
    chunkDigits: 0, lineLen: 0, crSeen: false, msg: null, bodyHead: null, headNeed: BODY_HEAD_BYTES, headSent: false, peAt: -1, peBuf: null,
    reqBody: null, reqBodyLen: 0, soap: null, soapBuf: null, soapLen: 0, fields, visit,
  };
}

const E_HEAD_TOO_LONG = -ev('decoder.http.head_too_long');
const E_BAD_CHUNK = -ev('decoder.http.bad_chunk');
const E_BAD_CL = -ev('decoder.http.bad_content_length');
const E_BAD_TE = -ev('decoder.http.bad_transfer_encoding');
const E_REQUEST = -ev('decoder.http.malformed');
const E_RESPONSE = -ev('decoder.http.response_malformed');

// ---------------------------------------------------------------- the module

/**
 * The HTTP/1.x module. Emits an `http.body-head` as soon as a response body's first bytes are in, an
 * `http.request` when a request's body is complete (or at once when it has none), an `http.response`
 * when a response's body is complete, the connection ends or a gap cuts it (`truncated`), and a
 * `portmap` record after a UPnP AddPortMapping request. Interim 1xx
 * responses other than 101 emit nothing (RFC 9110 §15.2). After 101 Switching Protocols or a 2xx
 * answer to CONNECT the connection is no longer HTTP and the module is done. With `check`, a
 * request with HTTP Basic credentials carries `credentialList` (the list the pair is on, or null).
 */
export function httpModuleWith(check: CredentialCheck | null): TcpAppModule<HttpState> {
  return { ...httpModule, create: () => newState(check) };
}

function newState(check: CredentialCheck | null): HttpState {
  // Responses carry no credentials: only the request side looks them up.
  return { done: false, sides: [newSide(check), newSide(null)], pending: [], dropped: 0, reqIndex: 0, respIndex: 0 };
}

/** The HTTP module without the default-credential check. */
export const httpModule: TcpAppModule<HttpState> = {
  name: 'http',
  // IANA 80 (http), 81, 591, 8008, 8080 (http-alt), 8000, 8081, 8088, 8888 (common alternates and
  // IoT web UIs), 2869 (UPnP/SSDP event notifications), 5000 and 49152 (UPnP IGD control on many
  // routers), 7547 (TR-069 CWMP, the port Mirai's 2016 wave attacked).
  ports: [80, 81, 591, 2869, 5000, 7547, 8000, 8008, 8080, 8081, 8088, 8888, 49152],
  probe: probeHttp,
  create(): HttpState {
    return newState(null);
  },
  feed(st, dir, b, off, end, ts, out) {
    if (st.done) return 0;
    if (end > b.length) end = b.length;
    const side = st.sides[dir === 0 ? 0 : 1];
    const d = dir === 0 ? 0 : 1;
    let p = off;
    while (p < end) {
      let r: number;
      switch (side.phase) {
        case Phase.Head: r = readHead(st, side, d, b, p, end, ts, out); break;
        case Phase.Length: r = readLength(side, b, p, end, ts, out); break;
        case Phase.ChunkData: r = readChunkData(side, b, p, end, ts, out); break;
        case Phase.Close: body(side, b, p, end, ts, out); r = end; break;
        case Phase.Dead: return 0;
        default: r = readChunkFraming(st, side, b, p, end, ts, out); break;
      }
      if (r < 0) return fail(st, ts, out, r);
      p = r;
      if (st.done) return 0;
    }
    return 0;
  },
  gap(st, dir, bytes) {
    if (st.done) return;
    const side = st.sides[dir === 0 ? 0 : 1];
    const msg = side.msg;
    if ((side.phase === Phase.Length || side.phase === Phase.ChunkData) && bytes < side.remaining) {
      // Still inside the body: count the hole out and go on (the record says truncated).
      side.remaining -= bytes;
      msg!.truncated = true;
      // Body offsets past the hole are unknown: stop waiting for a PE header there.
      side.peAt = -1;
      side.headNeed = BODY_HEAD_BYTES;
      return;
    }
    if (side.phase === Phase.Close) {
      msg!.truncated = true;
      return;
    }
    // The hole crosses a head or a message boundary: no way to find the next head. The message is
    // reported as it stands when the connection ends; the direction is read no further.
    side.phase = Phase.Dead;
    if (msg !== null) msg.truncated = true;
    if (st.sides[0].phase === Phase.Dead && st.sides[1].phase === Phase.Dead && st.sides[0].msg === null && st.sides[1].msg === null) st.done = true;
  },
  end(st, ts, out) {
    if (st.done) return;
    flush(st, ts, out);
    st.done = true;
  },
};

/** Emits the messages in progress (the connection ended, or the module gives up). */
function flush(st: HttpState, ts: number, out: RecordSink): void {
  for (const side of st.sides) {
    const msg = side.msg;
    if (msg === null) continue;
    // A close-delimited response body is complete when the connection closes (RFC 9112 §6.3 rule 8).
    if (side.phase !== Phase.Close) msg.truncated = true;
    complete(side, ts, out);
  }
}

/** A fatal event: report what is in progress, stop, and return the event for the dispatcher to count. */
function fail(st: HttpState, ts: number, out: RecordSink, event: number): number {
  flush(st, ts, out);
  st.done = true;
  return event;
}

// ---------------------------------------------------------------- heads

/**
 * Reads head bytes from `b[p, end)`: finds the blank line that ends the head (scanning only new
 * bytes), parses the head in place when it arrived whole, else from the direction's head buffer.
 * Returns where reading goes on, or a negated event.
 */
function readHead(st: HttpState, side: Side, dir: 0 | 1, b: Buffer, p: number, end: number, ts: number, out: RecordSink): number {
  if (!side.begun) {
    // RFC 9112 §2.2: empty lines before a request line are ignored (clients send a stray CRLF after a POST body).
    while (p < end && (b[p] === CR || b[p] === LF)) p++;
    if (p === end) return end;
    // Fail early on bytes that cannot start a head, rather than reading 8 KiB of them.
    if (dir === 0 ? !isTchar(b[p]!) : b[p] !== 0x48) return dir === 0 ? E_REQUEST : E_RESPONSE;
    side.begun = true;
    side.atLineStart = false;
    side.startTs = ts;
  }
  const start = p;
  let headEnd = -1;
  let atLineStart = side.atLineStart;
  const room = MAX_HTTP_HEAD_BYTES - side.headLen;
  const limit = end - start > room ? start + room : end;
  for (; p < limit; p++) {
    const c = b[p]!;
    if (c === LF) {
      if (atLineStart) { headEnd = p + 1; break; }
      atLineStart = true;
    } else if (c !== CR) {
      atLineStart = false;
    }
  }
  side.atLineStart = atLineStart;
  if (headEnd < 0) {
    if (limit < end || side.headLen + (end - start) >= MAX_HTTP_HEAD_BYTES) return E_HEAD_TOO_LONG;
    keepHead(side, b, start, end);
    return end;
  }
  let hb = b, hs = start, he = headEnd;
  if (side.headLen > 0) {
    keepHead(side, b, start, headEnd);
    hb = side.headBuf!;
    hs = 0;
    he = side.headLen;
  }
  side.headLen = 0;
  side.begun = false;
  const r = dir === 0 ? startRequest(st, side, hb, hs, he, ts, out) : startResponse(st, side, hb, hs, he, ts, out);
  return r < 0 ? r : headEnd;
}

/** Appends `b[s, e)` to the head buffer, growing it (the caller checked the cap). */
function keepHead(side: Side, b: Buffer, s: number, e: number): void {
  const need = side.headLen + (e - s);
  let buf = side.headBuf;
  if (buf === null || buf.length < need) {
    let size = buf === null ? HEAD_BUF_START : buf.length;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(Math.min(size, MAX_HTTP_HEAD_BYTES));
    if (buf !== null) buf.copy(grown, 0, 0, side.headLen);
    side.headBuf = buf = grown;
  }
  b.copy(buf, side.headLen, s, e);
  side.headLen = need;
}

/** A request head in `hb[hs, he)`: record it, queue it for pairing, frame its body. */
function startRequest(st: HttpState, side: Side, hb: Buffer, hs: number, he: number, ts: number, out: RecordSink): number {
  const f = side.fields;
  resetHeadFields(f);
  const r = parseHttpRequest(hb, hs, he, side.visit);
  if (r.status !== 'ok') return r.status === 'error' ? r.event : E_REQUEST;
  const v = r.value;
  // The header lines after the request line, for detectors that look at every field.
  const lf = hb.indexOf(LF, hs);
  const fs = lf < 0 || lf >= he ? he : lf + 1;
  const headerText = hb.toString('latin1', fs, Math.min(he, fs + HEADER_TEXT_BYTES));
  const rec: HttpRequestRecord = {
    kind: 'http.request', ts, index: st.reqIndex++, method: v.method, uri: v.uri, host: v.host, userAgent: v.userAgent,
    contentType: f.contentType, contentLength: !f.transferEncoding && f.contentLength >= 0 ? f.contentLength : null, soapAction: f.soapAction,
    // Credentials are never kept: withheld from the header text, only the list's name is on the record.
    headerText: f.authorization ? withoutCredentials(headerText) : headerText, head: null, magic: null, elfArch: null, bodyLen: 0, truncated: false,
  };
  if (f.credentialList !== undefined) rec.credentialList = f.credentialList;
  // A head that came in pieces was copied: its credentials are not left in the copy either.
  if (f.authorization && hb === side.headBuf) hb.fill(0, hs, he);
  if (st.pending.length >= MAX_PENDING_REQUESTS) {
    st.pending.shift();
    st.dropped++;
  }
  st.pending.push(rec);
  side.msg = rec;
  side.soap = f.soapAction !== null ? soapPortMapAction(f.soapAction) : null;
  // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length (rule 3); a request whose final
  // coding is not chunked has no knowable length (rule 4); no length means no body (rule 6).
  if (f.transferEncoding) {
    if (!f.chunked) return E_BAD_TE;
    beginChunked(side);
    return 0;
  }
  if (f.contentLength === CL_INVALID) return E_BAD_CL;
  if (f.contentLength > 0) {
    side.phase = Phase.Length;
    side.remaining = f.contentLength;
    return 0;
  }
  complete(side, ts, out);
  return 0;
}

/** A response head in `hb[hs, he)`: pair it with its request, frame its body (RFC 9112 §6.3). */
function startResponse(st: HttpState, side: Side, hb: Buffer, hs: number, he: number, ts: number, out: RecordSink): number {
  const f = side.fields;
  resetHeadFields(f);
  const r = parseHttpResponse(hb, hs, he, side.visit);
  if (r.status !== 'ok') return r.status === 'error' ? r.event : E_RESPONSE;
  const status = r.value.status;
  // RFC 9110 §15.2: 1xx responses are interim; the final response to the same request follows.
  if (status >= 100 && status < 200 && status !== 101) return 0;
  let req: HttpRequestRecord | null = null;
  if (st.dropped > 0) st.dropped--;
  else req = st.pending.shift() ?? null;
  const rec: HttpResponseRecord = {
    kind: 'http.response', ts, startTs: side.startTs, index: st.respIndex++, status, contentType: f.contentType,
    contentLength: !f.transferEncoding && f.contentLength >= 0 ? f.contentLength : null, server: f.server, request: req, head: null, magic: null,
    elfArch: null, bodyLen: 0, truncated: false,
  };
  side.msg = rec;
  side.soap = null;
  // RFC 9110 §7.8 / §9.3.6: after 101, or a 2xx to CONNECT, the bytes are another protocol or a tunnel.
  const leaves = status === 101 || (req !== null && req.method === 'CONNECT' && status >= 200 && status < 300);
  // RFC 9112 §6.3 rule 1: no body after HEAD, 1xx, 204, 304.
  if (leaves || status === 204 || status === 304 || (req !== null && req.method === 'HEAD')) {
    complete(side, ts, out);
    if (leaves) {
      flush(st, ts, out);
      st.done = true;
    }
    return 0;
  }
  if (f.transferEncoding) {
    // Rule 4: chunked last, else the body runs to the end of the connection.
    if (f.chunked) beginChunked(side);
    else side.phase = Phase.Close;
    return 0;
  }
  if (f.contentLength === CL_INVALID) return E_BAD_CL;
  if (f.contentLength > 0) {
    side.phase = Phase.Length;
    side.remaining = f.contentLength;
    return 0;
  }
  if (f.contentLength === 0) {
    complete(side, ts, out);
    return 0;
  }
  // Rule 8: no length at all, the body is delimited by the close.
  side.phase = Phase.Close;
  return 0;
}

// ---------------------------------------------------------------- bodies

function beginChunked(side: Side): void {
  side.phase = Phase.ChunkSize;
  side.chunkSize = 0;
  side.chunkDigits = 0;
  side.lineLen = 0;
}

/**
 * Counts body bytes `b[s, e)`; copies the first BODY_HEAD_BYTES (and a PE image's COFF header past
 * them), and a SOAP body up to its cap; emits the http.body-head record once enough is in.
 */
function body(side: Side, b: Buffer, s: number, e: number, ts: number, out: RecordSink): void {
  const msg = side.msg!;
  const seen = msg.bodyLen;
  if (seen < BODY_HEAD_BYTES) {
    if (side.bodyHead === null) side.bodyHead = Buffer.alloc(BODY_HEAD_BYTES);
    b.copy(side.bodyHead, seen, s, Math.min(e, s + BODY_HEAD_BYTES - seen));
    if (seen + (e - s) >= BODY_HEAD_BYTES) {
      // An MZ head whose PE signature lies past it: wait for the COFF header (EXE or DLL), within MAX_PE_LFANEW.
      const lfanew = peHeaderOffset(side.bodyHead, 0, BODY_HEAD_BYTES);
      if (lfanew + PE_HEADER_BYTES > BODY_HEAD_BYTES && lfanew <= MAX_PE_LFANEW) {
        side.peAt = lfanew;
        side.headNeed = lfanew + PE_HEADER_BYTES;
      }
    }
  }
  if (side.peAt >= 0) {
    // The part of [peAt, peAt + PE_HEADER_BYTES) inside this piece of the body.
    const from = Math.max(seen, side.peAt), to = Math.min(seen + (e - s), side.peAt + PE_HEADER_BYTES);
    if (from < to) {
      if (side.peBuf === null) side.peBuf = Buffer.alloc(PE_HEADER_BYTES);
      b.copy(side.peBuf, from - side.peAt, s + (from - seen), s + (to - seen));
    }
  }
  if (msg.kind === 'http.request' && side.reqBodyLen < REQUEST_BODY_TEXT_BYTES) {
    if (side.reqBody === null) side.reqBody = Buffer.alloc(Math.min(REQUEST_BODY_TEXT_BYTES, msg.contentLength ?? REQUEST_BODY_TEXT_BYTES));
    const n = Math.min(e - s, side.reqBody.length - side.reqBodyLen);
    b.copy(side.reqBody, side.reqBodyLen, s, s + n);
    side.reqBodyLen += n;
  }
  if (side.soap !== null && side.soapLen < MAX_SOAP_BODY_BYTES) {
    if (side.soapBuf === null) side.soapBuf = Buffer.alloc(MAX_SOAP_BODY_BYTES);
    const n = Math.min(e - s, MAX_SOAP_BODY_BYTES - side.soapLen);
    b.copy(side.soapBuf, side.soapLen, s, s + n);
    side.soapLen += n;
  }
  msg.bodyLen = seen + (e - s);
  if (!side.headSent && msg.bodyLen >= side.headNeed) bodyHead(side, ts, out);
}

function readLength(side: Side, b: Buffer, p: number, end: number, ts: number, out: RecordSink): number {
  const n = Math.min(side.remaining, end - p);
  body(side, b, p, p + n, ts, out);
  side.remaining -= n;
  if (side.remaining === 0) complete(side, ts, out);
  return p + n;
}

function readChunkData(side: Side, b: Buffer, p: number, end: number, ts: number, out: RecordSink): number {
  const n = Math.min(side.remaining, end - p);
  body(side, b, p, p + n, ts, out);
  side.remaining -= n;
  if (side.remaining === 0) {
    side.phase = Phase.ChunkDataEnd;
    side.crSeen = false;
  }
  return p + n;
}

/**
 * The framing bytes of a chunked body, one at a time (RFC 9112 §7.1): chunk-size [ chunk-ext ] CRLF,
 * the CRLF after chunk data, and the trailer section after the last chunk. A lone LF is accepted as
 * a line end. Returns where chunk data (or the next message) starts, or a negated event.
 */
function readChunkFraming(st: HttpState, side: Side, b: Buffer, p: number, end: number, ts: number, out: RecordSink): number {
  for (; p < end; p++) {
    const c = b[p]!;
    switch (side.phase) {
      case Phase.ChunkSize: {
        if (++side.lineLen > MAX_CHUNK_LINE) return E_BAD_CHUNK;
        const v = hexValue(c);
        if (v >= 0) {
          if (++side.chunkDigits > MAX_CHUNK_DIGITS) return E_BAD_CHUNK;
          side.chunkSize = side.chunkSize * 16 + v;
          break;
        }
        if (side.chunkDigits === 0) return E_BAD_CHUNK;
        if (c === LF) {
          if (endOfSizeLine(side)) return p + 1;
          break;
        }
        // BWS before ";" (RFC 9112 §7.1.1), the extension, or the CR of CRLF.
        if (c !== SEMI && c !== SP && c !== HT && c !== CR) return E_BAD_CHUNK;
        side.phase = Phase.ChunkExt;
        break;
      }
      case Phase.ChunkExt:
        if (++side.lineLen > MAX_CHUNK_LINE) return E_BAD_CHUNK;
        if (c === LF && endOfSizeLine(side)) return p + 1;
        break;
      case Phase.ChunkDataEnd:
        if (c === CR && !side.crSeen) {
          side.crSeen = true;
          break;
        }
        if (c !== LF) return E_BAD_CHUNK;
        beginChunked(side);
        break;
      case Phase.Trailer:
        // Trailer fields are not read (RFC 9110 §6.5 lets a recipient discard them); find the empty line.
        if (++side.lineLen > MAX_HTTP_HEAD_BYTES) return E_HEAD_TOO_LONG;
        if (c === LF) {
          if (side.atLineStart) {
            complete(side, ts, out);
            return p + 1;
          }
          side.atLineStart = true;
        } else if (c !== CR) {
          side.atLineStart = false;
        }
        break;
      default:
        return p;
    }
  }
  return end;
}

/** The LF of a chunk-size line: the last chunk (size 0) leads to the trailer; true when data follows. */
function endOfSizeLine(side: Side): boolean {
  if (side.chunkSize === 0) {
    side.phase = Phase.Trailer;
    side.lineLen = 0;
    side.atLineStart = true;
    return false;
  }
  side.phase = Phase.ChunkData;
  side.remaining = side.chunkSize;
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

// ---------------------------------------------------------------- records

/**
 * The body's first bytes are in (or the body ended first): fill in head, magic and arch, and emit
 * the http.body-head record of a response, once per message.
 */
function bodyHead(side: Side, ts: number, out: RecordSink): void {
  const msg = side.msg!;
  side.headSent = true;
  const n = Math.min(msg.bodyLen, BODY_HEAD_BYTES);
  if (side.bodyHead === null || n === 0) return;
  const head = side.bodyHead.subarray(0, n);
  let magic = bodyMagic(head, 0, n);
  // The COFF header read past the head says EXE or DLL, or that "PE\0\0" is not there after all.
  if (magic === 'pe' && side.peAt >= 0 && msg.bodyLen >= side.headNeed) magic = peKind(side.peBuf!, 0, PE_HEADER_BYTES);
  msg.head = head;
  msg.magic = magic;
  msg.elfArch = magic === 'elf' && n >= ELF_ARCH_BYTES ? elfArch(head) : null;
  // Only responses: a request body is short or is an upload, and its record comes when it ends.
  if (msg.kind === 'http.response') out({ kind: 'http.body-head', ts, dir: 1, msg });
}

/** The message of `side` is whole (or given up on): fill in its body facts and emit it. */
function complete(side: Side, ts: number, out: RecordSink): void {
  const msg = side.msg;
  if (msg === null) return;
  if (!side.headSent) bodyHead(side, ts, out);
  if (msg.kind === 'http.response') msg.ts = ts;
  else if (side.reqBody !== null) msg.bodyText = side.reqBody.toString('latin1', 0, side.reqBodyLen);
  out(msg);
  if (side.soap !== null) {
    const m = soapPortMapping(side.soapBuf === null ? '' : side.soapBuf.toString('latin1', 0, side.soapLen), side.soap, (msg as HttpRequestRecord).uri);
    if (m !== null) out({ kind: 'portmap', ts, ...m });
  }
  side.msg = null;
  side.bodyHead = null;
  side.headNeed = BODY_HEAD_BYTES;
  side.headSent = false;
  side.peAt = -1;
  side.peBuf = null;
  side.reqBody = null;
  side.reqBodyLen = 0;
  side.soap = null;
  side.soapBuf = null;
  side.soapLen = 0;
  if (side.phase !== Phase.Dead) side.phase = Phase.Head;
}
