// The Prometheus exposition: every series with the value the source gives at scrape time, types,
// labels rebuilt at each scrape, process metrics, and a registry of its own.
import type { PluginCost } from '../../gateway/sensor/plugin-bus.js';
import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import type { AlertCount, LogCount } from '../../gateway/metrics/event-counters.js';
import type { InfluxStats } from '../../gateway/metrics/influx-writer.js';
import { createPrometheus, type CaptureCounters, type MetricsSource } from '../../gateway/metrics/prometheus.js';
import type { DeviceTraffic } from '../../gateway/metrics/traffic-meter.js';

/** A source whose values the test sets. */
class FakeSource implements MetricsSource {
  v = { packets: 1234, bytes: 567890, decodeErrors: 7, flowsActive: 42, devices: 3, edgeLogsDropped: 9, streamClients: 2 };
  traffic: DeviceTraffic[] = [
    { mac: '02:00:00:00:00:0a', txPackets: 10, txBytes: 1000, rxPackets: 20, rxBytes: 3000 },
    { mac: '02:00:00:00:00:0b', txPackets: 20, txBytes: 3000, rxPackets: 10, rxBytes: 1000 },
  ];
  alerts: AlertCount[] = [{ rule: 'scan.port', severity: 'high', count: 5 }, { rule: 'device.new', severity: 'low', count: 3 }];
  logs: LogCount[] = [{ severity: 'err', count: 11 }];
  influxStats: InfluxStats | null = { buffered: 17, written: 1000, dropped: 4, rejected: 0, failures: 2, lastError: 'metrics.influx_unreachable', connected: false };
  captureStats: { interface: string; stats: CaptureCounters } | null = {
    interface: 'br-lan', stats: { received: 100_000, kernelDropped: 1200, ifDropped: 3, ringDropped: 45, captured: 98_752 },
  };
  packets = (): number => this.v.packets;
  bytes = (): number => this.v.bytes;
  decodeErrors = (): number => this.v.decodeErrors;
  flowsActive = (): number => this.v.flowsActive;
  devices = (): number => this.v.devices;
  deviceTraffic = (): DeviceTraffic[] => this.traffic;
  alertCounts = (): AlertCount[] => this.alerts;
  logCounts = (): LogCount[] => this.logs;
  edgeLogsDropped = (): number => this.v.edgeLogsDropped;
  influx = (): InfluxStats | null => this.influxStats;
  streamClients = (): number => this.v.streamClients;
  plugins = (): PluginCost[] => [];
  events = (): Record<string, number> => ({});
  capture = (): { interface: string; stats: CaptureCounters } | null => this.captureStats;
}

/** Samples of the text by `name{k="v",...}` with the labels sorted; and `# TYPE` by name. */
function parse(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) { types.set(t[1]!, t[2]!); continue; }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((x) => `${x[1]}="${x[2]}"`).sort();
    samples.set(labels.length ? `${m[1]}{${labels.join(',')}}` : m[1]!, Number(m[3]));
  }
  return { samples, types };
}

describe('createPrometheus', () => {
  it('exposes every series with the source\'s values', async () => {
    const src = new FakeSource();
    const p = createPrometheus(src);
    const { samples, types } = parse(await p.metrics());
    const expected: Record<string, number> = {
      edgeward_packets_total: 1234,
      edgeward_bytes_total: 567890,
      edgeward_decode_errors_total: 7,
      edgeward_flows_active: 42,
      edgeward_devices: 3,
      'edgeward_device_packets_total{direction="tx",mac="02:00:00:00:00:0a"}': 10,
      'edgeward_device_packets_total{direction="rx",mac="02:00:00:00:00:0a"}': 20,
      'edgeward_device_packets_total{direction="tx",mac="02:00:00:00:00:0b"}': 20,
      'edgeward_device_packets_total{direction="rx",mac="02:00:00:00:00:0b"}': 10,
      'edgeward_device_bytes_total{direction="tx",mac="02:00:00:00:00:0a"}': 1000,
      'edgeward_device_bytes_total{direction="rx",mac="02:00:00:00:00:0a"}': 3000,
      'edgeward_device_bytes_total{direction="tx",mac="02:00:00:00:00:0b"}': 3000,
      'edgeward_device_bytes_total{direction="rx",mac="02:00:00:00:00:0b"}': 1000,
      'edgeward_alerts_total{rule="scan.port",severity="high"}': 5,
      'edgeward_alerts_total{rule="device.new",severity="low"}': 3,
      'edgeward_edge_logs_total{severity="err"}': 11,
      edgeward_edge_logs_dropped_total: 9,
      edgeward_influx_buffered_points: 17,
      edgeward_influx_dropped_points_total: 4,
      edgeward_influx_written_points_total: 1000,
      edgeward_influx_up: 0,
      edgeward_stream_clients: 2,
      'edgeward_capture_received_total{interface="br-lan"}': 100_000,
      'edgeward_capture_kernel_dropped_total{interface="br-lan"}': 1200,
      'edgeward_capture_if_dropped_total{interface="br-lan"}': 3,
      'edgeward_capture_ring_dropped_total{interface="br-lan"}': 45,
      'edgeward_capture_captured_total{interface="br-lan"}': 98_752,
    };
    for (const [k, v] of Object.entries(expected)) expect([k, samples.get(k)]).toEqual([k, v]);
    const ours = [...samples.keys()].filter((k) => k.startsWith('edgeward_'));
    expect(ours.sort()).toEqual(Object.keys(expected).sort());
    for (const name of ['edgeward_packets_total', 'edgeward_device_bytes_total', 'edgeward_alerts_total', 'edgeward_influx_dropped_points_total',
      'edgeward_capture_received_total', 'edgeward_capture_kernel_dropped_total', 'edgeward_capture_if_dropped_total',
      'edgeward_capture_ring_dropped_total', 'edgeward_capture_captured_total']) {
      expect([name, types.get(name)]).toEqual([name, 'counter']);
    }
    for (const name of ['edgeward_flows_active', 'edgeward_devices', 'edgeward_influx_buffered_points', 'edgeward_stream_clients']) {
      expect([name, types.get(name)]).toEqual([name, 'gauge']);
    }
    // prom-client's process metrics, in this registry.
    expect(samples.has('process_cpu_user_seconds_total')).toBe(true);
    expect(samples.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect(p.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('reads the source at each scrape: a device that left disappears, counters move', async () => {
    const src = new FakeSource();
    const p = createPrometheus(src, { defaultMetrics: false });
    parse(await p.metrics());
    src.v.packets = 2000;
    src.traffic = [{ mac: '02:00:00:00:00:0b', txPackets: 25, txBytes: 3500, rxPackets: 10, rxBytes: 1000 }];
    src.alerts = [];
    src.influxStats = { ...src.influxStats!, connected: true, buffered: 0 };
    const { samples } = parse(await p.metrics());
    expect(samples.get('edgeward_packets_total')).toBe(2000);
    expect(samples.get('edgeward_device_packets_total{direction="tx",mac="02:00:00:00:00:0b"}')).toBe(25);
    expect([...samples.keys()].filter((k) => k.includes('02:00:00:00:00:0a'))).toEqual([]);
    expect([...samples.keys()].filter((k) => k.startsWith('edgeward_alerts_total'))).toEqual([]);
    expect(samples.get('edgeward_influx_up')).toBe(1);
    expect(samples.get('edgeward_influx_buffered_points')).toBe(0);
    expect(samples.has('process_cpu_user_seconds_total')).toBe(false);
  });

  it('reads 0 for the InfluxDB series when InfluxDB is off', async () => {
    const src = new FakeSource();
    src.influxStats = null;
    const { samples } = parse(await createPrometheus(src, { defaultMetrics: false }).metrics());
    for (const k of ['edgeward_influx_buffered_points', 'edgeward_influx_dropped_points_total', 'edgeward_influx_written_points_total', 'edgeward_influx_up']) {
      expect([k, samples.get(k)]).toEqual([k, 0]);
    }
  });

  it('has no capture series without a live capture', async () => {
    const src = new FakeSource();
    src.captureStats = null;
    const { samples } = parse(await createPrometheus(src, { defaultMetrics: false }).metrics());
    expect([...samples.keys()].filter((k) => k.startsWith('edgeward_capture_'))).toEqual([]);
  });

  it('keeps to its own registry: two exporters side by side, nothing in the global one', async () => {
    const a = new FakeSource();
    const b = new FakeSource();
    b.v.packets = 1;
    const pa = createPrometheus(a);
    const pb = createPrometheus(b);
    expect(parse(await pa.metrics()).samples.get('edgeward_packets_total')).toBe(1234);
    expect(parse(await pb.metrics()).samples.get('edgeward_packets_total')).toBe(1);
    expect(globalRegistry.getSingleMetric('edgeward_packets_total')).toBeUndefined();
  });
});
