// Retention on real SQLite tables: append-only tables (flows, the stream journal) lose their oldest
// rows past the row cap and past the age (packet time measured back from the newest flow, wall
// time for the journal); alerts lose resolved ones first, then the oldest, never one still active,
// and their history goes with them; batches are bounded per round; tables a build lacks are
// skipped. Then the config (aliases of the older keys, errors) and a daemon that prunes by itself.
import { afterEach, describe, expect, it } from 'vitest';
import { AlertStore } from '../../gateway/alerts/alert-store.js';
import type { Alert } from '../../gateway/alerts/alert.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';
import { FlowStore } from '../../gateway/store/flow-store.js';
import { RETENTION_DEFAULTS, RetentionPruner, type RetentionConfig } from '../../gateway/store/retention.js';
import { StreamJournal } from '../../gateway/store/stream-journal.js';
import type { FlowRecord } from '../../gateway/track/flow-record.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { writeDeviceCapture } from '../helpers/device-capture.js';
import { until } from '../helpers/wait-until.js';
import { join } from 'node:path';

const DAY = 86_400_000;
/** Packet-time origin of these rows: 2026-01-01. */
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
/** Every bound off but those given. */
const OFF = { maxAgeDays: 0, maxRows: 0 };
const config = (over: Partial<RetentionConfig>): RetentionConfig => ({
  ...RETENTION_DEFAULTS, alerts: OFF, incidents: OFF, edgeLogs: OFF, flows: OFF, streamEvents: OFF, audit: OFF, suppressedAlerts: OFF, ...over,
});

function flow(i: number, lastMs: number): FlowRecord {
  return {
    id: i, proto: 'udp', src: '192.168.1.2', sport: 40000 + i, dst: '192.0.2.1', dport: 53, srcMac: '02:00:00:00:00:01', dstMac: null,
    initiatorKnown: true, firstTs: iso(lastMs - 1000), lastTs: iso(lastMs), srcPackets: 1, srcBytes: 60, dstPackets: 1, dstBytes: 90,
    state: null, endReason: 'idle', communityId: null,
  };
}

function alert(i: number, lastMs: number): Alert {
  return {
    id: `a${i}`, ts: iso(lastMs), rule: 'scan.port', severity: 'medium', device: '02:00:00:00:00:01', src: '192.168.1.2', dst: `192.0.2.${i}`,
    proto: 'tcp', sport: null, dport: null, communityId: null, count: 1, message: `scan ${i}`, evidence: {}, firstTs: iso(lastMs), lastTs: iso(lastMs),
  };
}

const flowIds = (db: Db) => (db.prepare('SELECT record FROM flows ORDER BY seq').all() as { record: string }[]).map((r) => (JSON.parse(r.record) as FlowRecord).id);
const alertIds = (db: Db) => (db.prepare('SELECT id FROM alerts ORDER BY seq').all() as { id: string }[]).map((r) => r.id);

describe('the retention pruner', () => {
  it('keeps the newest maxRows flows and none older than maxAgeDays before the newest flow', async () => {
    const db = openDatabase(':memory:');
    const flows = new FlowStore(db, 0);
    // 30 flows a day apart, the newest at T0 + 29 days; the wall clock is a year later (a replayed capture).
    for (let i = 0; i < 30; i++) flows.add(flow(i, T0 + i * DAY));
    flows.flush();
    const rows = new RetentionPruner(db, config({ flows: { maxAgeDays: 0, maxRows: 25 } }), { now: () => T0 + 400 * DAY });
    expect(await rows.run()).toEqual({ flows: 5 });
    expect(flowIds(db)).toEqual([...Array(25).keys()].map((i) => i + 5));
    const age = new RetentionPruner(db, config({ flows: { maxAgeDays: 10, maxRows: 25 } }), { now: () => T0 + 400 * DAY });
    // Older than day 29 - 10 = 19 go: days 5..18.
    expect(await age.run()).toEqual({ flows: 14 });
    expect(flowIds(db)).toEqual([...Array(11).keys()].map((i) => i + 19));
    expect(await age.run()).toEqual({});
  });

  it('ages the stream journal by the wall clock, and deletes in bounded batches per round', async () => {
    let now = T0;
    const db = openDatabase(':memory:');
    const journal = new StreamJournal(db, { retain: 0, now: () => now });
    for (let i = 0; i < 100; i++) { now = T0 + i * 60_000; journal.append('log', { i }); }
    now = T0 + 99 * 60_000 + 2 * DAY; // two days after the last event: all are older than one day
    const p = new RetentionPruner(db, { ...config({ streamEvents: { maxAgeDays: 1, maxRows: 0 } }), batchRows: 10, maxBatches: 3 }, { now: () => now });
    expect(await p.run()).toEqual({ streamEvents: 30 });
    expect(journal.oldestId()).toBe(31);
    expect(await p.run()).toEqual({ streamEvents: 30 });
    expect(journal.count()).toBe(40);
    // Ids go on after pruning (AUTOINCREMENT), so a client's resume point stays valid.
    expect(journal.append('log', {}).id).toBe(101);
  });

  it('prunes resolved alerts first, then the oldest, never an active one, and their history with them', async () => {
    const db = openDatabase(':memory:');
    const store = new AlertStore(db);
    // a0..a9 an hour apart (a9 newest); a5 and a6 resolved.
    for (let i = 0; i < 10; i++) store.insert(alert(i, T0 + i * 3_600_000));
    store.triage('a5', 'resolve', 'analyst', new Date(T0 + 10 * 3_600_000), 'done');
    store.triage('a6', 'resolve', 'analyst', new Date(T0 + 10 * 3_600_000), 'done');
    const history = () => (db.prepare("SELECT count(*) AS n FROM alert_history WHERE alert_id IN ('a5', 'a6')").get() as { n: number }).n;
    expect(history()).toBeGreaterThan(0);
    // Active window 2.5 h: a7, a8, a9 are within it of the newest and stay whatever the cap.
    const p = (maxRows: number) => new RetentionPruner(db, config({ alerts: { maxAgeDays: 0, maxRows } }), { activeWindowSeconds: 9000, now: () => T0 + 400 * DAY });
    expect(await p(8).run()).toEqual({ alerts: 2 });
    expect(alertIds(db)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a7', 'a8', 'a9']);
    expect(history()).toBe(0);
    expect(await p(5).run()).toEqual({ alerts: 3 });
    expect(alertIds(db)).toEqual(['a3', 'a4', 'a7', 'a8', 'a9']);
    expect(await p(1).run()).toEqual({ alerts: 2 });
    expect(alertIds(db)).toEqual(['a7', 'a8', 'a9']);
  });

  it('ages alerts by their last occurrence', async () => {
    const db = openDatabase(':memory:');
    const store = new AlertStore(db);
    store.insert(alert(0, T0));
    store.insert(alert(1, T0 + 1 * DAY));
    const old = alert(2, T0);
    store.insert(old);
    store.update({ ...old, count: 2, lastTs: iso(T0 + 5 * DAY) }); // recurred: it is as new as its last occurrence
    const p = new RetentionPruner(db, config({ alerts: { maxAgeDays: 3, maxRows: 0 } }), { now: () => T0 + 400 * DAY });
    expect(await p.run()).toEqual({ alerts: 2 });
    expect(alertIds(db)).toEqual(['a2']);
  });

  it('skips the tables a database does not have', async () => {
    const db = openDatabase(':memory:');
    const flows = new FlowStore(db, 0);
    for (let i = 0; i < 5; i++) flows.add(flow(i, T0 + i * DAY));
    flows.flush();
    const p = new RetentionPruner(db, { ...RETENTION_DEFAULTS, flows: { maxAgeDays: 0, maxRows: 2 } });
    expect(await p.run()).toEqual({ flows: 3 });
  });
});

describe('storage.retention in the config', () => {
  it('defaults, and the older keys as aliases of the row bounds', () => {
    const d = validateConfig({});
    expect(d.storage.retention).toEqual(RETENTION_DEFAULTS);
    expect(d.storage.flowsKept).toBe(RETENTION_DEFAULTS.flows.maxRows);
    expect(d.storage.streamKept).toBe(RETENTION_DEFAULTS.streamEvents.maxRows);
    expect(d.edgeLogs.maxRows).toBe(RETENTION_DEFAULTS.edgeLogs.maxRows);
    const old = validateConfig({ storage: { flowsKept: 5000, streamKept: 700 }, edgeLogs: { maxRows: 900 } });
    expect(old.storage.retention.flows).toEqual({ maxAgeDays: RETENTION_DEFAULTS.flows.maxAgeDays, maxRows: 5000 });
    expect(old.storage.retention.streamEvents.maxRows).toBe(700);
    expect(old.storage.retention.edgeLogs.maxRows).toBe(900);
    const now = validateConfig({ storage: { retention: { flows: { maxRows: 42 }, alerts: { maxAgeDays: 7 }, intervalSeconds: 5 } } });
    expect(now.storage.flowsKept).toBe(42);
    expect(now.storage.retention.alerts).toEqual({ maxAgeDays: 7, maxRows: RETENTION_DEFAULTS.alerts.maxRows });
    expect(now.storage.retention.intervalSeconds).toBe(5);
    expect(validateConfig({ storage: { flowsKept: 42, retention: { flows: { maxRows: 42 } } } }).storage.flowsKept).toBe(42);
  });

  it('reports every bad key with its path', () => {
    let problems: string[] = [];
    try {
      validateConfig({ storage: { flowsKept: 10, retention: { flows: { maxRows: 20, keep: 1 }, alerts: { maxAgeDays: -1 }, logs: {}, batchRows: 0, audit: 5 } } });
    } catch (e) {
      problems = (e as { problems: string[] }).problems;
    }
    expect(problems.map((p) => p.replace(/^config: /, '').split(':')[0])).toEqual([
      'storage.retention.flows.keep', 'storage.retention.alerts.maxAgeDays', 'storage.retention.logs', 'storage.retention.batchRows',
      'storage.retention.audit', 'storage.flowsKept (10) and storage.retention.flows.maxRows (20) disagree',
    ]);
  });
});

describe('a daemon', () => {
  let t: TestDaemon | null = null;
  afterEach(async () => { await t?.close(); t = null; });

  it('prunes by itself from housekeeping', async () => {
    t = await startTestDaemon({
      storage: { retention: { intervalSeconds: 1, alerts: { maxAgeDays: 0, maxRows: 3 } } },
      // The devices appear two minutes apart: with a one-minute window only the newest is active.
      alerts: { dedupWindowSeconds: 60 },
      detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } },
    });
    const file = join(t.dir, 'devices.pcap');
    writeDeviceCapture(file, 1, 11);
    await t.daemon.ingestCapture(file);
    const d = t.daemon;
    // Ten device.new alerts were raised (the pruner may already be at work: it runs every second).
    expect(t.events.filter((e) => e.event === 'alert')).toHaveLength(10);
    // The round logs retention.pruned when it ends (it yields between batches, so the rows go first).
    const pruned = () => t!.events.some((e) => e.event === 'retention.pruned');
    await until(() => d.alertStore.count() === 3 && pruned(), () => `3 alerts kept (${d.alertStore.count()} now) and the round logged`, 15_000);
    // The three kept are the newest: the last devices to appear.
    const kept = d.alertStore.list().map((a) => a.firstTs).sort();
    const raised = t.events.filter((e) => e.event === 'alert').map((e) => (e.alert as { firstTs: string }).firstTs).sort();
    expect(kept).toEqual(raised.slice(-3));
    // Every table retention knows is in the daemon's file: none is skipped.
    expect(d.retention.tables()).toEqual({
      alerts: 'alerts', incidents: 'incidents', edgeLogs: 'edge_logs', flows: 'flows', streamEvents: 'stream_events', audit: 'audit_log', suppressedAlerts: 'suppressed_alerts',
    });
  });
});
