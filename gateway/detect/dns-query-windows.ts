// What the DNS detectors share: walking the unicast queries LAN devices send, with each name's
// registrable domain, and a capped table of per-(device, domain) state that starts afresh every
// window and forgets pairs idle for a whole window (least recently queried first).
import { Family } from '../decode/packet-view.js';
import type { DnsMessage, DnsQuestion } from '../app/dns/dns-message.js';
import { BoundedTable, type TableCapLabel } from '../common/bounded-table.js';
import type { PacketView } from '../decode/packet-view.js';
import { packetFields } from '../sensor/alert-fields.js';
import type { PluginHost } from '../sensor/plugin.js';
import { queryDomain, type QueryName } from './registrable-domain.js';

const DNS_PORT = 53;

/** Where a query came from, as an alert names it. */
export type QueryWhere = ReturnType<typeof packetFields>;

/**
 * Calls `fn` for every question of a unicast DNS query sent from the LAN side (mDNS and LLMNR never
 * leave the link; answers and outside senders are not the device's doing), with its domain split.
 */
export function forEachLanQuery(host: PluginHost, msg: DnsMessage, pv: PacketView, fn: (q: DnsQuestion, qn: QueryName, where: QueryWhere) => void): void {
  if (msg.qr || pv.dstPort !== DNS_PORT) return;
  const local = host.local;
  if (pv.family === Family.V4 ? !local.hasV4(pv.src0) : !local.hasV6(pv.src0, pv.src1, pv.src2, pv.src3)) return;
  let where: QueryWhere | null = null;
  for (const q of msg.questions) {
    const qn = queryDomain(q.name);
    if (qn === null) continue;
    where ??= packetFields(host, pv);
    fn(q, qn, where);
  }
}

/** The fields every per-domain window has. */
export interface DomainWindow {
  key: string;
  domain: string;
  windowStart: number;
  lastTs: number;
  alerted: boolean;
}

/** Per-(device, domain) windows, capped at `max` pairs (least recently queried evicted, counted). */
export class DomainWindows<S extends DomainWindow> {
  private readonly pairs: BoundedTable<string, S>;

  /**
   * `fresh` opens a window; `prev` is the pair's window that just rolled over (undefined for a
   * pair not held), so a detector can carry what the last window concluded.
   * `cap`: the config key of `max` (e.g. `detect.dnsTunnel.maxDomains`), the detector's table event and the host's counters.
   */
  constructor(private readonly windowUs: number, max: number, private readonly fresh: (key: string, domain: string, ts: number, prev: S | undefined) => S, cap: TableCapLabel) {
    this.pairs = new BoundedTable<string, S>({ ...cap, capacity: max, order: 'lru' });
  }

  /** Pairs evicted at the cap. */
  get evicted(): number {
    return this.pairs.evicted;
  }

  /** The state of the query sender's pair for `domain`, opened or rolled over at `ts`, moved to the LRU tail. */
  get(where: QueryWhere, domain: string, ts: number): S {
    const key = `${where.device ?? where.src}|${domain}`;
    let st = this.pairs.peek(key);
    if (st === undefined) {
      st = this.fresh(key, domain, ts, undefined);
      this.pairs.add(key, st); // at the cap the least recently queried pair goes first
    } else if (ts - st.windowStart > this.windowUs) {
      st = this.fresh(key, domain, ts, st); // the window rolled over: a new one, most recent
      this.pairs.set(key, st);
    } else {
      this.pairs.touch(key, st);
    }
    if (ts > st.lastTs) st.lastTs = ts;
    return st;
  }

  /** Forgets pairs idle for a whole window at `now`. */
  expire(now: number): void {
    const limit = now - this.windowUs;
    this.pairs.dropOldestWhile((st) => st.lastTs < limit);
  }

  get size(): number {
    return this.pairs.size;
  }
}
