// The hook bus of the sensor: calls each hook only on the plug-ins that define it, each call inside
// a fault boundary (Suricata's exception policy: a plug-in that throws is counted and, past a limit,
// switched off; capture, decoding and every other plug-in go on), and samples the time each
// plug-in takes so `edgeward bench` and /metrics can say what every plug-in costs.
import type { AddrKey } from '../track/dns-cache.js';
import type { RuleId } from '../alerts/rules.js';
import type { AppRecord } from '../app/app-record.js';
import { ev, type DecodeCounters } from '../common/events.js';
import type { PacketView } from '../decode/packet-view.js';
import type { Device } from '../track/device.js';
import type { Flow } from '../track/flow.js';
import type { Plugin } from './plugin.js';
import { compileHookCalls, type CompiledHook, type HookClock } from './hook-calls.js';

/** Fault boundary and cost sampling settings (config `sensor`). Fixed at start. */
export interface BusConfig {
  /** Faults of one plug-in within faultWindowSeconds that switch it off. Default 10. */
  faultLimit: number;
  /** Window of faults, seconds of packet time. Default 60. */
  faultWindowSeconds: number;
  /** Seconds between two `sensor.fault` alerts for one plug-in (one more when it is switched off). Default 60. */
  faultAlertSeconds: number;
  /** Time one call in this many per hook (a power of two; 1 times every call). Default 64. */
  costSampleEvery: number;
}

export const BUS_DEFAULTS: Readonly<BusConfig> = Object.freeze({ faultLimit: 10, faultWindowSeconds: 60, faultAlertSeconds: 60, costSampleEvery: 64 });

/** Which hook a fault came from. */
export type HookName = 'onPacket' | 'onFlowStart' | 'onFlowEnd' | 'onApp' | 'onDeviceNew' | 'onDeviceChange' | 'onDnsAnswer' | 'onTick' | 'onFinish';

type PacketCalls = (pv: PacketView, flow: Flow | null, dir: number, dev: Device | null) => void;
type FlowCalls = (f: Flow) => void;
type AppCalls = (rec: AppRecord, pv: PacketView, flow: Flow | null, dir: number) => void;
/** One hook's compiled calls: every call, and the sampled round that times each. */
interface Calls<F> { readonly run: F; readonly timed: F }

/** One plug-in on the bus, with its fault and cost counters. */
export class BusEntry {
  /** Faults in all. */
  faults = 0;
  /** Packet times (µs) of the faults in the current window, oldest first (at most faultLimit). */
  readonly recent: number[] = [];
  lastError: string | null = null;
  lastHook: HookName | null = null;
  /** Packet time it was switched off, or -1. */
  disabledTs = -1;
  /** Estimated nanoseconds spent in its hooks (sampled calls × sampleEvery). */
  ns = 0;
  /** Packet time of its last `sensor.fault` alert, or -Infinity. */
  lastAlertTs = -Infinity;
  constructor(readonly name: string, readonly rules: readonly RuleId[], readonly p: Plugin) {}
  get enabled(): boolean {
    return this.disabledTs < 0;
  }
}

/** What the bus tells its owner of a fault (the sensor raises the alert and logs it). */
export type FaultListener = (e: BusEntry, hook: HookName, err: unknown, ts: number, disabled: boolean) => void;

const E_FAULT = ev('sensor.plugin_fault');
const E_DISABLED = ev('sensor.plugin_disabled');

/** A plug-in's cost and health, for `edgeward bench`, /metrics and /api/v1/health. */
export interface PluginCost {
  name: string;
  enabled: boolean;
  faults: number;
  lastError: string | null;
  /** Estimated nanoseconds per packet the sensor has seen (all hooks together). */
  nsPerPacket: number;
  /** Whether it says what its state holds (stateSize); then the entries, and approximate bytes. */
  tracksState: boolean;
  stateEntries: number;
  stateBytes: number;
}

export class PluginBus {
  readonly entries: BusEntry[] = [];
  private onDeviceNewList: BusEntry[] = [];
  private onDeviceChangeList: BusEntry[] = [];
  private onDnsAnswerList: BusEntry[] = [];
  private onTickList: BusEntry[] = [];
  private onFinishList: BusEntry[] = [];
  /** The plug-ins that count the frames of excluded devices (Plugin.countsExcluded). */
  private excludedList: BusEntry[] = [];
  /**
   * The calls of the hot hooks, compiled (hook-calls.ts), untimed and timed; null where no enabled
   * plug-in has the hook. onPacket by IP protocol (0-255: a plug-in may name the protocols it
   * wants) and for frames without IP.
   */
  private packetByProto: (Calls<PacketCalls> | null)[] = [];
  private packetNonIp: Calls<PacketCalls> | null = null;
  private flowStartCalls: Calls<FlowCalls> | null = null;
  private flowEndCalls: Calls<FlowCalls> | null = null;
  private appCalls: Calls<AppCalls> | null = null;
  /** The compiled calls are out of date (a plug-in added or switched off): compiled again before the next call. */
  private stale = true;
  private readonly mask: number;
  private readonly scale: number;
  /** What one pair of performance.now() calls costs here, ms: taken off every timed call, or the timer itself would be billed ×sampleEvery. */
  private readonly timerMs: number;
  /** Calls of each hook kind, for sampling. */
  private nPacket = 0;
  private nFlow = 0;
  private nApp = 0;
  private nTick = 0;
  /** Latest packet time (µs): the clock of the fault window. */
  now = 0;
  /** Packets the bus was handed (the denominator of nsPerPacket). */
  packets = 0;

  constructor(private readonly cfg: Readonly<BusConfig>, private readonly counters: DecodeCounters, private readonly onFault: FaultListener) {
    const every = cfg.costSampleEvery;
    if (!Number.isInteger(every) || every < 1 || (every & (every - 1)) !== 0) throw new RangeError('sensor.costSampleEvery: must be a power of two (1, 2, 4, … )');
    this.mask = every - 1;
    this.scale = every * 1e6;
    this.timerMs = timerCost();
    this.relist();
  }

  /** Adds a running plug-in; hooks are called in the order plug-ins were added. */
  add(name: string, rules: readonly RuleId[], p: Plugin): BusEntry {
    const e = new BusEntry(name, rules, p);
    this.entries.push(e);
    this.relist();
    return e;
  }

  /** The plug-in named `name`, or undefined. */
  get(name: string): Plugin | undefined {
    return this.entries.find((e) => e.name === name)?.p;
  }

  packet(pv: PacketView, flow: Flow | null, dir: number, dev: Device | null): void {
    if (this.stale) this.compile();
    this.packets++;
    if (pv.ts > this.now) this.now = pv.ts;
    const proto = pv.ipProto;
    const c = proto >= 0 && proto < 256 ? this.packetByProto[proto]! : this.packetNonIp;
    if (c === null) return;
    if ((++this.nPacket & this.mask) !== 0) c.run(pv, flow, dir, dev);
    else c.timed(pv, flow, dir, dev);
  }

  /** A frame of a device excluded from inspection: only the counting plug-ins hear it (not timed: no detector cost to measure). */
  excludedPacket(pv: PacketView): void {
    if (pv.ts > this.now) this.now = pv.ts;
    for (const e of this.excludedList) {
      try { e.p.onPacket!(pv, null, 0, null); } catch (err) { this.fault(e, 'onPacket', err); }
    }
  }

  flowStart(f: Flow): void {
    if (this.stale) this.compile();
    const c = this.flowStartCalls;
    if (c === null) return;
    if ((++this.nFlow & this.mask) !== 0) c.run(f);
    else c.timed(f);
  }

  flowEnd(f: Flow): void {
    if (this.stale) this.compile();
    const c = this.flowEndCalls;
    if (c === null) return;
    if ((++this.nFlow & this.mask) !== 0) c.run(f);
    else c.timed(f);
  }

  app(rec: AppRecord, pv: PacketView, flow: Flow | null, dir: number): void {
    if (this.stale) this.compile();
    const c = this.appCalls;
    if (c === null) return;
    if ((++this.nApp & this.mask) !== 0) c.run(rec, pv, flow, dir);
    else c.timed(rec, pv, flow, dir);
  }

  deviceNew(d: Device, ts: number): void {
    for (const e of this.onDeviceNewList) {
      try { e.p.onDeviceNew!(d, ts); } catch (err) { this.fault(e, 'onDeviceNew', err); }
    }
  }

  deviceChange(d: Device, field: keyof Device): void {
    for (const e of this.onDeviceChangeList) {
      try { e.p.onDeviceChange!(d, field); } catch (err) { this.fault(e, 'onDeviceChange', err); }
    }
  }

  dnsAnswer(name: string, addr: AddrKey, family: 4 | 6, expiresTs: number, ts: number): void {
    for (const e of this.onDnsAnswerList) {
      try { e.p.onDnsAnswer!(name, addr, family, expiresTs, ts); } catch (err) { this.fault(e, 'onDnsAnswer', err); }
    }
  }

  /** Once a second of packet time (a capture with long gaps makes many): sampled like the others. */
  tick(now: number): void {
    if (now > this.now) this.now = now;
    const list = this.onTickList;
    const timed = (++this.nTick & this.mask) === 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const t0 = timed ? performance.now() : 0;
      try { e.p.onTick!(now); } catch (err) { this.fault(e, 'onTick', err); }
      if (timed) e.ns += Math.max(0, performance.now() - t0 - this.timerMs) * this.scale;
    }
  }

  finish(now: number): void {
    for (const e of this.onFinishList) {
      try { e.p.onFinish!(now); } catch (err) { this.fault(e, 'onFinish', err); }
    }
  }

  /** Every plug-in's cost and health, in bus order. */
  costs(): PluginCost[] {
    const pk = Math.max(this.packets, 1);
    return this.entries.map((e) => {
      let entries = 0, bytes = 0;
      try {
        entries = e.p.stateSize?.() ?? 0;
        bytes = e.p.stateBytes?.() ?? entries * 200;
      } catch (err) {
        this.fault(e, 'onTick', err);
      }
      return { name: e.name, enabled: e.enabled, faults: e.faults, lastError: e.lastError, nsPerPacket: e.ns / pk, tracksState: e.p.stateSize !== undefined, stateEntries: entries, stateBytes: bytes };
    });
  }

  /** Counts a fault; past the limit within the window, switches the plug-in off. */
  private fault(e: BusEntry, hook: HookName, err: unknown): void {
    const ts = this.now;
    e.faults++;
    e.lastHook = hook;
    e.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.counters.add(E_FAULT);
    const window = this.cfg.faultWindowSeconds * 1e6;
    const r = e.recent;
    r.push(ts);
    while (r.length > 0 && r[0]! <= ts - window) r.shift();
    if (r.length > this.cfg.faultLimit) r.shift();
    let disabled = false;
    if (e.enabled && r.length >= this.cfg.faultLimit) {
      e.disabledTs = ts;
      disabled = true;
      this.counters.add(E_DISABLED);
      this.relist();
    }
    this.onFault(e, hook, err, ts, disabled);
  }

  /** Rebuilds the hook lists from the enabled plug-ins (new arrays: a loop under way keeps its own). */
  private relist(): void {
    const on = this.entries.filter((e) => e.enabled);
    this.onDeviceNewList = on.filter((e) => e.p.onDeviceNew !== undefined);
    this.onDeviceChangeList = on.filter((e) => e.p.onDeviceChange !== undefined);
    this.onDnsAnswerList = on.filter((e) => e.p.onDnsAnswer !== undefined);
    this.onTickList = on.filter((e) => e.p.onTick !== undefined);
    this.onFinishList = on.filter((e) => e.p.onFinish !== undefined);
    this.excludedList = on.filter((e) => e.p.countsExcluded === true && e.p.onPacket !== undefined);
    this.stale = true;
  }

  /** Compiles the hot hooks' calls from the enabled plug-ins (the first packet after a change of the list). */
  private compile(): void {
    this.stale = false;
    const on = this.entries.filter((e) => e.enabled);
    const packet = on.filter((e) => e.p.onPacket !== undefined);
    const fault = (e: BusEntry, hook: HookName, err: unknown) => this.fault(e, hook, err);
    const clock: HookClock = { timerMs: this.timerMs, scale: this.scale };
    const calls = <F>(hook: CompiledHook, list: BusEntry[]): Calls<F> | null => {
      const run = compileHookCalls(hook, list, fault), timed = compileHookCalls(hook, list, fault, clock);
      return run === null || timed === null ? null : { run: run as F, timed: timed as F };
    };
    // Compiled once per distinct list: most IP protocols share the list of plug-ins that take every packet.
    const byNames = new Map<string, Calls<PacketCalls> | null>();
    const packetCalls = (list: BusEntry[]): Calls<PacketCalls> | null => {
      const key = list.map((e) => this.entries.indexOf(e)).join(' ');
      let c = byNames.get(key);
      if (c === undefined) byNames.set(key, (c = calls<PacketCalls>('onPacket', list)));
      return c;
    };
    this.packetByProto = Array.from({ length: 256 }, (_, p) => packetCalls(packet.filter((e) => e.p.ipProtos === undefined || e.p.ipProtos.includes(p))));
    this.packetNonIp = packetCalls(packet.filter((e) => e.p.ipProtos === undefined || e.p.nonIpFrames === true));
    this.flowStartCalls = calls<FlowCalls>('onFlowStart', on.filter((e) => e.p.onFlowStart !== undefined));
    this.flowEndCalls = calls<FlowCalls>('onFlowEnd', on.filter((e) => e.p.onFlowEnd !== undefined));
    this.appCalls = calls<AppCalls>('onApp', on.filter((e) => e.p.onApp !== undefined));
  }
}

/** The mean cost of two back-to-back performance.now() calls, ms (a calibration of a few thousand pairs at start). */
function timerCost(): number {
  const n = 4000;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    sum += performance.now() - t0;
  }
  return sum / n;
}
