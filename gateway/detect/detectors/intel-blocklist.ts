// Raises intel.blocklist when traffic touches a listed address, network or domain: known C&C
// servers, malware hosts, scanners, from threat-intelligence lists the operator provides
// (`edgeward replay --intel LIST`). Where a listed name shows (Zeek's Intel framework looks in the
// same places: DNS, TLS SNI, HTTP Host): a flow to or from a listed address or network; a DNS query
// for a listed domain or a subdomain of one; a TLS ClientHello whose server name is listed; an HTTP
// request whose Host is listed; a DNS answer whose CNAME chain passes through a listed name (the
// alias a resolver hides a C&C domain behind). The A/AAAA addresses a listed name's answer gives
// then count as listed for the device that asked, for `resolvedSeconds`: its next connection there
// is the listed name's too, even when neither SNI nor Host names it.
import type { AppRecord } from '../../app/app-record.js';
import type { DnsMessage } from '../../app/dns/dns-message.js';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { BoundedTable, TableCap } from '../../common/bounded-table.js';
import { macToString } from '../../common/address-text.js';
import { maskWord, parseIpAddress, parsePrefix, type IpPrefix } from '../../../policies/net/ip-address.js';
import type { Flow } from '../../track/flow.js';
import { Family, type PacketView } from '../../decode/packet-view.js';
import { flowFields, packetFields } from '../../sensor/alert-fields.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.intel`. */
export interface IntelConfig {
  /**
   * Blocklist files, one entry a line: an IPv4 or IPv6 address, a CIDR network, or a domain (which
   * also matches its subdomains; a leading `*.` is allowed). `#` or `;` starts a comment; blank
   * lines are skipped; hosts-file lines (`0.0.0.0 name`, `127.0.0.1 name`) give their name. Other
   * lines are counted as invalid and reported by status(), never fatal. A file that cannot be read
   * at start is an error. Default [].
   */
  lists: readonly string[];
  /**
   * Seconds of packet time between checks of the files' modification time and size; when one
   * changed, every list is read again. 0: never (only reload(), e.g. on SIGHUP). Default 60.
   */
  reloadSeconds: number;
  /**
   * Entries held over all lists; entries past it are not loaded, counted as dropped in status() and
   * as `detect.intel.table_full` (at every load). Default 1,000,000.
   */
  maxEntries: number;
  /**
   * Seconds of packet time an address a listed name resolved to counts as listed for the device
   * that asked (at least the answer's TTL). Default 3600: devices and malware keep a resolved
   * address past a short TTL and reconnect to it for as long as they run.
   */
  resolvedSeconds: number;
  /**
   * (device, address) pairs resolved from listed names held; at the cap the least recently
   * answered is forgotten (counted as `detect.intel.table_full`). Default 4096: each needs a
   * device asking for a listed name, a few per infected device.
   */
  maxResolved: number;
}

/** The defaults, frozen. */
export const INTEL_DEFAULTS: Readonly<IntelConfig> = Object.freeze({
  lists: Object.freeze([]),
  reloadSeconds: 60,
  maxEntries: 1_000_000,
  resolvedSeconds: 3600,
  maxResolved: 4096,
});

/**
 * Where a listed name or address showed: a flow's address (listed, or resolved from a listed name
 * for the device: evidence `resolvedFrom`), a DNS query's name, a name in a DNS answer's CNAME
 * chain, a TLS ClientHello's server name, an HTTP request's Host.
 */
export type IntelWhere = 'address' | 'dns-query' | 'dns-cname' | 'sni' | 'http-host';

/** Longest CNAME chain followed in one answer (RFC 1034 §3.6.2 forbids loops; resolvers stop near 8-16). */
const MAX_CHAIN = 16;

/** What an entry is, and so how it matched. */
export type IntelMatch = 'address' | 'network' | 'domain';

/** One list entry as loaded. */
export interface IntelEntry {
  /** The list file, as configured. */
  list: string;
  /** Line number in it (1-based). */
  line: number;
  /** The entry as it stands in the list (trimmed; domains lower-cased, without `*.` or a final dot). */
  text: string;
  kind: IntelMatch;
}

/** How one list file loaded. */
export interface IntelListStatus {
  file: string;
  addresses: number;
  networks: number;
  domains: number;
  /** Lines that are no entry, and the first (up to 10) of their numbers. */
  invalid: number;
  invalidLines: number[];
  /** Entries already loaded from an earlier line or list. */
  duplicates: number;
  /** Entries past `maxEntries`, not loaded. */
  dropped: number;
  /** Modification time (ms since the epoch) and size of the version loaded. */
  mtimeMs: number;
  size: number;
  /** Why the last reload of this file failed (the entries loaded before stay in force), or null. */
  error: string | null;
}

/** The running detector: lookups plus reload for the daemon. */
export interface IntelDetector extends Plugin {
  /** Reads every list again now (SIGHUP); on a read error the previous entries stay. Returns the status. */
  reload(): readonly IntelListStatus[];
  /** How each list loaded. */
  status(): readonly IntelListStatus[];
}

const MAX_INVALID_LINES = 10;
/** RFC 1035 §2.3.4 / RFC 1123 §2.1 label, plus `_` (seen in real lists and SRV-style names). */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** Text that must be an address or network, never a domain. */
const LOOKS_NUMERIC = /^[0-9./]+$/;

/** The lists, indexed: addresses and networks grouped by prefix length into maps of masked keys. */
class IntelIndex {
  /** IPv4: per prefix length 0..32, masked network (as an int32) → entry; lengths present, longest first. */
  private readonly v4 = new Array<Map<number, IntelEntry> | undefined>(33);
  private v4Lens: number[] = [];
  /** IPv6: per prefix length 0..128, masked words as text → entry. */
  private readonly v6 = new Array<Map<string, IntelEntry> | undefined>(129);
  private v6Lens: number[] = [];
  readonly domains = new Map<string, IntelEntry>();
  size = 0;

  /** Adds a prefix; false if it is already there. */
  addPrefix(p: IpPrefix, e: IntelEntry): boolean {
    if (p.family === 4) {
      let m = this.v4[p.length];
      if (m === undefined) {
        m = this.v4[p.length] = new Map();
        this.v4Lens = [...this.v4Lens, p.length].sort((a, b) => b - a);
      }
      const key = p.words[0] | 0;
      if (m.has(key)) return false;
      m.set(key, e);
    } else {
      let m = this.v6[p.length];
      if (m === undefined) {
        m = this.v6[p.length] = new Map();
        this.v6Lens = [...this.v6Lens, p.length].sort((a, b) => b - a);
      }
      const key = p.words.join(':');
      if (m.has(key)) return false;
      m.set(key, e);
    }
    this.size++;
    return true;
  }

  addDomain(name: string, e: IntelEntry): boolean {
    if (this.domains.has(name)) return false;
    this.domains.set(name, e);
    this.size++;
    return true;
  }

  /** The most specific entry holding an IPv4 address: one map lookup per prefix length present. */
  matchV4(a: number): IntelEntry | undefined {
    const lens = this.v4Lens;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      const hit = this.v4[len]!.get((a & maskWord(len, 0)) | 0);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** The most specific entry holding an IPv6 address (an IPv4-mapped one is looked up as IPv4 too). */
  matchV6(w0: number, w1: number, w2: number, w3: number): IntelEntry | undefined {
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
      const hit = this.matchV4(w3);
      if (hit !== undefined) return hit;
    }
    for (const len of this.v6Lens) {
      const key = `${(w0 & maskWord(len, 0)) >>> 0}:${(w1 & maskWord(len, 1)) >>> 0}:${(w2 & maskWord(len, 2)) >>> 0}:${(w3 & maskWord(len, 3)) >>> 0}`;
      const hit = this.v6[len]!.get(key);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** The entry for a DNS name or its nearest listed parent: one map lookup per label at most. */
  matchName(name: string): IntelEntry | undefined {
    if (this.domains.size === 0) return undefined;
    for (let i = 0; ; ) {
      const hit = this.domains.get(i === 0 ? name : name.slice(i));
      if (hit !== undefined) return hit;
      const dot = name.indexOf('.', i);
      if (dot < 0) return undefined;
      i = dot + 1;
    }
  }
}

/** A domain entry in canonical form (lower case, no `*.`, no final dot), or null if it is not one. */
export function normalizeDomain(text: string): string | null {
  let s = text.toLowerCase();
  if (s.startsWith('*.')) s = s.slice(2);
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253) return null;
  const labels = s.split('.');
  if (!labels.every((l) => LABEL.test(l))) return null;
  // RFC 3696 §2: a top-level domain is never all-numeric (so "300.1.1.1" is no domain).
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return null;
  return s;
}

/** Parses one list file's text into `idx`, counting what it finds; `cap` counts the entries it has no room for. */
function parseList(file: string, text: string, idx: IntelIndex, cap: TableCap, mtimeMs: number, size: number): IntelListStatus {
  const st: IntelListStatus = {
    file, addresses: 0, networks: 0, domains: 0, invalid: 0, invalidLines: [], duplicates: 0, dropped: 0, mtimeMs, size, error: null,
  };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let s = lines[n]!;
    const c = s.search(/[#;]/);
    if (c >= 0) s = s.slice(0, c);
    s = s.trim();
    if (s.length === 0) continue;
    const parts = s.split(/\s+/);
    // Hosts-file form: a sink address, then the name.
    if (parts.length === 2 && (parts[0] === '0.0.0.0' || parts[0] === '127.0.0.1' || parts[0] === '::')) s = parts[1]!;
    else if (parts.length !== 1) s = '';
    let prefix: IpPrefix | null = null;
    let domain: string | null = null;
    if (s.includes(':') || LOOKS_NUMERIC.test(s)) prefix = parsePrefix(s);
    else if (s.length > 0) domain = normalizeDomain(s);
    if (prefix === null && domain === null) {
      st.invalid++;
      if (st.invalidLines.length < MAX_INVALID_LINES) st.invalidLines.push(n + 1);
      continue;
    }
    // The lists' first entries stay: one past the cap is refused, not swapped for an earlier one.
    if (cap.full(idx.size)) { st.dropped++; cap.evict(); continue; }
    if (prefix !== null) {
      const host = prefix.length === (prefix.family === 4 ? 32 : 128);
      const entry: IntelEntry = { list: file, line: n + 1, text: s, kind: host ? 'address' : 'network' };
      if (!idx.addPrefix(prefix, entry)) st.duplicates++;
      else if (host) st.addresses++;
      else st.networks++;
    } else {
      const entry: IntelEntry = { list: file, line: n + 1, text: domain!, kind: 'domain' };
      if (!idx.addDomain(domain!, entry)) st.duplicates++;
      else st.domains++;
    }
  }
  return st;
}

/** An address a listed name resolved to, for one device. */
interface Resolved {
  entry: IntelEntry;
  /** The listed name in the chain, and the chain from the question to the address's owner. */
  name: string;
  chain: string[];
  /** Packet time until which it counts, µs. */
  untilTs: number;
}

/** Key of a (client, address) pair: the family, then each's words as unsigned numbers. */
function pairKey(family: number, c0: number, c1: number, c2: number, c3: number, w: readonly number[]): string {
  return family === 4 ? `${c0 >>> 0}>${w[0]! >>> 0}` : `${c0 >>> 0},${c1 >>> 0},${c2 >>> 0},${c3 >>> 0}>${w[0]! >>> 0},${w[1]! >>> 0},${w[2]! >>> 0},${w[3]! >>> 0}`;
}

/** A server name as sent (SNI, Host without its port), in list form; null for an address literal or no name. */
export function hostName(text: string | null): string | null {
  if (text === null) return null;
  let h = text.trim().toLowerCase();
  if (h.startsWith('[')) return null; // an IPv6 literal (RFC 3986 §3.2.2)
  const colon = h.indexOf(':');
  if (colon >= 0) {
    if (h.indexOf(':', colon + 1) >= 0) return null; // a bare IPv6 address
    h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length === 0 || LOOKS_NUMERIC.test(h)) return null;
  return h;
}

/**
 * The names a DNS answer leads through from its question: the question, then each CNAME target in
 * turn (RFC 1034 §3.6.2), at most MAX_CHAIN long; and the A/AAAA records of any of them.
 */
function cnameChain(msg: DnsMessage): { chain: string[]; addrs: { name: string; data: string; ttl: number }[] } {
  const q = msg.questions[0]!.name;
  const chain = [q];
  const next = new Map<string, string>();
  const addrs: { name: string; data: string; ttl: number }[] = [];
  for (const r of msg.answers) {
    if (r.type === 5 && r.data !== null) next.set(r.name, r.data); // CNAME
    else if ((r.type === 1 || r.type === 28) && r.data !== null) addrs.push({ name: r.name, data: r.data, ttl: r.ttl }); // A, AAAA
  }
  for (let n = next.get(q); n !== undefined && chain.length < MAX_CHAIN && !chain.includes(n); n = next.get(n)) chain.push(n);
  return { chain, addrs: addrs.filter((a) => chain.includes(a.name)) };
}

/**
 * The `intel` detector. Alert: rule intel.blocklist, dedup peer = the list entry (so one alert per
 * (device, entry), however many places it shows). Evidence: `list`, `line`, `entry`, `match` (what
 * the entry is: address, network, domain), `where` (IntelWhere), and per place: `address` and
 * `side` (flows), `name` (the name that matched), `qtype` (queries), `chain` (CNAME answers and
 * resolved addresses), `resolvedFrom` (an address resolved from a listed name).
 */
export const intel = plugin<IntelConfig>({
  name: 'intel',
  rules: ['intel.blocklist'],
  defaults: INTEL_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<IntelConfig>): IntelDetector {
    let index = new IntelIndex();
    let status: IntelListStatus[] = [];
    let nextCheck = -1;
    const cap = new TableCap({ name: 'detect.intel.maxEntries', capacity: cfg.maxEntries, counters: host.events, event: 'detect.intel.table_full' });
    const resolvedUs = cfg.resolvedSeconds * 1e6;
    /** (client, address) → the listed name it came from; least recently answered first. */
    const resolved = new BoundedTable<string, Resolved>({
      name: 'detect.intel.maxResolved', capacity: cfg.maxResolved, order: 'lru', counters: host.events, event: 'detect.intel.table_full',
    });
    /** Reads every list into a new index and swaps it in. `strict`: a read error throws (start). */
    const readAll = (strict: boolean): void => {
      const idx = new IntelIndex();
      const next: IntelListStatus[] = [];
      for (const file of cfg.lists) {
        let text: string;
        let mtimeMs: number;
        let size: number;
        try {
          ({ mtimeMs, size } = statSync(file));
          text = readFileSync(file, 'utf8');
        } catch (err) {
          const why = `cannot read ${file}: ${(err as Error).message}`;
          if (strict) throw new Error(`detect.intel.lists: ${why}`, { cause: err });
          // A list being rewritten must not switch the intel off: keep what is loaded.
          for (const s of status) if (s.file === file) s.error = why;
          return;
        }
        next.push(parseList(file, text, idx, cap, mtimeMs, size));
      }
      index = idx;
      status = next;
    };

    /** True when a list's modification time or size differs from the version loaded (or it is gone). */
    const changed = (): boolean => {
      for (const s of status) {
        try {
          const now = statSync(s.file);
          if (now.mtimeMs !== s.mtimeMs || now.size !== s.size) return true;
        } catch {
          return true;
        }
      }
      return false;
    };

    const matchSide = (f: Flow, side: 'a' | 'b'): IntelEntry | undefined => {
      if (side === 'a') return f.family === 4 ? index.matchV4(f.a0) : index.matchV6(f.a0, f.a1, f.a2, f.a3);
      return f.family === 4 ? index.matchV4(f.b0) : index.matchV6(f.b0, f.b1, f.b2, f.b3);
    };

    readAll(true);

    /** A listed name seen in a flow's TLS or HTTP: one alert, the flow's fields. */
    const nameOnFlow = (f: Flow, name: string, hit: IntelEntry, where: 'sni' | 'http-host', ts: number): void => {
      const w = flowFields(host, f);
      const what = where === 'sni' ? 'TLS server name' : 'HTTP Host';
      host.emit({
        rule: 'intel.blocklist', ts, ...w, peer: hit.text,
        message: `${what} ${name} (to ${w.dst}) is on blocklist ${basename(hit.list)} (domain ${hit.text})`,
        evidence: { list: hit.list, line: hit.line, entry: hit.text, match: hit.kind, where, name, address: w.dst },
      });
    };

    /** A DNS answer: a listed name in its CNAME chain is a finding; a listed chain's addresses count as listed for the asker. */
    const answer = (msg: DnsMessage, pv: PacketView): void => {
      if (msg.rcode !== 0 || msg.questions.length === 0 || msg.answers.length === 0) return;
      const { chain, addrs } = cnameChain(msg);
      let hit: IntelEntry | undefined;
      let at = -1;
      for (let i = 0; i < chain.length && hit === undefined; i++) { hit = index.matchName(chain[i]!); at = i; }
      if (hit === undefined) return;
      const name = chain[at]!;
      // The asker is the answer's receiver.
      const v4 = pv.family === Family.V4;
      const fields = packetFields(host, pv);
      const local = v4 ? host.local.hasV4(pv.dst0) : host.local.hasV6(pv.dst0, pv.dst1, pv.dst2, pv.dst3);
      const device = local && pv.dstMac >= 0 && host.devices.get(pv.dstMac) ? macToString(pv.dstMac) : null;
      // The question itself was reported with the query; a name further down the chain is news.
      if (at > 0) {
        host.emit({
          rule: 'intel.blocklist', ts: pv.ts, ...fields, device, peer: hit.text,
          message: `DNS answer for ${chain[0]} is an alias of ${name}, on blocklist ${basename(hit.list)} (domain ${hit.text})`,
          evidence: { list: hit.list, line: hit.line, entry: hit.text, match: hit.kind, where: 'dns-cname', name, chain, addresses: addrs.map((x) => x.data) },
        });
      }
      for (const x of addrs) {
        const ip = parseIpAddress(x.data);
        if (ip === null) continue;
        const key = pairKey(ip.family, pv.dst0, pv.dst1, pv.dst2, pv.dst3, ip.words);
        const r: Resolved = { entry: hit, name, chain, untilTs: pv.ts + Math.max(resolvedUs, x.ttl * 1e6) };
        if (resolved.peek(key) !== undefined) resolved.set(key, r);
        else resolved.add(key, r);
      }
    };

    return {
      onFlowStart(f): void {
        if (f.family !== 4 && f.family !== 6) return;
        // The responder first: most often the listed side is the one a device reached out to.
        let side: 'a' | 'b' = 'b';
        let hit: IntelEntry | undefined;
        if (index.size !== index.domains.size) {
          hit = matchSide(f, 'b');
          if (hit === undefined) { side = 'a'; hit = matchSide(f, 'a'); }
        }
        let from: Resolved | undefined;
        if (hit === undefined && resolved.size > 0) {
          const key = pairKey(f.family, f.a0, f.a1, f.a2, f.a3, [f.b0, f.b1, f.b2, f.b3]);
          from = resolved.peek(key);
          if (from !== undefined && f.firstTs > from.untilTs) { resolved.delete(key); from = undefined; }
          if (from !== undefined) { side = 'b'; hit = from.entry; }
        }
        if (hit === undefined) return;
        const where = flowFields(host, f);
        const address = side === 'a' ? where.src : where.dst;
        host.emit({
          rule: 'intel.blocklist', ts: f.firstTs, ...where, peer: hit.text,
          message: from === undefined
            ? `${address} is on blocklist ${basename(hit.list)} (${hit.kind} ${hit.text})`
            : `${address} is what ${from.name} resolved to for ${where.src}, on blocklist ${basename(hit.list)} (domain ${hit.text})`,
          evidence: from === undefined
            ? { list: hit.list, line: hit.line, entry: hit.text, match: hit.kind, where: 'address', address, side: side === 'a' ? 'initiator' : 'responder' }
            : { list: hit.list, line: hit.line, entry: hit.text, match: hit.kind, where: 'address', address, side: 'responder', resolvedFrom: from.name, chain: from.chain },
        });
      },
      onApp(rec: AppRecord, pv: PacketView, flow: Flow | null): void {
        if (index.domains.size === 0) return;
        switch (rec.kind) {
          case 'tls.client_hello': {
            const name = hostName(rec.sni);
            const hit = name === null ? undefined : index.matchName(name);
            if (hit !== undefined && flow !== null) nameOnFlow(flow, name!, hit, 'sni', rec.ts);
            return;
          }
          case 'http.request': {
            // Once per connection and Host: the requests after the first repeat it.
            if (flow === null || (rec.index > 0 && rec.host === flow.httpHost)) return;
            const name = hostName(rec.host);
            const hit = name === null ? undefined : index.matchName(name);
            if (hit !== undefined) nameOnFlow(flow, name!, hit, 'http-host', rec.ts);
            return;
          }
          case 'dns':
            break;
          default:
            return;
        }
        const msg = rec.msg;
        // mDNS names are link-local (RFC 6762): no blocklist concerns them.
        if (rec.flavor === 'mdns' || pv.srcPort === 5353 || pv.dstPort === 5353) return;
        if (msg.qr) { answer(msg, pv); return; }
        for (const q of msg.questions) {
          const hit = index.matchName(q.name);
          if (hit === undefined) continue;
          host.emit({
            rule: 'intel.blocklist', ts: pv.ts, ...packetFields(host, pv), peer: hit.text,
            message: `DNS query for ${q.name}, on blocklist ${basename(hit.list)} (domain ${hit.text})`,
            evidence: { list: hit.list, line: hit.line, entry: hit.text, match: hit.kind, where: 'dns-query', name: q.name, qtype: q.type },
          });
        }
      },
      onTick(now): void {
        if (cfg.reloadSeconds <= 0 || cfg.lists.length === 0) return;
        if (nextCheck < 0) { nextCheck = now + cfg.reloadSeconds * 1e6; return; }
        if (now < nextCheck) return;
        nextCheck = now + cfg.reloadSeconds * 1e6;
        if (changed()) readAll(false);
      },
      stateSize(): number {
        return index.size + resolved.size;
      },
      reload(): readonly IntelListStatus[] {
        readAll(false);
        return status;
      },
      status(): readonly IntelListStatus[] {
        return status;
      },
    };
  },
});
