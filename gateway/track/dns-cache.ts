// The gateway's view of DNS: which names resolved to which addresses, until when (packet time).
// MUD `dst-dnsname` ACEs match through it, so CNAME chains count: an address answered for
// cdn.example.net after "api.vendor.com CNAME cdn.example.net" belongs to both names.
import { BoundedTable } from '../common/bounded-table.js';
import type { DecodeCounters } from '../common/events.js';
import type { DnsConfig } from './track-config.js';
import { DnsType, type DnsMessage } from '../app/dns/dns-message.js';

/** An address key: IPv4 as its 32-bit number, IPv6 as RFC 5952 text. */
export type AddrKey = number | string;

/** Told of every (name, address) pair an answer adds or refreshes: expiry and the answer's packet time, µs. */
export type DnsAnswerListener = (name: string, addr: AddrKey, family: 4 | 6, expiresTs: number, ts: number) => void;

/** Longest CNAME chain followed (loops in hostile answers end here). */
const MAX_CHAIN = 16;

/** The cache. Both maps are capped through `maxNames` and `maxAddressesPerName`. */
export class DnsCache {
  /**
   * name → address → expiry (µs), least recently answered first; capped at maxNames
   * (`dns.table_full`), an evicted name's addresses unlinked from byAddr.
   */
  private readonly byName: BoundedTable<string, Map<AddrKey, number>>;
  /** address → name → expiry (µs). Bounded through byName: every entry is one of its (name, address) pairs. */
  private readonly byAddr = new Map<AddrKey, Map<string, number>>();
  private readonly listeners: DnsAnswerListener[] = [];
  /** Answers taken in. */
  answers = 0;

  /** `counters`: the sensor's named-event counters, where `dns.table_full` is counted. */
  constructor(private readonly cfg: DnsConfig, counters?: DecodeCounters) {
    this.byName = new BoundedTable<string, Map<AddrKey, number>>({
      name: 'dns.maxNames', capacity: cfg.maxNames, order: 'lru', counters, event: 'dns.table_full',
      onEvict: (name, addrs) => { for (const a of addrs.keys()) this.unlink(a, name); },
    });
  }

  /** Names evicted at the cap. */
  get evicted(): number {
    return this.byName.evicted;
  }

  addListener(l: DnsAnswerListener): void {
    this.listeners.push(l);
  }

  /** Number of names held. */
  get size(): number {
    return this.byName.size;
  }

  /** Takes in a DNS response seen at packet time `ts` (µs). Queries and errors are ignored. */
  onMessage(msg: DnsMessage, ts: number): void {
    if (!msg.qr || msg.rcode !== 0 || msg.answers.length === 0) return;
    this.answers++;
    // alias → canonical, from the CNAME records of this answer (RFC 1034 §3.6.2).
    const aliasesOf = new Map<string, { alias: string; ttl: number }[]>();
    for (const r of msg.answers) {
      if (r.type === DnsType.CNAME && r.data !== null) {
        let l = aliasesOf.get(r.data);
        if (!l) aliasesOf.set(r.data, (l = []));
        l.push({ alias: r.name, ttl: r.ttl });
      }
    }
    const grace = this.cfg.ttlGraceSeconds;
    for (const r of msg.answers) {
      if ((r.type !== DnsType.A && r.type !== DnsType.AAAA) || r.data === null) continue;
      const family = r.type === DnsType.A ? 4 : 6;
      const key: AddrKey = family === 4 ? ipv4Key(r.data) : r.data;
      // Walk back from the owner name through every alias that led to it, keeping the smallest TTL.
      const todo: { name: string; ttl: number; depth: number }[] = [{ name: r.name, ttl: r.ttl, depth: 0 }];
      const seen = new Set<string>();
      while (todo.length > 0) {
        const { name, ttl, depth } = todo.pop()!;
        if (seen.has(name)) continue;
        seen.add(name);
        this.put(name, key, family, ts + (ttl + grace) * 1e6, ts);
        if (depth >= MAX_CHAIN) continue;
        for (const a of aliasesOf.get(name) ?? []) todo.push({ name: a.alias, ttl: Math.min(ttl, a.ttl), depth: depth + 1 });
      }
    }
  }

  /** Names that resolved to `addr` and have not expired at `ts`. */
  namesFor(addr: AddrKey, ts: number): string[] {
    const m = this.byAddr.get(addr);
    if (!m) return [];
    const out: string[] = [];
    for (const [name, exp] of m) if (exp > ts) out.push(name);
    return out;
  }

  /** Addresses `name` resolved to that have not expired at `ts`. */
  addressesFor(name: string, ts: number): AddrKey[] {
    const m = this.byName.peek(name);
    if (!m) return [];
    const out: AddrKey[] = [];
    for (const [a, exp] of m) if (exp > ts) out.push(a);
    return out;
  }

  /** Addresses `name` resolved to, with their expiry (µs), not expired at `ts`. */
  entriesFor(name: string, ts: number): [AddrKey, number][] {
    const m = this.byName.peek(name);
    if (!m) return [];
    const out: [AddrKey, number][] = [];
    for (const [a, exp] of m) if (exp > ts) out.push([a, exp]);
    return out;
  }

  /** Drops every record expired at `ts`. */
  sweep(ts: number): void {
    for (const [name, addrs] of this.byName) {
      for (const [a, exp] of addrs) if (exp <= ts) { addrs.delete(a); this.unlink(a, name); }
      if (addrs.size === 0) this.byName.delete(name);
    }
  }

  private put(name: string, addr: AddrKey, family: 4 | 6, expires: number, ts: number): void {
    let addrs = this.byName.peek(name);
    if (addrs) {
      this.byName.touch(name, addrs); // most recently answered last
    } else {
      addrs = new Map();
      this.byName.add(name, addrs); // at the cap the least recently answered name goes first
    }
    const prev = addrs.get(addr);
    if (prev === undefined && addrs.size >= this.cfg.maxAddressesPerName) {
      const [oldA] = addrs.keys();
      addrs.delete(oldA);
      this.unlink(oldA, name);
    }
    if (prev === undefined || expires > prev) addrs.set(addr, expires);
    let names = this.byAddr.get(addr);
    if (!names) this.byAddr.set(addr, (names = new Map<string, number>()));
    if ((names.get(name) ?? 0) < expires) names.set(name, expires);
    for (const l of this.listeners) l(name, addr, family, expires, ts);
  }

  private unlink(addr: AddrKey, name: string): void {
    const m = this.byAddr.get(addr);
    if (!m) return;
    m.delete(name);
    if (m.size === 0) this.byAddr.delete(addr);
  }
}

/** IPv4 dotted text to the numeric key. */
export function ipv4Key(text: string): number {
  const p = text.split('.');
  return ((+p[0]! << 24) | (+p[1]! << 16) | (+p[2]! << 8) | +p[3]!) >>> 0;
}
