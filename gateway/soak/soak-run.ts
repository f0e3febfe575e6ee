// runSoak: the daemon's packet path (the sensor from buildSensor with the product's plug-ins, the
// MUD policy over the bundled profiles among them; AlertManager over an AlertStore in a temporary
// SQLite file, keepRaised off) fed by the synthetic
// LAN at a fixed rate paced by the wall clock, with the daemon's once-a-second housekeeping, sampled
// every interval. Packet time is the wall clock, as on a live interface.
import { DecodeCounters } from '../common/events.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ALERTS_DEFAULTS, AlertManager } from '../alerts/alert-manager.js';
import { AlertStore } from '../alerts/alert-store.js';
import { pipelineConfig, type Overrides, type PipelineConfig } from '../sensor/sensor-config.js';
import type { PluginConfig as DetectConfig } from '../sensor/plugin.js';
import { packageRoot } from '../common/package-root.js';
import { standardPlugins } from '../plugins/standard-plugins.js';
import { POLICY_DEFAULTS } from '../policy/policy-config.js';
import { ProfileStore } from '../policy/profile-store.js';
import { buildSensor } from '../sensor/sensor.js';
import { LAG_RESOLUTION_MS, takeSample, type SoakSample } from './soak-sample.js';
import { SoakTraffic, type TrafficCounters } from './soak-traffic.js';

/** Options of a soak run. */
export interface SoakOptions {
  /** Length of the run, seconds of wall clock. */
  seconds: number;
  /** Packets a second. Default 50,000. */
  rate?: number;
  /** Devices on the LAN at once. Default 2,000. */
  devices?: number;
  /** Devices joining (with a new MAC) a second, each replacing one. Default devices / 20 (100 for 2,000). */
  joinsPerSecond?: number;
  /** Device inventory cap (`devices.maxDevices`). Default the pipeline's, 8,192. */
  maxDevices?: number;
  /** Long bulk streams. Default 256. */
  bulkFlows?: number;
  /** Internet servers. Default 16,384. */
  servers?: number;
  /** Seconds between samples. Default 60. */
  intervalSeconds?: number;
  /** Pacing slice, milliseconds: how often packets are handed over. Default 10. */
  sliceMs?: number;
  /**
   * Largest burst handed over in one slice after a stall, seconds of traffic: what a stall leaves
   * owed beyond it is dropped, as a capture would drop it, and the achieved rate says so. Default
   * 0.25. A test that checks the pipeline rather than the machine sets it to the run's length, so
   * that no stall of a loaded machine can cost packets.
   */
  maxCatchUpSeconds?: number;
  /** Seed of the traffic. Default 1. */
  seed?: number;
  /** Sample the last one's RSS is compared with (1-based). Default 3 (minute 3). */
  referenceSample?: number;
  /** Pipeline settings over the defaults (timeouts, caps). */
  pipeline?: Overrides<PipelineConfig>;
  /** Plugin settings (`detect.<name>.<key>`). */
  detect?: DetectConfig;
  /**
   * Run a full GC before each sample and report the live heap (needs node --expose-gc). A
   * diagnostic: the extra collections change the RSS the run would otherwise show. Default false.
   */
  gcBeforeSample?: boolean;
  /** Called with each sample as it is taken. */
  onSample?: (s: SoakSample) => void;
}

/** The options a run used, defaults filled in. */
export type ResolvedSoakOptions = Required<Omit<SoakOptions, 'onSample' | 'pipeline' | 'detect'>>;

/** Verdicts of a run. */
export interface SoakVerdict {
  /** RSS of the reference sample and of the last one, MiB, and last / reference (null if the run had too few samples). */
  referenceRssMiB: number | null;
  lastRssMiB: number;
  rssRatio: number | null;
  /**
   * Last RSS no more than 10 % above the reference; null when the run is too short to say. A fall is
   * not growth: V8 hands freed pages back now and then, so RSS can dip well below its level.
   */
  memoryLevelsOff: boolean | null;
  /** Packets a second over the whole run, and whether that is no more than 5 % under the target. */
  achievedRate: number;
  rateOk: boolean;
  ok: boolean;
}

/** Result of a run. */
export interface SoakResult {
  options: ResolvedSoakOptions;
  samples: SoakSample[];
  traffic: TrafficCounters;
  /** Entries held by each detector at the end. */
  detectorState: Record<string, number>;
  flowsPeak: number;
  /** The flow idle timeouts the run used, seconds. */
  flowTimeouts: { udp: number; other: number; tcpClosed: number };
  detectors: number;
  /** The sensor's plug-ins, in bus order. */
  plugins: readonly string[];
  verdict: SoakVerdict;
}

/** RSS at the end may exceed the reference by this share at most. */
export const RSS_TOLERANCE = 0.1;
/** The achieved rate may fall this share under the target at most. */
export const RATE_TOLERANCE = 0.05;
/** Default of {@link SoakOptions.maxCatchUpSeconds}. */
const MAX_CATCH_UP_SECONDS = 0.25;

/** Wall clock in µs. */
function nowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export function resolveSoakOptions(o: SoakOptions): ResolvedSoakOptions {
  const devices = o.devices ?? 2000;
  const r: ResolvedSoakOptions = {
    seconds: o.seconds, rate: o.rate ?? 50_000, devices, joinsPerSecond: o.joinsPerSecond ?? devices / 20,
    maxDevices: o.maxDevices ?? o.pipeline?.devices?.maxDevices ?? pipelineConfig().devices.maxDevices,
    bulkFlows: o.bulkFlows ?? 256, servers: o.servers ?? 16_384, intervalSeconds: o.intervalSeconds ?? 60, sliceMs: o.sliceMs ?? 10,
    seed: o.seed ?? 1, referenceSample: o.referenceSample ?? 3, gcBeforeSample: o.gcBeforeSample ?? false,
    maxCatchUpSeconds: o.maxCatchUpSeconds ?? MAX_CATCH_UP_SECONDS,
  };
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  if (!positive(r.seconds) || !positive(r.rate) || !positive(r.intervalSeconds) || !positive(r.sliceMs) || !positive(r.maxCatchUpSeconds) || !Number.isInteger(r.devices) || r.devices < 1 ||
      !Number.isInteger(r.maxDevices) || r.maxDevices < 1 || !(r.joinsPerSecond >= 0) || !Number.isInteger(r.referenceSample) || r.referenceSample < 1) {
    throw new RangeError('soak: seconds, rate, intervalSeconds, sliceMs and maxCatchUpSeconds must be > 0; devices, maxDevices and referenceSample whole numbers ≥ 1; joinsPerSecond ≥ 0');
  }
  if (r.gcBeforeSample && typeof globalThis.gc !== 'function') throw new RangeError('soak: a GC before each sample needs node --expose-gc');
  return r;
}

/** The verdicts for a series. */
export function judgeSoak(samples: readonly SoakSample[], o: ResolvedSoakOptions, packets: number, seconds: number): SoakVerdict {
  const last = samples[samples.length - 1];
  const ref = samples.length > o.referenceSample ? samples[o.referenceSample - 1]! : null;
  const rssRatio = ref && last ? last.rssMiB / ref.rssMiB : null;
  const memoryLevelsOff = rssRatio === null ? null : rssRatio <= 1 + RSS_TOLERANCE;
  const achievedRate = seconds > 0 ? packets / seconds : 0;
  const rateOk = achievedRate >= o.rate * (1 - RATE_TOLERANCE);
  return {
    referenceRssMiB: ref?.rssMiB ?? null, lastRssMiB: last?.rssMiB ?? 0, rssRatio: rssRatio === null ? null : Math.round(rssRatio * 1000) / 1000,
    memoryLevelsOff, achievedRate: Math.round(achievedRate), rateOk, ok: memoryLevelsOff !== false && rateOk,
  };
}

/** Runs the soak for `seconds` and returns the series and the verdicts. */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const o = resolveSoakOptions(opts);
  const cfg = pipelineConfig({ ...opts.pipeline, devices: { ...opts.pipeline?.devices, maxDevices: o.maxDevices } });
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-soak-'));
  const store = new AlertStore(join(dir, 'alerts.sqlite'));
  // As the daemon does: a daemon runs for months and reads its alerts back from SQLite.
  const counters = new DecodeCounters();
  const alerts = new AlertManager(ALERTS_DEFAULTS, store, false, counters);
  let alertsTotal = 0;
  alerts.addListener((_a, isNew) => { if (isNew) alertsTotal++; });
  // The daemon's sensor: every detector, the MUD policy over the bundled profiles, the meter.
  const profiles = new ProfileStore();
  profiles.loadDir(join(packageRoot(), 'policies', 'profiles'));
  const sensor = buildSensor({
    counters,
    config: cfg, alerts,
    plugins: standardPlugins({ detect: opts.detect ?? {}, policy: { config: POLICY_DEFAULTS, store: profiles } }),
  });
  const pipeline = sensor.pipeline;
  const sink = sensor.sink;
  const traffic = new SoakTraffic(
    { seed: o.seed, devices: o.devices, joinsPerSecond: o.joinsPerSecond, bulkFlows: o.bulkFlows, servers: o.servers },
    (buf, len, ts) => sink(buf, 0, len, len, ts, 1, 0),
  );
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  const samples: SoakSample[] = [];
  const gc = o.gcBeforeSample && typeof globalThis.gc === 'function' ? globalThis.gc : null;
  const sources = { pipeline, sensor, alerts, traffic: () => traffic.counters, lag, alertsTotal: () => alertsTotal, gc: gc ? () => void gc() : null, cpuAtStart: process.cpuUsage() };
  const start = nowUs();
  const totalPackets = Math.round(o.rate * o.seconds);
  const maxBurst = Math.max(1, Math.round(o.rate * o.maxCatchUpSeconds));
  let accounted = 0;
  let lastUs = start;
  let nextHousekeeping = start + 1e6;
  lag.enable();
  try {
    await new Promise<void>((resolve, reject) => {
      const slice = () => {
        try {
          const now = nowUs();
          const elapsed = (now - start) / 1e6;
          // Packets due by now, less those sent (a slice's few extra are owed by the next) or lost:
          // after a stall at most maxBurst go out at once, the rest are dropped as a capture would.
          const due = Math.min(totalPackets, Math.floor(o.rate * Math.min(elapsed, o.seconds)));
          const want = due - accounted;
          if (want > 0) {
            const n = Math.min(want, maxBurst);
            accounted += traffic.emit(n, lastUs, now) + (want - n);
          }
          lastUs = now;
          if (now >= nextHousekeeping) {
            // The daemon's housekeeping: time-outs on the packet clock, then pending alert writes.
            pipeline.flows.expire(now);
            sensor.tick(now);
            nextHousekeeping += 1e6;
            if (nextHousekeeping <= now) nextHousekeeping = now + 1e6;
          }
          const done = elapsed >= o.seconds;
          const boundary = (samples.length + 1) * o.intervalSeconds;
          if (elapsed >= boundary || (done && elapsed > samples.length * o.intervalSeconds + o.intervalSeconds / 2)) {
            const s = takeSample(sources, samples.length + 1, Math.min(elapsed, o.seconds), samples[samples.length - 1] ?? null);
            samples.push(s);
            opts.onSample?.(s);
          }
          if (done) { resolve(); return; }
          const next = Math.min(o.sliceMs, Math.max(0, (start + o.seconds * 1e6 - nowUs()) / 1000));
          setTimeout(slice, next);
        } catch (e) {
          reject(e);
        }
      };
      setTimeout(slice, o.sliceMs);
    });
  } finally {
    lag.disable();
    alerts.flush();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = Math.min((nowUs() - start) / 1e6, o.seconds);
  return {
    options: o, samples, traffic: { ...traffic.counters }, detectorState: sensor.stateSizes(), flowsPeak: pipeline.flows.counters.peak,
    flowTimeouts: { udp: cfg.flows.udpTimeout, other: cfg.flows.otherTimeout, tcpClosed: cfg.flows.tcpClosedTimeout },
    detectors: sensor.pluginNames.length, plugins: sensor.pluginNames, verdict: judgeSoak(samples, o, traffic.counters.packets, seconds),
  };
}
