// The InfluxDB report: which points, with which tags and fields, from a meter fed real frames and
// the alert and log counters; cumulative values; the label cap of the counters.
import { asFactory, testSensor } from '../helpers/sensor.js';
import { describe, expect, it } from 'vitest';
import { EventCounters, MAX_LABEL_SETS, OVERFLOW_LABEL } from '../../gateway/metrics/event-counters.js';
import type { MetricPoint } from '../../gateway/metrics/influx-writer.js';
import { MetricsReporter } from '../../gateway/metrics/metrics-reporter.js';
import { TrafficMeter } from '../../gateway/metrics/traffic-meter.js';
import { ETHER_IPV4, ether, frame, ipv4, LINK, PROTO, udp } from '../helpers/frames.js';
import { until } from '../helpers/wait-until.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

function setup(): { feed: (f: Buffer) => void; counters: EventCounters; sink: MetricPoint[]; reporter: MetricsReporter } {
  const meter = new TrafficMeter(16);
  const p = testSensor([asFactory('trafficMeter', meter)]).pipeline;
  const counters = new EventCounters();
  const sink: MetricPoint[] = [];
  const reporter = new MetricsReporter(meter, counters, { write: (pt) => sink.push(pt) }, 10);
  return { feed: (f) => p.handle(f, 0, f.length, f.length, 0, LINK.ETHERNET, 0), counters, sink, reporter };
}

const ab = frame(
  ether({ dst: B, src: A, type: ETHER_IPV4 }),
  ipv4({ src: '192.168.1.10', dst: '192.168.1.20', proto: PROTO.UDP, payload: udp({ sport: 1, dport: 2, payload: Buffer.alloc(58) }) }),
); // 100 bytes

describe('MetricsReporter', () => {
  it('reports per-device traffic, alerts per rule and severity, logs per severity, stamped with the given time', () => {
    const { feed, counters, sink, reporter } = setup();
    expect(ab.length).toBe(100);
    feed(ab);
    feed(ab);
    counters.countAlert('scan.port', 'high');
    counters.countAlert('scan.port', 'high', 4); // an aggregated alert with its repeats
    counters.countAlert('device.new', 'low');
    counters.countLog('err');
    counters.countLog('warning', 2);
    const t = Date.UTC(2026, 0, 1, 12);
    const points = reporter.report(t);
    expect(points).toEqual([
      { measurement: 'device_traffic', tags: { mac: A }, fields: { tx_packets: 2, tx_bytes: 200, rx_packets: 0, rx_bytes: 0 }, timestamp: t },
      { measurement: 'device_traffic', tags: { mac: B }, fields: { tx_packets: 0, tx_bytes: 0, rx_packets: 2, rx_bytes: 200 }, timestamp: t },
      { measurement: 'alerts', tags: { rule: 'scan.port', severity: 'high' }, fields: { count: 5 }, timestamp: t },
      { measurement: 'alerts', tags: { rule: 'device.new', severity: 'low' }, fields: { count: 1 }, timestamp: t },
      { measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: 1 }, timestamp: t },
      { measurement: 'edge_logs', tags: { severity: 'warning' }, fields: { count: 2 }, timestamp: t },
    ]);
    expect(sink).toEqual(points);
    expect(reporter.reports).toBe(1);
  });

  it('reports cumulative counters, idle series included, in every report', () => {
    const { feed, counters, sink, reporter } = setup();
    feed(ab);
    counters.countAlert('scan.port', 'high');
    reporter.report(1000);
    feed(ab);
    reporter.report(2000);
    const second = sink.filter((p) => p.timestamp === 2000);
    expect(second.map((p) => [p.measurement, p.tags, p.fields])).toEqual([
      ['device_traffic', { mac: A }, { tx_packets: 2, tx_bytes: 200, rx_packets: 0, rx_bytes: 0 }],
      ['device_traffic', { mac: B }, { tx_packets: 0, tx_bytes: 0, rx_packets: 2, rx_bytes: 200 }],
      ['alerts', { rule: 'scan.port', severity: 'high' }, { count: 1 }], // unchanged, still reported
    ]);
  });

  it('reports nothing before anything happened', () => {
    const { reporter, sink } = setup();
    expect(reporter.report(0)).toEqual([]);
    expect(sink).toEqual([]);
  });

  it('reports on its timer until stopped', async () => {
    const { sink, counters } = setup();
    counters.countLog('err');
    const r = new MetricsReporter({ snapshot: () => [] }, counters, { write: (p) => sink.push(p) }, 0.02);
    r.start();
    // Two reports made by the timer, however long a loaded machine takes to fire it.
    await until(() => r.reports >= 2, () => `two reports, ${r.reports} so far`, 10_000, 5);
    r.stop();
    const n = r.reports;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(sink).toHaveLength(n);
    // Stopped: none more, however long one waits (three intervals here).
    await new Promise((res) => setTimeout(res, 60));
    expect(r.reports).toBe(n);
  });

  it('refuses a report interval that is not positive, by code', () => {
    expect(() => new MetricsReporter({ snapshot: () => [] }, new EventCounters(), { write: () => {} }, 0)).toThrow(expect.objectContaining({ code: 'metrics.bad_options' }));
  });
});

describe('EventCounters', () => {
  it('caps the label sets, folding the rest into one overflow row', () => {
    const c = new EventCounters();
    for (let i = 0; i < MAX_LABEL_SETS + 10; i++) c.countAlert(`rule-${i}`, 'low');
    c.countAlert('rule-0', 'low'); // an existing row still counts
    const rows = c.alertCounts();
    expect(rows).toHaveLength(MAX_LABEL_SETS + 1);
    expect(rows[0]).toEqual({ rule: 'rule-0', severity: 'low', count: 2 });
    expect(rows.at(-1)).toEqual({ rule: OVERFLOW_LABEL, severity: OVERFLOW_LABEL, count: 10 });
    for (let i = 0; i < MAX_LABEL_SETS + 3; i++) c.countLog(`sev-${i}`);
    expect(c.logCounts().at(-1)).toEqual({ severity: OVERFLOW_LABEL, count: 3 });
  });
});
