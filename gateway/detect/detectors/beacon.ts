// Detects command-and-control beaconing: a LAN device opening connections to one outside host and
// port at regular intervals with regular sizes, persistently, scored like RITA's beacon analysis
// (activecm/rita, pkg/beacon/analyzer.go). Rule `beacon.c2`.
//
// Per (device address, destination address, protocol, destination port) the detector keeps the
// start time and the bytes the device sent (RITA's orig_ip_bytes) of every flow the device
// initiated within a sliding window, and scores the pair whenever a flow of it ends:
//   interval score  (1 − |Bowley skew| + max(0, 1 − MADM / median)) / 2 of the gaps between starts
//   size score      (1 − |Bowley skew| + max(0, 1 − MADM / median) + (1 − mode / 65535)) / 3
//   duration score  (last start − first start) / window: still there across most of the window
//   histogram score 1 − coefficient of variation of the starts per window bucket (flat = regular)
// combined by weight into [0, 1] (RITA weighs the four 0.25 each over a 24 h dataset; over a 1 h
// window timing is the part that tells a beacon from a chatty client, so it weighs more here).
//
// Left out as normal: flows the device did not initiate, destinations on the LAN (hub polling,
// DNS and NTP to the gateway), multicast and broadcast (mDNS, SSDP, vendor discovery such as the
// TP-Link port 9999 broadcast every 60 s), and the infrastructure ports of `ignorePorts` (DNS, DHCP,
// NTP, NetBIOS, SSDP, mDNS, LLMNR) even to outside servers: NTP polling is periodic by design.
// Periods longer than windowSeconds / minConnections (3 min by default) need a longer window.
// Calibration (seeded simulations, constant sizes): a 60 s beacon scores ≥ 0.96 with ±1 s jitter
// and ≥ 0.81 with ±30 s; connections at random (exponential gaps, mean 60 s) score 0.70 at the
// median and reach 0.8 in about 3 of 500 one-hour runs.
import { BoundedTable } from '../../common/bounded-table.js';
import { IPPROTO } from '../../decode/dispatch.js';
import type { Flow } from '../../track/flow.js';
import { flowFields } from '../../sensor/alert-fields.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.beacon`. */
export interface BeaconConfig {
  /** Sliding window a pair's connections are scored over, seconds. Default 3600 (RITA scores a day). */
  windowSeconds: number;
  /** Distinct connection starts (at least 1 s apart) in the window before a pair is scored. Default 20. */
  minConnections: number;
  /**
   * Connections kept per pair; beyond it the oldest is dropped (and counted), and the pair is
   * judged over the span its kept connections cover instead of the whole window. Default 512.
   */
  maxConnectionsPerPair: number;
  /** Pairs tracked; at the cap the least recently updated pair is evicted (counted, `detect.beacon.table_full`). Default 16384. */
  maxPairs: number;
  /** Score (0–1) at or above which `beacon.c2` is raised, once per pair per window. Default 0.8. */
  threshold: number;
  /** Weight of the interval score. Default 0.5. */
  intervalWeight: number;
  /** Weight of the size score. Default 0.15. */
  sizeWeight: number;
  /** Weight of the duration (persistence) score. Default 0.15. */
  durationWeight: number;
  /** Weight of the histogram (flat connection rate) score. Default 0.2. */
  histogramWeight: number;
  /** Buckets the window is cut into for the histogram score. Default 12 (5 min each over 1 h). */
  histogramBuckets: number;
  /** Destination ports never scored. Default 53, 67, 68, 123, 137, 138, 1900, 5353, 5355. */
  ignorePorts: readonly number[];
  /** Also score pairs whose destination is on the LAN. Default false. */
  includeLanDestinations: boolean;
}

export const BEACON_DEFAULTS: Readonly<BeaconConfig> = Object.freeze({
  windowSeconds: 3600,
  minConnections: 20,
  maxConnectionsPerPair: 512,
  maxPairs: 16384,
  threshold: 0.8,
  intervalWeight: 0.5,
  sizeWeight: 0.15,
  durationWeight: 0.15,
  histogramWeight: 0.2,
  histogramBuckets: 12,
  // DNS, DHCP server/client, NTP, NetBIOS name/datagram, SSDP, mDNS, LLMNR (IANA service names).
  ignorePorts: Object.freeze([53, 67, 68, 123, 137, 138, 1900, 5353, 5355]),
  includeLanDestinations: false,
});

/** Every problem with a beacon config (empty when it is usable). */
export function beaconConfigErrors(c: Readonly<BeaconConfig>): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string) => { if (!ok) bad.push(what); };
  need(c.windowSeconds > 0, 'windowSeconds must be > 0');
  need(Number.isInteger(c.minConnections) && c.minConnections >= 3, 'minConnections must be an integer >= 3');
  need(Number.isInteger(c.maxConnectionsPerPair) && c.maxConnectionsPerPair >= c.minConnections, 'maxConnectionsPerPair must be an integer >= minConnections');
  need(Number.isInteger(c.maxPairs) && c.maxPairs >= 1, 'maxPairs must be an integer >= 1');
  need(c.threshold >= 0 && c.threshold <= 1, 'threshold must be within 0..1');
  const ws = [c.intervalWeight, c.sizeWeight, c.durationWeight, c.histogramWeight];
  need(ws.every((x) => x >= 0) && ws.reduce((a, b) => a + b, 0) > 0, 'weights must be >= 0 with a positive sum');
  need(Number.isInteger(c.histogramBuckets) && c.histogramBuckets >= 1, 'histogramBuckets must be an integer >= 1');
  need(Array.isArray(c.ignorePorts) && c.ignorePorts.every((x) => Number.isInteger(x) && x >= 0 && x <= 65535), 'ignorePorts must be port numbers');
  need(typeof c.includeLanDestinations === 'boolean', 'includeLanDestinations must be a boolean');
  return bad;
}

/** Starts closer than this to the previous one are the same check-in (RITA drops zero intervals). */
const MIN_INTERVAL_US = 1e6;
/** Bowley skew is only trusted when the quartiles spread at least this far (RITA: 10 s, 10 bytes). */
const MIN_SKEW_SPREAD_SECONDS = 10;
const MIN_SKEW_SPREAD_BYTES = 10;
/** RITA's smallness score: a modal size near 64 KiB scores 0. */
const SMALLNESS_SCALE = 65535;

/** What the scoring found for one pair. */
export interface BeaconScore {
  /** Combined score, 0–1. */
  score: number;
  /** Median interval between check-ins, seconds. */
  periodSeconds: number;
  /** Distinct check-ins (starts at least 1 s apart). */
  connections: number;
  /** Bowley skew of the intervals (−1…1; 0 when the quartiles are too close to tell). */
  intervalSkew: number;
  /** Median absolute deviation of the intervals about their median, seconds. */
  intervalMadm: number;
  intervalScore: number;
  /** Bowley skew and MADM (bytes) of the sizes. */
  sizeSkew: number;
  sizeMadm: number;
  /** Most frequent size, bytes. */
  sizeMode: number;
  sizeScore: number;
  durationScore: number;
  histogramScore: number;
}

/** Weights and histogram shape of the scoring. */
export type BeaconWeights = Pick<BeaconConfig, 'intervalWeight' | 'sizeWeight' | 'durationWeight' | 'histogramWeight' | 'histogramBuckets'>;

/** RITA's quantile: the element at round(q × (n − 1)) of a sorted list. */
function quantile(sorted: Float64Array, n: number, q: number): number {
  return sorted[Math.round(q * (n - 1))]!;
}

/** Bowley (quartile) skew of a sorted list, 0 when the quartiles are too close to tell (RITA). */
function bowley(sorted: Float64Array, n: number, minSpread: number): number {
  const low = quantile(sorted, n, 0.25), mid = quantile(sorted, n, 0.5), high = quantile(sorted, n, 0.75);
  if (high - low < minSpread || mid === low || mid === high) return 0;
  return (low + high - 2 * mid) / (high - low);
}

/** Median absolute deviation about the median of a sorted list; `devs` is scratch of at least n. */
function madm(sorted: Float64Array, n: number, devs: Float64Array): number {
  const mid = quantile(sorted, n, 0.5);
  for (let i = 0; i < n; i++) devs[i] = Math.abs(sorted[i]! - mid);
  const d = devs.subarray(0, n).sort();
  return quantile(d, n, 0.5);
}

/**
 * Scores one pair: `starts` are connection start times (µs, ascending), `sizes` the bytes of each
 * connection (same order), `windowUs` the span they are judged over (ending at the last start: the
 * duration and histogram scores measure how evenly they fill it). Returns null with fewer than two
 * distinct check-ins.
 */
export function scoreBeacon(starts: ArrayLike<number>, sizes: ArrayLike<number>, windowUs: number, w: Readonly<BeaconWeights>): BeaconScore | null {
  const n = starts.length;
  if (n < 2) return null;
  const a = new Float64Array(n), b = new Float64Array(n);
  // Intervals between distinct check-ins, in seconds.
  let k = 0;
  let prev = starts[0]!;
  for (let i = 1; i < n; i++) {
    const d = starts[i]! - prev;
    if (d < MIN_INTERVAL_US) continue;
    a[k++] = d / 1e6;
    prev = starts[i]!;
  }
  if (k < 1) return null;
  const iv = a.subarray(0, k).sort();
  const period = quantile(iv, k, 0.5);
  const intervalSkew = bowley(iv, k, MIN_SKEW_SPREAD_SECONDS);
  const intervalMadm = madm(iv, k, b);
  const intervalScore = ((1 - Math.abs(intervalSkew)) + Math.max(0, 1 - intervalMadm / period)) / 2;

  for (let i = 0; i < n; i++) a[i] = sizes[i]!;
  const sz = a.subarray(0, n).sort();
  const sizeMid = quantile(sz, n, 0.5);
  const sizeSkew = bowley(sz, n, MIN_SKEW_SPREAD_BYTES);
  let sizeMode = sz[0]!, best = 0;
  for (let i = 0, run = 0; i < n; i++) {
    run = i > 0 && sz[i] === sz[i - 1] ? run + 1 : 1;
    if (run > best) { best = run; sizeMode = sz[i]!; }
  }
  const sizeMadm = madm(sz, n, b);
  const sizeMadmScore = sizeMid >= 1 ? Math.max(0, 1 - sizeMadm / sizeMid) : 0;
  const smallness = Math.max(0, 1 - sizeMode / SMALLNESS_SCALE);
  const sizeScore = ((1 - Math.abs(sizeSkew)) + sizeMadmScore + smallness) / 3;

  const first = starts[0]!, last = starts[n - 1]!;
  const durationScore = Math.min(1, (last - first) / windowUs);

  const buckets = Math.max(1, Math.floor(w.histogramBuckets));
  const counts = new Float64Array(buckets);
  const from = last - windowUs, width = windowUs / buckets;
  for (let i = 0; i < n; i++) {
    const j = Math.floor((starts[i]! - from) / width);
    counts[j < 0 ? 0 : j >= buckets ? buckets - 1 : j]!++;
  }
  const mean = n / buckets;
  let v = 0;
  for (let j = 0; j < buckets; j++) v += (counts[j]! - mean) ** 2;
  const cv = Math.sqrt(v / buckets) / mean;
  const histogramScore = Math.max(0, 1 - cv);

  const wsum = w.intervalWeight + w.sizeWeight + w.durationWeight + w.histogramWeight;
  const score = wsum > 0
    ? (w.intervalWeight * intervalScore + w.sizeWeight * sizeScore + w.durationWeight * durationScore + w.histogramWeight * histogramScore) / wsum
    : 0;
  return {
    score, periodSeconds: period, connections: k + 1, intervalSkew, intervalMadm, intervalScore,
    sizeSkew, sizeMadm, sizeMode, sizeScore, durationScore, histogramScore,
  };
}

/** Connections of one pair within the window, oldest first. */
interface Pair {
  key: string;
  starts: number[];
  sizes: number[];
  /** Packet time of the last flow end added, µs (the LRU and expiry order). */
  touched: number;
  /** No new alert for this pair while its newest start is before this, µs. */
  alertedUntil: number;
}

/** The running detector; counters are public for metrics and tests. */
export class BeaconDetector implements Plugin {
  /** Pairs by key, least recently updated first. */
  private readonly pairs: BoundedTable<string, Pair>;
  private readonly ignore: ReadonlySet<number>;
  private readonly windowUs: number;
  /** Connections dropped at `maxConnectionsPerPair`. */
  droppedConnections = 0;
  /** Pairs scored (for metrics: the work done). */
  scored = 0;

  /** Throws a RangeError naming every bad key of `cfg`. */
  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<BeaconConfig>) {
    const bad = beaconConfigErrors(cfg);
    if (bad.length > 0) throw new RangeError(`detect.beacon: ${bad.join('; ')}`);
    this.ignore = new Set(cfg.ignorePorts);
    this.windowUs = cfg.windowSeconds * 1e6;
    this.pairs = new BoundedTable<string, Pair>({
      name: 'detect.beacon.maxPairs', capacity: cfg.maxPairs, order: 'lru', counters: host.events, event: 'detect.beacon.table_full',
    });
  }

  /** Pairs evicted at `maxPairs`. */
  get evictedPairs(): number {
    return this.pairs.evicted;
  }

  onFlowEnd(f: Flow): void {
    if (!f.initiatorKnown || (f.proto !== IPPROTO.TCP && f.proto !== IPPROTO.UDP) || this.ignore.has(f.bPort)) return;
    const local = this.host.local;
    const v4 = f.family === 4;
    if (v4 ? !local.hasV4(f.a0) : !local.hasV6(f.a0, f.a1, f.a2, f.a3)) return;
    // Multicast and broadcast: 224.0.0.0/4 and up (RFC 5771, 255.255.255.255), ff00::/8 (RFC 4291).
    if (v4 ? f.b0 >>> 28 >= 14 : f.b0 >>> 24 === 0xff) return;
    if (!this.cfg.includeLanDestinations && (v4 ? local.hasV4(f.b0) : local.hasV6(f.b0, f.b1, f.b2, f.b3))) return;
    // A numeric key: address text is made only when an alert is raised (this runs at every flow end).
    const key = v4 ? `${f.a0}|${f.b0}|${f.proto}|${f.bPort}` : `${f.a0},${f.a1},${f.a2},${f.a3}|${f.b0},${f.b1},${f.b2},${f.b3}|${f.proto}|${f.bPort}`;
    const p = this.pair(key, f.lastTs);
    if (!this.add(p, f.firstTs, f.bytesAB)) return;
    const newest = p.starts[p.starts.length - 1]!;
    if (newest < p.alertedUntil || p.starts.length < this.cfg.minConnections) return;
    this.scored++;
    // A pair that fills its list is judged over the span the kept connections cover: having more
    // connections in the window than the list holds is persistence enough.
    const full = p.starts.length >= this.cfg.maxConnectionsPerPair && newest > p.starts[0]!;
    const s = scoreBeacon(p.starts, p.sizes, full ? newest - p.starts[0]! : this.windowUs, this.cfg);
    if (s === null || s.connections < this.cfg.minConnections || s.score < this.cfg.threshold) return;
    p.alertedUntil = newest + this.windowUs;
    const where = flowFields(this.host, f);
    this.host.emit({
      rule: 'beacon.c2', ts: f.lastTs, ...where, peer: `${where.dst}/${where.proto}/${f.bPort}`,
      message: `${where.src} connects to ${where.dst}:${f.bPort} every ${Math.round(s.periodSeconds)} s (${s.connections} connections, beacon score ${r3(s.score)})`,
      evidence: {
        score: r3(s.score), periodSeconds: r3(s.periodSeconds), connections: s.connections, flows: p.starts.length,
        intervalSkew: r3(s.intervalSkew), intervalMadm: r3(s.intervalMadm), sizeSkew: r3(s.sizeSkew), sizeMadm: r3(s.sizeMadm),
        sizeMode: s.sizeMode, intervalScore: r3(s.intervalScore), sizeScore: r3(s.sizeScore),
        durationScore: r3(s.durationScore), histogramScore: r3(s.histogramScore), windowSeconds: this.cfg.windowSeconds,
      },
    });
  }

  onTick(now: number): void {
    // Map order is least recently updated first: drop pairs with nothing new for a whole window.
    const limit = now - this.windowUs;
    for (const p of this.pairs.values()) {
      if (p.touched >= limit) break;
      this.pairs.delete(p.key);
    }
  }

  stateSize(): number {
    return this.pairs.size;
  }

  /** The pair of `key`, created (evicting at the cap) and moved to the LRU tail. */
  private pair(key: string, ts: number): Pair {
    let p = this.pairs.get(key);
    if (p === undefined) {
      p = { key, starts: [], sizes: [], touched: ts, alertedUntil: -Infinity };
      this.pairs.add(key, p);
    }
    if (ts > p.touched) p.touched = ts;
    return p;
  }

  /** Inserts a connection in start order, ages out starts older than the window; false if it was too old to keep. */
  private add(p: Pair, start: number, size: number): boolean {
    const st = p.starts, sz = p.sizes;
    const newest = st.length > 0 ? Math.max(st[st.length - 1]!, start) : start;
    if (start < newest - this.windowUs) return false;
    // Flows end out of start order (a long flow ends late): insert from the back.
    let i = st.length;
    while (i > 0 && st[i - 1]! > start) i--;
    st.splice(i, 0, start);
    sz.splice(i, 0, size);
    let old = 0;
    while (st[old]! < newest - this.windowUs) old++;
    if (st.length - old > this.cfg.maxConnectionsPerPair) {
      const extra = st.length - old - this.cfg.maxConnectionsPerPair;
      this.droppedConnections += extra;
      old += extra;
    }
    if (old > 0) { st.splice(0, old); sz.splice(0, old); }
    return true;
  }
}

function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The `beacon` detector kind. */
export const beacon = plugin<BeaconConfig>({
  name: 'beacon',
  rules: ['beacon.c2'],
  defaults: BEACON_DEFAULTS,
  create: (host, cfg) => new BeaconDetector(host, cfg),
});
