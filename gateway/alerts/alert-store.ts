// Alerts in SQLite (better-sqlite3, WAL): every new alert is written before it is sent anywhere, so
// an alert a client saw survives a crash. Writes are synchronous; WAL with synchronous=NORMAL
// survives a killed process (not a power cut without a checkpoint, which NORMAL trades for speed).
// The API reads from here: filters, newest-first pages by sequence number, and triage (who
// acknowledged or resolved an alert, and when).
import { openDatabase, type Db } from '../store/database.js';
import type { Alert } from './alert.js';
import { SEVERITIES, type Severity } from './rules.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  rule       TEXT NOT NULL,
  severity   TEXT NOT NULL,
  device     TEXT,
  src        TEXT NOT NULL,
  dst        TEXT NOT NULL,
  proto      TEXT NOT NULL,
  sport      INTEGER,
  dport      INTEGER,
  community_id TEXT,
  sni        TEXT,
  ja4        TEXT,
  count      INTEGER NOT NULL,
  message    TEXT NOT NULL,
  evidence   TEXT NOT NULL,
  first_ts   TEXT NOT NULL,
  last_ts    TEXT NOT NULL,
  acked_by   TEXT,
  acked_at   TEXT,
  resolved_by TEXT,
  resolved_at TEXT
);
CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule);
CREATE INDEX IF NOT EXISTS alerts_device ON alerts(device);
CREATE INDEX IF NOT EXISTS alerts_first_ts ON alerts(first_ts);
`;

/**
 * Columns added after the first release, each with its type, for a file an older edgeward made: the
 * table exists there without them, and CREATE TABLE IF NOT EXISTS leaves it as it is. Added once,
 * in order; never removed or renamed (an older binary reading a newer file ignores them).
 */
const ADDED_COLUMNS: readonly (readonly [name: string, type: string])[] = [
  // Community ID v1 of the alert's flow (issue 16).
  ['community_id', 'TEXT'],
  // TLS server name and JA4 of the alert's flow, when it is TLS (issue 16).
  ['sni', 'TEXT'],
  ['ja4', 'TEXT'],
];

/** Brings an existing alerts table up to the current columns. */
function migrate(db: Db): void {
  const have = new Set((db.prepare('PRAGMA table_info(alerts)').all() as { name: string }[]).map((c) => c.name));
  for (const [name, type] of ADDED_COLUMNS) if (!have.has(name)) db.exec(`ALTER TABLE alerts ADD COLUMN ${name} ${type}`);
}

interface Row {
  seq: number; id: string; rule: string; severity: string; device: string | null; src: string; dst: string; proto: string;
  sport: number | null; dport: number | null; community_id: string | null; sni: string | null; ja4: string | null; count: number; message: string; evidence: string; first_ts: string; last_ts: string;
  acked_by: string | null; acked_at: string | null; resolved_by: string | null; resolved_at: string | null;
}

/** Where an alert is in triage. */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];

/** An alert as stored: the record plus its sequence number and triage. */
export interface StoredAlert extends Alert {
  seq: number;
  status: AlertStatus;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
}

/** Filters of a listing; every field optional. Times are ISO-8601 and compare with the first occurrence. */
export interface AlertFilter {
  rule?: string[];
  /** Exact severities, or everything at or above `minSeverity`. */
  severity?: Severity[];
  minSeverity?: Severity;
  device?: string;
  status?: AlertStatus[];
  since?: string;
  until?: string;
  /** Case-insensitive text in message, src, dst or rule, or exactly the Community ID (an analyst pasting one from Zeek or Suricata). */
  q?: string;
  /** Page: alerts with seq below this (newest first). */
  before?: number;
  /** Or: alerts with seq above this, oldest first (catching up). */
  after?: number;
  limit?: number;
}

/** A page of alerts and the cursor of the next one. */
export interface AlertPage {
  items: StoredAlert[];
  /** Matching alerts in all pages. */
  total: number;
  /** Pass as `before` (or `after` when paging forward) for the next page; null at the end. */
  next: number | null;
}

function fromRow(r: Row): StoredAlert {
  return {
    seq: r.seq, id: r.id, ts: r.first_ts, rule: r.rule as Alert['rule'], severity: r.severity as Alert['severity'], device: r.device,
    src: r.src, dst: r.dst, proto: r.proto, sport: r.sport, dport: r.dport, communityId: r.community_id, count: r.count, message: r.message,
    evidence: JSON.parse(r.evidence) as Record<string, unknown>, firstTs: r.first_ts, lastTs: r.last_ts,
    ...(r.sni !== null ? { sni: r.sni } : {}), ...(r.ja4 !== null ? { ja4: r.ja4 } : {}),
    status: r.resolved_at !== null ? 'resolved' : r.acked_at !== null ? 'acknowledged' : 'open',
    acknowledgedBy: r.acked_by, acknowledgedAt: r.acked_at, resolvedBy: r.resolved_by, resolvedAt: r.resolved_at,
  };
}

/** The alert table of one SQLite database. */
export class AlertStore {
  readonly db: Db;
  private readonly ownDb: boolean;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly getStmt;

  /** `db`: an open database (the daemon's), or a path to open (a replay's --db). */
  constructor(db: Db | string) {
    this.ownDb = typeof db === 'string';
    this.db = typeof db === 'string' ? openDatabase(db) : db;
    this.db.exec(SCHEMA);
    migrate(this.db);
    // Idempotent: replaying the same capture into the same file gives the same ids and rows.
    this.insertStmt = this.db.prepare(`INSERT INTO alerts (id, rule, severity, device, src, dst, proto, sport, dport, community_id, sni, ja4, count, message, evidence, first_ts, last_ts)
      VALUES (@id, @rule, @severity, @device, @src, @dst, @proto, @sport, @dport, @communityId, @sni, @ja4, @count, @message, @evidence, @firstTs, @lastTs)
      ON CONFLICT(id) DO UPDATE SET count = excluded.count, evidence = excluded.evidence, last_ts = excluded.last_ts`);
    this.updateStmt = this.db.prepare('UPDATE alerts SET count = @count, evidence = @evidence, last_ts = @lastTs WHERE id = @id');
    this.getStmt = this.db.prepare('SELECT * FROM alerts WHERE id = ?');
  }

  insert(a: Alert): void {
    // `?? null`: an alert made by older code (or a test double) may lack the field; SQLite wants a value per name.
    this.insertStmt.run({ ...a, communityId: a.communityId ?? null, sni: a.sni ?? null, ja4: a.ja4 ?? null, evidence: JSON.stringify(a.evidence) });
  }

  update(a: Alert): void {
    this.updateStmt.run({ id: a.id, count: a.count, evidence: JSON.stringify(a.evidence), lastTs: a.lastTs });
  }

  /** Alerts in the order they were first written, with their sequence number. */
  list(afterSeq = 0, limit = 1000): StoredAlert[] {
    const rows = this.db.prepare('SELECT * FROM alerts WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[];
    return rows.map(fromRow);
  }

  get(id: string): StoredAlert | null {
    const r = this.getStmt.get(id) as Row | undefined;
    return r === undefined ? null : fromRow(r);
  }

  /** One page of the alerts matching `f`: newest first, or oldest first after `f.after`. */
  query(f: AlertFilter): AlertPage {
    const where: string[] = [];
    const args: unknown[] = [];
    const inList = (col: string, vals: readonly string[]) => {
      where.push(`${col} IN (${vals.map(() => '?').join(',')})`);
      args.push(...vals);
    };
    if (f.rule?.length) inList('rule', f.rule);
    if (f.severity?.length) inList('severity', f.severity);
    if (f.minSeverity) inList('severity', SEVERITIES.slice(SEVERITIES.indexOf(f.minSeverity)));
    if (f.device !== undefined) { where.push('device = ?'); args.push(f.device); }
    if (f.status?.length) {
      const parts = f.status.map((s) => (s === 'resolved' ? 'resolved_at IS NOT NULL' : s === 'acknowledged' ? '(acked_at IS NOT NULL AND resolved_at IS NULL)' : '(acked_at IS NULL AND resolved_at IS NULL)'));
      where.push(`(${parts.join(' OR ')})`);
    }
    if (f.since !== undefined) { where.push('first_ts >= ?'); args.push(f.since); }
    if (f.until !== undefined) { where.push('first_ts < ?'); args.push(f.until); }
    if (f.q) {
      // LIKE with the wildcards of the search text escaped, so "100%" means the text "100%".
      const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push("(message LIKE ? ESCAPE '\\' OR src LIKE ? ESCAPE '\\' OR dst LIKE ? ESCAPE '\\' OR rule LIKE ? ESCAPE '\\' OR community_id = ?)");
      args.push(like, like, like, like, f.q.trim());
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM alerts ${filter}`).get(...args) as { n: number }).n;
    const limit = Math.max(1, Math.min(f.limit ?? 100, 1000));
    const forward = f.after !== undefined;
    const page = [...where];
    const pageArgs = [...args];
    if (f.before !== undefined) { page.push('seq < ?'); pageArgs.push(f.before); }
    if (forward) { page.push('seq > ?'); pageArgs.push(f.after); }
    const sql = `SELECT * FROM alerts ${page.length > 0 ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY seq ${forward ? 'ASC' : 'DESC'} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...pageArgs, limit + 1) as Row[];
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(fromRow);
    return { items, total, next: more ? items.at(-1)!.seq : null };
  }

  /**
   * Acknowledges or resolves an alert, recording who and when. Resolving also acknowledges (an
   * analyst who closed it has seen it); repeating an action keeps the first who/when. Returns the
   * alert after the change, or null when there is no such alert.
   */
  triage(id: string, action: 'acknowledge' | 'resolve', who: string, at: Date = new Date()): StoredAlert | null {
    const when = at.toISOString();
    const sql = action === 'acknowledge'
      ? 'UPDATE alerts SET acked_by = coalesce(acked_by, @who), acked_at = coalesce(acked_at, @when) WHERE id = @id'
      : 'UPDATE alerts SET acked_by = coalesce(acked_by, @who), acked_at = coalesce(acked_at, @when), resolved_by = coalesce(resolved_by, @who), resolved_at = coalesce(resolved_at, @when) WHERE id = @id';
    const r = this.db.prepare(sql).run({ who, when, id });
    return r.changes === 0 ? null : this.get(id);
  }

  /** Counts of alerts per device that are not resolved, for the given rules (compliance). */
  unresolvedByDevice(rules: readonly string[]): Map<string, number> {
    const rows = this.db.prepare(`SELECT device, count(*) AS n FROM alerts WHERE device IS NOT NULL AND resolved_at IS NULL AND rule IN (${rules.map(() => '?').join(',')}) GROUP BY device`).all(...rules) as { device: string; n: number }[];
    return new Map(rows.map((r) => [r.device, r.n]));
  }

  /** Alerts per device (all statuses), for the inventory. */
  countByDevice(): Map<string, number> {
    const rows = this.db.prepare('SELECT device, count(*) AS n FROM alerts WHERE device IS NOT NULL GROUP BY device').all() as { device: string; n: number }[];
    return new Map(rows.map((r) => [r.device, r.n]));
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n;
  }

  /** Closes the database if this store opened it. */
  close(): void {
    if (this.ownDb) this.db.close();
  }
}
