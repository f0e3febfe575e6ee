// One row of the soak's series: memory, table sizes and event-loop lag at the end of an interval,
// and the function that takes it from a running pipeline.
import type { IntervalHistogram } from 'node:perf_hooks';
import type { AlertManager } from '../alerts/alert-manager.js';
import type { Sensor } from '../sensor/sensor.js';
import type { Pipeline } from '../sensor/packet-pipeline.js';
import type { TrafficCounters } from './soak-traffic.js';

/** A sample. Sizes are entries held at that moment; counters are totals since the start. */
export interface SoakSample {
  /** 1-based; at the default 60 s interval, the minute. */
  index: number;
  elapsedSeconds: number;
  /** Packets sent so far, and in this interval. */
  packets: number;
  intervalPackets: number;
  /** Packets a second achieved in this interval. */
  ratePps: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** Heap used right after a forced full GC (the live heap), when the run asked for one; else null. */
  liveHeapMiB: number | null;
  heapTotalMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  flows: number;
  flowsCreated: number;
  flowsEnded: number;
  flowsEvicted: number;
  devices: number;
  deviceJoins: number;
  devicesEvicted: number;
  dnsNames: number;
  dnsEvicted: number;
  /** Deduplication entries the alert manager holds, and alerts created. */
  alertsOpen: number;
  alertsTotal: number;
  /** Entries held by all the detectors together (each detector's stateSize()). */
  detectorState: number;
  decodeErrors: number;
  /** Event-loop lag over the interval, milliseconds: delay of a 10 ms timer beyond its 10 ms (perf_hooks.monitorEventLoopDelay). */
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /**
   * CPU time of the process (user + system, all threads, GC helpers included) since the run began,
   * seconds, unrounded (µs resolution: a soak at a low rate uses ~0.1 s an interval, so a rounded
   * figure could read the same twice); and over this interval as % of one core.
   */
  cpuSeconds: number;
  cpuPercent: number;
}

/** What a sample is read from. */
export interface SampleSources {
  pipeline: Pipeline;
  sensor: Sensor;
  alerts: AlertManager;
  /** The generator's counters, read at each sample (a snapshot each call). */
  traffic: () => TrafficCounters;
  lag: IntervalHistogram;
  /** Alerts created so far (counted by a listener). */
  alertsTotal: () => number;
  /** A full GC to run before reading the heap (node --expose-gc), or null to leave the heap alone. */
  gc: (() => void) | null;
  /** process.cpuUsage() when the run began. */
  cpuAtStart: NodeJS.CpuUsage;
}

const MIB = 1024 * 1024;

function r1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Resolution of the lag histogram, ms: its timer fires this often, and what it records is the time between two firings. */
export const LAG_RESOLUTION_MS = 10;

/** A recorded time between two firings (ns) as lag beyond the resolution, ms (an empty histogram reads 0). */
function lagMs(ns: number): number {
  return ns > 0 ? r1(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS)) : 0;
}

/** Takes a sample and resets the lag histogram for the next interval. */
export function takeSample(src: SampleSources, index: number, elapsedSeconds: number, prev: SoakSample | null): SoakSample {
  // RSS and the heap as the run left them; then, if asked, the live heap after a full collection.
  const mem = process.memoryUsage();
  const used = process.cpuUsage(src.cpuAtStart);
  const cpu = (used.user + used.system) / 1e6;
  let live: number | null = null;
  if (src.gc !== null) {
    src.gc();
    live = r1(process.memoryUsage().heapUsed / MIB);
  }
  const p = src.pipeline, fc = p.flows.counters;
  const ended = fc.endedIdle + fc.endedClosed + fc.endedActive + fc.endedShutdown + fc.evicted;
  let detectorState = 0;
  for (const n of Object.values(src.sensor.stateSizes())) detectorState += n;
  const traffic = src.traffic();
  const packets = traffic.packets;
  const intervalPackets = packets - (prev?.packets ?? 0);
  const seconds = elapsedSeconds - (prev?.elapsedSeconds ?? 0);
  const lag = src.lag;
  const sample: SoakSample = {
    index, elapsedSeconds: r1(elapsedSeconds), packets, intervalPackets, ratePps: seconds > 0 ? Math.round(intervalPackets / seconds) : 0,
    rssMiB: r1(mem.rss / MIB), heapUsedMiB: r1(mem.heapUsed / MIB), liveHeapMiB: live, heapTotalMiB: r1(mem.heapTotal / MIB),
    externalMiB: r1(mem.external / MIB), arrayBuffersMiB: r1(mem.arrayBuffers / MIB),
    flows: p.flows.size, flowsCreated: fc.total, flowsEnded: ended, flowsEvicted: fc.evicted,
    devices: p.devices.size, deviceJoins: traffic.joins, devicesEvicted: p.devices.evicted,
    dnsNames: p.dns.size, dnsEvicted: p.dns.evicted,
    alertsOpen: src.alerts.openCount, alertsTotal: src.alertsTotal(),
    detectorState, decodeErrors: p.decodeErrors,
    lagP50Ms: lagMs(lag.percentile(50)), lagP99Ms: lagMs(lag.percentile(99)), lagMaxMs: lagMs(lag.max),
    cpuSeconds: cpu, cpuPercent: seconds > 0 ? Math.round(((cpu - (prev?.cpuSeconds ?? 0)) / seconds) * 100) : 0,
  };
  lag.reset();
  return sample;
}
