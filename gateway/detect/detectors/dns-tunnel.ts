// Detects DNS tunnels (iodine, dnscat2, DNS-based C&C): a LAN device asking, under one registrable
// domain, for many unique names that carry encoded data (long or high-entropy labels) or for
// record types that carry data back (TXT, NULL, CNAME, MX). Rule `dns.tunnel`.
//
// Indicators from the published heuristics: long labels and names, character entropy of the
// hostname, uncommon record types and the number of hostnames per domain (G. Farnham, "Detecting
// DNS Tunneling", SANS InfoSec Reading Room, 2013); character-frequency analysis of the leftmost
// labels (K. Born and D. Gustafson, "Detecting DNS Tunnels Using Character Frequency Analysis",
// 2010); iodine prefers NULL records, dnscat2 TXT, CNAME and MX. One indicator alone is not
// enough: a domain needs many unique names AND most of them shaped like data (or mostly
// data-carrying query types) within the window before the rule fires.
import type { AppRecord } from '../../app/app-record.js';
import { DnsType } from '../../app/dns/dns-message.js';
import type { PacketView } from '../../decode/packet-view.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';
import { DomainWindows, forEachLanQuery, type QueryWhere } from '../dns-query-windows.js';
import { labelOctets, nameHash } from '../registrable-domain.js';

/** Settings of `detect.dnsTunnel`. */
export interface DnsTunnelConfig {
  /** Length of the counting window per (device, domain), seconds. Tumbling, opened by the first query. Default 300. */
  windowSeconds: number;
  /** Unique subdomains under one domain within the window before the rule can fire. Default 50. */
  minUniqueSubdomains: number;
  /** A subdomain label at least this long (octets) makes a query tunnel-shaped. Default 40 (the limit is 63). */
  longLabelChars: number;
  /** A whole name at least this long (octets) makes a query tunnel-shaped. Default 100 (the limit is 253). */
  longNameChars: number;
  /** Shannon entropy of the subdomain part, bits per character, at or above which it looks encoded. Default 3.8. */
  entropyBits: number;
  /** Entropy is only judged on subdomain parts at least this long (octets, dots excluded). Default 20. */
  entropyMinChars: number;
  /** Share (0–1) of the unique subdomains that must be tunnel-shaped. Default 0.5. */
  minShapedShare: number;
  /** Share (0–1) of the queries of TXT, NULL, CNAME or MX type that suffices instead. Default 0.5. */
  minTxtShare: number;
  /** (device, domain) pairs tracked; the least recently queried is evicted (`detect.dnsTunnel.table_full`). Default 4096. */
  maxDomains: number;
  /** Subdomain hashes remembered per pair; past it every new-looking name counts as unique. Default 1024. */
  maxUniquePerDomain: number;
}

export const DNS_TUNNEL_DEFAULTS: Readonly<DnsTunnelConfig> = Object.freeze({
  windowSeconds: 300,
  minUniqueSubdomains: 50,
  longLabelChars: 40,
  longNameChars: 100,
  entropyBits: 3.8,
  entropyMinChars: 20,
  minShapedShare: 0.5,
  minTxtShare: 0.5,
  maxDomains: 4096,
  maxUniquePerDomain: 1024,
});

/** Every problem with a dnsTunnel config (empty when it is usable). */
export function dnsTunnelConfigErrors(c: Readonly<DnsTunnelConfig>): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string) => { if (!ok) bad.push(what); };
  const count = (x: number) => Number.isInteger(x) && x >= 1;
  need(c.windowSeconds > 0, 'windowSeconds must be > 0');
  need(count(c.minUniqueSubdomains), 'minUniqueSubdomains must be an integer >= 1');
  need(count(c.longLabelChars), 'longLabelChars must be an integer >= 1');
  need(count(c.longNameChars), 'longNameChars must be an integer >= 1');
  need(c.entropyBits >= 0, 'entropyBits must be >= 0');
  need(count(c.entropyMinChars), 'entropyMinChars must be an integer >= 1');
  need(c.minShapedShare >= 0 && c.minShapedShare <= 1, 'minShapedShare must be within 0..1');
  need(c.minTxtShare >= 0 && c.minTxtShare <= 1, 'minTxtShare must be within 0..1');
  need(count(c.maxDomains), 'maxDomains must be an integer >= 1');
  need(Number.isInteger(c.maxUniquePerDomain) && c.maxUniquePerDomain >= 0, 'maxUniquePerDomain must be an integer >= 0');
  return bad;
}

/** Query types that carry data back to a tunnel client (counted in `txtShare`). */
const DATA_TYPES: ReadonlySet<number> = new Set([DnsType.TXT, DnsType.NULL, DnsType.CNAME, DnsType.MX]);
/** Names kept as evidence per pair. */
const MAX_SAMPLES = 5;

/** Counts of one (device, domain) pair within its window. */
interface DomainState {
  key: string;
  domain: string;
  windowStart: number;
  lastTs: number;
  queries: number;
  dataTypeQueries: number;
  unique: number;
  seen: Set<number>;
  shaped: number;
  maxLabelLength: number;
  entropySum: number;
  entropyN: number;
  samples: string[];
  alerted: boolean;
}

/** Shannon entropy (bits per character) of the characters of `s`, each taken as one octet. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const counts = COUNTS;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[s.charCodeAt(i) & 0xff]!++;
  let h = 0;
  for (let c = 0; c < 256; c++) {
    const k = counts[c]!;
    if (k > 0) {
      const p = k / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}
const COUNTS = new Uint32Array(256);

/** A new window for (device, domain) `key` at `ts`. */
function fresh(key: string, domain: string, ts: number): DomainState {
  return {
      key, domain, windowStart: ts, lastTs: ts, queries: 0, dataTypeQueries: 0, unique: 0, seen: new Set(), shaped: 0,
      maxLabelLength: 0, entropySum: 0, entropyN: 0, samples: [], alerted: false,
    };
}

/** The running detector; counters are public for metrics and tests. */
export class DnsTunnelDetector implements Plugin {
  private readonly windows: DomainWindows<DomainState>;

  /** Throws a RangeError naming every bad key of `cfg`. */
  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<DnsTunnelConfig>) {
    const bad = dnsTunnelConfigErrors(cfg);
    if (bad.length > 0) throw new RangeError(`detect.dnsTunnel: ${bad.join('; ')}`);
    this.windows = new DomainWindows<DomainState>(cfg.windowSeconds * 1e6, cfg.maxDomains, fresh, {
      name: 'detect.dnsTunnel.maxDomains', event: 'detect.dnsTunnel.table_full', counters: host.events,
    });
  }

  /** Pairs evicted at `maxDomains`. */
  get evicted(): number {
    return this.windows.evicted;
  }

  onApp(rec: AppRecord, pv: PacketView): void {
    if (rec.kind !== 'dns') return;
    const msg = rec.msg;
    forEachLanQuery(this.host, msg, pv, (q, qn, where) => {
      const st = this.windows.get(where, qn.domain, pv.ts);
      st.queries++;
      if (DATA_TYPES.has(q.type)) st.dataTypeQueries++;
      if (qn.sub.length > 0) this.countSubdomain(st, q.name, qn.sub, qn.domain.length);
      if (!st.alerted && this.fires(st)) {
        st.alerted = true;
        this.emit(st, where, pv.ts);
      }
    });
  }

  onTick(now: number): void {
    this.windows.expire(now);
  }

  stateSize(): number {
    return this.windows.size;
  }

  private countSubdomain(st: DomainState, name: string, sub: readonly string[], domainLen: number): void {
    const text = sub.join('.');
    const h = nameHash(text);
    if (st.seen.has(h)) return;
    if (st.seen.size < this.cfg.maxUniquePerDomain) st.seen.add(h);
    st.unique++;
    const c = this.cfg;
    let maxLabel = 0;
    let body = '';
    for (const l of sub) {
      const o = labelOctets(l);
      if (o.length > maxLabel) maxLabel = o.length;
      body += o;
    }
    // Octets of the whole name: labels, the dots between them, and the domain.
    const nameLen = body.length + sub.length + domainLen;
    if (maxLabel > st.maxLabelLength) st.maxLabelLength = maxLabel;
    let highEntropy = false;
    if (body.length >= c.entropyMinChars) {
      const e = shannonEntropy(body);
      st.entropySum += e;
      st.entropyN++;
      highEntropy = e >= c.entropyBits;
    }
    const shaped = maxLabel >= c.longLabelChars || nameLen >= c.longNameChars || highEntropy;
    if (shaped) st.shaped++;
    if (st.samples.length < MAX_SAMPLES && (shaped || st.shaped === 0)) st.samples.push(name);
  }

  private fires(st: DomainState): boolean {
    const c = this.cfg;
    if (st.unique < c.minUniqueSubdomains) return false;
    return st.shaped / st.unique >= c.minShapedShare || st.dataTypeQueries / st.queries >= c.minTxtShare;
  }

  private emit(st: DomainState, where: QueryWhere, ts: number): void {
    const meanEntropy = st.entropyN > 0 ? round3(st.entropySum / st.entropyN) : 0;
    const txtShare = round3(st.dataTypeQueries / st.queries);
    this.host.emit({
      rule: 'dns.tunnel', ts, ...where, peer: st.domain,
      message: `${where.src} asked for ${st.unique} unique names under ${st.domain} within ${this.cfg.windowSeconds} s ` +
        `(${Math.round((100 * st.shaped) / st.unique)}% long or high-entropy, ${Math.round(100 * txtShare)}% TXT/NULL/CNAME/MX)`,
      evidence: {
        domain: st.domain, uniqueSubdomains: st.unique, queries: st.queries, shapedShare: round3(st.shaped / st.unique),
        maxLabelLength: st.maxLabelLength, meanEntropy, txtShare, sampleNames: [...st.samples], windowSeconds: this.cfg.windowSeconds,
      },
    });
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The `dnsTunnel` detector kind. */
export const dnsTunnel = plugin<DnsTunnelConfig>({
  name: 'dnsTunnel',
  rules: ['dns.tunnel'],
  defaults: DNS_TUNNEL_DEFAULTS,
  create: (host, cfg) => new DnsTunnelDetector(host, cfg),
});
