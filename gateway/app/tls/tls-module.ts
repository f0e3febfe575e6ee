// TLS over TCP as an app module: record framing over each direction of the stream, the ClientHello
// (with its JA4) and the ServerHello, however they are split over segments and records; then done.
import { ev } from '../../common/events.js';
import { Probe, type RecordSink, type TcpAppModule } from '../app-module.js';
import type { StreamState } from '../stream-state.js';
import { ja4 } from './ja4.js';
import { readClientHello, readServerHello, TlsExt, withoutGrease } from './parse-hello.js';

/** Largest hello message read (bytes after the 4-byte handshake header). Real ClientHellos are
 *  under 2 KiB, post-quantum key shares included; 64 KiB is the TLS maximum for one message in practice. */
export const MAX_HELLO_LEN = 65_536;
/** content type, legacy_record_version, length (RFC 8446 §5.1). */
const RECORD_HEADER_LEN = 5;
/** RFC 5246 §6.2.3: a TLSCiphertext fragment is at most 2^14 + 2048 bytes. */
const MAX_RECORD_LEN = 16_384 + 2048;
/** Content types (RFC 8446 §5.1, B.1) and heartbeat (RFC 6520 §3). */
const CT_CHANGE_CIPHER_SPEC = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_HEARTBEAT = 24;
const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_HEADER_LEN = 4;

const E_MALFORMED = -ev('decoder.tls.malformed');
const E_UNEXPECTED = -ev('decoder.tls.unexpected_message');
const E_TOO_LONG = -ev('decoder.tls.hello_too_long');

/** One direction: 0 the client's, 1 the server's. */
interface TlsSide {
  /** Still reading records for this direction's hello. */
  want: boolean;
  /** Bytes of the current record header seen (0..4); 5 means inside the payload. */
  hdrPos: number;
  recType: number;
  /** Payload bytes left in the current record. */
  recLeft: number;
  /** Handshake header bytes seen (0..4), its type and body length. */
  hsPos: number;
  hsType: number;
  hsLen: number;
  /** The hello body gathered across records or segments (copied), and how much of it. */
  msg: Buffer | null;
  msgLen: number;
}

/** Per-connection state of the TLS module. */
export interface TlsState extends StreamState {
  sides: [TlsSide, TlsSide];
}

function newSide(): TlsSide {
  return { want: true, hdrPos: 0, recType: 0, recLeft: 0, hsPos: 0, hsType: 0, hsLen: 0, msg: null, msgLen: 0 };
}

/**
 * A handshake record that opens a hello: 0x16, 0x03 0x00-0x04, a plausible length, then handshake
 * type 1 (client side) or 2 (server side). SSLv2-framed hellos are not read.
 */
function probeTls(b: Buffer, off: number, end: number, dir: number): Probe {
  if (end > b.length) end = b.length;
  const n = end - off;
  if (n < 1) return Probe.NeedMore;
  if (b[off] !== CT_HANDSHAKE) return Probe.No;
  if (n < 2) return Probe.NeedMore;
  if (b[off + 1] !== 3) return Probe.No;
  if (n < 3) return Probe.NeedMore;
  if (b[off + 2]! > 4) return Probe.No;
  if (n < 5) return Probe.NeedMore;
  const len = (b[off + 3]! << 8) | b[off + 4]!;
  if (len === 0 || len > MAX_RECORD_LEN) return Probe.No;
  if (n < 6) return Probe.NeedMore;
  return b[off + 5] === (dir === 0 ? HS_CLIENT_HELLO : HS_SERVER_HELLO) ? Probe.Yes : Probe.No;
}

/**
 * The TLS module. Emits `tls.client_hello` (with JA4) and `tls.server_hello`; once both are read
 * (or a direction can have none: the server answered with an alert) it is done and the encrypted
 * rest of the connection costs nothing. Memory: the hello being gathered, at most 64 KiB.
 */
export const tlsModule: TcpAppModule<TlsState> = {
  name: 'tls',
  // IANA 443 (https), 853 (DNS over TLS), 993/995 (IMAPS/POP3S), 465 (submissions), 8443 (https-alt),
  // 8883 (MQTT over TLS, the common IoT telemetry port), 5061 (SIP over TLS), 636 (LDAPS).
  ports: [443, 465, 636, 853, 993, 995, 5061, 8443, 8883],
  probe: probeTls,
  create(): TlsState {
    return { done: false, sides: [newSide(), newSide()] };
  },
  feed(st, dir, b, off, end, ts, out) {
    if (st.done) return 0;
    const d = dir === 0 ? 0 : 1;
    const side = st.sides[d];
    if (!side.want) return 0;
    if (end > b.length) end = b.length;
    let p = off;
    while (p < end && side.want) {
      if (side.hdrPos < RECORD_HEADER_LEN) {
        const r = recordHeader(side, b, p, end);
        if (r < 0) return fail(st, r);
        p = r;
        continue;
      }
      const n = Math.min(side.recLeft, end - p);
      if (side.recType === CT_HANDSHAKE) {
        const r = handshake(side, d, b, p, p + n, ts, out);
        if (r < 0) return fail(st, r);
      } else if (side.recType === CT_ALERT && d === 1) {
        // The server refused the handshake: there is no ServerHello to read.
        side.want = false;
      } else {
        // Nothing but handshake records (and a ChangeCipherSpec in compatibility mode, RFC 8446
        // D.4, which comes after the hellos) may come before a direction's hello.
        return fail(st, E_UNEXPECTED);
      }
      side.recLeft -= n;
      p += n;
      if (side.recLeft === 0) side.hdrPos = 0;
    }
    if (!st.sides[0].want && !st.sides[1].want) st.done = true;
    return 0;
  },
  gap(st, dir) {
    // A hole in the records: framing is lost. The direction's hello, if not read yet, never will be.
    const side = st.sides[dir === 0 ? 0 : 1];
    side.want = false;
    side.msg = null;
    if (!st.sides[0].want && !st.sides[1].want) st.done = true;
  },
  end(st) {
    st.done = true;
  },
};

function fail(st: TlsState, event: number): number {
  st.done = true;
  st.sides[0].msg = st.sides[1].msg = null;
  return event;
}

/** Reads record header bytes from `b[p, end)`; returns where reading goes on, or a negated event. */
function recordHeader(side: TlsSide, b: Buffer, p: number, end: number): number {
  for (; p < end && side.hdrPos < RECORD_HEADER_LEN; p++) {
    const c = b[p]!;
    switch (side.hdrPos) {
      case 0:
        if (c < CT_CHANGE_CIPHER_SPEC || c > CT_HEARTBEAT) return E_MALFORMED;
        side.recType = c;
        break;
      case 1:
        // legacy_record_version is 0x03xx for SSL 3.0 and every TLS (RFC 8446 §5.1).
        if (c !== 3) return E_MALFORMED;
        break;
      case 3:
        side.recLeft = c << 8;
        break;
      case 4:
        side.recLeft |= c;
        // RFC 8446 §5.1: handshake fragments are never empty.
        if (side.recLeft > MAX_RECORD_LEN || (side.recLeft === 0 && side.recType === CT_HANDSHAKE)) return E_MALFORMED;
        break;
      default:
        break;
    }
    side.hdrPos++;
  }
  // An empty record (allowed for application data in TLS 1.2) has no payload to read.
  if (side.hdrPos === RECORD_HEADER_LEN && side.recLeft === 0) side.hdrPos = 0;
  return p;
}

/** Handshake bytes `b[p, e)` of one record: gathers the direction's hello; returns 0 or a negated event. */
function handshake(side: TlsSide, d: number, b: Buffer, p: number, e: number, ts: number, out: RecordSink): number {
  while (p < e && side.want) {
    if (side.hsPos < HS_HEADER_LEN) {
      const c = b[p++]!;
      if (side.hsPos === 0) {
        side.hsType = c;
        // RFC 8446 §4.1.2-§4.1.3: each side's first handshake message is its hello.
        if (c !== (d === 0 ? HS_CLIENT_HELLO : HS_SERVER_HELLO)) return E_UNEXPECTED;
        side.hsLen = 0;
      } else {
        side.hsLen = (side.hsLen << 8) | c;
      }
      if (++side.hsPos < HS_HEADER_LEN) continue;
      if (side.hsLen > MAX_HELLO_LEN) return E_TOO_LONG;
      if (e - p >= side.hsLen) {
        // The whole hello is in this record and this segment (nearly always): read it in place.
        const r = hello(side, d, b, p, p + side.hsLen, ts, out);
        if (r < 0) return r;
        p += side.hsLen;
        continue;
      }
      side.msg = Buffer.allocUnsafe(side.hsLen);
      side.msgLen = 0;
      continue;
    }
    const msg = side.msg!;
    const n = Math.min(side.hsLen - side.msgLen, e - p);
    b.copy(msg, side.msgLen, p, p + n);
    side.msgLen += n;
    p += n;
    if (side.msgLen === side.hsLen) {
      const r = hello(side, d, msg, 0, side.hsLen, ts, out);
      if (r < 0) return r;
    }
  }
  return 0;
}

/** A complete hello body `b[s, e)`: emit its record; the direction is finished. */
function hello(side: TlsSide, d: number, b: Buffer, s: number, e: number, ts: number, out: RecordSink): number {
  side.want = false;
  side.msg = null;
  if (d === 0) {
    const h = readClientHello(b, s, e);
    if (typeof h === 'number') return h;
    const extensions = withoutGrease(h.extensions);
    const supportedVersions = withoutGrease(h.supportedVersions);
    const ciphers = withoutGrease(h.ciphers);
    const signatureAlgorithms = withoutGrease(h.signatureAlgorithms);
    out({
      kind: 'tls.client_hello', ts, sni: h.sni, alpn: h.alpn, version: h.legacyVersion, supportedVersions, ciphers, extensions,
      signatureAlgorithms, groups: withoutGrease(h.groups),
      ja4: ja4({
        legacyVersion: h.legacyVersion, supportedVersions: extensions.includes(TlsExt.SUPPORTED_VERSIONS) ? supportedVersions : null,
        ciphers, extensions, alpn: h.alpn, signatureAlgorithms, sni: h.sni,
      }),
    });
    return 0;
  }
  const h = readServerHello(b, s, e);
  if (typeof h === 'number') return h;
  out({
    kind: 'tls.server_hello', ts, version: h.legacyVersion, selectedVersion: h.selectedVersion, cipher: h.cipher,
    extensions: withoutGrease(h.extensions), alpn: h.alpn,
  });
  return 0;
}
