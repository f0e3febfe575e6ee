// The one sensor core: the packet pipeline, the plug-in bus with its fault boundary, and the alert
// manager, built by `buildSensor` from the config and a list of plug-ins. Every entry point (the
// daemon, replay, bench, mud learn, mud explain, the soak and the fuzz targets) builds it the same
// way, so a benchmark or a soak measures exactly what runs in production.
import type { AlertManager } from '../alerts/alert-manager.js';
import { alertRenderer } from '../alerts/alert-renderer.js';
import { parseMac } from '../common/address-text.js';
import type { FrameSink } from '../capture/frame-source.js';
import type { EventLog } from '../common/event-log.js';
import { DecodeCounters } from '../common/events.js';
import { Pipeline } from './packet-pipeline.js';
import { alertRedactor } from './alert-privacy.js';
import type { Plugin, PluginFactory, PluginHost } from './plugin.js';
import { PluginBus, type BusEntry, type HookName, type PluginCost } from './plugin-bus.js';
import type { PipelineConfig } from './sensor-config.js';

/** What `buildSensor` needs. */
export interface SensorOptions {
  config: Readonly<PipelineConfig>;
  /** The plug-ins, in the order their hooks run (see plugins/standard-plugins.ts for the product's list). */
  plugins: readonly PluginFactory[];
  /**
   * Where alerts go (deduplicated, persisted by its store, told to its listeners). Its renderer is
   * set here: new alerts are worded by their rule's template (alerts/rule-guidance.ts) with the
   * devices named from this sensor's inventory, the same for every entry point.
   */
  alerts: AlertManager;
  /** The daemon's log (plug-in faults are logged there); default: none. */
  log?: EventLog;
  /**
   * The named-event counters, when the caller shares them with parts built before the sensor
   * (the alert manager's dedup table, the auth and log limiters); default: the sensor's own.
   */
  counters?: DecodeCounters;
}

/** Health of the sensor's plug-ins, for /api/v1/health. */
export interface SensorHealth {
  /** "ok", or "degraded" while any plug-in is switched off. */
  status: 'ok' | 'degraded';
  disabled: string[];
  faults: number;
}

export class Sensor {
  readonly pipeline: Pipeline;
  readonly bus: PluginBus;
  readonly host: PluginHost;
  readonly alerts: AlertManager;
  /** The plug-in names in bus order (what the entry-point test compares). */
  readonly pluginNames: readonly string[];
  private nextTick = 0;

  constructor(private readonly opts: SensorOptions) {
    this.alerts = opts.alerts;
    const cfg = opts.config;
    // One counter array for every named event: decode, stream, tables and plug-in faults.
    const counters = opts.counters ?? new DecodeCounters();
    this.bus = new PluginBus(cfg.sensor, counters, (e, hook, err, ts, disabled) => this.onFault(e, hook, err, ts, disabled));
    // The login modules look up default credentials for the plug-in that reads the answers, if one asks.
    const credentials = opts.plugins.find((f) => f.credentialCheck !== undefined)?.credentialCheck ?? null;
    this.pipeline = new Pipeline(cfg, this.bus, counters, credentials);
    const alerts = opts.alerts;
    const p = this.pipeline;
    // config privacy: what is withheld is blanked here, before the alert manager (and so the store,
    // the stream, EVE and incidents) sees the alert; null (the default) costs nothing.
    const redact = alertRedactor(cfg.privacy);
    this.host = {
      emit: redact === null ? (a) => void alerts.raise(a) : (a) => void alerts.raise(redact(a)),
      openStorm: (a, rules, untilTs) => void alerts.openStorm(redact === null ? a : redact(a), rules, untilTs),
      alertsFor: (mac) => alerts.openFor(mac),
      devices: p.devices, dns: p.dns, local: p.devices.local, events: p.decodeCounters,
    };
    alerts.setRenderer(alertRenderer((mac) => p.devices.get(parseMac(mac))));
    for (const f of opts.plugins) this.bus.add(f.name, f.rules, f.create(this.host));
    this.pluginNames = this.bus.entries.map((e) => e.name);
  }

  /** The FrameSink to hand to a source. */
  readonly sink: FrameSink = (buf, off, capLen, origLen, ts, linkType, ifIndex) => {
    this.pipeline.handle(buf, off, capLen, origLen, ts, linkType, ifIndex);
    if (ts >= this.nextTick) this.tick(ts);
  };

  /**
   * A frame at packet time `ts` that another worker handles (workers/frame-dealer.ts): the clocks
   * move as if this sensor had seen it (flow expiry for a frame with IP, as the flow table's own
   * clock moves only with those; the once-a-second tick), nothing else.
   */
  pass(ts: number, hasIp: boolean): void {
    if (hasIp) this.pipeline.flows.advance(ts);
    if (ts >= this.nextTick) this.tick(ts);
  }

  /** The running plug-in called `name` (typed by the caller), or undefined. */
  plugin<T extends Plugin>(name: string): T | undefined {
    return this.bus.get(name) as T | undefined;
  }

  /** Runs the once-a-second work at packet time `now`. */
  tick(now: number): void {
    this.nextTick = now + 1e6;
    this.bus.tick(now);
    this.alerts.expire(now);
    this.alerts.flush();
  }

  /** End of input: ends live flows (their onFlowEnd runs), onFinish, a last tick, pending writes. */
  finish(): void {
    this.pipeline.finish();
    const now = Math.max(this.pipeline.lastTs, 0);
    this.bus.finish(now);
    this.tick(now);
  }

  /** Every plug-in's cost and health. */
  costs(): PluginCost[] {
    return this.bus.costs();
  }

  /** Entries held by each plug-in that says (bounded by their caps). */
  stateSizes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.bus.costs()) if (c.tracksState) out[c.name] = c.stateEntries;
    return out;
  }

  health(): SensorHealth {
    const disabled = this.bus.entries.filter((e) => !e.enabled).map((e) => e.name);
    return { status: disabled.length > 0 ? 'degraded' : 'ok', disabled, faults: this.bus.entries.reduce((n, e) => n + e.faults, 0) };
  }

  /** A plug-in threw: log it, and raise `sensor.fault` at most once per faultAlertSeconds (and when switched off). */
  private onFault(e: BusEntry, hook: HookName, err: unknown, ts: number, disabled: boolean): void {
    const cfg = this.opts.config.sensor;
    this.opts.log?.('sensor.fault', { plugin: e.name, hook, faults: e.faults, disabled, error: e.lastError });
    if (!disabled && ts - e.lastAlertTs < cfg.faultAlertSeconds * 1e6) return;
    e.lastAlertTs = ts;
    const what = disabled ? `switched off after ${cfg.faultLimit} faults within ${cfg.faultWindowSeconds} s` : `contained (${e.faults} so far)`;
    this.alerts.raise({
      rule: 'sensor.fault', ts, device: null, src: '', dst: '', proto: '', sport: null, dport: null, peer: e.name,
      message: `plug-in ${e.name} threw in ${hook}: ${what}; its rules (${e.rules.join(', ') || 'none'}) may miss traffic`,
      evidence: { plugin: e.name, rules: e.rules, hook, faults: e.faults, disabled, error: e.lastError, stack: err instanceof Error ? (err.stack ?? '').split('\n').slice(0, 4).join('\n') : null },
    });
  }
}

/** The one builder of the packet engine. */
export function buildSensor(opts: SensorOptions): Sensor {
  return new Sensor(opts);
}
