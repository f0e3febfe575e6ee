// The ingest on a fake clock: parse and store, device by source address, raw lines kept, per-device
// rate limit with one log event per interval, and edge.error alerts that fold per (device, app).
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../gateway/alerts/alert.js';
import { ALERTS_DEFAULTS, AlertManager } from '../../gateway/alerts/alert-manager.js';
import { normalizeJsonLog } from '../../gateway/edge-logs/json-log.js';
import { LogIngest, type LogIngestOptions } from '../../gateway/edge-logs/log-ingest.js';
import type { EdgeLogRecord } from '../../gateway/edge-logs/log-record.js';
import { LogStore } from '../../gateway/edge-logs/log-store.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const CAM = 'aa:bb:cc:00:00:01';
const DEVICES: Record<string, string> = { '10.0.0.5': CAM };

const dbs: Db[] = [];
afterEach(() => { for (const d of dbs.splice(0)) d.close(); });

function setup(over: Partial<LogIngestOptions> = {}) {
  const db = openDatabase(':memory:');
  dbs.push(db);
  const store = new LogStore(db, { maxRows: 0, flushIntervalMs: 60_000, flushBatch: 1000 });
  const clock = { t: T0 };
  const alerts: AlertInput[] = [];
  const streamed: EdgeLogRecord[] = [];
  const events: [string, Record<string, unknown> | undefined][] = [];
  const ingest = new LogIngest({
    store, limiter: { ratePerSecond: 1, burst: 3, maxKeys: 100, reportIntervalMs: 60_000 },
    resolveDevice: (ip) => DEVICES[ip] ?? null, onRecord: (r) => streamed.push({ ...r }), raiseAlert: (a) => alerts.push(a),
    log: (e, f) => events.push([e, f]), now: () => clock.t, ...over,
  });
  return { store, clock, alerts, streamed, events, ingest };
}

describe('LogIngest', () => {
  it('stores a parsed line tied to its device, streams it with its seq, and raises edge.error', () => {
    const { ingest, store, alerts, streamed } = setup();
    const line = '<11>1 2026-03-01T11:59:58.500Z cam01 streamer 88 - - encoder stalled';
    const r = ingest.ingestLine(line + '\n', '10.0.0.5', 'udp');
    expect(r).toMatchObject({
      seq: 1, device: CAM, sourceIp: '10.0.0.5', severity: 'error', severityCode: 3, format: 'rfc5424', raw: line,
      ts: new Date(T0).toISOString(), receivedAt: new Date(T0).toISOString(), deviceTs: '2026-03-01T11:59:58.500Z', clockSkewed: false,
    });
    expect(streamed).toHaveLength(1);
    expect(streamed[0]!.seq).toBe(1);
    expect(store.query()).toEqual([r]);
    // Dated by the receive time, graded by the severity map (error → high).
    expect(alerts).toEqual([{
      rule: 'edge.error', ts: T0 * 1000, device: CAM, src: '10.0.0.5', dst: '', proto: 'udp', severity: 'high',
      sport: null, dport: null, peer: 'app:streamer high', message: 'cam01 streamer logged error: encoder stalled',
      evidence: { host: 'cam01', app: 'streamer', severity: 'error', message: 'encoder stalled', logSeq: 1, deviceTs: '2026-03-01T11:59:58.500Z', clockSkewed: false },
    }]);
  });

  it('raises nothing below error, and folds repeats of one app and grade on one device into one alert', () => {
    const { ingest, alerts } = setup({ limiter: { ratePerSecond: 1000, burst: 1000, maxKeys: 10, reportIntervalMs: 1000 } });
    ingest.ingestLine('<14>1 - cam01 streamer - - - all good', '10.0.0.5', 'tcp');
    ingest.ingestLine('<12>1 - cam01 streamer - - - warning only', '10.0.0.5', 'tcp');
    for (let i = 0; i < 5; i++) ingest.ingestLine(`<11>1 - cam01 streamer - - - stall ${i}`, '10.0.0.5', 'tcp');
    ingest.ingestLine('<10>Mar  1 11:00:00 cam01 ntpd: clock lost', '10.0.0.5', 'tcp');
    ingest.ingestLine('<11>1 - cam02 streamer - - - stall', '10.0.0.99', 'tcp'); // unknown device
    expect(alerts).toHaveLength(7);
    const m = new AlertManager(ALERTS_DEFAULTS);
    for (const a of alerts) m.raise(a);
    expect(m.all().map((a) => [a.device, a.src, a.count, a.evidence.app, a.severity])).toEqual([
      [CAM, '10.0.0.5', 5, 'streamer', 'high'], [CAM, '10.0.0.5', 1, 'ntpd', 'critical'], [null, '10.0.0.99', 1, 'streamer', 'high'],
    ]);
    expect(m.all()[0]!.evidence.message).toBe('stall 4');
  });

  it('dates an alert by the receive time when the device clock is far off', () => {
    const { ingest, alerts } = setup();
    ingest.ingestLine('<11>1 1970-01-01T00:00:05Z cam01 app - - - no rtc', '10.0.0.5', 'udp');
    expect(alerts[0]!.ts).toBe(T0 * 1000);
  });

  it('keeps a malformed line raw, whole, without severity, and counts why', () => {
    const { ingest, alerts } = setup();
    const line = '<34>1 2003-10-11 22:14:15 mymachine su - - - bad time';
    const r = ingest.ingestLine(line, '10.0.0.5', 'tcp');
    expect(r).toMatchObject({ format: 'raw', raw: line, message: line, severity: null, severityCode: null, host: null, ts: new Date(T0).toISOString() });
    expect(ingest.stats()).toMatchObject({ raw: 1, stored: 1, failures: { 'rfc5424.bad_timestamp': 1 } });
    expect(alerts).toHaveLength(0);
  });

  it('does not store blank lines', () => {
    const { ingest, store } = setup();
    expect(ingest.ingestLine('\r\n', '10.0.0.5', 'udp')).toBeNull();
    expect(store.count()).toBe(0);
    expect(ingest.stats()).toMatchObject({ received: 1, empty: 1, stored: 0 });
  });

  it('cuts a long line and flags it', () => {
    const { ingest } = setup({ maxLineBytes: 30 });
    const r = ingest.ingestLine('<14>1 - h a - - - ' + 'z'.repeat(100), '10.0.0.5', 'udp');
    expect(r).toMatchObject({ truncated: true, message: 'z'.repeat(12) });
    expect(r!.raw).toHaveLength(30);
    expect(ingest.ingestLine('<14>short', '10.0.0.5', 'udp', undefined, true)!.truncated).toBe(true);
  });

  it('rate-limits per device (unknown devices by address), logging once per key per interval', () => {
    const { ingest, store, clock, events } = setup();
    for (let i = 0; i < 10; i++) ingest.ingestLine(`<14>cam: line ${i}`, '10.0.0.5', 'udp');
    for (let i = 0; i < 4; i++) ingest.ingestLine(`<14>other: line ${i}`, '10.0.0.99', 'udp');
    expect(store.count()).toBe(3 + 3);
    expect(ingest.stats()).toMatchObject({ received: 14, stored: 6, droppedRateLimit: 7 + 1 });
    expect(ingest.limiter.dropped(CAM)).toBe(7);
    expect(ingest.limiter.dropped('10.0.0.99')).toBe(1);
    expect(events).toEqual([
      ['edge-logs.rate-limited', { device: CAM, sourceIp: '10.0.0.5', dropped: 1, droppedTotal: 1 }],
      ['edge-logs.rate-limited', { device: null, sourceIp: '10.0.0.99', dropped: 1, droppedTotal: 1 }],
    ]);
    clock.t += 2000; // two tokens back
    for (let i = 0; i < 5; i++) ingest.ingestLine(`<14>cam: later ${i}`, '10.0.0.5', 'udp');
    expect(store.count()).toBe(8);
    expect(events).toHaveLength(2); // still inside the minute
    clock.t += 60_000;
    for (let i = 0; i < 5; i++) ingest.ingestLine(`<14>cam: much later ${i}`, '10.0.0.5', 'udp');
    // Reported at the first drop after the minute: the 6 left unreported, the 3 of the second
    // round, and this one; the next drop waits for the next report.
    expect(events[2]).toEqual(['edge-logs.rate-limited', { device: CAM, sourceIp: '10.0.0.5', dropped: 6 + 3 + 1, droppedTotal: 11 }]);
    expect(events).toHaveLength(3);
    expect(ingest.limiter.dropped(CAM)).toBe(12);
  });

  it('ingests JSON records: device from the address unless set, rate-limited like lines', () => {
    const { ingest, store, alerts } = setup();
    const n = normalizeJsonLog([{ message: 'a', severity: 'error', app: 'fw' }, { message: 'b' }, { message: 'c' }, { message: 'd' }], '10.0.0.5', new Date(T0));
    if (!('records' in n)) throw new Error('refused');
    expect(ingest.ingestRecords(n.records)).toEqual({ accepted: 3, dropped: 1 });
    expect(store.query().map((r) => [r.message, r.device, r.format, r.transport])).toEqual([
      ['c', CAM, 'json', 'http'], ['b', CAM, 'json', 'http'], ['a', CAM, 'json', 'http'],
    ]);
    expect(alerts.map((a) => [a.proto, a.peer, a.severity])).toEqual([['tcp', 'app:fw high', 'high']]);
    const bound = normalizeJsonLog({ message: 'x' }, '192.0.2.1', new Date(T0));
    if (!('records' in bound)) throw new Error('refused');
    bound.records[0]!.device = 'aa:bb:cc:00:00:09';
    ingest.ingestRecords(bound.records);
    expect(store.query({ limit: 1 })[0]!.device).toBe('aa:bb:cc:00:00:09');
    expect(ingest.stats().parsed.json).toBe(4);
  });

  it('reports kernel drops from the receiver', () => {
    const { ingest } = setup({ kernelDrops: () => 42 });
    expect(ingest.stats().droppedKernel).toBe(42);
  });
});
