// Detects DNS tunnels (iodine, dnscat2, DNS-based C&C), rule `dns.tunnel`, two ways:
// - volume (severity of the rule, high): a LAN device asking, under one registrable domain, for
//   many unique names that carry encoded data (long or high-entropy labels) or for record types
//   that carry data back (TXT, NULL, CNAME, MX);
// - one query (severity `querySeverity`, medium): a query of a type no ordinary client asks for
//   but tunnels do: NULL (type 10, RFC 1035 §3.3.10 "experimental", anything up to 65535 octets;
//   iodine's first choice for downstream data) or a private-use type (65280–65534, RFC 6895 §3.1;
//   iodine's "PRIVATE" is 65399). nDPI lists NULL among the record types it reports as
//   NDPI_DNS_SUSPICIOUS_TRAFFIC. Once per (device, domain) and window.
//
// Indicators from the published heuristics: long labels and names, character entropy of the
// hostname, uncommon record types and the number of hostnames per domain (G. Farnham, "Detecting
// DNS Tunneling", SANS InfoSec Reading Room, 2013); character-frequency analysis of the leftmost
// labels (K. Born and D. Gustafson, "Detecting DNS Tunnels Using Character Frequency Analysis",
// 2010); iodine prefers NULL records, dnscat2 TXT, CNAME and MX. For the volume path one indicator is not
// enough: a domain needs many unique names AND most of them shaped like data (or mostly
// data-carrying query types) within the window before the rule fires.
import { SEVERITIES, type Severity } from '../../alerts/rules.js';
import type { AppRecord } from '../../app/app-record.js';
import { DnsType } from '../../app/dns/dns-message.js';
import type { PacketView } from '../../decode/packet-view.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';
import { DomainWindows, forEachLanQuery, type QueryWhere } from '../dns-query-windows.js';
import { scoreQueryName, shannonEntropy } from '../dns-query-score.js';
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
  /**
   * Query types that one query of is a finding (with a subdomain in front of the domain).
   * Default [10] (NULL): no resolver library or application asks for it; iodine does.
   */
  rareQueryTypes: readonly number[];
  /** Also count the private-use types 65280–65534 (RFC 6895 §3.1) as rare. Default true (iodine's PRIVATE type is 65399). */
  privateQueryTypes: boolean;
  /** Severity of a one-query finding. Default "medium": one odd query, not yet a session; the volume path keeps high. */
  querySeverity: Severity;
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
  rareQueryTypes: Object.freeze([DnsType.NULL]),
  privateQueryTypes: true,
  querySeverity: 'medium',
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
  need(Array.isArray(c.rareQueryTypes) && c.rareQueryTypes.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xffff), 'rareQueryTypes must be a list of integers 0..65535');
  need(typeof c.privateQueryTypes === 'boolean', 'privateQueryTypes must be true or false');
  need(SEVERITIES.includes(c.querySeverity), `querySeverity must be one of ${SEVERITIES.join(', ')}`);
  return bad;
}

/** First and last private-use RR type (RFC 6895 §3.1). */
const PRIVATE_TYPE_FIRST = 0xff00;
const PRIVATE_TYPE_LAST = 0xfffe;
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
  /** The volume alert was raised in this window. */
  alerted: boolean;
  /** No one-query alert in this window: one was raised, or the volume alert was raised in this or the last window. */
  queryDone: boolean;
}

/** A new window for (device, domain) `key` at `ts`; no one-query alert after a window that raised the volume one. */
function fresh(key: string, domain: string, ts: number, prev: DomainState | undefined): DomainState {
  return {
    key, domain, windowStart: ts, lastTs: ts, queries: 0, dataTypeQueries: 0, unique: 0, seen: new Set(), shaped: 0,
    maxLabelLength: 0, entropySum: 0, entropyN: 0, samples: [], alerted: false, queryDone: prev?.alerted === true,
  };
}

/** The running detector; counters are public for metrics and tests. */
export class DnsTunnelDetector implements Plugin {
  private readonly windows: DomainWindows<DomainState>;
  private readonly rareTypes: ReadonlySet<number>;

  /** Throws a RangeError naming every bad key of `cfg`. */
  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<DnsTunnelConfig>) {
    const bad = dnsTunnelConfigErrors(cfg);
    if (bad.length > 0) throw new RangeError(`detect.dnsTunnel: ${bad.join('; ')}`);
    this.rareTypes = new Set(cfg.rareQueryTypes);
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
        st.queryDone = true;
        this.emit(st, where, pv.ts);
      } else if (!st.queryDone && qn.sub.length > 0 && this.isRare(q.type)) {
        st.queryDone = true;
        this.emitQuery(st, where, pv.ts, q.name, q.type, qn.sub);
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

  private isRare(type: number): boolean {
    return this.rareTypes.has(type) || (this.cfg.privateQueryTypes && type >= PRIVATE_TYPE_FIRST && type <= PRIVATE_TYPE_LAST);
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
        mode: 'volume', domain: st.domain, uniqueSubdomains: st.unique, queries: st.queries, shapedShare: round3(st.shaped / st.unique),
        maxLabelLength: st.maxLabelLength, meanEntropy, txtShare, sampleNames: [...st.samples], windowSeconds: this.cfg.windowSeconds,
      },
    });
  }

  /** One query of a rare type; its own dedup peer so the later volume alert is not folded into it. */
  private emitQuery(st: DomainState, where: QueryWhere, ts: number, name: string, qtype: number, sub: readonly string[]): void {
    const s = scoreQueryName(sub);
    const typeName = qtype === DnsType.NULL ? 'NULL' : `TYPE${qtype}`;
    this.host.emit({
      rule: 'dns.tunnel', ts, ...where, peer: `${st.domain} (one query)`, severity: this.cfg.querySeverity,
      message: `${where.src} asked for ${typeName} records of a name under ${st.domain}, a type only tunnels such as iodine ask for`,
      evidence: {
        mode: 'query', domain: st.domain, name, qtype, qtypeName: typeName, labelLengths: s.labelLengths, entropy: s.entropy,
        encoding: s.encoding, payloadBits: s.payloadBits, nonHostnameOctets: s.nonHostnameOctets, windowSeconds: this.cfg.windowSeconds,
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
