// The edge_logs table: batched writes, seq handed out at add, query filters and order, the row cap,
// numbering that keeps growing across reopen and pruning.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeLogRecord } from '../../gateway/edge-logs/log-record.js';
import { EdgeLogQueryError, LogStore } from '../../gateway/edge-logs/log-store.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';

const OPTS = { maxRows: 0, flushIntervalMs: 60_000, flushBatch: 1000 };
const DEV_A = 'aa:bb:cc:00:00:01';
const DEV_B = 'aa:bb:cc:00:00:02';

function rec(over: Partial<EdgeLogRecord> = {}): EdgeLogRecord {
  return {
    ts: '2026-03-01T12:00:00.500Z', receivedAt: '2026-03-01T12:00:00.500Z', deviceTs: '2026-03-01T12:00:00.000Z', clockSkewed: false,
    device: DEV_A, sourceIp: '10.0.0.5', host: 'cam01',
    app: 'streamer', procId: '88', msgId: null, facility: 1, severity: 'info', severityCode: 6, message: 'hello', structuredData: null,
    format: 'rfc5424', transport: 'udp', raw: '<14>1 - cam01 streamer 88 - - hello', truncated: false, ...over,
  };
}

const dbs: Db[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function memDb(): Db {
  const db = openDatabase(':memory:');
  dbs.push(db);
  return db;
}

describe('LogStore', () => {
  it('numbers records at add, writes them in a batch at flush, and reads them back whole', () => {
    const store = new LogStore(memDb(), OPTS);
    const sd = { 'x@1': { k: 'v "q"' } };
    expect(store.add(rec({ structuredData: sd, truncated: true }))).toBe(1);
    expect(store.add(rec({ message: 'two', severity: null, severityCode: null, format: 'raw', facility: null }))).toBe(2);
    expect(store.pending).toBe(2);
    expect(store.flush()).toBe(2);
    expect(store.pending).toBe(0);
    const [two, one] = store.query();
    expect(one).toEqual({ ...rec({ structuredData: sd, truncated: true }), seq: 1 });
    expect(two).toMatchObject({ seq: 2, message: 'two', severity: null, severityCode: null, format: 'raw', facility: null });
  });

  it('writes at once when the batch is full', () => {
    const store = new LogStore(memDb(), { ...OPTS, flushBatch: 3 });
    store.add(rec());
    store.add(rec());
    expect(store.written).toBe(0);
    store.add(rec());
    expect(store.written).toBe(3);
    expect(store.pending).toBe(0);
  });

  it('writes on its timer', async () => {
    const store = new LogStore(memDb(), { ...OPTS, flushIntervalMs: 5 });
    store.add(rec());
    // Waits for the timer to have run, not for a guessed duration.
    for (let i = 0; i < 200 && store.written === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(store.written).toBe(1);
  });

  it('filters by device, source, app, severity, time and text; newest first, oldest first after a seq', () => {
    const store = new LogStore(memDb(), OPTS);
    store.add(rec({ ts: '2026-03-01T10:00:00.000Z', severityCode: 3, severity: 'error', message: 'disk 100% full' }));
    store.add(rec({ ts: '2026-03-01T11:00:00.000Z', device: DEV_B, sourceIp: '10.0.0.6', app: 'ntpd', message: 'synced' }));
    store.add(rec({ ts: '2026-03-01T12:00:00.000Z', severityCode: 0, severity: 'emergency', message: 'panic', raw: '<8>kernel: panic CODE_X' }));
    store.add(rec({ ts: '2026-03-01T13:00:00.000Z', device: null, sourceIp: '10.0.0.9', severity: null, severityCode: null, format: 'raw', message: 'garbage_1' }));
    const seqs = (f: Parameters<LogStore['query']>[0]): number[] => store.query(f).map((r) => r.seq!);
    expect(seqs({})).toEqual([4, 3, 2, 1]);
    expect(seqs({ device: DEV_A })).toEqual([3, 1]);
    expect(seqs({ sourceIp: '10.0.0.9' })).toEqual([4]);
    expect(seqs({ app: 'ntpd' })).toEqual([2]);
    expect(seqs({ severityAtMost: 3 })).toEqual([3, 1]); // raw records have no severity and never match
    expect(seqs({ since: '2026-03-01T11:00:00Z', until: '2026-03-01T12:00:00Z' })).toEqual([3, 2]);
    expect(seqs({ since: '2026-03-01T11:30:00+01:00' })).toEqual([4, 3, 2]); // offsets are normalized (10:30Z)
    expect(seqs({ q: 'PANIC' })).toEqual([3]); // case-insensitive
    expect(seqs({ q: 'code_x' })).toEqual([3]); // found in the raw line
    expect(seqs({ q: '100%' })).toEqual([1]); // % is literal
    expect(seqs({ q: 'e_1' })).toEqual([4]); // _ is literal: 'the 1' would match an unescaped '_'
    expect(seqs({ beforeSeq: 3, limit: 1 })).toEqual([2]);
    expect(seqs({ afterSeq: 1, limit: 2 })).toEqual([2, 3]);
    expect(seqs({ device: DEV_A, severityAtMost: 0 })).toEqual([3]);
  });

  it('refuses a since or until that is no time, by code', () => {
    const store = new LogStore(memDb(), OPTS);
    expect(() => store.query({ since: 'yesterday' })).toThrow(EdgeLogQueryError);
    try { store.query({ until: 'nope' }); } catch (e) { expect((e as EdgeLogQueryError).code).toBe('edge-logs.bad-time'); }
  });

  it('keeps at most maxRows, deleting the oldest', () => {
    const store = new LogStore(memDb(), { ...OPTS, maxRows: 5, flushBatch: 3 });
    for (let i = 0; i < 12; i++) store.add(rec({ message: `m${i}` }));
    expect(store.count()).toBe(5);
    expect(store.query({ limit: 100 }).map((r) => r.message)).toEqual(['m11', 'm10', 'm9', 'm8', 'm7']);
    expect(store.pruned).toBe(7);
  });

  it('keeps numbering after reopen, even when every row was pruned', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-logs-'));
    dirs.push(dir);
    const path = join(dir, 'gw.sqlite');
    let db = openDatabase(path);
    let store = new LogStore(db, { ...OPTS, maxRows: 2 });
    for (let i = 0; i < 4; i++) store.add(rec());
    store.close();
    db.close();
    db = openDatabase(path);
    dbs.push(db);
    store = new LogStore(db, { ...OPTS, maxRows: 2 });
    expect(store.count()).toBe(2);
    expect(store.add(rec())).toBe(5);
    store.close();
    db.exec('DELETE FROM edge_logs');
    store = new LogStore(db, OPTS);
    expect(store.add(rec())).toBe(6);
  });

  it('counts a failed write as lost instead of throwing', () => {
    const db = memDb();
    const events: string[] = [];
    const store = new LogStore(db, { ...OPTS, log: (e) => events.push(e) });
    store.add(rec());
    db.exec('DROP TABLE edge_logs');
    expect(store.flush()).toBe(0);
    expect(store.lost).toBe(1);
    expect(events).toEqual(['edge-logs.write-failed']);
  });
});
