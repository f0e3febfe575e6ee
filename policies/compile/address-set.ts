// Address sets the flow matcher consults: fixed prefix lists (networks, controllers, local
// networks, other devices) and DNS-learned addresses with an expiry. Lookups take address words
// and allocate nothing.

import { maskWord, type IpPrefix } from '../net/ip-address.js';

/** Something that can say whether an address belongs to it. */
export interface AddressMatcher {
  /** True when the address (IPv4 in w0) is in the set at packet time `nowMicros` (µs since epoch). */
  has(family: 4 | 6, w0: number, w1: number, w2: number, w3: number, nowMicros: number): boolean;
}

/** A replaceable list of prefixes, scanned numerically (lists are short: a handful per class). */
export class PrefixSet implements AddressMatcher {
  private v4: Uint32Array = new Uint32Array(0); // (net, mask) pairs
  private v6: Uint32Array = new Uint32Array(0); // (4 net words, 4 mask words) per prefix
  private list: readonly IpPrefix[] = [];

  constructor(prefixes: readonly IpPrefix[] = []) {
    this.replace(prefixes);
  }

  /** Replaces the contents (e.g. when the set of peer devices changes). */
  replace(prefixes: readonly IpPrefix[]): void {
    this.list = [...prefixes];
    const v4 = prefixes.filter((p) => p.family === 4);
    const v6 = prefixes.filter((p) => p.family === 6);
    this.v4 = new Uint32Array(v4.length * 2);
    v4.forEach((p, i) => { this.v4[i * 2] = p.words[0]; this.v4[i * 2 + 1] = maskWord(p.length, 0); });
    this.v6 = new Uint32Array(v6.length * 8);
    v6.forEach((p, i) => {
      for (let k = 0; k < 4; k++) {
        this.v6[i * 8 + k] = p.words[k]!;
        this.v6[i * 8 + 4 + k] = maskWord(p.length, k);
      }
    });
  }

  /** The prefixes, as given. */
  get prefixes(): readonly IpPrefix[] {
    return this.list;
  }

  has(family: 4 | 6, w0: number, w1: number, w2: number, w3: number): boolean {
    if (family === 4) {
      const a = this.v4;
      for (let i = 0; i < a.length; i += 2) if (((w0 & a[i + 1]!) >>> 0) === a[i]) return true;
      return false;
    }
    const a = this.v6;
    for (let i = 0; i < a.length; i += 8) {
      if (
        ((w0 & a[i + 4]!) >>> 0) === a[i] && ((w1 & a[i + 5]!) >>> 0) === a[i + 1] &&
        ((w2 & a[i + 6]!) >>> 0) === a[i + 2] && ((w3 & a[i + 7]!) >>> 0) === a[i + 3]
      ) return true;
    }
    return false;
  }
}

/** A V6 entry of a {@link DnsAddressSet} bucket. */
interface V6Entry { w0: number; w1: number; w2: number; w3: number; expires: number }

const TWO_32 = 0x100000000;

/**
 * Addresses a DNS name resolved to, each with an expiry (answer time + TTL + grace). Bounded:
 * past `maxEntries` the oldest insertion is evicted and counted.
 */
export class DnsAddressSet implements AddressMatcher {
  /** Key: IPv4 address (< 2^32) → expiry; or 2^32 + hash of an IPv6 address → bucket. */
  private readonly map = new Map<number, number | V6Entry[]>();
  private count = 0;
  /** Entries evicted because the set was full. */
  evictions = 0;

  constructor(readonly name: string, private readonly maxEntries: number, private readonly graceMicros: number) {}

  private static hash6(w0: number, w1: number, w2: number, w3: number): number {
    let h = 0x811c9dc5;
    h = Math.imul(h ^ w0, 0x01000193);
    h = Math.imul(h ^ w1, 0x01000193);
    h = Math.imul(h ^ w2, 0x01000193);
    h = Math.imul(h ^ w3, 0x01000193);
    return TWO_32 + (h >>> 0);
  }

  /** Number of addresses held. */
  get size(): number {
    return this.count;
  }

  /** Records an answer: the name resolved to this address for `ttlSeconds` from `nowMicros`. */
  add(family: 4 | 6, w0: number, w1: number, w2: number, w3: number, ttlSeconds: number, nowMicros: number): void {
    const expires = nowMicros + Math.max(0, ttlSeconds) * 1e6 + this.graceMicros;
    if (family === 4) {
      const key = w0 >>> 0;
      if (this.map.has(key)) this.map.delete(key); // re-insert: newest last
      else { this.makeRoom(); this.count++; }
      this.map.set(key, expires);
      return;
    }
    const key = DnsAddressSet.hash6(w0, w1, w2, w3);
    const bucket = this.map.get(key) as V6Entry[] | undefined;
    const hit = bucket?.find((e) => e.w0 === w0 && e.w1 === w1 && e.w2 === w2 && e.w3 === w3);
    if (hit) { hit.expires = expires; return; }
    this.makeRoom();
    this.count++;
    const entry = { w0: w0 >>> 0, w1: w1 >>> 0, w2: w2 >>> 0, w3: w3 >>> 0, expires };
    if (bucket && this.map.has(key)) bucket.push(entry);
    else this.map.set(key, [entry]);
  }

  private makeRoom(): void {
    while (this.count >= this.maxEntries && this.map.size > 0) {
      const oldest = this.map.keys().next().value as number;
      const v = this.map.get(oldest)!;
      this.map.delete(oldest);
      const n = typeof v === 'number' ? 1 : v.length;
      this.count -= n;
      this.evictions += n;
    }
  }

  has(family: 4 | 6, w0: number, w1: number, w2: number, w3: number, nowMicros: number): boolean {
    if (family === 4) {
      const exp = this.map.get(w0 >>> 0) as number | undefined;
      return exp !== undefined && (nowMicros <= 0 || exp >= nowMicros);
    }
    const bucket = this.map.get(DnsAddressSet.hash6(w0, w1, w2, w3)) as V6Entry[] | undefined;
    if (!bucket) return false;
    for (const e of bucket) {
      if (e.w0 === w0 >>> 0 && e.w1 === w1 >>> 0 && e.w2 === w2 >>> 0 && e.w3 === w3 >>> 0) {
        return nowMicros <= 0 || e.expires >= nowMicros;
      }
    }
    return false;
  }
}
