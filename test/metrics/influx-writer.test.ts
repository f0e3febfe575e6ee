// The InfluxDB writer against a real InfluxDB 1.x (Debian's influxd, started here on loopback):
// points read back by InfluxQL with their exact values, an outage inside the buffer bound loses
// nothing, one past it drops exactly the oldest, a dropped database comes back, refused points
// do not block the queue.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfluxDB } from 'influx';
import { InfluxWriter, type MetricPoint } from '../../gateway/metrics/influx-writer.js';
import { METRICS_DEFAULTS, type MetricsConfig } from '../../gateway/metrics/metrics-config.js';
import { METRIC_SCHEMAS } from '../../gateway/metrics/metrics-reporter.js';
import { Influxd, influxdUnavailable } from '../helpers/influxd.js';

const skipReason = influxdUnavailable();
/** Point times: 2026-01-01T00:00:00Z plus the point's sequence number in ms. */
const T0 = Date.UTC(2026, 0, 1);
/** Beyond 2^32 and 2^40: integers must come back exact, not as floats. */
const BIG = 2 ** 40 + 1;

/** Point number `i` of a run: one of 8 devices, fields derived from i. */
function point(i: number): MetricPoint {
  return {
    measurement: 'device_traffic',
    tags: { mac: `02:00:00:00:00:${(i % 8).toString(16).padStart(2, '0')}` },
    fields: { tx_packets: i, tx_bytes: BIG + i, rx_packets: 2 * i, rx_bytes: 3 * i },
    timestamp: T0 + i,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms; fails after `ms`. */
async function waitFor(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe.skipIf(skipReason !== null)(`InfluxWriter with a real InfluxDB${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: Influxd;
  let reader: InfluxDB;
  const writers: InfluxWriter[] = [];

  beforeAll(async () => {
    server = await Influxd.launch();
    reader = new InfluxDB({ host: '127.0.0.1', port: server.port });
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) await w.close();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  /** A writer on `db` with short intervals for tests. */
  function writer(db: string, over: Partial<MetricsConfig> = {}): InfluxWriter {
    const w = new InfluxWriter(
      { ...METRICS_DEFAULTS, influxUrl: server.url, influxDatabase: db, batchSize: 100, flushIntervalMs: 25, retryMaxMs: 200, requestTimeoutMs: 2000, ...over },
      { schema: METRIC_SCHEMAS },
    );
    writers.push(w);
    return w;
  }

  /** Every device_traffic row of `db`, as the sequence numbers their time says, checked field by field. */
  async function readBack(db: string): Promise<number[]> {
    const rows = await reader.query<{ time: Date; mac: string; tx_packets: number; tx_bytes: number; rx_packets: number; rx_bytes: number }>(
      'SELECT * FROM device_traffic', { database: db, precision: 'ms' },
    );
    const seqs: number[] = [];
    for (const r of rows) {
      const i = r.time.getTime() - T0;
      const p = point(i);
      expect({ mac: r.mac, tx_packets: r.tx_packets, tx_bytes: r.tx_bytes, rx_packets: r.rx_packets, rx_bytes: r.rx_bytes }).toEqual({ ...p.tags, ...p.fields });
      seqs.push(i);
    }
    return seqs.sort((a, b) => a - b);
  }

  /** Field name and type of device_traffic in `db`, sorted. */
  async function fieldTypes(db: string): Promise<string[][]> {
    const keys = await reader.query<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM device_traffic', { database: db });
    return keys.map((k) => [k.fieldKey, k.fieldType]).sort();
  }
  const INTEGER_FIELDS = [['rx_bytes', 'integer'], ['rx_packets', 'integer'], ['tx_bytes', 'integer'], ['tx_packets', 'integer']];

  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

  it('writes points in batches that an InfluxQL query reads back exactly, as integers', async () => {
    const w = writer('t_write');
    const N = 1000;
    for (let i = 0; i < N; i++) w.write(point(i));
    await waitFor('the timer to write every point', () => w.stats().written === N);
    expect(w.stats()).toEqual({ buffered: 0, written: N, dropped: 0, rejected: 0, failures: 0, lastError: null, connected: true });
    expect(await readBack('t_write')).toEqual(range(0, N));
    expect(await fieldTypes('t_write')).toEqual(INTEGER_FIELDS);
  });

  it('keeps every point written while the server is stopped mid-run, and writes them when it is back', async () => {
    const w = writer('t_outage', { maxBufferedPoints: 10_000 });
    for (let i = 0; i < 200; i++) w.write(point(i));
    await waitFor('the first points', () => w.stats().written === 200);
    await server.stop();
    // Points keep coming during the outage, across several failed attempts of the writer.
    let i = 200;
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < 50; k++) w.write(point(i++));
      await sleep(30);
    }
    await waitFor('a failed attempt', () => w.stats().failures > 0);
    expect(w.stats()).toMatchObject({ buffered: 500, written: 200, dropped: 0, connected: false, lastError: 'metrics.influx_unreachable' });
    await expect(w.flush()).rejects.toMatchObject({ code: 'metrics.influx_unreachable' });
    expect(w.stats().buffered).toBe(500);
    await server.start();
    // The writer's own retry brings the backlog in; flush() then has nothing left.
    await waitFor('the backlog after the restart', () => w.stats().buffered === 0);
    await w.flush();
    expect(w.stats()).toMatchObject({ buffered: 0, written: 700, dropped: 0, connected: true });
    expect(await readBack('t_outage')).toEqual(range(0, 700));
    // A second writer with the shared schema still writes integers (the client once bound it to the first database).
    expect(await fieldTypes('t_outage')).toEqual(INTEGER_FIELDS);
  });

  it('past the bound, drops exactly the oldest points, counts them, and writes the newest after the restart', async () => {
    const bound = 100;
    const w = writer('t_bound', { maxBufferedPoints: bound, batchSize: 30 });
    for (let i = 0; i < 10; i++) w.write(point(i));
    await waitFor('the first points', () => w.stats().written === 10);
    await server.stop();
    for (let i = 10; i < 260; i++) w.write(point(i));
    expect(w.stats()).toMatchObject({ buffered: bound, dropped: 150 });
    // Failed attempts lose nothing more: wait for a few of them rather than for a time.
    await waitFor('failed attempts during the outage', () => w.stats().failures >= 3);
    expect(w.stats()).toMatchObject({ buffered: bound, dropped: 150, written: 10 });
    expect(w.stats().failures).toBeGreaterThan(0);
    await server.start();
    await waitFor('the buffered points after the restart', () => w.stats().buffered === 0);
    expect(w.stats()).toMatchObject({ written: 10 + bound, dropped: 150, rejected: 0 });
    expect(await readBack('t_bound')).toEqual([...range(0, 10), ...range(160, 260)]);
  });

  it('creates the database again when it disappears while the writer runs', async () => {
    const w = writer('t_dropped');
    for (let i = 0; i < 5; i++) w.write(point(i));
    await w.flush();
    await reader.dropDatabase('t_dropped');
    for (let i = 5; i < 10; i++) w.write(point(i));
    await waitFor('the points after the drop', () => w.stats().written === 10);
    expect(w.stats().lastError).toBe('metrics.influx_no_database');
    expect(await readBack('t_dropped')).toEqual(range(5, 10));
  });

  it('drops and counts a batch InfluxDB refuses (a field type conflict), and goes on with the next', async () => {
    const w = writer('t_conflict');
    await reader.createDatabase('t_conflict');
    await reader.writePoints([{ measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: 1.5 }, timestamp: T0 }], { database: 't_conflict', precision: 'ms' });
    w.write({ measurement: 'edge_logs', tags: { severity: 'err' }, fields: { count: 2 }, timestamp: T0 + 1 }); // integer: refused
    await w.flush();
    expect(w.stats()).toMatchObject({ rejected: 1, written: 0, buffered: 0, lastError: 'metrics.influx_rejected' });
    w.write(point(0));
    await w.flush();
    expect(w.stats()).toMatchObject({ rejected: 1, written: 1, buffered: 0, connected: true });
    expect(await readBack('t_conflict')).toEqual([0]);
  });
});
