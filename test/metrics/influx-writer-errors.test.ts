// The InfluxDB writer with no server behind it (a closed loopback port): points stay buffered,
// failures are counted by code, flush() rejects with the code, credentials never reach a log, and
// options and points it cannot use are refused by code.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InfluxWriter, type MetricPoint } from '../../gateway/metrics/influx-writer.js';
import { METRICS_DEFAULTS, type MetricsConfig } from '../../gateway/metrics/metrics-config.js';
import { METRICS_ERRORS } from '../../gateway/metrics/metrics-errors.js';
import { METRIC_SCHEMAS } from '../../gateway/metrics/metrics-reporter.js';
import { until } from '../helpers/wait-until.js';

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const pt = (i: number): MetricPoint => ({ measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: i }, timestamp: 1_767_225_600_000 + i });

const writers: InfluxWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
});

function writer(over: Partial<MetricsConfig>, log?: (event: string, fields?: Record<string, unknown>) => void): InfluxWriter {
  const w = new InfluxWriter({ ...METRICS_DEFAULTS, flushIntervalMs: 20, retryMaxMs: 80, requestTimeoutMs: 1000, ...over }, { log, schema: METRIC_SCHEMAS });
  writers.push(w);
  return w;
}

describe('InfluxWriter without a server', () => {
  it('keeps points buffered, counts failed attempts with their code, and keeps retrying', async () => {
    const w = writer({ influxUrl: `http://127.0.0.1:${await closedPort()}` });
    for (let i = 0; i < 10; i++) w.write(pt(i));
    // Waits for the attempts themselves, not for a time they ought to fit in.
    await until(() => w.stats().failures > 0, () => `a failed attempt: ${JSON.stringify(w.stats())}`, 10_000);
    const early = w.stats().failures;
    expect(early).toBeGreaterThan(0);
    expect(w.stats()).toMatchObject({ buffered: 10, written: 0, dropped: 0, connected: false, lastError: 'metrics.influx_unreachable' });
    // Still trying, the delay capped at retryMaxMs.
    await until(() => w.stats().failures > early, () => `another attempt after ${early}: ${JSON.stringify(w.stats())}`, 10_000);
    expect(w.stats().failures).toBeGreaterThan(early);
    await expect(w.flush()).rejects.toMatchObject({ code: 'metrics.influx_unreachable' });
    expect(w.stats().buffered).toBe(10);
  });

  it('never puts the password or the URL credentials in its log', async () => {
    const port = await closedPort();
    const events: Array<[string, Record<string, unknown> | undefined]> = [];
    const w = writer(
      { influxUrl: `http://urluser:urlsecret@127.0.0.1:${port}/`, influxPassword: 'cfgsecret' },
      (e, f) => events.push([e, f]),
    );
    expect(w.target).toBe(`http://127.0.0.1:${port}`);
    for (let i = 0; i < 3; i++) w.write(pt(i));
    await until(() => events.some(([e]) => e === 'metrics.influx_down'), () => `metrics.influx_down: ${JSON.stringify(events)}`, 10_000);
    await w.close();
    const names = events.map(([e]) => e);
    expect(names).toContain('metrics.influx_down');
    expect(names).toContain('metrics.influx_unflushed');
    expect(events.find(([e]) => e === 'metrics.influx_down')![1]).toMatchObject({ target: `http://127.0.0.1:${port}`, code: 'metrics.influx_unreachable', cause: 'ECONNREFUSED' });
    const text = JSON.stringify(events);
    for (const secret of ['urlsecret', 'cfgsecret', 'urluser']) expect(text).not.toContain(secret);
  });

  it('drops the oldest past the bound and says so once', async () => {
    const events: string[] = [];
    const w = writer({ influxUrl: `http://127.0.0.1:${await closedPort()}`, maxBufferedPoints: 5, batchSize: 2 }, (e) => events.push(e));
    for (let i = 0; i < 12; i++) w.write(pt(i));
    expect(w.stats()).toMatchObject({ buffered: 5, dropped: 7 });
    expect(events.filter((e) => e === 'metrics.influx_dropping')).toHaveLength(1);
  });

  it('refuses points it cannot write, by code, without buffering them', async () => {
    const w = writer({ influxUrl: `http://127.0.0.1:${await closedPort()}` });
    const bad: MetricPoint[] = [
      { measurement: '', fields: { count: 1 }, timestamp: 1 },
      { measurement: 'edge_logs', fields: {}, timestamp: 1 },
      { measurement: 'edge_logs', tags: { severity: '' }, fields: { count: 1 }, timestamp: 1 },
      { measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: Number.NaN }, timestamp: 1 },
      { measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: 1 }, timestamp: Number.POSITIVE_INFINITY },
      { measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: 1 }, timestamp: 0 }, // the client would send no time
      { measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: 1 }, timestamp: Date.UTC(2263, 0, 1) }, // past int64 ns
      { measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: 1, extra: 2 }, timestamp: 1 }, // not in the schema
      { measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: { n: 1 } as unknown as number }, timestamp: 1 },
    ];
    for (const p of bad) w.write(p);
    w.write({ ...pt(0), timestamp: new Date(1_767_225_600_000) }); // a Date is fine
    expect(w.stats()).toMatchObject({ rejected: bad.length, buffered: 1, lastError: 'metrics.bad_point' });
  });

  it('refuses options it cannot use, by code', () => {
    const base = { ...METRICS_DEFAULTS, influxUrl: 'http://127.0.0.1:8086' };
    for (const over of [{ influxUrl: 'not a url' }, { influxUrl: 'ftp://127.0.0.1/' }, { influxUrl: 'http://u:%zz@127.0.0.1:8086' }, { batchSize: 0 }, { maxBufferedPoints: 0 }, { influxDatabase: '' }]) {
      expect(() => new InfluxWriter({ ...base, ...over })).toThrow(expect.objectContaining({ code: 'metrics.bad_options' }));
    }
  });

  it('counts writes after close as dropped', async () => {
    const w = writer({ influxUrl: `http://127.0.0.1:${await closedPort()}` });
    await w.close();
    w.write(pt(1));
    expect(w.stats()).toMatchObject({ dropped: 1, buffered: 0 });
  });

  it('documents every error code', () => {
    for (const [code, text] of Object.entries(METRICS_ERRORS)) {
      expect(code).toMatch(/^metrics\.[a-z_]+$/);
      expect(text.length).toBeGreaterThan(10);
    }
  });
});
