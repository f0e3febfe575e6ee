// Detects data leaving in DNS query names, rule `dns.exfiltration`, two ways:
// - volume (severity of the rule, high): per (LAN device, registrable domain), the octets a device
//   puts in front of the domain in unique names within a window;
// - one query (severity `querySeverity`, medium): a single name whose labels carry encoded
//   payload (dns-query-score.ts: hex, base32, base64 or binary runs worth `minPayloadBits`), once
//   per (device, domain) and window. One name is one finding, not yet a flow of data: a medium
//   alert, raised at the first such query; the volume path still raises the high one.
//
// A resolver forwards whatever a client writes into a name to the domain's authoritative server,
// so the bytes of unique subdomains are a bound on what can leave that way (V. Paxson et al.,
// "Practical Comprehensive Bounds on Surreptitious Communication Over DNS", USENIX Security 2013,
// bound the information each client sends per registered domain over time). Normal lookups repeat a few short names
// (a CDN hash name is 10–20 octets); 10 KB of unique subdomain text to one domain in 10 minutes,
// or a hundred unique names of 50+ octets, is data. Repeats of a name are not counted twice.
import { SEVERITIES, type Severity } from '../../alerts/rules.js';
import type { AppRecord } from '../../app/app-record.js';
import type { PacketView } from '../../decode/packet-view.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';
import { DomainWindows, forEachLanQuery, type QueryWhere } from '../dns-query-windows.js';
import { QUERY_SCORE_DEFAULTS, queryScoreConfigErrors, scoreQueryName, type QueryScore, type QueryScoreConfig } from '../dns-query-score.js';
import { labelOctets, nameHash } from '../registrable-domain.js';

/**
 * Settings of `detect.dnsExfiltration`. The per-query thresholds (`minPayloadBits`,
 * `longRunChars`, `minRunChars`, `maxVowelShare`, `minEntropyRatio`, `minBinaryShare`) are
 * documented in dns-query-score.ts.
 */
export interface DnsExfiltrationConfig extends QueryScoreConfig {
  /** Judge each unique query name on its own (the one-query path). Default true. */
  perQuery: boolean;
  /**
   * Severity of a one-query finding. Default "medium": one name carrying encoded data is a strong
   * sign but a single event (a security product's hash lookup can look alike); the volume path
   * keeps the rule's severity (high).
   */
  querySeverity: Severity;
  /** Length of the counting window per (device, domain), seconds. Tumbling, opened by the first query. Default 600. */
  windowSeconds: number;
  /** Octets of unique subdomain text (labels and their dots, left of the domain) within the window that fire the rule. Default 10240. */
  minBytes: number;
  /** A unique subdomain part at least this long (octets) counts as a long query. Default 50. */
  longQueryChars: number;
  /** Unique long queries within the window that fire the rule on their own. Default 100. */
  minLongQueries: number;
  /** (device, domain) pairs tracked; the least recently queried is evicted (`detect.dnsExfiltration.table_full`). Default 4096. */
  maxDomains: number;
  /** Subdomain hashes remembered per pair; past it every name counts as new. Default 2048. */
  maxUniquePerDomain: number;
}

export const DNS_EXFILTRATION_DEFAULTS: Readonly<DnsExfiltrationConfig> = Object.freeze({
  ...QUERY_SCORE_DEFAULTS,
  perQuery: true,
  querySeverity: 'medium',
  windowSeconds: 600,
  minBytes: 10240,
  longQueryChars: 50,
  minLongQueries: 100,
  maxDomains: 4096,
  maxUniquePerDomain: 2048,
});


/** Every problem with a dnsExfiltration config (empty when it is usable). */
export function dnsExfiltrationConfigErrors(c: Readonly<DnsExfiltrationConfig>): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string) => { if (!ok) bad.push(what); };
  const count = (x: number) => Number.isInteger(x) && x >= 1;
  need(c.windowSeconds > 0, 'windowSeconds must be > 0');
  need(count(c.minBytes), 'minBytes must be an integer >= 1');
  need(count(c.longQueryChars), 'longQueryChars must be an integer >= 1');
  need(count(c.minLongQueries), 'minLongQueries must be an integer >= 1');
  need(count(c.maxDomains), 'maxDomains must be an integer >= 1');
  need(Number.isInteger(c.maxUniquePerDomain) && c.maxUniquePerDomain >= 0, 'maxUniquePerDomain must be an integer >= 0');
  need(typeof c.perQuery === 'boolean', 'perQuery must be true or false');
  need(SEVERITIES.includes(c.querySeverity), `querySeverity must be one of ${SEVERITIES.join(', ')}`);
  bad.push(...queryScoreConfigErrors(c));
  return bad;
}

/** Counts of one (device, domain) pair within its window. */
interface DomainState {
  key: string;
  domain: string;
  windowStart: number;
  lastTs: number;
  /** Queries under the domain, repeats included. */
  queries: number;
  /** Unique subdomain parts and their octets. */
  unique: number;
  bytes: number;
  longQueries: number;
  seen: Set<number>;
  /** The volume alert was raised in this window. */
  alerted: boolean;
  /** No one-query alert in this window: one was raised, or the volume alert was raised in this or the last window. */
  queryDone: boolean;
}

/**
 * A new window for (device, domain) `key` at `ts`. A pair whose last window already raised the
 * volume (high) alert gets no one-query (medium) alert in the next: the ongoing finding is known.
 */
function fresh(key: string, domain: string, ts: number, prev: DomainState | undefined): DomainState {
  return {
    key, domain, windowStart: ts, lastTs: ts, queries: 0, unique: 0, bytes: 0, longQueries: 0, seen: new Set(), alerted: false,
    queryDone: prev?.alerted === true,
  };
}

/** The running detector; counters are public for metrics and tests. */
export class DnsExfiltrationDetector implements Plugin {
  private readonly windows: DomainWindows<DomainState>;

  /** Throws a RangeError naming every bad key of `cfg`. */
  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<DnsExfiltrationConfig>) {
    const bad = dnsExfiltrationConfigErrors(cfg);
    if (bad.length > 0) throw new RangeError(`detect.dnsExfiltration: ${bad.join('; ')}`);
    this.windows = new DomainWindows<DomainState>(cfg.windowSeconds * 1e6, cfg.maxDomains, fresh, {
      name: 'detect.dnsExfiltration.maxDomains', event: 'detect.dnsExfiltration.table_full', counters: host.events,
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
      if (qn.sub.length === 0) return;
      const st = this.windows.get(where, qn.domain, pv.ts);
      st.queries++;
      const h = nameHash(qn.sub.join('.'));
      if (st.seen.has(h)) return;
      if (st.seen.size < this.cfg.maxUniquePerDomain) st.seen.add(h);
      let octets = qn.sub.length - 1; // the dots between the labels
      for (const l of qn.sub) octets += labelOctets(l).length;
      st.unique++;
      st.bytes += octets;
      if (octets >= this.cfg.longQueryChars) st.longQueries++;
      if (!st.alerted && (st.bytes >= this.cfg.minBytes || st.longQueries >= this.cfg.minLongQueries)) {
        st.alerted = true;
        st.queryDone = true;
        this.emit(st, where, pv.ts);
      } else if (!st.queryDone && this.cfg.perQuery) {
        const score = scoreQueryName(qn.sub, this.cfg);
        if (score.encoded) {
          st.queryDone = true;
          this.emitQuery(st, where, pv.ts, q.name, q.type, score);
        }
      }
    });
  }

  onTick(now: number): void {
    this.windows.expire(now);
  }

  stateSize(): number {
    return this.windows.size;
  }

  private emit(st: DomainState, where: QueryWhere, ts: number): void {
    this.host.emit({
      rule: 'dns.exfiltration', ts, ...where, peer: st.domain,
      message: `${where.src} sent ${st.bytes} bytes in ${st.unique} unique query names under ${st.domain} within ${this.cfg.windowSeconds} s`,
      evidence: {
        mode: 'volume', domain: st.domain, bytes: st.bytes, queries: st.queries, uniqueQueries: st.unique, longQueries: st.longQueries,
        windowSeconds: this.cfg.windowSeconds, elapsedSeconds: Math.round((ts - st.windowStart) / 1e3) / 1e3,
      },
    });
  }

  /** One name carrying encoded payload; its own dedup peer so the later volume alert is not folded into it. */
  private emitQuery(st: DomainState, where: QueryWhere, ts: number, name: string, qtype: number, s: QueryScore): void {
    this.host.emit({
      rule: 'dns.exfiltration', ts, ...where, peer: `${st.domain} (one query)`, severity: this.cfg.querySeverity,
      message: `${where.src} asked for a name under ${st.domain} carrying about ${Math.floor(s.payloadBits / 8)} bytes of ${s.encoding} ` +
        `encoded data in one query (labels ${s.labelLengths.join('+')} octets, entropy ${s.entropy} bits/char)`,
      evidence: {
        mode: 'query', domain: st.domain, name, qtype, labelLengths: s.labelLengths, subOctets: s.subOctets, entropy: s.entropy,
        encoding: s.encoding, payloadBits: s.payloadBits, encodedChars: s.encodedChars, longestRun: s.longestRun,
        nonHostnameOctets: s.nonHostnameOctets, windowSeconds: this.cfg.windowSeconds,
      },
    });
  }
}

/** The `dnsExfiltration` detector kind. */
export const dnsExfiltration = plugin<DnsExfiltrationConfig>({
  name: 'dnsExfiltration',
  rules: ['dns.exfiltration'],
  defaults: DNS_EXFILTRATION_DEFAULTS,
  create: (host, cfg) => new DnsExfiltrationDetector(host, cfg),
});
