// Text forms of the numeric addresses the packet view holds. Called when a value leaves the hot
// path (a new device, a JSON summary), never per packet.

/** 48-bit MAC integer to "aa:bb:cc:dd:ee:ff". */
export function macToString(mac: number): string {
  const hi = Math.floor(mac / 4294967296);
  const lo = mac >>> 0;
  const h = (n: number) => (n < 16 ? '0' : '') + n.toString(16);
  return `${h(hi >>> 8)}:${h(hi & 0xff)}:${h(lo >>> 24)}:${h((lo >>> 16) & 0xff)}:${h((lo >>> 8) & 0xff)}:${h(lo & 0xff)}`;
}

/** "aa:bb:cc:dd:ee:ff" (or with dashes, any case) to the 48-bit integer, or -1 if malformed. */
export function parseMac(text: string): number {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(text.trim());
  if (!m) return -1;
  return parseInt(m.slice(1).join(''), 16);
}

/** IPv4 as a 32-bit unsigned integer to dotted quad. */
export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** Dotted quad to a 32-bit unsigned integer, or -1 if malformed. */
export function parseIpv4(text: string): number {
  const p = text.split('.');
  if (p.length !== 4) return -1;
  let n = 0;
  for (const s of p) {
    if (!/^\d{1,3}$/.test(s)) return -1;
    const v = Number(s);
    if (v > 255) return -1;
    n = n * 256 + v;
  }
  return n;
}

/** IPv6 from four 32-bit words to RFC 5952 text (lower case, longest zero run compressed). */
export function ipv6ToString(w0: number, w1: number, w2: number, w3: number): string {
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // RFC 5952 §4.2.3: compress the longest run of two or more zero groups, the first if tied.
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 §5).
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${ipv4ToString(w3)}`;
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** IPv6 text to four 32-bit words, or null if malformed. Accepts "::" and a dotted IPv4 tail. */
export function parseIpv6(text: string): [number, number, number, number] | null {
  let s = text.trim().toLowerCase();
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct); // zone id
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 < 0) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lastColon + 1) + (s[lastColon - 1] === ':' ? '' : '0');
    if (s.endsWith(':0')) s = s.slice(0, -2);
  }
  const dbl = s.split('::');
  if (dbl.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(dbl[0]!);
  const rest = dbl.length === 2 ? parse(dbl[1]!) : [];
  const groups: number[] = [];
  for (const h of [...head, ...rest]) {
    if (!/^[0-9a-f]{1,4}$/.test(h)) return null;
  }
  const total = head.length + rest.length + tail.length;
  if (dbl.length === 1 && total !== 8) return null;
  if (dbl.length === 2 && total > 7) return null;
  groups.push(...head.map((h) => parseInt(h, 16)));
  if (dbl.length === 2) for (let i = 0; i < 8 - total; i++) groups.push(0);
  groups.push(...rest.map((h) => parseInt(h, 16)), ...tail);
  const w = (i: number) => ((groups[i]! << 16) | groups[i + 1]!) >>> 0;
  return [w(0), w(2), w(4), w(6)];
}
