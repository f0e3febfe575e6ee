// Per-device traffic counters on the packet path: frames and bytes each device sent (source MAC)
// and received (destination MAC), in a capped table keyed by the 48-bit MAC number.
import { macToString } from '../common/address-text.js';
import { BoundedTable } from '../common/bounded-table.js';
import type { DecodeCounters } from '../common/events.js';
import type { PacketView } from '../decode/packet-view.js';
import type { EventLog } from '../common/event-log.js';
import type { Plugin } from '../sensor/plugin.js';
import { isDeviceMac } from '../track/device-inventory.js';
import { MetricsError } from './metrics-errors.js';

/** One device's counters since it entered the meter. Bytes are on the wire (the frame's original length). */
export interface DeviceTraffic {
  /** "aa:bb:cc:dd:ee:ff". */
  mac: string;
  /** Frames and bytes the device sent (it was the source MAC). */
  txPackets: number;
  txBytes: number;
  /** Frames and bytes sent to it (it was the destination MAC; broadcast and multicast count for no one). */
  rxPackets: number;
  rxBytes: number;
}

/** A row of the table: the counters plus bookkeeping. */
interface Entry extends DeviceTraffic {
  /** Packet time of the last frame, µs (for the least-recently-active order). */
  lastTs: number;
}

/** Packet time between two refreshes of an entry's place in the eviction order, µs. */
const REFRESH_US = 1e6;
/** The "MAC" no frame carries: empties the one-entry caches. */
const NO_MAC = -2;

/**
 * Counts every frame for its sender and its receiver. A known device costs two Map lookups (or
 * none: the last source and destination are cached) and no allocation; a new MAC allocates its
 * row. At `maxDevices` the least recently active device is evicted (its counters restart if it
 * comes back, a counter reset InfluxDB and Prometheus both read as one; counted, `meter.table_full`).
 */
export class TrafficMeter implements Plugin {
  /** Rows by MAC, least recently active first (refreshed at most once a second of packet time). */
  private readonly byMac: BoundedTable<number, Entry>;
  private srcMac = NO_MAC;
  private srcEntry: Entry | null = null;
  private dstMac = NO_MAC;
  private dstEntry: Entry | null = null;
  /** Counts the frames of devices excluded from inspection too (privacy.excludeDevices: counters only). */
  readonly countsExcluded = true;

  /**
   * @param maxDevices rows held at most (config metrics.maxMeteredDevices, default 8192).
   * @param log told once, at the first eviction, that the cap is reached.
   * @param counters the named-event counters where `meter.table_full` is counted (the host's `events`).
   */
  constructor(readonly maxDevices: number, private readonly log?: EventLog, counters?: DecodeCounters) {
    if (!Number.isInteger(maxDevices) || maxDevices < 1) throw new MetricsError('metrics.bad_options', 'metrics.maxMeteredDevices must be a positive integer');
    this.byMac = new BoundedTable<number, Entry>({
      name: 'metrics.maxMeteredDevices', capacity: maxDevices, order: 'lru', counters, event: 'meter.table_full',
      onEvict: (mac) => this.onRowEvicted(mac),
    });
  }

  /** Devices evicted at the cap. */
  get evicted(): number {
    return this.byMac.evicted;
  }

  /** Devices counted now. */
  get size(): number {
    return this.byMac.size;
  }

  onPacket(pv: PacketView): void {
    const len = pv.origLen;
    const ts = pv.ts;
    const s = pv.srcMac;
    if (s >= 0) {
      if (s !== this.srcMac) {
        this.srcEntry = this.find(s, ts);
        this.srcMac = s;
      }
      const e = this.srcEntry;
      if (e !== null) {
        e.txPackets++;
        e.txBytes += len;
        this.touch(e, s, ts);
      }
    }
    const d = pv.dstMac;
    if (d >= 0) {
      if (d !== this.dstMac) {
        this.dstEntry = this.find(d, ts);
        this.dstMac = d;
      }
      const e = this.dstEntry;
      if (e !== null) {
        e.rxPackets++;
        e.rxBytes += len;
        this.touch(e, d, ts);
      }
    }
  }

  /** Every device's counters (copies), least recently active first. */
  snapshot(): DeviceTraffic[] {
    const out: DeviceTraffic[] = [];
    for (const e of this.byMac.values()) out.push(copy(e));
    return out;
  }

  /** Moves a row to the recent end of the order, at most once a second of packet time. */
  private touch(e: Entry, mac: number, ts: number): void {
    if (ts - e.lastTs > REFRESH_US) this.byMac.touch(mac, e);
    if (ts > e.lastTs) e.lastTs = ts;
  }

  /** The row of `mac`, created on first sight; null for a MAC no device owns (broadcast, multicast, zero). */
  private find(mac: number, ts: number): Entry | null {
    const e = this.byMac.peek(mac);
    if (e !== undefined) return e;
    if (!isDeviceMac(mac)) return null;
    const row: Entry = { mac: macToString(mac), txPackets: 0, txBytes: 0, rxPackets: 0, rxBytes: 0, lastTs: ts };
    this.byMac.add(mac, row); // at the cap the least recently active row goes first (onRowEvicted)
    return row;
  }

  /** The row of `mac` left the table at the cap (already counted). */
  private onRowEvicted(mac: number): void {
    // A cached row must not keep counting after it left the table.
    if (mac === this.srcMac) { this.srcMac = NO_MAC; this.srcEntry = null; }
    if (mac === this.dstMac) { this.dstMac = NO_MAC; this.dstEntry = null; }
    if (this.byMac.evicted === 1) this.log?.('metrics.meter_full', { maxDevices: this.maxDevices });
  }
}

function copy(e: Entry): DeviceTraffic {
  return { mac: e.mac, txPackets: e.txPackets, txBytes: e.txBytes, rxPackets: e.rxPackets, rxBytes: e.rxBytes };
}
