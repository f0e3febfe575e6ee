// Alerts in SQLite (better-sqlite3, WAL): every new alert is written before it is sent anywhere, so
// an alert a client saw survives a crash. Writes are synchronous; WAL with synchronous=NORMAL
// survives a killed process (not a power cut without a checkpoint, which NORMAL trades for speed).
// The API reads from here: filters, pages by last activity (newest first), triage, and each alert's
// status history (who acknowledged, resolved or reopened it, when, and why). A restarted daemon
// continues its alerts from here (latest()), so a restart neither duplicates nor resets them.
import { openDatabase, type Db } from '../store/database.js';
import { storeWrite } from '../store/storage-guard.js';
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
CREATE TABLE IF NOT EXISTS alert_history (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL,
  status   TEXT NOT NULL,
  by_who   TEXT NOT NULL,
  at       TEXT NOT NULL,
  note     TEXT
);
CREATE INDEX IF NOT EXISTS alert_history_alert ON alert_history(alert_id);
`;

/** Indexes over columns added by ADDED_COLUMNS (created after the migration adds them). */
const ADDED_INDEXES = `
CREATE INDEX IF NOT EXISTS alerts_activity ON alerts(activity);
CREATE INDEX IF NOT EXISTS alerts_last ON alerts(last_ts, activity);
CREATE INDEX IF NOT EXISTS alerts_key ON alerts(rule, device, peer);
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
  // Issue 17: the deduplication peer (a restarted daemon finds the alert it continues by rule, device
  // and peer), the triage status as a column (reopened is not derivable from the two timestamps),
  // when it last reopened, its place in the feed (activity: a store-wide number taken at each new
  // occurrence) and its revision (bumped by every change, so a client keeps the newest copy).
  ['peer', 'TEXT'],
  ['status', 'TEXT'],
  ['reopened_at', 'TEXT'],
  ['activity', 'INTEGER'],
  ['rev', 'INTEGER NOT NULL DEFAULT 0'],
];

/** Alerts a full disk kept out that are remembered for storing later. */
const MAX_UNSTORED = 10_000;

/** Brings an existing alerts table up to the current columns. */
function migrate(db: Db): void {
  const have = new Set((db.prepare('PRAGMA table_info(alerts)').all() as { name: string }[]).map((c) => c.name));
  for (const [name, type] of ADDED_COLUMNS) if (!have.has(name)) db.exec(`ALTER TABLE alerts ADD COLUMN ${name} ${type}`);
  // Rows of an older file: their peer was their dst (the default), their status what the two
  // timestamps said, their activity their creation order.
  db.exec(`UPDATE alerts SET peer = dst WHERE peer IS NULL;
    UPDATE alerts SET status = CASE WHEN resolved_at IS NOT NULL THEN 'resolved' WHEN acked_at IS NOT NULL THEN 'acknowledged' ELSE 'open' END WHERE status IS NULL;
    UPDATE alerts SET activity = seq WHERE activity IS NULL;`);
  db.exec(ADDED_INDEXES);
}

interface Row {
  seq: number; id: string; rule: string; severity: string; device: string | null; src: string; dst: string; proto: string;
  sport: number | null; dport: number | null; community_id: string | null; sni: string | null; ja4: string | null; count: number; message: string; evidence: string; first_ts: string; last_ts: string;
  acked_by: string | null; acked_at: string | null; resolved_by: string | null; resolved_at: string | null;
  peer: string | null; status: string | null; reopened_at: string | null; activity: number | null; rev: number;
}

/**
 * Where an alert is in triage. A new occurrence of a resolved alert reopens it (`reopened`, with the
 * occurrence's time); an acknowledged one stays acknowledged (the analyst is on it) and moves up the
 * feed with its new activity.
 */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved' | 'reopened';
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved', 'reopened'];

/** What an analyst (or the gateway, for a reopen) did to an alert. */
export type TriageAction = 'acknowledge' | 'resolve' | 'reopen';
export const TRIAGE_ACTIONS: readonly TriageAction[] = ['acknowledge', 'resolve', 'reopen'];

/** One status change, in the alert's history. */
export interface StatusChange {
  status: AlertStatus;
  /** The token's name and id, or `edgeward` for a reopen by recurrence. */
  by: string;
  at: string;
  note: string | null;
}

/** Who the history names for a reopen by recurrence. */
export const SYSTEM_ACTOR = 'edgeward';

/** An alert as stored: the record plus its sequence number and triage. */
export interface StoredAlert extends Alert {
  seq: number;
  status: AlertStatus;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  /** When a recurrence (or an analyst) last reopened it, or null. */
  reopenedAt: string | null;
  /** Its place in the feed: a store-wide number taken at each new occurrence (higher = more recent activity). */
  activity: number;
  /** Bumped by every change (occurrence, triage): of two copies of an alert the higher rev is newer. */
  rev: number;
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
  /**
   * Page: the alerts after this one in the feed's order (last occurrence, newest first; then
   * activity); the value is an alert's activity number, the `next` of the previous page.
   */
  before?: number;
  /** Or: the alerts with a new occurrence since this activity number, in the order they had it (catching up). */
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
    status: (r.status ?? 'open') as AlertStatus,
    acknowledgedBy: r.acked_by, acknowledgedAt: r.acked_at, resolvedBy: r.resolved_by, resolvedAt: r.resolved_at,
    reopenedAt: r.reopened_at, activity: r.activity ?? r.seq, rev: r.rev,
  };
}

/** The alert table of one SQLite database. */
export class AlertStore {
  readonly db: Db;
  private readonly ownDb: boolean;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly getStmt;
  private readonly latestStmt;
  private readonly historyStmt;
  private readonly updateTx: (a: Alert) => 'updated' | 'reopened';
  /** Alerts a full disk kept out, by id, with their peer: stored at their next occurrence (oldest forgotten past MAX_UNSTORED). */
  private readonly unstored = new Map<string, string>();
  /** The activity number the next occurrence takes (one writer per file: the daemon, or one replay). */
  private nextActivity: number;

  /** `db`: an open database (the daemon's), or a path to open (a replay's --db). */
  constructor(db: Db | string) {
    this.ownDb = typeof db === 'string';
    this.db = typeof db === 'string' ? openDatabase(db) : db;
    this.db.exec(SCHEMA);
    migrate(this.db);
    // Idempotent: replaying the same capture into the same file gives the same ids and rows.
    this.insertStmt = this.db.prepare(`INSERT INTO alerts (id, rule, severity, device, src, dst, proto, sport, dport, community_id, sni, ja4, count, message, evidence, first_ts, last_ts, peer, status, activity, rev)
      VALUES (@id, @rule, @severity, @device, @src, @dst, @proto, @sport, @dport, @communityId, @sni, @ja4, @count, @message, @evidence, @firstTs, @lastTs, @peer, 'open', @activity, 0)
      ON CONFLICT(id) DO UPDATE SET count = excluded.count, evidence = excluded.evidence, last_ts = excluded.last_ts, activity = excluded.activity, rev = rev + 1`);
    this.updateStmt = this.db.prepare('UPDATE alerts SET count = @count, evidence = @evidence, last_ts = @lastTs, activity = @activity, rev = rev + 1 WHERE id = @id');
    this.getStmt = this.db.prepare('SELECT * FROM alerts WHERE id = ?');
    this.latestStmt = this.db.prepare('SELECT * FROM alerts WHERE rule = ? AND device IS ? AND peer = ? ORDER BY activity DESC LIMIT 1');
    this.historyStmt = this.db.prepare('INSERT INTO alert_history (alert_id, status, by_who, at, note) VALUES (?, ?, ?, ?, ?)');
    const reopenStmt = this.db.prepare("UPDATE alerts SET status = 'reopened', reopened_at = @at WHERE id = @id AND status = 'resolved'");
    // Prepared once: update() runs for every alert with new occurrences, about once a second each.
    this.updateTx = this.db.transaction((a: Alert): 'updated' | 'reopened' => {
      this.updateStmt.run({ id: a.id, count: a.count, evidence: JSON.stringify(a.evidence), lastTs: a.lastTs, activity: this.nextActivity++ });
      if (reopenStmt.run({ id: a.id, at: a.lastTs }).changes === 0) return 'updated';
      this.historyStmt.run(a.id, 'reopened', SYSTEM_ACTOR, a.lastTs, `recurred (${a.count} occurrences)`);
      return 'reopened';
    });
    this.nextActivity = (this.db.prepare('SELECT coalesce(max(activity), 0) AS n FROM alerts').get() as { n: number }).n + 1;
  }

  /** A new alert; `peer` is its deduplication peer (default its dst). */
  insert(a: Alert, peer: string = a.dst): void {
    // `?? null`: an alert made by older code (or a test double) may lack the field; SQLite wants a value per name.
    const write = () => { this.insertStmt.run({ ...a, communityId: a.communityId ?? null, sni: a.sni ?? null, ja4: a.ja4 ?? null, evidence: JSON.stringify(a.evidence), peer, activity: this.nextActivity++ }); };
    // With the daemon's storage guard a full disk does not throw (the alert still goes out live); the
    // alert is remembered and stored whole at its next occurrence once there is room.
    if (storeWrite(this.db, 'alerts', write)) return;
    this.unstored.set(a.id, peer);
    if (this.unstored.size > MAX_UNSTORED) this.unstored.delete(this.unstored.keys().next().value!);
  }

  /**
   * New occurrences of an alert (count, evidence, last time): it moves to the top of the feed, and a
   * resolved alert is reopened at the time of its latest occurrence. Returns which of the two it was.
   */
  update(a: Alert): 'updated' | 'reopened' {
    const peer = this.unstored.get(a.id);
    if (peer !== undefined) {
      this.unstored.delete(a.id);
      this.insert(a, peer);
      return 'updated';
    }
    let out: 'updated' | 'reopened' = 'updated';
    storeWrite(this.db, 'alerts', () => { out = this.updateTx(a); });
    return out;
  }

  /** The most recent alert of a deduplication key, or null (a restarted manager continues it). */
  latest(rule: string, device: string | null, peer: string): StoredAlert | null {
    const r = this.latestStmt.get(rule, device, peer) as Row | undefined;
    return r === undefined ? null : fromRow(r);
  }

  /** Alerts in the order they were first written, with their sequence number. */
  list(afterSeq = 0, limit = 1000): StoredAlert[] {
    const rows = this.db.prepare('SELECT * FROM alerts WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[];
    return rows.map(fromRow);
  }

  /** The `limit` alerts changed last (by activity, newest first). */
  recentlyChanged(limit: number): StoredAlert[] {
    return (this.db.prepare('SELECT * FROM alerts ORDER BY activity DESC LIMIT ?').all(limit) as Row[]).map(fromRow);
  }

  get(id: string): StoredAlert | null {
    const r = this.getStmt.get(id) as Row | undefined;
    return r === undefined ? null : fromRow(r);
  }

  /**
   * One page of the alerts matching `f`: by last occurrence, newest first (equal times: the later
   * activity first), or after `f.after` in the order their activity came.
   */
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
    if (f.status?.length) inList('status', f.status);
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
    if (f.before !== undefined) {
      // The cursor is the last alert of the previous page: everything after it in the feed's order.
      const at = this.db.prepare('SELECT last_ts FROM alerts WHERE activity = ?').get(f.before) as { last_ts: string } | undefined;
      if (at === undefined) { page.push('activity < ?'); pageArgs.push(f.before); } // pruned meanwhile: the activity alone
      else { page.push('(last_ts < ? OR (last_ts = ? AND activity < ?))'); pageArgs.push(at.last_ts, at.last_ts, f.before); }
    }
    if (forward) { page.push('activity > ?'); pageArgs.push(f.after); }
    const sql = `SELECT * FROM alerts ${page.length > 0 ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY ${forward ? 'activity ASC' : 'last_ts DESC, activity DESC'} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...pageArgs, limit + 1) as Row[];
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(fromRow);
    return { items, total, next: more ? items.at(-1)!.activity : null };
  }

  /**
   * Acknowledges, resolves or reopens an alert, recording who, when and why in its history.
   * Resolving also acknowledges (an analyst who closed it has seen it). An action that would not
   * change the status (acknowledging an acknowledged alert, reopening an open one) changes nothing
   * and keeps the first who/when. Returns the alert after the change, or null when there is no such alert.
   */
  triage(id: string, action: TriageAction, who: string, at: Date = new Date(), note: string | null = null): StoredAlert | null {
    const cur = this.get(id);
    if (cur === null) return null;
    const when = at.toISOString();
    const to: AlertStatus | null = action === 'acknowledge'
      ? (cur.status === 'open' || cur.status === 'reopened' ? 'acknowledged' : null)
      : action === 'resolve' ? (cur.status !== 'resolved' ? 'resolved' : null)
      : (cur.status === 'resolved' ? 'reopened' : null);
    if (to === null) return cur;
    const sql = to === 'acknowledged'
      ? "UPDATE alerts SET status = 'acknowledged', acked_by = @who, acked_at = @when, rev = rev + 1 WHERE id = @id"
      : to === 'resolved'
        ? "UPDATE alerts SET status = 'resolved', acked_by = coalesce(acked_by, @who), acked_at = coalesce(acked_at, @when), resolved_by = @who, resolved_at = @when, rev = rev + 1 WHERE id = @id"
        : "UPDATE alerts SET status = 'reopened', reopened_at = @when, rev = rev + 1 WHERE id = @id";
    this.db.transaction(() => {
      this.db.prepare(sql).run({ who, when, id });
      this.historyStmt.run(id, to, who, when, note);
    })();
    return this.get(id);
  }

  /** Every status change of an alert, oldest first. */
  history(id: string): StatusChange[] {
    const rows = this.db.prepare('SELECT status, by_who, at, note FROM alert_history WHERE alert_id = ? ORDER BY seq').all(id) as { status: AlertStatus; by_who: string; at: string; note: string | null }[];
    return rows.map((r) => ({ status: r.status, by: r.by_who, at: r.at, note: r.note }));
  }

  /** Counts of alerts per device that are not resolved, for the given rules (compliance). */
  unresolvedByDevice(rules: readonly string[]): Map<string, number> {
    const rows = this.db.prepare(`SELECT device, count(*) AS n FROM alerts WHERE device IS NOT NULL AND status != 'resolved' AND rule IN (${rules.map(() => '?').join(',')}) GROUP BY device`).all(...rules) as { device: string; n: number }[];
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
