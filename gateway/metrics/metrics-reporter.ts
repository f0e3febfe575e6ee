// Turns the counters into InfluxDB points every reportIntervalSeconds: per-device traffic, alerts
// per rule and severity, edge logs per severity. Cumulative counters, every series every report.
import { FieldType, type ISchemaOptions } from 'influx';
import type { EventCounters } from './event-counters.js';
import type { MetricPoint } from './influx-writer.js';
import { MetricsError } from './metrics-errors.js';
import type { DeviceTraffic } from './traffic-meter.js';

/** Measurement names (stable: dashboards and queries use them). */
export const MEASUREMENT = Object.freeze({
  deviceTraffic: 'device_traffic',
  alerts: 'alerts',
  edgeLogs: 'edge_logs',
});

/**
 * Field types of the measurements, for the InfluxWriter's `schema`: counters are integers
 * (InfluxDB would store a bare number as a float).
 */
export const METRIC_SCHEMAS: readonly ISchemaOptions[] = Object.freeze(([
  {
    measurement: MEASUREMENT.deviceTraffic, tags: ['mac'],
    fields: { tx_packets: FieldType.INTEGER, tx_bytes: FieldType.INTEGER, rx_packets: FieldType.INTEGER, rx_bytes: FieldType.INTEGER },
  },
  { measurement: MEASUREMENT.alerts, tags: ['rule', 'severity'], fields: { count: FieldType.INTEGER } },
  { measurement: MEASUREMENT.edgeLogs, tags: ['severity'], fields: { count: FieldType.INTEGER } },
] as ISchemaOptions[]).map((s) => Object.freeze(s)));

/** Where the points go (an InfluxWriter). */
export interface PointSink {
  write(p: MetricPoint): void;
}

/** Per-device counters (a TrafficMeter). */
export interface TrafficSource {
  snapshot(): DeviceTraffic[];
}

/**
 * Reports cumulative counters, not deltas: a point lost (dropped from a full buffer, or from a
 * failed batch) costs resolution, never totals, since the next point carries the sum; and rates
 * come from InfluxQL's non_negative_derivative(), which also reads a restart's reset as one.
 * Every series goes out in every report, idle ones included, so the newest report alone holds
 * every total even if earlier ones were dropped.
 */
export class MetricsReporter {
  private timer: NodeJS.Timeout | null = null;
  /** Reports made. */
  reports = 0;

  /**
   * @param intervalSeconds seconds between reports (config metrics.reportIntervalSeconds, default 10).
   */
  constructor(
    private readonly traffic: TrafficSource,
    private readonly counters: EventCounters,
    private readonly sink: PointSink,
    readonly intervalSeconds: number,
  ) {
    if (!(intervalSeconds > 0)) throw new MetricsError('metrics.bad_options', 'metrics.reportIntervalSeconds must be positive');
  }

  /** Reports every intervalSeconds of wall-clock time until stop(). */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.report(Date.now()), this.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer (call report() once more for a last report). */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Builds the points of one report stamped `nowMs` (ms since the epoch; wall-clock time, since
   * the reports describe the running gateway), hands them to the sink, and returns them.
   */
  report(nowMs: number): MetricPoint[] {
    const points: MetricPoint[] = [];
    for (const d of this.traffic.snapshot()) {
      points.push({
        measurement: MEASUREMENT.deviceTraffic, tags: { mac: d.mac }, timestamp: nowMs,
        fields: { tx_packets: d.txPackets, tx_bytes: d.txBytes, rx_packets: d.rxPackets, rx_bytes: d.rxBytes },
      });
    }
    for (const a of this.counters.alertCounts()) {
      points.push({ measurement: MEASUREMENT.alerts, tags: { rule: a.rule, severity: a.severity }, fields: { count: a.count }, timestamp: nowMs });
    }
    for (const l of this.counters.logCounts()) {
      points.push({ measurement: MEASUREMENT.edgeLogs, tags: { severity: l.severity }, fields: { count: l.count }, timestamp: nowMs });
    }
    for (const p of points) this.sink.write(p);
    this.reports++;
    return points;
  }
}
