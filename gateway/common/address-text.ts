// Text forms of the numeric addresses the packet view holds, for values leaving the hot path (a
// new device, a JSON summary). The strict RFC 6991 parsers and the RFC 5952 formatter live in
// policies/net; these wrappers also take what operators type: dashes in MACs, upper case,
// surrounding blanks, an IPv6 zone id.
import { formatIpv4, formatIpv6, parseIpv4 as strictIpv4, parseIpv6 as strictIpv6 } from '../../policies/net/ip-address.js';
import { formatMac, parseMac as strictMac } from '../../policies/net/mac-address.js';

/** 48-bit MAC integer to "aa:bb:cc:dd:ee:ff". */
export const macToString: (mac: number) => string = formatMac;

/** IPv4 as a 32-bit unsigned integer to dotted quad. */
export const ipv4ToString: (a: number) => string = formatIpv4;

/** IPv6 from four 32-bit words to RFC 5952 text. */
export function ipv6ToString(w0: number, w1: number, w2: number, w3: number): string {
  return formatIpv6([w0, w1, w2, w3]);
}

/** "aa:bb:cc:dd:ee:ff" or "AA-BB-…" to the 48-bit integer, or -1 if malformed. */
export function parseMac(text: string): number {
  return strictMac(text.trim().replace(/-/g, ':').toLowerCase());
}

/** Dotted quad to a 32-bit unsigned integer, or -1 if malformed. */
export function parseIpv4(text: string): number {
  return strictIpv4(text.trim());
}

/** IPv6 text to four 32-bit words, or null if malformed. A zone id ("%eth0") is dropped. */
export function parseIpv6(text: string): [number, number, number, number] | null {
  let s = text.trim();
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const w = strictIpv6(s);
  return w === null ? null : [w[0], w[1], w[2], w[3]];
}
