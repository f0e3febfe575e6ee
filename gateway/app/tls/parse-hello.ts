// Full TLS hello parsers for fingerprints (RFC 8446 §4.1.2-§4.1.3, RFC 5246 §7.4.1.2-§7.4.1.3): every
// cipher suite, extension, signature algorithm and group of a ClientHello; what a ServerHello picked.
import { ev } from '../../common/events.js';
import { readAlpn, readServerName } from './tls-extensions.js';

/** A ClientHello as sent: lists in wire order, GREASE values included (RFC 8701). */
export interface ClientHelloInfo {
  /** ClientHello.legacy_version, e.g. 0x0303. */
  legacyVersion: number;
  ciphers: number[];
  /** Extension types in the order sent. */
  extensions: number[];
  /** server_name host_name, lower-cased; null when absent or empty. */
  sni: string | null;
  /** ALPN protocol names (RFC 7301), latin-1 so that each character is one byte. */
  alpn: string[];
  /** supported_versions (RFC 8446 §4.2.1); empty when the extension is absent. */
  supportedVersions: number[];
  /** signature_algorithms (RFC 8446 §4.2.3), in order. */
  signatureAlgorithms: number[];
  /** supported_groups (RFC 8446 §4.2.7, formerly elliptic_curves RFC 8422 §5.1.1), in order. */
  groups: number[];
}

/** A ServerHello (or HelloRetryRequest, which has the same form: RFC 8446 §4.1.4). */
export interface ServerHelloInfo {
  legacyVersion: number;
  /** supported_versions' selected_version (RFC 8446 §4.2.1), or null (TLS 1.2 and older). */
  selectedVersion: number | null;
  cipher: number;
  extensions: number[];
  /** The ALPN protocol the server selected (RFC 7301 §3.1), or null. */
  alpn: string | null;
}

/** Extension types read (IANA TLS ExtensionType registry). */
export const TlsExt = {
  SERVER_NAME: 0x0000, // RFC 6066 §3
  SUPPORTED_GROUPS: 0x000a, // RFC 8422 §5.1.1, RFC 8446 §4.2.7
  SIGNATURE_ALGORITHMS: 0x000d, // RFC 8446 §4.2.3
  ALPN: 0x0010, // RFC 7301 §3.1
  SUPPORTED_VERSIONS: 0x002b, // RFC 8446 §4.2.1
} as const;

/** legacy_version + random. */
const VERSION_RANDOM_LEN = 2 + 32;
/** RFC 8446 §4.1.2: legacy_session_id is at most 32 bytes. */
const MAX_SESSION_ID_LEN = 32;

/**
 * Parse a ClientHello body `buf[s, e)` (after the 4-byte handshake header).
 * @returns the hello, or `-ev('decoder.tls.malformed')` when a length does not add up.
 */
export function readClientHello(buf: Buffer, s: number, e: number): ClientHelloInfo | number {
  const bad = -ev('decoder.tls.malformed');
  if (e > buf.length) e = buf.length;
  if (s < 0 || e - s < VERSION_RANDOM_LEN + 1) return bad;
  const h: ClientHelloInfo = {
    legacyVersion: u16(buf, s), ciphers: [], extensions: [], sni: null, alpn: [], supportedVersions: [], signatureAlgorithms: [], groups: [],
  };
  let p = s + VERSION_RANDOM_LEN;
  const sidLen = buf[p++]!;
  if (sidLen > MAX_SESSION_ID_LEN || e - p < sidLen + 2) return bad;
  p += sidLen;
  // cipher_suites<2..2^16-2>
  const csLen = u16(buf, p);
  p += 2;
  if (csLen < 2 || (csLen & 1) !== 0 || e - p < csLen + 1) return bad;
  for (let i = p; i < p + csLen; i += 2) h.ciphers.push(u16(buf, i));
  p += csLen;
  // legacy_compression_methods<1..2^8-1>
  const cmLen = buf[p++]!;
  if (cmLen < 1 || e - p < cmLen) return bad;
  p += cmLen;
  let seenSni = false, seenAlpn = false, seenVersions = false, seenSigs = false, seenGroups = false;
  // RFC 8446 §4.2: an extension appears at most once; when one repeats the first counts (and both are listed).
  const r = readExtensions(buf, p, e, h.extensions, (type, v, ve) => {
    const len = ve - v;
    if (type === TlsExt.SERVER_NAME && !seenSni) {
      seenSni = true;
      const sni = readServerName(buf, v, ve);
      if (typeof sni === 'number') return sni;
      h.sni = sni;
    } else if (type === TlsExt.ALPN && !seenAlpn) {
      seenAlpn = true;
      return readAlpn(buf, v, ve, h.alpn);
    } else if (type === TlsExt.SUPPORTED_VERSIONS && !seenVersions) {
      seenVersions = true;
      // ClientHello form: versions<2..254>, one length byte.
      if (len < 1 || buf[v] !== len - 1 || (len - 1) < 2 || ((len - 1) & 1) !== 0) return bad;
      for (let i = v + 1; i < ve; i += 2) h.supportedVersions.push(u16(buf, i));
    } else if (type === TlsExt.SIGNATURE_ALGORITHMS && !seenSigs) {
      seenSigs = true;
      return readU16List(buf, v, ve, h.signatureAlgorithms);
    } else if (type === TlsExt.SUPPORTED_GROUPS && !seenGroups) {
      seenGroups = true;
      return readU16List(buf, v, ve, h.groups);
    }
    return 0;
  });
  return r < 0 ? r : h;
}

/**
 * Parse a ServerHello body `buf[s, e)` (after the handshake header): legacy_version, random,
 * legacy_session_id_echo, cipher_suite, legacy_compression_method, extensions (RFC 8446 §4.1.3).
 * @returns the hello, or `-ev('decoder.tls.malformed')`.
 */
export function readServerHello(buf: Buffer, s: number, e: number): ServerHelloInfo | number {
  const bad = -ev('decoder.tls.malformed');
  if (e > buf.length) e = buf.length;
  if (s < 0 || e - s < VERSION_RANDOM_LEN + 1) return bad;
  let p = s + VERSION_RANDOM_LEN;
  const sidLen = buf[p++]!;
  if (sidLen > MAX_SESSION_ID_LEN || e - p < sidLen + 3) return bad;
  p += sidLen;
  const h: ServerHelloInfo = { legacyVersion: u16(buf, s), selectedVersion: null, cipher: u16(buf, p), extensions: [], alpn: null };
  p += 3; // cipher_suite, legacy_compression_method
  const r = readExtensions(buf, p, e, h.extensions, (type, v, ve) => {
    const len = ve - v;
    if (type === TlsExt.SUPPORTED_VERSIONS && h.selectedVersion === null) {
      // ServerHello form: one selected_version (RFC 8446 §4.2.1).
      if (len !== 2) return bad;
      h.selectedVersion = u16(buf, v);
    } else if (type === TlsExt.ALPN && h.alpn === null) {
      // RFC 7301 §3.1: the server's list holds exactly one name; the first is taken.
      const names: string[] = [];
      const a = readAlpn(buf, v, ve, names);
      if (a < 0) return a;
      h.alpn = names[0] ?? null;
    }
    return 0;
  });
  return r < 0 ? r : h;
}

/**
 * Walks a hello's extensions block from `p` to `e` (RFC 5246 §7.4.1.2, RFC 8446 §4.2: no block at
 * all, or one that fills the rest exactly), listing each type in `types` and handing its body
 * `[v, ve)` to `each`. Bounded: every step consumes at least the 4-byte extension header. Returns 0,
 * the first negated event `each` returns, or `decoder.tls.malformed`.
 */
function readExtensions(buf: Buffer, p: number, e: number, types: number[], each: (type: number, v: number, ve: number) => number): number {
  const bad = -ev('decoder.tls.malformed');
  if (p === e) return 0;
  if (e - p < 2 || u16(buf, p) !== e - p - 2) return bad;
  p += 2;
  while (p < e) {
    if (e - p < 4) return bad;
    const type = u16(buf, p);
    const v = p + 4;
    const ve = v + u16(buf, p + 2);
    if (ve > e) return bad;
    types.push(type);
    const r = each(type, v, ve);
    if (r < 0) return r;
    p = ve;
  }
  return 0;
}

/** A list of 2-byte values with a 2-byte length (signature algorithms, groups). Returns 0 or a decode event. */
function readU16List(buf: Buffer, v: number, ve: number, out: number[]): number {
  if (ve - v < 2) return -ev('decoder.tls.malformed');
  const n = u16(buf, v);
  if (n !== ve - v - 2 || (n & 1) !== 0) return -ev('decoder.tls.malformed');
  for (let i = v + 2; i < ve; i += 2) out.push(u16(buf, i));
  return 0;
}

/** RFC 8701 §2: GREASE values are 0x?A?A with both bytes equal (0x0a0a, 0x1a1a … 0xfafa). */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

/** `list` without GREASE values (a new array). */
export function withoutGrease(list: readonly number[]): number[] {
  return list.filter((v) => !isGrease(v));
}

function u16(buf: Buffer, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}
