// What an ICMP echo payload looks like, for the ICMP tunnel detector: whether it carries an inner
// IP packet (IP over ICMP: icmptunnel, icmptx, hans, the nDPI icmp-tunnel capture), a known tunnel
// tool's header (ptunnel), or the fixed pattern every ordinary `ping` fills its data with. A pure
// function over (buf, offset, length): it checks lengths first, never throws, allocates nothing,
// and answers with a few flag bits.
import { ipv4ToString, ipv6ToString } from '../../common/address-text.js';

/** The payload starts with a plausible IPv4 header (at offset 0, or after hans' 5-byte header). */
export const ECHO_INNER_IPV4 = 1;
/** The payload starts with a plausible IPv6 header. */
export const ECHO_INNER_IPV6 = 2;
/** The payload starts with the ptunnel magic 0xD5200880 (ptunnel's ping-tunnel header). */
export const ECHO_TOOL_MAGIC = 4;
/**
 * The payload is a pattern: empty, one byte repeated, bytes that step by a constant (0x08 0x09 0x0a…
 * of iputils/BSD ping, "abcdefghijklmnopqrstuvwabcdefghi" of Windows ping), or a short pattern
 * repeated (ping -p), allowing the leading timestamp of Unix pings and an odd break. Tunnels carry
 * packets and ciphertext instead.
 */
export const ECHO_PATTERNED = 8;
/** With ECHO_INNER_IPV4 or ECHO_INNER_IPV6: the inner header starts after hans' 5-byte header, not at 0. */
export const ECHO_INNER_SHIFTED = 16;

/** ptunnel's magic number (ptunnel.h `kPing_tunnel_magic`), first word of its echo payloads. */
const PTUNNEL_MAGIC = 0xd5200880;
/** Offset of an inner IP header after hans' header (a 4-byte magic and a type byte); icmptunnel and icmptx put it at 0. */
const HANS_HEADER = 5;
/**
 * Bytes of a Unix ping's leading timestamp skipped by the pattern test: iputils and BSD ping put a
 * struct timeval (8 or 16 bytes) before their incrementing pattern.
 */
const TIMESTAMP_BYTES = 16;
/** Share of byte steps that must follow the pattern (constant step, 0 or +1), or of bytes that repeat with the period. */
const PATTERN_SHARE = 0.8;
/** Bytes the pattern test reads at most: a filler is the same throughout, and a flood of large echoes stays cheap. */
const PATTERN_WINDOW = 256;
/** Longest repeated pattern recognised, bytes: ping -p takes up to 16. */
const MAX_PERIOD = 16;

/**
 * True when the `avail` captured bytes at `off` start with an IPv4 header whose header checksum
 * holds (RFC 791 §3.1; RFC 1071), and whose total length fits the `declared` bytes that follow `off`
 * in the packet. A checksum that holds over 20+ random bytes with the right version and length is a
 * 1 in 2^32 accident, so this does not fire on ordinary data.
 */
function ipv4At(b: Buffer, off: number, avail: number, declared: number): boolean {
  if (avail < 20) return false;
  const v = b[off]!;
  if (v >> 4 !== 4) return false;
  const hl = (v & 0x0f) * 4;
  if (hl < 20 || hl > avail) return false;
  const total = (b[off + 2]! << 8) | b[off + 3]!;
  if (total < hl || total > declared || b[off + 8] === 0) return false; // TTL 0 is never sent
  let sum = 0;
  for (let i = 0; i < hl; i += 2) sum += (b[off + i]! << 8) | b[off + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/**
 * True when the bytes at `off` start with an IPv6 header (RFC 8200 §3) whose payload length fills
 * the `declared` bytes exactly, with a non-zero hop limit. IPv6 has no header checksum: the exact
 * length is the check.
 */
function ipv6At(b: Buffer, off: number, avail: number, declared: number): boolean {
  if (avail < 40 || b[off]! >> 4 !== 6) return false;
  const plen = (b[off + 4]! << 8) | b[off + 5]!;
  return plen + 40 === declared && b[off + 7] !== 0;
}

/** True when the captured bytes look like a filler pattern rather than data (see ECHO_PATTERNED). */
function patterned(b: Buffer, off: number, avail: number): boolean {
  let start = off;
  if (avail >= TIMESTAMP_BYTES + 8) start = off + TIMESTAMP_BYTES;
  const end = Math.min(off + avail, start + PATTERN_WINDOW);
  const n = end - start;
  if (n < 3) return true;
  let good = 0;
  let prev = (b[start + 1]! - b[start]!) & 0xff;
  for (let i = start + 2; i < end; i++) {
    const d = (b[i]! - b[i - 1]!) & 0xff;
    if (d === prev || d === 0 || d === 1) good++;
    prev = d;
  }
  if (good >= (n - 2) * PATTERN_SHARE) return true;
  // A repeated pattern of up to 16 bytes (ping -p ff00…): periodic, give or take a few bytes.
  const slack = n * (1 - PATTERN_SHARE);
  for (let p = 2; p <= MAX_PERIOD && p * 2 <= n; p++) {
    let miss = 0;
    for (let i = start + p; i < end && miss <= slack; i++) if (b[i] !== b[i - p]) miss++;
    if (miss <= slack) return true;
  }
  return false;
}

/**
 * The flags (ECHO_*) of an echo payload: `off` is the first byte after the 8-byte echo header,
 * `avail` the bytes captured from there, `declared` the bytes the IP header says follow (more than
 * `avail` when the snap length cut the packet). A truncated payload is judged on what was captured.
 */
export function echoPayloadFlags(b: Buffer, off: number, avail: number, declared: number): number {
  if (off < 0 || avail <= 0) return ECHO_PATTERNED;
  if (off + avail > b.length) avail = b.length - off;
  if (avail <= 0) return ECHO_PATTERNED;
  let flags = 0;
  if (ipv4At(b, off, avail, declared)) flags = ECHO_INNER_IPV4;
  else if (ipv6At(b, off, avail, declared)) flags = ECHO_INNER_IPV6;
  else if (ipv4At(b, off + HANS_HEADER, avail - HANS_HEADER, declared - HANS_HEADER)) flags = ECHO_INNER_IPV4 | ECHO_INNER_SHIFTED;
  else if (ipv6At(b, off + HANS_HEADER, avail - HANS_HEADER, declared - HANS_HEADER)) flags = ECHO_INNER_IPV6 | ECHO_INNER_SHIFTED;
  if (avail >= 4 && b.readUInt32BE(off) === PTUNNEL_MAGIC) flags |= ECHO_TOOL_MAGIC;
  if (flags === 0 && patterned(b, off, avail)) flags |= ECHO_PATTERNED;
  return flags;
}

/** The addresses and protocol of an inner IP header, for an alert's evidence. */
export interface InnerIpSummary {
  family: 4 | 6;
  /** Inner source and destination, as text. */
  src: string;
  dst: string;
  /** IPv4 protocol or IPv6 next header. */
  proto: number;
}

/**
 * The inner header's addresses, for a payload whose `flags` (from echoPayloadFlags over the same
 * bytes) say it holds one; null otherwise. Allocates: call it once per finding, not per packet.
 */
export function innerIpSummary(b: Buffer, off: number, avail: number, flags: number): InnerIpSummary | null {
  const o = off + ((flags & ECHO_INNER_SHIFTED) !== 0 ? HANS_HEADER : 0);
  const end = Math.min(off + avail, b.length);
  if ((flags & ECHO_INNER_IPV4) !== 0 && o + 20 <= end) {
    return { family: 4, src: ipv4ToString(b.readUInt32BE(o + 12)), dst: ipv4ToString(b.readUInt32BE(o + 16)), proto: b[o + 9]! };
  }
  if ((flags & ECHO_INNER_IPV6) !== 0 && o + 40 <= end) {
    const w = (at: number): string => ipv6ToString(b.readUInt32BE(at), b.readUInt32BE(at + 4), b.readUInt32BE(at + 8), b.readUInt32BE(at + 12));
    return { family: 6, src: w(o + 8), dst: w(o + 24), proto: b[o + 6]! };
  }
  return null;
}
