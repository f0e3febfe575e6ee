// The JA4 TLS client fingerprint (FoxIO JA4 specification, technical_details/JA4.md), e.g.
// "t13d1516h2_8daaf6152771_e5627efa2ab1": a readable part a, a hash of the ciphers, a hash of the extensions.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { TlsExt } from './parse-hello.js';

/** What JA4 reads from a ClientHello, GREASE already removed (RFC 8701; the spec ignores it everywhere). */
export interface Ja4Input {
  legacyVersion: number;
  /** supported_versions values, or null when the extension is absent. */
  supportedVersions: readonly number[] | null;
  ciphers: readonly number[];
  extensions: readonly number[];
  alpn: readonly string[];
  signatureAlgorithms: readonly number[];
  /** The server name the SNI extension held, or null (no extension, or no host_name entry). */
  sni?: string | null;
}

/**
 * Version codes of part a: the spec's table (JA4.md "TLS and DTLS Version", and FoxIO's reference
 * `TlsVersion`), where SSL 2.0 is 0x0002 as SSLv2 writes it; anything else is "00".
 */
const VERSION_CODES: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'], [0x0303, '12'], [0x0302, '11'], [0x0301, '10'], [0x0300, 's3'], [0x0002, 's2'],
  [0xfeff, 'd1'], [0xfefd, 'd2'], [0xfefc, 'd3'],
]);
/** Truncated SHA-256 length, hex characters. */
const HASH_CHARS = 12;
/** Part b or c when its list is empty (the spec's "000000000000"). */
const EMPTY_HASH = '0'.repeat(HASH_CHARS);

/**
 * JA4 of a ClientHello. `transport` is "t" (TLS over TCP) or "q" (QUIC).
 * - a: transport, version (highest supported_versions value, else legacy_version), "d" when the
 *   SNI names a domain, else "i" — the spec's reading ("the destination of the connection is a
 *   domain"): no SNI extension, or one holding an IP literal, which RFC 6066 §3 forbids there and
 *   which names no domain, gives "i" (nDPI does the same; FoxIO's reference code looks at the
 *   extension only, so a non-compliant client's IP-literal SNI is the one case where they part:
 *   see test/app/ja4-ndpi.test.ts), cipher and extension counts (2 digits, capped at 99, SNI and
 *   ALPN included), first and last character of the first ALPN value ("00" without one; the first
 *   and last hex digit of its bytes when either end is not alphanumeric);
 * - b: SHA-256 of the sorted cipher list (4-digit lower-case hex, comma-separated), first 12 chars;
 * - c: the same of the sorted extension list without SNI (0000) and ALPN (0010), then "_" and the
 *   signature algorithms in wire order when there are any.
 */
export function ja4(h: Ja4Input, transport: 't' | 'q' = 't'): string {
  let version = h.legacyVersion;
  if (h.supportedVersions !== null && h.supportedVersions.length > 0) version = Math.max(...h.supportedVersions);
  const sni = h.extensions.includes(TlsExt.SERVER_NAME) && !(h.sni != null && isIP(h.sni) !== 0) ? 'd' : 'i';
  const a = transport + (VERSION_CODES.get(version) ?? '00') + sni + count(h.ciphers.length) + count(h.extensions.length) + alpnCode(h.alpn[0]);
  const ciphers = [...h.ciphers].sort((x, y) => x - y).map(hex4).join(',');
  const exts = h.extensions.filter((e) => e !== TlsExt.SERVER_NAME && e !== TlsExt.ALPN).sort((x, y) => x - y).map(hex4).join(',');
  const sigs = h.signatureAlgorithms.map(hex4).join(',');
  const b = ciphers === '' ? EMPTY_HASH : sha256Prefix(ciphers);
  const c = exts === '' ? EMPTY_HASH : sha256Prefix(sigs === '' ? exts : `${exts}_${sigs}`);
  return `${a}_${b}_${c}`;
}

function count(n: number): string {
  return n > 99 ? '99' : String(n).padStart(2, '0');
}

function alpnCode(first: string | undefined): string {
  if (first === undefined || first.length === 0) return '00';
  const f = first.charCodeAt(0);
  const l = first.charCodeAt(first.length - 1);
  if (isAlnum(f) && isAlnum(l)) return first[0]! + first[first.length - 1]!;
  return hex2(f)[0]! + hex2(l)[1]!;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function hex2(c: number): string {
  return (c & 0xff).toString(16).padStart(2, '0');
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function sha256Prefix(s: string): string {
  return createHash('sha256').update(s, 'latin1').digest('hex').slice(0, HASH_CHARS);
}
