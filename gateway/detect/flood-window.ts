// Per-target, per-second counting shared by the flood detectors (flood-syn, flood-udp,
// flood-amplification): a fixed table of reused slots keyed by address hash, HyperLogLog sketches
// of distinct sources and ports, the hot-second episodes that make one alert per flood, and the
// sub-second buckets that see a flood shorter than a second (a burst).
import { Family } from '../decode/packet-view.js';
import type { AlertInput } from '../alerts/alert.js';
import { ipv4ToString, ipv6ToString, macToString } from '../common/address-text.js';
import { TableCap, type TableCapLabel } from '../common/bounded-table.js';
import type { PacketView } from '../decode/packet-view.js';
import { isoTime } from '../common/packet-time.js';
import type { LocalNetworks } from '../track/local-networks.js';
import type { Plugin, PluginHost } from '../sensor/plugin.js';

/** Registers of each HyperLogLog sketch (2^7): standard error 1.04/√128 ≈ 9 %, 128 bytes a sketch. */
const HLL_BITS = 7;
const HLL_REGS = 1 << HLL_BITS;
/** HyperLogLog bias constant for m = 128: 0.7213 / (1 + 1.079 / m) (Flajolet et al. 2007, §4). */
const HLL_ALPHA = 0.7213 / (1 + 1.079 / HLL_REGS);
/** Slots after the clock hand compared when one must be evicted. */
const EVICT_SCAN = 8;
/** Microseconds a second. */
export const US = 1e6;

/** A 32-bit hash (signed int, a V8 small integer) of up to four 32-bit words: murmur3's finalizer. */
export function hashWords(w0: number, w1: number, w2: number, w3: number): number {
  let h = w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca77) ^ Math.imul(w3, 0xc2b2ae3d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** An empty HyperLogLog sketch. */
export function newSketch(): Uint8Array {
  return new Uint8Array(HLL_REGS);
}

/** Adds a hashed item to a HyperLogLog sketch: 7 bits pick the register, the other 25 give the rank. */
export function hllAdd(regs: Uint8Array, h: number): void {
  const i = h & (HLL_REGS - 1);
  const rank = Math.clz32(h >>> HLL_BITS) - HLL_BITS + 1; // position of the first 1 in 25 bits: 1..26
  if (rank > regs[i]!) regs[i] = rank;
}

/** Estimated distinct items of a sketch (linear counting while it is small). */
export function hllCount(regs: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < HLL_REGS; i++) {
    const r = regs[i]!;
    sum += 1 / (1 << r);
    if (r === 0) zeros++;
  }
  const raw = (HLL_ALPHA * HLL_REGS * HLL_REGS) / sum;
  if (raw <= 2.5 * HLL_REGS && zeros > 0) return Math.round(HLL_REGS * Math.log(HLL_REGS / zeros));
  return Math.round(raw);
}

/** One tracked destination address: the second being counted and the episode of hot seconds. */
export class FloodEntry {
  family = 0;
  w0 = 0; w1 = 0; w2 = 0; w3 = 0;
  /** Map key (IPv4: the address; IPv6: a hash) and the next entry with the same key. */
  key = 0;
  next: FloodEntry | null = null;
  /** False while the entry's slot is free. */
  live = false;
  /** True when the address is on the LAN side (the flood comes in); false: it goes out. */
  local = false;
  /** Second of packet time being counted (µs / 1e6, floored), its packets and bytes. */
  sec = -1;
  pkts = 0;
  bytes = 0;
  /** True once the current second reached its threshold. */
  secHot = false;
  /** Hot seconds in the episode, and the first and last of them. */
  hot = 0;
  firstHot = 0;
  lastHot = 0;
  /** Most packets and bytes in one hot second of the episode. */
  peakPkts = 0;
  peakBytes = 0;
  /** Packets and bytes counted since the episode (or the second that may start one) began. */
  totalPkts = 0;
  totalBytes = 0;
  /** The episode's alert as first raised (refreshes reuse its fields), or null before. */
  alert: AlertInput | null = null;
  /** Second of the episode's last report, or -1. */
  lastReport = -1;
  /** Packet time of the last packet counted, µs. */
  lastTs = 0;
  /** Destination port while every packet went to one; -1 none yet, -2 several. */
  dport = -1;
  /**
   * The sub-second bucket being counted (packet time / the table's burst width, floored), its
   * packets and bytes, and how many times the detector judged it: at the bar, then at twice, four
   * times… the bar (a bucket far over it does not build evidence on every packet, and a burst
   * whose first packets came from few senders is judged again as it grows).
   */
  bucket = -1;
  bucketPkts = 0;
  bucketBytes = 0;
  bucketChecks = 0;
  /** Packet time of the bucket's first packet, µs. */
  bucketFirstTs = 0;
  /** Most packets and bytes in one bucket of the episode, and µs from that bucket's first packet to its last. */
  peakBucketPkts = 0;
  peakBucketBytes = 0;
  peakBucketSpan = 0;
  /** What raised the episode's alert ('sustained', 'burst', …; a constant string), '' before. */
  trigger = '';
  /**
   * Second of packet time until which tick keeps the entry even with nothing counted (a detector
   * that follows a target over a window of seconds sets it); -1: no hold.
   */
  keepUntil = -1;
  /** Distinct senders, sender ports and destination ports (HyperLogLog sketches). */
  readonly sources = newSketch();
  readonly ports = newSketch();
  readonly dports = newSketch();

  /** Forgets the episode, keeps the address. Subclasses clear their own episode fields too. */
  resetEpisode(): void {
    this.hot = 0; this.firstHot = 0; this.lastHot = 0; this.peakPkts = 0; this.peakBytes = 0;
    this.totalPkts = 0; this.totalBytes = 0; this.alert = null; this.lastReport = -1; this.dport = -1;
    this.peakBucketPkts = 0; this.peakBucketBytes = 0; this.peakBucketSpan = 0; this.trigger = '';
    this.sources.fill(0);
    this.ports.fill(0);
    this.dports.fill(0);
  }

  /** Forgets what a subclass keeps across episodes (its slot is reused for another address). */
  forget(): void {}
}

/** A running flood detector, with its eviction counter. */
export interface FloodDetector extends Plugin {
  /** Entries evicted at the cap. */
  readonly evicted: number;
}

/** How a flood table reports: the host's emit and the detector's evidence of an episode. */
export interface FloodReporter<E extends FloodEntry> {
  emit(alert: AlertInput): void;
  evidence(e: E): Record<string, unknown>;
  /**
   * Called when a hot second of `e` closes (its counts final: late answers subtracted), before
   * the next one starts, and for the last hot second at the end of input: a detector that judges
   * whole seconds (flood.syn's spoofed-source pattern) may raise here with `raise`.
   */
  closeSecond?(e: E): void;
}

/** Episode settings of a flood table. */
export interface FloodWindow {
  /** Hot seconds an episode needs before it is reported. */
  minSeconds: number;
  /** Seconds under the threshold allowed between two hot seconds of one episode. */
  maxGapSeconds: number;
  /** Seconds between two refreshes of an ongoing episode's alert. */
  refreshSeconds: number;
  /** Addresses held at most. */
  maxVictims: number;
  /** Width of the sub-second buckets, ms (a divisor of 1000, so buckets nest in seconds). */
  burstMs: number;
}

/**
 * Per-destination counters with one-second windows of packet time (whole seconds: the window of a
 * packet is its timestamp in µs divided by 1e6, floored). Lookups use numeric keys (an
 * IPv4 address is its own key; IPv6 hashes, colliding entries chained), and entries live in a
 * fixed array of `maxVictims` slots whose objects are reused, so counting a packet allocates
 * nothing, even when a sweep over many targets churns the table. At the cap a clock hand looks at
 * a few slots and evicts the one that matters least (counted by a TableCap, with the detector's
 * `detect.<name>.table_full` event).
 *
 * An episode's alert is raised once (count 1, by the detector through `raise`); reports with count
 * 0 refresh its evidence every `refreshSeconds` while the flood goes on and once more when it ends
 * (the gap passed, eviction, or `closeAll` at shutdown), so the stored alert ends with the final
 * numbers. A later episode on the same target raises again (the alert manager folds it: count + 1).
 */
export class FloodTable<E extends FloodEntry> {
  private readonly map = new Map<number, E>();
  /** Entry objects by slot; `live` says whether a slot is in use. */
  private readonly slots: E[] = [];
  /** Slots freed by expiry, ready for reuse. */
  private readonly free: number[] = [];
  private hand = 0;
  private count = 0;
  /** The maxVictims cap: evictions and the detector's table event. */
  readonly cap: TableCap;

  /** `cap`: the config key of maxVictims, the detector's table event and the host's counters. */
  constructor(
    private readonly make: () => E,
    private readonly win: Readonly<FloodWindow>,
    private readonly local: LocalNetworks,
    private readonly reporter: FloodReporter<E>,
    cap: TableCapLabel = { name: 'maxVictims' },
  ) {
    if (!Number.isInteger(win.maxVictims) || win.maxVictims < 1) throw new RangeError(`maxVictims must be a whole number ≥ 1 (got ${win.maxVictims})`);
    if (!(win.minSeconds >= 1)) throw new RangeError(`minSeconds must be ≥ 1 (got ${win.minSeconds})`);
    if (!Number.isInteger(win.burstMs) || win.burstMs < 1 || 1000 % win.burstMs !== 0) throw new RangeError(`burstMs must divide 1000 (got ${win.burstMs})`);
    this.cap = new TableCap({ ...cap, capacity: win.maxVictims });
    this.burstUs = win.burstMs * 1000;
  }

  /** Width of a sub-second bucket, µs. */
  readonly burstUs: number;

  /** Entries evicted at the cap. */
  get evicted(): number {
    return this.cap.evicted;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /** The entry of an address, or undefined. */
  find(family: number, w0: number, w1: number, w2: number, w3: number): E | undefined {
    if (family === 4) {
      for (let e = this.map.get(w0 | 0) as FloodEntry | undefined | null; e; e = e.next) if (e.family === 4 && e.w0 === w0) return e as E;
      return undefined;
    }
    for (let e = this.map.get(hashWords(w0, w1, w2, w3)) as FloodEntry | undefined | null; e; e = e.next) {
      if (e.family === family && e.w0 === w0 && e.w1 === w1 && e.w2 === w2 && e.w3 === w3) return e as E;
    }
    return undefined;
  }

  /** The entry of an address, created if new, its window moved on to second `sec`. */
  get(family: number, w0: number, w1: number, w2: number, w3: number, sec: number): E {
    let e = this.find(family, w0, w1, w2, w3);
    if (e === undefined) e = this.create(family, w0, w1, w2, w3, sec);
    else if (sec > e.sec) this.roll(e, sec); // a packet a little out of order counts in the current second
    return e;
  }

  /** Counts the packet in `pv` (sent to the entry's address) in the current second. */
  add(e: E, pv: PacketView): void {
    const len = pv.origLen;
    e.pkts++;
    e.bytes += len;
    e.totalPkts++;
    e.totalBytes += len;
    e.lastTs = pv.ts;
    // The sub-second bucket: a packet a little out of order counts in the current one.
    const b = Math.floor(pv.ts / this.burstUs);
    if (b > e.bucket) { e.bucket = b; e.bucketPkts = 0; e.bucketBytes = 0; e.bucketChecks = 0; e.bucketFirstTs = pv.ts; }
    e.bucketPkts++;
    e.bucketBytes += len;
    if (e.bucketPkts > e.peakBucketPkts) { e.peakBucketPkts = e.bucketPkts; e.peakBucketSpan = pv.ts - e.bucketFirstTs; }
    if (e.bucketBytes > e.peakBucketBytes) e.peakBucketBytes = e.bucketBytes;
    hllAdd(e.sources, hashWords(pv.src0, pv.src1, pv.src2, pv.src3));
    hllAdd(e.ports, hashWords(pv.srcPort, 0, 0, 0));
    hllAdd(e.dports, hashWords(pv.dstPort, 0, 0, 0));
    if (e.dport !== pv.dstPort) e.dport = e.dport === -1 ? pv.dstPort : -2;
  }

  /**
   * Marks the current second of `e` hot (call once, when it reaches the threshold). Refreshes the
   * alert if one is due; returns true when the episode has its hot seconds but no alert yet.
   */
  markHot(e: E): boolean {
    e.secHot = true;
    if (e.hot === 0) e.firstHot = e.sec;
    e.hot++;
    e.lastHot = e.sec;
    if (e.alert !== null) {
      if (e.sec - e.lastReport >= this.win.refreshSeconds) this.refresh(e);
      return false;
    }
    return e.hot >= this.win.minSeconds;
  }

  /**
   * True when the episode has no alert yet and the current bucket reaches `pkts` packets or
   * `bytes` bytes, then twice that, four times… (at most a few times a bucket): the detector then
   * judges a burst. A burst marks its second hot (it holds a hot second's worth of packets) so the
   * episode has a start.
   */
  burstDue(e: E, pkts: number, bytes: number): boolean {
    if (e.alert !== null) return false;
    const scale = 2 ** e.bucketChecks;
    if (e.bucketPkts < pkts * scale && e.bucketBytes < bytes * scale) return false;
    e.bucketChecks++;
    if (!e.secHot) this.markHot(e);
    return true;
  }

  /** Raises the episode's alert (count 1); `alert.evidence` should be the reporter's. `trigger` says what raised it. */
  raise(e: E, alert: AlertInput, trigger = 'sustained'): void {
    e.trigger = trigger;
    e.alert = alert;
    e.lastReport = e.sec;
    this.reporter.emit(alert);
  }

  /** Calls `fn` for every entry held. */
  each(fn: (e: E) => void): void {
    for (const e of this.slots) if (e.live) fn(e);
  }

  /** Ends every episode with a last refresh of its alert (end of input). */
  closeAll(): void {
    for (const e of this.slots) {
      if (!e.live || e.hot === 0) continue;
      if (e.secHot) this.reporter.closeSecond?.(e);
      this.end(e);
      e.resetEpisode();
    }
  }

  /** Once a second: closes finished seconds at packet time `now` (µs), frees what has nothing left. */
  tick(now: number): void {
    const sec = Math.floor(now / US);
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const e = slots[i]!;
      if (!e.live) continue;
      if (sec > e.sec) this.roll(e, sec);
      if (e.hot === 0 && e.pkts === 0 && e.keepUntil < sec) {
        this.unlink(e);
        this.free.push(i);
      }
    }
  }

  /** Closes the entry's second and starts second `sec`; ends the episode after too long a gap. */
  private roll(e: E, sec: number): void {
    if (e.secHot) {
      this.reporter.closeSecond?.(e);
      if (e.pkts > e.peakPkts) e.peakPkts = e.pkts;
      if (e.bytes > e.peakBytes) e.peakBytes = e.bytes;
    }
    // Without an episode, or past the gap, the next second starts afresh (sketches included).
    if (e.hot > 0 && sec - e.lastHot - 1 > this.win.maxGapSeconds) this.end(e);
    if (e.hot === 0 || sec - e.lastHot - 1 > this.win.maxGapSeconds) e.resetEpisode();
    e.sec = sec;
    e.pkts = 0;
    e.bytes = 0;
    e.secHot = false;
  }

  private create(family: number, w0: number, w1: number, w2: number, w3: number, sec: number): E {
    let slot: number;
    if (this.free.length > 0) slot = this.free.pop()!;
    else if (!this.cap.full(this.slots.length)) { slot = this.slots.length; this.slots.push(this.make()); }
    else slot = this.evictSlot();
    const e = this.slots[slot]!;
    e.resetEpisode();
    e.forget();
    e.family = family; e.w0 = w0; e.w1 = w1; e.w2 = w2; e.w3 = w3;
    e.local = family === 4 ? this.local.hasV4(w0) : this.local.hasV6(w0, w1, w2, w3);
    e.sec = sec; e.pkts = 0; e.bytes = 0; e.secHot = false;
    e.bucket = -1; e.bucketPkts = 0; e.bucketBytes = 0; e.bucketChecks = 0; e.keepUntil = -1;
    e.key = family === 4 ? w0 | 0 : hashWords(w0, w1, w2, w3);
    e.next = this.map.get(e.key) ?? null;
    e.live = true;
    this.map.set(e.key, e);
    this.count++;
    return e;
  }

  /**
   * Frees a slot of a full table: of the few slots after the clock hand, the one that matters
   * least (not in an episode first, then the fewest packets this second), so a sweep over many
   * targets cannot push out a flood's victim.
   */
  private evictSlot(): number {
    const slots = this.slots;
    let pick = this.hand;
    let best = Infinity;
    for (let k = 0; k < EVICT_SCAN; k++) {
      const i = (this.hand + k) % slots.length;
      const e = slots[i]!;
      const score = (e.hot > 0 ? 1e12 : 0) + (e.keepUntil >= e.sec ? 1e9 : 0) + e.pkts;
      if (score < best) { best = score; pick = i; }
    }
    this.hand = (this.hand + EVICT_SCAN) % slots.length;
    if (slots[pick]!.hot > 0) this.end(slots[pick]!);
    this.unlink(slots[pick]!);
    this.cap.evict();
    return pick;
  }

  /** An episode ends: its alert, if it has one, gets the final evidence (count 0). */
  private end(e: E): void {
    if (e.alert !== null && e.lastTs > 0) this.refresh(e);
  }

  private refresh(e: E): void {
    e.lastReport = e.sec;
    this.reporter.emit({ ...e.alert!, ts: e.lastTs, count: 0, evidence: this.reporter.evidence(e) });
  }

  /** Takes a live entry out of the map (its slot stays with its object for reuse). */
  private unlink(e: E): void {
    const head = this.map.get(e.key);
    if (head === e) {
      if (e.next !== null) this.map.set(e.key, e.next as E);
      else this.map.delete(e.key);
    } else {
      let p: FloodEntry | null | undefined = head;
      while (p && p.next !== e) p = p.next;
      if (p) p.next = e.next;
    }
    e.next = null;
    e.live = false;
    this.count--;
  }
}

/** Text of an entry's address. */
export function entryAddress(e: FloodEntry): string {
  return e.family === 4 ? ipv4ToString(e.w0) : ipv6ToString(e.w0, e.w1, e.w2, e.w3);
}

/** Text of the packet's source address. */
export function sourceAddress(pv: PacketView): string {
  return pv.family === Family.V4 ? ipv4ToString(pv.src0) : ipv6ToString(pv.src0, pv.src1, pv.src2, pv.src3);
}

/** The device concerned: the LAN target's MAC for an inbound flood, the sender's for an outbound one. */
export function floodDevice(host: PluginHost, e: FloodEntry, pv: PacketView): string | null {
  const mac = e.local ? pv.dstMac : pv.srcMac;
  return mac >= 0 && host.devices.get(mac) !== undefined ? macToString(mac) : null;
}

/** Evidence every flood alert carries. */
export interface EpisodeEvidence {
  /** inbound: the target is on the LAN side (whoever sends); outbound: it is not, so a LAN sender floods out. */
  direction: 'inbound' | 'outbound';
  /** Most packets to the target in one second of packet time. */
  peakPerSecond: number;
  peakBitsPerSecond: number;
  /** Hot seconds so far, and seconds from the first to the last of them. */
  seconds: number;
  durationSeconds: number;
  /** Start of the first hot second, ISO-8601. */
  since: string;
  /** Packets and bytes counted in the episode. */
  packets: number;
  bytes: number;
  /** Estimated distinct sender addresses and destination ports (HyperLogLog, about ±9 %). */
  distinctSources: number;
  distinctDestinationPorts: number;
  /**
   * What raised the alert: 'sustained' (minSeconds hot seconds), 'burst' (one sub-second bucket
   * far over the rate), or a detector's own ('spoofed-sources', 'reflectors').
   */
  trigger: string;
  /** Width of the sub-second buckets, ms, and the most packets and bytes in one of them. */
  burstWindowMs: number;
  peakBurstPackets: number;
  peakBurstBytes: number;
  /** That busiest bucket scaled to a second (packets × 1000 / burstWindowMs). */
  peakBurstPerSecond: number;
  /** Milliseconds from the busiest bucket's first packet to the one that made its peak (a burst can be far shorter than a bucket). */
  peakBurstSpanMs: number;
}

/** The evidence of the entry's episode; `burstUs`: the table's bucket width. */
export function episodeEvidence(e: FloodEntry, burstUs: number): EpisodeEvidence {
  return {
    direction: e.local ? 'inbound' : 'outbound',
    peakPerSecond: Math.max(e.peakPkts, e.pkts),
    peakBitsPerSecond: Math.max(e.peakBytes, e.bytes) * 8,
    seconds: e.hot,
    durationSeconds: e.lastHot - e.firstHot + 1,
    since: isoTime(e.firstHot * US),
    packets: e.totalPkts,
    bytes: e.totalBytes,
    distinctSources: hllCount(e.sources),
    distinctDestinationPorts: hllCount(e.dports),
    trigger: e.trigger,
    burstWindowMs: burstUs / 1000,
    peakBurstPackets: e.peakBucketPkts,
    peakBurstBytes: e.peakBucketBytes,
    peakBurstPerSecond: Math.round((e.peakBucketPkts * US) / burstUs),
    peakBurstSpanMs: Math.round(e.peakBucketSpan / 100) / 10,
  };
}

/** What floodHooks needs of a table (or of other state a detector closes the same way). */
export interface TickingTable {
  tick(now: number): void;
  closeAll(): void;
  readonly size: number;
  readonly evicted: number;
}

/**
 * The hooks every flood detector has over its tables: close finished seconds each tick, close
 * every episode (so its alert ends with the final numbers) at the end of input, and report the
 * state held and the evictions. Detectors add their onPacket with Object.assign (not a spread,
 * which would freeze the `evicted` getter into a number).
 */
export function floodHooks(...tables: readonly TickingTable[]): Required<Pick<Plugin, 'onTick' | 'onFinish' | 'stateSize'>> & { readonly evicted: number } {
  let finishing = false;
  return {
    onFinish(): void {
      finishing = true;
    },
    onTick(now: number): void {
      for (const t of tables) t.tick(now);
      if (finishing) {
        for (const t of tables) t.closeAll();
        finishing = false;
      }
    },
    stateSize(): number {
      let n = 0;
      for (const t of tables) n += t.size;
      return n;
    },
    get evicted(): number {
      let n = 0;
      for (const t of tables) n += t.evicted;
      return n;
    },
  };
}
