// Edge logs in SQLite (table `edge_logs` of the gateway's one database): numbered on arrival, written
// in batches, queried by device, severity, time and text, capped at a row count (oldest go first).
import type { EventLog } from '../common/event-log.js';
import type { Db } from '../store/database.js';
import { storageGuardOf } from '../store/storage-guard.js';
import { severityName, type EdgeLogFormat, type EdgeLogRecord, type EdgeLogTransport, type StructuredData } from './log-record.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS edge_logs (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  ts             TEXT NOT NULL,
  received_at    TEXT NOT NULL,
  device         TEXT,
  source_ip      TEXT NOT NULL,
  host           TEXT,
  app            TEXT,
  proc_id        TEXT,
  msg_id         TEXT,
  facility       INTEGER,
  severity_code  INTEGER,
  message        TEXT NOT NULL,
  structured_data TEXT,
  format         TEXT NOT NULL,
  transport      TEXT NOT NULL,
  raw            TEXT NOT NULL,
  truncated      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS edge_logs_device ON edge_logs(device, seq);
CREATE INDEX IF NOT EXISTS edge_logs_source ON edge_logs(source_ip, seq);
CREATE INDEX IF NOT EXISTS edge_logs_ts ON edge_logs(ts);
`;

/**
 * Columns added after the first schema, with their types; an existing table gets them at open.
 * device_ts: the device's own time (issue 17: records are dated by the receive time, `ts`);
 * clock_skewed: 1 when it is further from the receive time than edgeLogs.skewThresholdSeconds.
 */
const ADDED_COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ['device_ts', 'TEXT'],
  ['clock_skewed', 'INTEGER NOT NULL DEFAULT 0'],
];

/**
 * Brings an existing edge_logs table up to the current columns. Rows stored before device_ts
 * existed were dated by the device's time: that moves to device_ts and the receive time becomes `ts`.
 */
function migrate(db: Db): void {
  const have = new Set((db.prepare('PRAGMA table_info(edge_logs)').all() as { name: string }[]).map((c) => c.name));
  for (const [name, type] of ADDED_COLUMNS) if (!have.has(name)) db.exec(`ALTER TABLE edge_logs ADD COLUMN ${name} ${type}`);
  if (!have.has('device_ts')) db.exec('UPDATE edge_logs SET device_ts = ts, ts = received_at WHERE ts <> received_at');
}

interface Row {
  device_ts: string | null; clock_skewed: number;
  seq: number; ts: string; received_at: string; device: string | null; source_ip: string; host: string | null; app: string | null;
  proc_id: string | null; msg_id: string | null; facility: number | null; severity_code: number | null; message: string;
  structured_data: string | null; format: string; transport: string; raw: string; truncated: number;
}

/** Settings of the store (edgeLogs keys of the same names). */
export interface LogStoreOptions {
  /** Rows kept; 0: no cap. */
  maxRows: number;
  /** Ms a record may wait in the queue before its batch is written. */
  flushIntervalMs: number;
  /** Queue length that triggers a write at once. */
  flushBatch: number;
  log?: EventLog;
}

/** Filters of `query`; all optional, combined with AND. */
export interface EdgeLogQuery {
  /** Device MAC. */
  device?: string;
  sourceIp?: string;
  app?: string;
  /** Severity code 0..7: this severity and worse. Records without severity (raw lines) never match. */
  severityAtMost?: number;
  /** Record time (`ts`, the receive time) at or after, ISO-8601. */
  since?: string;
  /** Record time (`ts`, the receive time) at or before, ISO-8601. */
  until?: string;
  /** Text contained in the message or the raw line (case-insensitive for ASCII). */
  q?: string;
  /** Records after this seq, OLDEST FIRST (for following the log forward, e.g. after a reconnect). */
  afterSeq?: number;
  /** Records before this seq (the cursor of the next page back). */
  beforeSeq?: number;
  /** 1..10000; default 100. */
  limit?: number;
}

/** A `since`/`until` that is no time. */
export class EdgeLogQueryError extends Error {
  readonly code = 'edge-logs.bad-time';
  constructor(readonly field: string) {
    super(`${field}: not an ISO-8601 time`);
    this.name = 'EdgeLogQueryError';
  }
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

/** The `edge_logs` table. */
export class LogStore {
  private readonly insertStmt;
  private readonly pruneStmt;
  private readonly insertBatch: (rows: EdgeLogRecord[]) => void;
  private queue: EdgeLogRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private nextSeq: number;
  private rows: number;
  /** Rows written. */
  written = 0;
  /** Rows deleted by the cap. */
  pruned = 0;
  /** Records lost because a write failed (disk full, I/O error). */
  lost = 0;

  constructor(private readonly db: Db, private readonly opts: Readonly<LogStoreOptions>) {
    db.exec(SCHEMA);
    migrate(db);
    this.insertStmt = db.prepare(`INSERT INTO edge_logs (seq, ts, received_at, device, source_ip, host, app, proc_id, msg_id, facility,
      severity_code, message, structured_data, format, transport, raw, truncated, device_ts, clock_skewed)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.pruneStmt = db.prepare('DELETE FROM edge_logs WHERE seq IN (SELECT seq FROM edge_logs ORDER BY seq LIMIT ?)');
    // Numbers are handed out at `add`, so a record streamed before its batch is written already has
    // the seq it will be stored under; sqlite_sequence keeps them growing after every row is pruned.
    const max = (db.prepare('SELECT max(seq) AS m FROM edge_logs').get() as { m: number | null }).m ?? 0;
    const sq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'edge_logs'").get() as { seq: number } | undefined;
    this.nextSeq = Math.max(max, sq?.seq ?? 0) + 1;
    this.rows = (db.prepare('SELECT count(*) AS n FROM edge_logs').get() as { n: number }).n;
    this.insertBatch = db.transaction((batch: EdgeLogRecord[]) => {
      for (const r of batch) {
        this.insertStmt.run(r.seq, r.ts, r.receivedAt, r.device, r.sourceIp, r.host, r.app, r.procId, r.msgId, r.facility,
          r.severityCode, r.message, r.structuredData === null ? null : JSON.stringify(r.structuredData), r.format, r.transport,
          r.raw, r.truncated ? 1 : 0, r.deviceTs, r.clockSkewed ? 1 : 0);
      }
      const excess = this.opts.maxRows > 0 ? this.rows + batch.length - this.opts.maxRows : 0;
      if (excess > 0) this.pruned += this.pruneStmt.run(excess).changes;
    });
  }

  /** Queues a record for writing; sets and returns its `seq`. Written within flushIntervalMs, or at once when the batch is full. */
  add(r: EdgeLogRecord): number {
    r.seq = this.nextSeq++;
    this.queue.push(r);
    if (this.queue.length >= this.opts.flushBatch) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => { this.timer = null; this.flush(); }, this.opts.flushIntervalMs);
      this.timer.unref();
    }
    return r.seq;
  }

  /** Writes the queue in one transaction; returns the rows written. Never throws: a failed batch is counted in `lost`. */
  flush(): number {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.queue.length === 0) return 0;
    const batch = this.queue;
    this.queue = [];
    try {
      const before = this.pruned;
      this.insertBatch(batch);
      this.rows += batch.length - (this.pruned - before);
      this.written += batch.length;
      storageGuardOf(this.db)?.success();
      return batch.length;
    } catch (err) {
      this.lost += batch.length;
      // A full disk is also counted (and reported in health and metrics) by the daemon's storage guard.
      storageGuardOf(this.db)?.failure('edge_logs', err, batch.length);
      this.opts.log?.('edge-logs.write-failed', { records: batch.length, error: String(err) });
      return 0;
    }
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Records matching `f` (the queue is written first), newest first — or oldest first when
   * `afterSeq` is given. Throws EdgeLogQueryError (`edge-logs.bad-time`) for a bad since/until.
   */
  query(f: EdgeLogQuery = {}): EdgeLogRecord[] {
    this.flush();
    const where: string[] = [];
    const params: (string | number)[] = [];
    const eq = (col: string, v: string | number | undefined): void => { if (v !== undefined) { where.push(`${col} = ?`); params.push(v); } };
    eq('device', f.device);
    eq('source_ip', f.sourceIp);
    eq('app', f.app);
    if (f.severityAtMost !== undefined) { where.push('severity_code <= ?'); params.push(f.severityAtMost); }
    if (f.since !== undefined) { where.push('ts >= ?'); params.push(isoTime(f.since, 'since')); }
    if (f.until !== undefined) { where.push('ts <= ?'); params.push(isoTime(f.until, 'until')); }
    if (f.q !== undefined && f.q !== '') {
      const like = '%' + f.q.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
      where.push("(message LIKE ? ESCAPE '\\' OR raw LIKE ? ESCAPE '\\')");
      params.push(like, like);
    }
    if (f.afterSeq !== undefined) { where.push('seq > ?'); params.push(f.afterSeq); }
    if (f.beforeSeq !== undefined) { where.push('seq < ?'); params.push(f.beforeSeq); }
    const limit = Math.min(MAX_LIMIT, Math.max(1, Math.floor(f.limit ?? DEFAULT_LIMIT)));
    const order = f.afterSeq !== undefined ? 'ASC' : 'DESC';
    const sql = `SELECT * FROM edge_logs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${order} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit) as Row[];
    return rows.map(fromRow);
  }

  /** Rows stored (the queue is written first). */
  count(): number {
    this.flush();
    return this.rows;
  }

  /** Writes what is queued and stops the timer. The database stays open (it is shared). */
  close(): void {
    this.flush();
  }
}

function isoTime(s: string, field: string): string {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new EdgeLogQueryError(field);
  return new Date(t).toISOString();
}

function fromRow(r: Row): EdgeLogRecord {
  return {
    seq: r.seq, ts: r.ts, receivedAt: r.received_at, device: r.device, sourceIp: r.source_ip, host: r.host, app: r.app,
    procId: r.proc_id, msgId: r.msg_id, facility: r.facility, severity: severityName(r.severity_code), severityCode: r.severity_code,
    message: r.message, structuredData: r.structured_data === null ? null : (JSON.parse(r.structured_data) as StructuredData),
    format: r.format as EdgeLogFormat, transport: r.transport as EdgeLogTransport, raw: r.raw, truncated: r.truncated === 1,
    deviceTs: r.device_ts, clockSkewed: r.clock_skewed === 1,
  };
}
