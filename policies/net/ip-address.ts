// IP addresses and prefixes as 32-bit words, the form the packet view and the policy hot path use:
// IPv4 is one uint32 in word 0 (network order, i.e. 192.0.2.1 = 0xc0000201), IPv6 is four words.
// Parsing follows the YANG inet types (RFC 6991): no leading zeros in IPv4, no zone index.

/** Address family as the policy engine counts it: 0 means a frame that carries no IP. */
export type AddressFamily = 0 | 4 | 6;

/** Four 32-bit words, unsigned; IPv4 uses word 0 and leaves the others 0. */
export type AddressWords = readonly [number, number, number, number];

/** A parsed prefix: the network (host bits cleared), its length, and what the text looked like. */
export interface IpPrefix {
  readonly family: 4 | 6;
  readonly words: AddressWords;
  readonly length: number;
  /** True when the text had no `/len` (a bare address, read as a host prefix). */
  readonly bare: boolean;
  /** True when the text set bits beyond the prefix length (they are cleared in `words`). */
  readonly hostBits: boolean;
}

const IPV4_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

/** Parses dotted-quad IPv4 text to a uint32, or returns -1. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let value = 0;
  for (const part of parts) {
    if (!IPV4_OCTET.test(part)) return -1;
    const octet = Number(part);
    if (octet > 255) return -1;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** Parses IPv6 text (RFC 4291 §2.2, with `::` and a trailing dotted quad) to words, or null. */
export function parseIpv6(text: string): AddressWords | null {
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups: number[] = [];
  const pushGroups = (list: string[], allowV4Last: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (allowV4Last && i === list.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 < 0) return false;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!HEXTET.test(g)) return false;
        groups.push(parseInt(g, 16));
      }
    }
    return true;
  };
  if (halves.length === 1) {
    if (!pushGroups(head, true) || groups.length !== 8) return null;
  } else {
    if (!pushGroups(head, false)) return null;
    const headCount = groups.length;
    if (!pushGroups(tail, true)) return null;
    const missing = 8 - groups.length;
    if (missing < 1) return null;
    groups.splice(headCount, 0, ...new Array<number>(missing).fill(0));
  }
  return [
    ((groups[0]! << 16) | groups[1]!) >>> 0,
    ((groups[2]! << 16) | groups[3]!) >>> 0,
    ((groups[4]! << 16) | groups[5]!) >>> 0,
    ((groups[6]! << 16) | groups[7]!) >>> 0,
  ];
}

/** Parses an address of either family. */
export function parseIpAddress(text: string): { family: 4 | 6; words: AddressWords } | null {
  if (text.includes(':')) {
    const w = parseIpv6(text);
    return w ? { family: 6, words: w } : null;
  }
  const v4 = parseIpv4(text);
  return v4 < 0 ? null : { family: 4, words: [v4, 0, 0, 0] };
}

/** The mask word for bit positions [wordIndex*32, wordIndex*32+32) of a prefix of `length`. */
export function maskWord(length: number, wordIndex: number): number {
  const bits = length - wordIndex * 32;
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Parses `addr/len` (or a bare address when `allowBare`) of the given family, or of either family
 * when `family` is omitted. Host bits beyond the length are cleared and flagged.
 */
export function parsePrefix(text: string, family?: 4 | 6): IpPrefix | null {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseIpAddress(addrText);
  if (!addr || (family !== undefined && addr.family !== family)) return null;
  const max = addr.family === 4 ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(lenText)) return null;
    length = Number(lenText);
    if (length > max) return null;
  }
  const masked: number[] = [0, 0, 0, 0];
  let hostBits = false;
  for (let i = 0; i < 4; i++) {
    const m = addr.family === 4 ? (i === 0 ? maskWord(length, 0) : 0) : maskWord(length, i);
    masked[i] = (addr.words[i]! & m) >>> 0;
    if (masked[i] !== addr.words[i]) hostBits = true;
  }
  return {
    family: addr.family,
    words: masked as unknown as AddressWords,
    length,
    bare: slash < 0,
    hostBits,
  };
}

/** True when the address (words in the prefix's family) lies inside the prefix. */
export function prefixContains(p: IpPrefix, w0: number, w1: number, w2: number, w3: number): boolean {
  if (p.family === 4) return ((w0 & maskWord(p.length, 0)) >>> 0) === p.words[0];
  return (
    ((w0 & maskWord(p.length, 0)) >>> 0) === p.words[0] &&
    ((w1 & maskWord(p.length, 1)) >>> 0) === p.words[1] &&
    ((w2 & maskWord(p.length, 2)) >>> 0) === p.words[2] &&
    ((w3 & maskWord(p.length, 3)) >>> 0) === p.words[3]
  );
}

/** Dotted-quad text of a uint32. */
export function formatIpv4(w0: number): string {
  return `${w0 >>> 24}.${(w0 >>> 16) & 255}.${(w0 >>> 8) & 255}.${w0 & 255}`;
}

/** RFC 5952 canonical text of an IPv6 address (lower case, longest zero run compressed). */
export function formatIpv6(w: AddressWords): string {
  const g: number[] = [];
  for (const word of w) g.push(word >>> 16, word & 0xffff);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 §5).
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return `::ffff:${formatIpv4(w[3])}`;
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of a prefix; host prefixes print as the bare address. */
export function formatPrefix(p: IpPrefix): string {
  const addr = p.family === 4 ? formatIpv4(p.words[0]) : formatIpv6(p.words);
  return p.length === (p.family === 4 ? 32 : 128) ? addr : `${addr}/${p.length}`;
}

/** True when prefix `inner` lies entirely inside `outer`. */
export function prefixWithin(inner: IpPrefix, outer: IpPrefix): boolean {
  return (
    inner.family === outer.family &&
    inner.length >= outer.length &&
    prefixContains(outer, inner.words[0], inner.words[1], inner.words[2], inner.words[3])
  );
}
