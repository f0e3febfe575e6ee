// Edge logs are dated and ordered by the receive time, with the device's own time kept beside it and
// a far one flagged and counted; edge.error takes the receive time and a severity from the
// configurable syslog → alert map (crit → critical by default). Real SQLite file, fake clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../gateway/alerts/alert.js';
import { ALERTS_DEFAULTS, AlertManager } from '../../gateway/alerts/alert-manager.js';
import { ConfigError } from '../../gateway/config/load-config.js';
import { EdgeLogService } from '../../gateway/edge-logs/edge-log-service.js';
import { EDGE_LOGS_DEFAULTS, type EdgeLogsConfig } from '../../gateway/edge-logs/edge-logs-config.js';
import { EDGE_SEVERITY_MAP_DEFAULTS, resolveEdgeSeverityMap } from '../../gateway/edge-logs/log-severity-map.js';
import { LogStore } from '../../gateway/edge-logs/log-store.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const CAM = 'aa:bb:cc:00:00:01';
const iso = (ms: number): string => new Date(ms).toISOString();
/** An RFC 5424 line of severity `sev` (facility 3, daemon) stamped `stampMs` by the device. */
const line = (sev: number, stampMs: number | null, msg: string, app = 'watchdog'): string =>
  `<${3 * 8 + sev}>1 ${stampMs === null ? '-' : iso(stampMs)} cam01 ${app} 87 - - ${msg}`;

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-logtime-'));
  dirs.push(dir);
  return join(dir, 'edgeward.sqlite');
}

/** The daemon's edge log service over a SQLite file (no listeners), on a fake clock, its alerts collected. */
function service(over: Partial<EdgeLogsConfig> = {}, file = dbFile()) {
  const db = openDatabase(file);
  dbs.push(db);
  const clock = { t: T0 };
  const alerts: AlertInput[] = [];
  const svc = new EdgeLogService(db, { ...EDGE_LOGS_DEFAULTS, udp: false, tcp: false, ...over }, {
    resolveDevice: (ip) => (ip === '10.0.0.5' ? CAM : null), raise: (a) => alerts.push(a), now: () => clock.t,
  });
  return { svc, clock, alerts, db };
}

describe('edge log time: the receive time dates and orders', () => {
  it('a line stamped 5 minutes ahead is ordered by receive time and flagged skewed, its device time kept (stored, read back, counted)', () => {
    const { svc, clock, alerts } = service();
    const ahead = svc.ingest.ingestLine(line(3, T0 + 5 * 60_000, 'restart failed'), '10.0.0.5', 'udp');
    clock.t = T0 + 1000;
    const onTime = svc.ingest.ingestLine(line(3, T0 + 1000, 'still failing', 'ipcam'), '10.0.0.5', 'udp');
    expect(ahead).toMatchObject({ ts: iso(T0), receivedAt: iso(T0), deviceTs: iso(T0 + 300_000), clockSkewed: true });
    expect(onTime).toMatchObject({ ts: iso(T0 + 1000), deviceTs: iso(T0 + 1000), clockSkewed: false });
    // Newest first by receipt: the line received last comes first although its device time is earlier.
    const page = svc.logs({});
    expect(page.items.map((r) => [r.message, r.ts, r.deviceTs, r.clockSkewed])).toEqual([
      ['still failing', iso(T0 + 1000), iso(T0 + 1000), false],
      ['restart failed', iso(T0), iso(T0 + 300_000), true],
    ]);
    // Time filters read the receive time: the skewed line is in the first half second, not five minutes on.
    expect(svc.logs({ until: iso(T0 + 500) }).items.map((r) => r.message)).toEqual(['restart failed']);
    expect(svc.logs({ since: iso(T0 + 60_000) }).items).toEqual([]);
    expect(svc.stats().ingest.clockSkewed).toBe(1);
    // Its alert is dated by the receive time, not "in the future", and carries the device's time.
    expect(alerts.map((a) => [a.evidence.message, a.ts, a.evidence.deviceTs, a.evidence.clockSkewed])).toEqual([
      ['restart failed', T0 * 1000, iso(T0 + 300_000), true], ['still failing', (T0 + 1000) * 1000, iso(T0 + 1000), false],
    ]);
    // Stored: a new store over the same file reads the same back.
    svc.store.flush();
    const again = new LogStore(dbs[0]!, { maxRows: 0, flushIntervalMs: 60_000, flushBatch: 10 });
    expect(again.query({}).map((r) => [r.ts, r.deviceTs, r.clockSkewed])).toEqual([[iso(T0 + 1000), iso(T0 + 1000), false], [iso(T0), iso(T0 + 300_000), true]]);
  });

  it('a skew within the threshold is not flagged; a line without a time has no device time; the threshold is config', () => {
    const { svc } = service({ skewThresholdSeconds: 600 });
    expect(svc.ingest.ingestLine(line(6, T0 - 599_000, 'a'), '10.0.0.5', 'udp')).toMatchObject({ deviceTs: iso(T0 - 599_000), clockSkewed: false });
    expect(svc.ingest.ingestLine(line(6, T0 - 601_000, 'b'), '10.0.0.5', 'udp')).toMatchObject({ deviceTs: iso(T0 - 601_000), clockSkewed: true });
    expect(svc.ingest.ingestLine(line(6, null, 'c'), '10.0.0.5', 'udp')).toMatchObject({ ts: iso(T0), deviceTs: null, clockSkewed: false });
    // JSON records: a ts given is the device's time, the record is dated on receipt.
    const r = svc.ingestJson([{ message: 'd', ts: iso(T0 + 3_600_000) }, { message: 'e' }], '10.0.0.5');
    expect(r).toEqual({ ok: true, accepted: 2, dropped: 0 });
    expect(svc.logs({ limit: 2 }).items.map((x) => [x.message, x.ts, x.deviceTs, x.clockSkewed])).toEqual([
      ['e', iso(T0), null, false], ['d', iso(T0), iso(T0 + 3_600_000), true],
    ]);
    expect(svc.stats().ingest.clockSkewed).toBe(2);
  });

  it('rows stored before the device_ts column are migrated: their device time moves beside the receive time', () => {
    const file = dbFile();
    const old = openDatabase(file);
    old.exec(`CREATE TABLE edge_logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, received_at TEXT NOT NULL, device TEXT,
      source_ip TEXT NOT NULL, host TEXT, app TEXT, proc_id TEXT, msg_id TEXT, facility INTEGER, severity_code INTEGER, message TEXT NOT NULL,
      structured_data TEXT, format TEXT NOT NULL, transport TEXT NOT NULL, raw TEXT NOT NULL, truncated INTEGER NOT NULL DEFAULT 0)`);
    const ins = old.prepare(`INSERT INTO edge_logs (ts, received_at, source_ip, message, format, transport, raw) VALUES (?, ?, '10.0.0.5', ?, 'rfc5424', 'udp', 'x')`);
    ins.run(iso(T0 + 300_000), iso(T0), 'ahead');
    ins.run(iso(T0 + 5000), iso(T0 + 5000), 'no time given');
    old.close();
    const db = openDatabase(file);
    dbs.push(db);
    const store = new LogStore(db, { maxRows: 0, flushIntervalMs: 60_000, flushBatch: 10 });
    expect(store.query({}).map((r) => [r.message, r.ts, r.deviceTs, r.clockSkewed])).toEqual([
      ['no time given', iso(T0 + 5000), null, false], ['ahead', iso(T0), iso(T0 + 300_000), false],
    ]);
    // Opening again changes nothing more.
    const store2 = new LogStore(db, { maxRows: 0, flushIntervalMs: 60_000, flushBatch: 10 });
    expect(store2.query({}).map((r) => [r.ts, r.deviceTs])).toEqual([[iso(T0 + 5000), null], [iso(T0), iso(T0 + 300_000)]]);
  });
});

describe('edge.error severity from the syslog severity', () => {
  it('by default: emergency, alert, critical → critical; error → high; warning and below raise nothing', () => {
    const { svc, alerts } = service({ ratePerSecond: 1000, burst: 1000 });
    for (let sev = 0; sev <= 7; sev++) svc.ingest.ingestLine(line(sev, T0, `sev ${sev}`, `app${sev}`), '10.0.0.5', 'udp');
    expect(alerts.map((a) => [a.evidence.severity, a.severity])).toEqual([
      ['emergency', 'critical'], ['alert', 'critical'], ['critical', 'critical'], ['error', 'high'],
    ]);
  });

  it('an edge.error alert for a crit line is critical, through the alert manager; a crit after an err of the same app is its own alert', () => {
    const { svc, alerts } = service();
    svc.ingest.ingestLine(line(3, T0, 'restart failed'), '10.0.0.5', 'udp');
    svc.ingest.ingestLine(line(2, T0, 'web interface down'), '10.0.0.5', 'udp');
    svc.ingest.ingestLine(line(3, T0, 'restart failed again'), '10.0.0.5', 'udp');
    const m = new AlertManager(ALERTS_DEFAULTS);
    for (const a of alerts) m.raise(a);
    expect(m.all().map((a) => [a.rule, a.severity, a.count, a.evidence.severity])).toEqual([
      ['edge.error', 'high', 2, 'error'], ['edge.error', 'critical', 1, 'critical'],
    ]);
  });

  it('a custom map applies: error → critical, critical → none, warning → medium once alertSeverityAtMost lets warnings in', () => {
    const problems: string[] = [];
    const map = resolveEdgeSeverityMap({ err: 'critical', critical: 'none', warn: 'medium' }, problems);
    expect(problems).toEqual([]);
    const { svc, alerts } = service({ severityMap: map, alertSeverityAtMost: 4, ratePerSecond: 1000, burst: 1000 });
    for (let sev = 0; sev <= 7; sev++) svc.ingest.ingestLine(line(sev, T0, `sev ${sev}`, `app${sev}`), '10.0.0.5', 'udp');
    expect(alerts.map((a) => [a.evidence.severity, a.severity])).toEqual([
      ['emergency', 'critical'], ['alert', 'critical'], ['error', 'critical'], ['warning', 'medium'],
    ]);
  });

  it('the config checks the map: syslog names and keywords as keys, alert severities or none as values; the defaults fill in', () => {
    const c = validateConfig({ edgeLogs: { severityMap: { crit: 'high', debug: 'low' }, skewThresholdSeconds: 30 } });
    expect(c.edgeLogs.severityMap).toEqual({ ...EDGE_SEVERITY_MAP_DEFAULTS, critical: 'high', debug: 'low' });
    expect(c.edgeLogs.skewThresholdSeconds).toBe(30);
    expect(Object.isFrozen(c.edgeLogs.severityMap)).toBe(true);
    expect(validateConfig({}).edgeLogs.severityMap).toBe(EDGE_SEVERITY_MAP_DEFAULTS);
    let problems: string[] = [];
    try {
      validateConfig({ edgeLogs: { severityMap: { fatal: 'high', error: 'urgent' }, skewThresholdSeconds: 'soon' } }, 'c.json');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      problems = (e as ConfigError).problems;
    }
    expect(problems).toEqual([
      'c.json: edgeLogs.skewThresholdSeconds: must be a non-negative number',
      'c.json: edgeLogs.severityMap.fatal: unknown syslog severity (known: emergency, alert, critical, error, warning, notice, info, debug)',
      'c.json: edgeLogs.severityMap.error: must be one of low, medium, high, critical, none',
    ]);
  });
});
