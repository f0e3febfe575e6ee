// Prometheus text for `/metrics`: a prom-client registry of its own whose values are all read at
// scrape time from a MetricsSource, so nothing on the packet path touches prom-client.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { CaptureStats } from '../capture/pcap-binding.js';
import type { PluginCost } from '../sensor/plugin-bus.js';
import type { AlertCount, LogCount } from './event-counters.js';
import type { InfluxStats } from './influx-writer.js';
import type { DeviceTraffic } from './traffic-meter.js';

/** The live capture's counters since it opened that are exported. */
export type CaptureCounters = Pick<CaptureStats, 'received' | 'kernelDropped' | 'ifDropped' | 'ringDropped' | 'captured'>;

/** What the exporter reads at each scrape; the daemon implements it over its parts. */
export interface MetricsSource {
  /** Frames seen since start. */
  packets(): number;
  /** Bytes seen since start (on the wire). */
  bytes(): number;
  /** Malformed frames and application messages since start. */
  decodeErrors(): number;
  /** Flows in the flow table now. */
  flowsActive(): number;
  /** Devices in the inventory now. */
  devices(): number;
  /** Per-device counters (a TrafficMeter's snapshot). */
  deviceTraffic(): readonly DeviceTraffic[];
  /** Alerts per rule and severity since start. */
  alertCounts(): readonly AlertCount[];
  /** Edge-device log records per severity since start. */
  logCounts(): readonly LogCount[];
  /** Edge-device log records lost (per-device rate limit, UDP kernel drops, failed writes; malformed lines are kept raw) since start. */
  edgeLogsDropped(): number;
  /** Edge-device log records whose own time was further than edgeLogs.skewThresholdSeconds from their receive time, since start. */
  edgeLogsClockSkewed?(): number;
  /** The InfluxDB writer's counters, or null when InfluxDB is off (its series then read 0). */
  influx(): InfluxStats | null;
  /** WebSocket stream clients connected now. */
  streamClients(): number;
  /** Every sensor plug-in: faults, on/off, sampled time, state held. */
  plugins(): readonly PluginCost[];
  /** Every named event (decode, stream, tables, plug-in faults) with a non-zero count. */
  events(): Record<string, number>;
  /** The live capture's interface and counters, or null (demo, no source: no capture series). */
  capture(): { interface: string; stats: CaptureCounters } | null;
  /** Rows (or EVE lines) a full or failing disk kept from being stored, per table, since start (the storage guard). Absent: none. */
  storageFailures?(): Record<string, number>;
  /** Occurrences silenced over their life, per suppression active now (absent: no such series). */
  suppressed?(): readonly { suppression: string; count: number }[];
  /** The fleet link's counters, or null when fleet is off (absent or null: no fleet series). */
  fleet?(): FleetCounters | null;
}

/** What the fleet series read (the fleet link's status has these and more). */
export interface FleetCounters {
  site: string;
  outboxDepth: number;
  published: number;
  dropped: number;
}

/** The exporter: its registry, the Content-Type of its text, and the text. */
export interface PrometheusExporter {
  registry: Registry;
  contentType: string;
  /** The exposition text, every value read from the source now. */
  metrics(): Promise<string>;
}

/** Label values of the `direction` label: sent by the device, or sent to it. */
export const DIRECTION = Object.freeze({ tx: 'tx', rx: 'rx' });

/** Options of {@link createPrometheus}. */
export interface PrometheusOptions {
  /** Add prom-client's process metrics (CPU, memory, event loop, GC). Default true. */
  defaultMetrics?: boolean;
}

/**
 * Builds the exporter over `source`. Every series is a collect() that reads the source; labelled
 * series are rebuilt from the snapshot at each scrape, so an evicted device disappears. Device
 * series are bounded by the traffic meter's cap (metrics.maxMeteredDevices).
 */
export function createPrometheus(source: MetricsSource, opts: PrometheusOptions = {}): PrometheusExporter {
  const registry = new Registry();
  const registers = [registry];
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()); } });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  };
  const influx = (pick: (s: InfluxStats) => number) => (): number => {
    const s = source.influx();
    return s === null ? 0 : pick(s);
  };

  counter('edgeward_packets_total', 'Frames seen by the gateway.', () => source.packets());
  counter('edgeward_bytes_total', 'Bytes seen by the gateway, on the wire.', () => source.bytes());
  counter('edgeward_decode_errors_total', 'Malformed frames and application messages.', () => source.decodeErrors());
  gauge('edgeward_flows_active', 'Flows in the flow table.', () => source.flowsActive());
  gauge('edgeward_devices', 'Devices in the inventory.', () => source.devices());
  new Counter({
    name: 'edgeward_device_packets_total', help: 'Frames per device: tx sent by it, rx sent to it.',
    labelNames: ['mac', 'direction'] as const, registers,
    collect() {
      this.reset();
      for (const d of source.deviceTraffic()) {
        this.inc({ mac: d.mac, direction: DIRECTION.tx }, d.txPackets);
        this.inc({ mac: d.mac, direction: DIRECTION.rx }, d.rxPackets);
      }
    },
  });
  new Counter({
    name: 'edgeward_device_bytes_total', help: 'Bytes per device on the wire: tx sent by it, rx sent to it.',
    labelNames: ['mac', 'direction'] as const, registers,
    collect() {
      this.reset();
      for (const d of source.deviceTraffic()) {
        this.inc({ mac: d.mac, direction: DIRECTION.tx }, d.txBytes);
        this.inc({ mac: d.mac, direction: DIRECTION.rx }, d.rxBytes);
      }
    },
  });
  new Counter({
    name: 'edgeward_alerts_total', help: 'Alerts raised, per rule and severity.', labelNames: ['rule', 'severity'] as const, registers,
    collect() {
      this.reset();
      for (const a of source.alertCounts()) this.inc({ rule: a.rule, severity: a.severity }, a.count);
    },
  });
  new Counter({
    name: 'edgeward_edge_logs_total', help: 'Edge-device log records received, per severity.', labelNames: ['severity'] as const, registers,
    collect() {
      this.reset();
      for (const l of source.logCounts()) this.inc({ severity: l.severity }, l.count);
    },
  });
  counter('edgeward_edge_logs_dropped_total', 'Edge-device log records lost (per-device rate limit, UDP kernel drops, failed writes; malformed lines are kept raw).', () => source.edgeLogsDropped());
  const skewed = source.edgeLogsClockSkewed?.bind(source);
  if (skewed !== undefined) {
    counter('edgeward_edge_logs_clock_skewed_total', 'Edge-device log records whose own time was off from their receive time by more than edgeLogs.skewThresholdSeconds (dated by receipt).', skewed);
  }
  gauge('edgeward_influx_buffered_points', 'Points waiting for InfluxDB (0 when InfluxDB is off).', influx((s) => s.buffered));
  counter('edgeward_influx_dropped_points_total', 'Points dropped from the full InfluxDB buffer, oldest first.', influx((s) => s.dropped));
  counter('edgeward_influx_written_points_total', 'Points InfluxDB accepted.', influx((s) => s.written));
  gauge('edgeward_influx_up', '1 when the last write to InfluxDB succeeded, else 0 (also when InfluxDB is off).', influx((s) => (s.connected ? 1 : 0)));
  gauge('edgeward_stream_clients', 'WebSocket stream clients connected.', () => source.streamClients());
  const plugin = (name: string, help: string, kind: typeof Counter | typeof Gauge, read: (c: PluginCost) => number): void => {
    new kind({
      name, help, labelNames: ['plugin'] as const, registers,
      collect(this: Counter | Gauge) {
        this.reset();
        for (const c of source.plugins()) (this as Gauge).inc({ plugin: c.name }, read(c));
      },
    });
  };
  plugin('edgeward_plugin_faults_total', 'Throws contained by the fault boundary, per sensor plug-in.', Counter, (c) => c.faults);
  plugin('edgeward_plugin_enabled', '1 while the plug-in runs, 0 once the fault limit switched it off.', Gauge, (c) => (c.enabled ? 1 : 0));
  plugin('edgeward_plugin_seconds_total', 'Time spent in the plug-in\'s hooks (sampled, scaled), seconds.', Counter, (c) => (c.nsPerPacket * source.packets()) / 1e9);
  plugin('edgeward_plugin_state_entries', 'Entries the plug-in\'s state holds.', Gauge, (c) => c.stateEntries);
  new Counter({
    name: 'edgeward_events_total', help: 'Named events (common/events.ts): decode anomalies, stream reassembly, table caps, plug-in faults.',
    labelNames: ['event'] as const, registers,
    collect() {
      this.reset();
      for (const [event, n] of Object.entries(source.events())) this.inc({ event }, n);
    },
  });
  // Counters of the live capture, labelled by interface: libpcap's pcap_stats and the capture ring.
  const capture = (name: string, help: string, read: (c: CaptureCounters) => number): void => {
    new Counter({
      name, help, labelNames: ['interface'] as const, registers,
      collect() {
        this.reset();
        const c = source.capture();
        if (c !== null) this.inc({ interface: c.interface }, read(c.stats));
      },
    });
  };
  capture('edgeward_capture_received_total', 'Packets the kernel saw on the capture interface (pcap_stats ps_recv, kernel drops included).', (c) => c.received);
  capture('edgeward_capture_kernel_dropped_total', 'Packets dropped with the kernel\'s capture buffer full (ps_drop): raise capture.bufferSize.', (c) => c.kernelDropped);
  capture('edgeward_capture_if_dropped_total', 'Packets dropped by the interface or its driver (ps_ifdrop).', (c) => c.ifDropped);
  capture('edgeward_capture_ring_dropped_total', 'Frames dropped with the capture thread\'s ring full (the packet path fell behind).', (c) => c.ringDropped);
  capture('edgeward_capture_captured_total', 'Frames the capture handed to the sensor.', (c) => c.captured);
  // One series per active suppression: bounded by suppressions.maxActive; an ended one disappears.
  new Counter({
    name: 'edgeward_alerts_suppressed_total', help: 'Alert occurrences silenced, per active suppression (its id; the API lists its scope and reason).',
    labelNames: ['suppression'] as const, registers,
    collect() {
      this.reset();
      for (const s of source.suppressed?.() ?? []) this.inc({ suppression: s.suppression }, s.count);
    },
  });
  new Counter({
    name: 'edgeward_storage_write_failures_total', help: 'Rows (EVE lines for table "eve") not stored because the disk was full or failing, per table; capture, detection and the live stream went on.',
    labelNames: ['table'] as const, registers,
    collect() {
      this.reset();
      for (const [table, n] of Object.entries(source.storageFailures?.() ?? {})) this.inc({ table }, n);
    },
  });
  // The fleet link (gateway/fleet/), labelled with the site: no series when fleet is off.
  const fleetSeries = (m: Gauge<'site'> | Counter<'site'>, read: (f: FleetCounters) => number): void => {
    m.reset();
    const f = source.fleet?.() ?? null;
    if (f === null) return;
    if (m instanceof Gauge) m.set({ site: f.site }, read(f));
    else m.inc({ site: f.site }, read(f));
  };
  new Gauge({
    name: 'edgeward_fleet_outbox_depth', help: 'Records for the SOC waiting in the outbox for their JetStream acknowledgement.', labelNames: ['site'] as const, registers,
    collect() { fleetSeries(this, (f) => f.outboxDepth); },
  });
  new Counter({
    name: 'edgeward_fleet_published_total', help: 'Records for the SOC acknowledged by JetStream since start.', labelNames: ['site'] as const, registers,
    collect() { fleetSeries(this, (f) => f.published); },
  });
  new Counter({
    name: 'edgeward_fleet_dropped_total', help: 'Records for the SOC dropped unsent at fleet.outboxMaxRecords since start (the oldest first).', labelNames: ['site'] as const, registers,
    collect() { fleetSeries(this, (f) => f.dropped); },
  });
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  return { registry, contentType: registry.contentType, metrics: () => registry.metrics() };
}
