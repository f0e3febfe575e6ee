// storm.reconnect: many devices reappearing within seconds — power restored, a switch rebooted —
// raised as ONE alert that folds the per-device alerts of the burst (device.new, mud.no-profile,
// baseline.new-destination), so a power cut does not bury the SOC (DESIGN.md, MIC comments).
//
// Ordering: the storm opens when the minDevices-th device reappears; alerts raised before that
// stand alone (the AlertManager folds only later ones). deviceNew therefore holds its alerts for
// its holdSeconds (default 10 = windowSeconds here) before raising them at the device's first-seen
// time, so they land inside the storm. Alerts of other rules raised before the threshold stand
// alone, and so does the device.new of a device first seen within deviceNew.holdSeconds of the
// storm's end (it is raised after the storm has closed).
import type { RuleId } from '../../alerts/rules.js';
import { BoundedTable } from '../../common/bounded-table.js';
import type { PacketView } from '../../decode/packet-view.js';
import type { Device } from '../../track/device.js';
import type { Flow } from '../../track/flow.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.stormReconnect`. Fixed at start. */
export interface StormReconnectConfig {
  /**
   * Seconds a device must have been silent (no frame sent) for its next frame to count as a
   * reappearance. New devices count too, once the detector has watched the LAN this long (before
   * that, a device never seen may simply have been silent). Default 300.
   */
  silenceSeconds: number;
  /** Seconds within which `minDevices` reappearances make a storm. Default 10. */
  windowSeconds: number;
  /** Reappearing devices within the window that make a storm. Default 10. */
  minDevices: number;
  /** Seconds after the end of the window during which the storm keeps folding per-device alerts. Default 60. */
  holdSeconds: number;
  /** Devices whose last frame time is kept; at the cap the least recently seen is forgotten (`detect.stormReconnect.table_full`). Default 65536. */
  maxDevices: number;
}

export const STORM_RECONNECT_DEFAULTS: Readonly<StormReconnectConfig> = Object.freeze({
  silenceSeconds: 300,
  windowSeconds: 10,
  minDevices: 10,
  holdSeconds: 60,
  maxDevices: 65536,
});

/** The per-device alerts a storm folds. */
export const STORM_FOLDS: readonly RuleId[] = ['device.new', 'mud.no-profile', 'baseline.new-destination'];
/** Devices listed in the storm's evidence (its count goes on). */
const MAX_LISTED = 100;
/** The last-seen time of a device is refreshed at most this often (µs); gaps are exact to within it. */
const REFRESH_MICROS = 1e6;
/** Dedup peer of the storm alert (the raise that updates its count must hit the same entry). */
const STORM_PEER = 'storm';

interface Storm {
  untilTs: number;
  devices: string[];
  count: number;
  newDevices: number;
  /** Reappearances since the last update of the alert. */
  pending: number;
  lastTs: number;
}

/** The running detector. */
export class StormReconnectDetector implements Plugin {
  /** macNum → packet time of its last frame (µs, refreshed once a second), least recently refreshed first. */
  private readonly seen: BoundedTable<number, number>;
  /** Reappearances inside the current window, oldest first. */
  private recent: { ts: number; mac: string; isNew: boolean }[] = [];
  private storm: Storm | null = null;
  private firstTs = -1;
  /** The device of the last packet whose refresh was looked up, and that refresh's time (µs). */
  private lastDevice: Device | null = null;
  private lastRefresh = 0;
  /** Storms opened. */
  storms = 0;

  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<StormReconnectConfig>) {
    this.seen = new BoundedTable<number, number>({
      name: 'detect.stormReconnect.maxDevices', capacity: cfg.maxDevices, order: 'lru', counters: host.events, event: 'detect.stormReconnect.table_full',
    });
  }

  /** Devices forgotten at the `maxDevices` cap. */
  get evicted(): number {
    return this.seen.evicted;
  }

  onPacket(pv: PacketView, _flow: Flow | null, _dir: number, device: Device | null): void {
    if (device === null) return;
    const ts = pv.ts;
    // The cheapest path: the same device as the last packet, refreshed less than a second ago (runs
    // of one device's packets are the rule on a link): no table lookup at all.
    if (device === this.lastDevice && ts - this.lastRefresh < REFRESH_MICROS) return;
    const mac = device.macNum;
    const last = this.seen.peek(mac);
    // The cheap path: the device was heard less than a second ago.
    if (last !== undefined && ts - last < REFRESH_MICROS) { this.lastDevice = device; this.lastRefresh = last; return; }
    this.lastDevice = device;
    this.lastRefresh = ts;
    if (this.firstTs < 0) this.firstTs = ts;
    if (last !== undefined) this.seen.set(mac, ts); // most recently refreshed last
    else this.seen.add(mac, ts); // at the cap the least recently seen device is forgotten
    const silence = this.cfg.silenceSeconds * 1e6;
    if (last !== undefined) {
      if (ts - last >= silence) this.reappeared(ts, device.mac, false);
    } else if (ts - device.firstSeen <= this.cfg.windowSeconds * 1e6 && ts - this.firstTs >= silence) {
      // New to the inventory (not merely forgotten at our cap), and we have watched long enough
      // for "never seen" to mean "was off".
      this.reappeared(ts, device.mac, true);
    }
  }

  onTick(now: number): void {
    const s = this.storm;
    if (s === null) return;
    if (s.pending > 0) this.update(s);
    if (now > s.untilTs) this.storm = null;
  }

  stateSize(): number {
    return this.seen.size + this.recent.length;
  }

  private reappeared(ts: number, mac: string, isNew: boolean): void {
    const s = this.storm;
    if (s !== null && ts <= s.untilTs) {
      // Part of the open storm: count it; the alert is updated on the next tick.
      if (s.devices.length < MAX_LISTED && !s.devices.includes(mac)) s.devices.push(mac);
      s.count++;
      if (isNew) s.newDevices++;
      s.pending++;
      if (ts > s.lastTs) s.lastTs = ts;
      return;
    }
    if (s !== null) { if (s.pending > 0) this.update(s); this.storm = null; }
    const windowStart = ts - this.cfg.windowSeconds * 1e6;
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop]!.ts < windowStart) drop++;
    if (drop > 0) this.recent = this.recent.slice(drop);
    this.recent.push({ ts, mac, isNew });
    if (this.recent.length >= this.cfg.minDevices) this.open(ts);
  }

  private open(ts: number): void {
    const burst = this.recent;
    this.recent = [];
    const start = burst[0]!.ts;
    const devices = [...new Set(burst.map((r) => r.mac))].slice(0, MAX_LISTED);
    const s: Storm = {
      untilTs: start + (this.cfg.windowSeconds + this.cfg.holdSeconds) * 1e6,
      devices, count: burst.length, newDevices: burst.filter((r) => r.isNew).length, pending: 0, lastTs: ts,
    };
    this.storm = s;
    this.storms++;
    this.host.openStorm({
      rule: 'storm.reconnect', ts: start, device: null, src: '', dst: '', proto: '', sport: null, dport: null, peer: STORM_PEER,
      count: s.count,
      message: `${s.count} devices reappeared within ${Math.ceil((ts - start) / 1e6)} s (power restored?)`,
      evidence: this.evidence(s),
    }, STORM_FOLDS, s.untilTs);
  }

  /** Adds the reappearances since the last update to the storm alert (same rule and peer: it folds). */
  private update(s: Storm): void {
    const n = s.pending;
    s.pending = 0;
    this.host.emit({
      rule: 'storm.reconnect', ts: s.lastTs, device: null, src: '', dst: '', proto: '', sport: null, dport: null, peer: STORM_PEER,
      count: n, message: `${s.count} devices reappeared`, evidence: this.evidence(s),
    });
  }

  private evidence(s: Storm): Record<string, unknown> {
    return {
      devices: [...s.devices], count: s.count, newDevices: s.newDevices,
      windowSeconds: this.cfg.windowSeconds, silenceSeconds: this.cfg.silenceSeconds,
    };
  }
}

export const stormReconnect = plugin<StormReconnectConfig>({
  name: 'stormReconnect',
  rules: ['storm.reconnect'],
  defaults: STORM_RECONNECT_DEFAULTS,
  create: (host, cfg) => new StormReconnectDetector(host, cfg),
});
