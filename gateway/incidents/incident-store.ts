// Incidents in the gateway's SQLite file: the incident rows, their member alerts (with the counts
// they had when they joined, so occurrences count only what happened within the episode), the
// edge-log records of their timelines, and their state history. The store creates its tables on
// the daemon's database, so incidents survive a restart and a restarted correlator continues them.
import type { Statement } from 'better-sqlite3';
import type { RuleId, Severity } from '../alerts/rules.js';
import type { Db } from '../store/database.js';
import type {
  IncidentFilter, IncidentHistoryEntry, IncidentKind, IncidentPage, IncidentResolution, IncidentState, IncidentSubject, IncidentSummary,
} from './incident.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS incidents (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  subject_key  TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  device       TEXT,
  peer         TEXT,
  name         TEXT,
  title        TEXT NOT NULL,
  kind         TEXT NOT NULL,
  severity     TEXT NOT NULL,
  state        TEXT NOT NULL,
  resolution   TEXT,
  first_ts     TEXT NOT NULL,
  last_ts      TEXT NOT NULL,
  alerts       INTEGER NOT NULL,
  occurrences  INTEGER NOT NULL,
  logs         INTEGER NOT NULL,
  activity     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_activity ON incidents(activity);
CREATE INDEX IF NOT EXISTS incidents_last ON incidents(last_ts);
CREATE INDEX IF NOT EXISTS incidents_device ON incidents(device);
CREATE INDEX IF NOT EXISTS incidents_state ON incidents(state, activity);
CREATE TABLE IF NOT EXISTS incident_alerts (
  incident_id TEXT NOT NULL,
  alert_id    TEXT NOT NULL,
  joined      INTEGER NOT NULL,
  rule        TEXT NOT NULL,
  severity    TEXT NOT NULL,
  device      TEXT,
  peer        TEXT,
  inbound     INTEGER NOT NULL,
  dport       INTEGER,
  message     TEXT NOT NULL,
  first_ts    TEXT NOT NULL,
  last_ts     TEXT NOT NULL,
  count       INTEGER NOT NULL,
  base        INTEGER NOT NULL,
  PRIMARY KEY (incident_id, alert_id)
);
CREATE INDEX IF NOT EXISTS incident_alerts_alert ON incident_alerts(alert_id);
CREATE TABLE IF NOT EXISTS incident_logs (
  incident_id TEXT NOT NULL,
  log_seq     INTEGER NOT NULL,
  ts          TEXT NOT NULL,
  severity    TEXT,
  text        TEXT NOT NULL,
  PRIMARY KEY (incident_id, log_seq)
);
CREATE TABLE IF NOT EXISTS incident_history (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL,
  state       TEXT NOT NULL,
  by_who      TEXT NOT NULL,
  at          TEXT NOT NULL,
  note        TEXT
);
CREATE INDEX IF NOT EXISTS incident_history_incident ON incident_history(incident_id);
`;

/** One member alert as stored: the alert's fields the incident needs, and its count when it joined (`base`). */
export interface MemberRow {
  alertId: string;
  /** Order of joining within the incident (0, 1, …). */
  joined: number;
  rule: RuleId;
  severity: Severity;
  device: string | null;
  peer: string | null;
  inbound: boolean;
  dport: number | null;
  message: string;
  firstTs: string;
  lastTs: string;
  count: number;
  /** The alert's count before its first occurrence in this incident. */
  base: number;
}

/** One edge-log record in an incident's timeline. */
export interface LogRow {
  seq: number;
  ts: string;
  severity: string | null;
  text: string;
}

/**
 * An incident row: the summary's own fields (its alerts and history are rows of their own tables),
 * its key in the open-incident table, and its counts as columns.
 */
export interface IncidentRow extends Omit<IncidentSummary, 'alertIds' | 'counts' | 'history'> {
  subjectKey: string;
  alerts: number;
  occurrences: number;
  logs: number;
}

interface Row {
  seq: number; id: string; subject_key: string; subject_kind: string; device: string | null; peer: string | null; name: string | null;
  title: string; kind: string; severity: string; state: string; resolution: string | null; first_ts: string; last_ts: string;
  alerts: number; occurrences: number; logs: number; activity: number;
}

interface MemberDbRow {
  alert_id: string; joined: number; rule: string; severity: string; device: string | null; peer: string | null; inbound: number;
  dport: number | null; message: string; first_ts: string; last_ts: string; count: number; base: number;
}

function fromRow(r: Row): IncidentRow {
  return {
    id: r.id, subjectKey: r.subject_key,
    subject: { kind: r.subject_kind as IncidentSubject['kind'], device: r.device, peer: r.peer, name: r.name },
    title: r.title, kind: r.kind as IncidentKind, severity: r.severity as Severity, state: r.state as IncidentState,
    resolution: r.resolution as IncidentResolution | null, firstTs: r.first_ts, lastTs: r.last_ts,
    alerts: r.alerts, occurrences: r.occurrences, logs: r.logs, activity: r.activity,
  };
}

function memberFromRow(r: MemberDbRow): MemberRow {
  return {
    alertId: r.alert_id, joined: r.joined, rule: r.rule as RuleId, severity: r.severity as Severity, device: r.device, peer: r.peer,
    inbound: r.inbound === 1, dport: r.dport, message: r.message, firstTs: r.first_ts, lastTs: r.last_ts, count: r.count, base: r.base,
  };
}

/** The incident tables of one SQLite database. */
export class IncidentStore {
  private readonly insertStmt: Statement;
  private readonly updateStmt: Statement;
  private readonly getStmt: Statement;
  private readonly memberInsert: Statement;
  private readonly memberUpdate: Statement;
  private readonly memberGet: Statement;
  private readonly membersStmt: Statement;
  private readonly memberIdsStmt: Statement;
  private readonly latestOfAlert: Statement;
  private readonly logInsert: Statement;
  private readonly logsStmt: Statement;
  private readonly historyInsert: Statement;
  private readonly historyStmt: Statement;
  /** The activity number the next change takes (one writer per file: the daemon). */
  private nextActivity: number;

  constructor(readonly db: Db) {
    db.exec(SCHEMA);
    this.insertStmt = db.prepare(`INSERT INTO incidents (id, subject_key, subject_kind, device, peer, name, title, kind, severity, state, resolution,
      first_ts, last_ts, alerts, occurrences, logs, activity) VALUES (@id, @subjectKey, @subjectKind, @device, @peer, @name, @title, @kind,
      @severity, @state, @resolution, @firstTs, @lastTs, @alerts, @occurrences, @logs, @activity)`);
    this.updateStmt = db.prepare(`UPDATE incidents SET name = @name, title = @title, kind = @kind, severity = @severity, state = @state,
      resolution = @resolution, first_ts = @firstTs, last_ts = @lastTs, alerts = @alerts, occurrences = @occurrences, logs = @logs,
      activity = @activity WHERE id = @id`);
    this.getStmt = db.prepare('SELECT * FROM incidents WHERE id = ?');
    this.memberInsert = db.prepare(`INSERT OR IGNORE INTO incident_alerts (incident_id, alert_id, joined, rule, severity, device, peer, inbound, dport,
      message, first_ts, last_ts, count, base) VALUES (@incidentId, @alertId, @joined, @rule, @severity, @device, @peer, @inbound, @dport,
      @message, @firstTs, @lastTs, @count, @base)`);
    this.memberUpdate = db.prepare('UPDATE incident_alerts SET count = ?, last_ts = ? WHERE incident_id = ? AND alert_id = ?');
    this.memberGet = db.prepare('SELECT * FROM incident_alerts WHERE incident_id = ? AND alert_id = ?');
    this.membersStmt = db.prepare('SELECT * FROM incident_alerts WHERE incident_id = ? ORDER BY joined');
    this.memberIdsStmt = db.prepare('SELECT alert_id FROM incident_alerts WHERE incident_id = ? ORDER BY joined');
    this.latestOfAlert = db.prepare(`SELECT i.* FROM incident_alerts m JOIN incidents i ON i.id = m.incident_id
      WHERE m.alert_id = ? ORDER BY i.activity DESC LIMIT 1`);
    this.logInsert = db.prepare('INSERT OR IGNORE INTO incident_logs (incident_id, log_seq, ts, severity, text) VALUES (?, ?, ?, ?, ?)');
    this.logsStmt = db.prepare('SELECT log_seq AS seq, ts, severity, text FROM incident_logs WHERE incident_id = ? ORDER BY ts, log_seq');
    this.historyInsert = db.prepare('INSERT INTO incident_history (incident_id, state, by_who, at, note) VALUES (?, ?, ?, ?, ?)');
    this.historyStmt = db.prepare('SELECT state, by_who AS "by", at, note FROM incident_history WHERE incident_id = ? ORDER BY seq');
    this.nextActivity = (db.prepare('SELECT coalesce(max(activity), 0) AS n FROM incidents').get() as { n: number }).n + 1;
  }

  /** A fresh activity number (the row's place at the top of the list). */
  takeActivity(): number {
    return this.nextActivity++;
  }

  insert(r: IncidentRow): void {
    this.insertStmt.run({
      ...r, subjectKind: r.subject.kind, device: r.subject.device, peer: r.subject.peer, name: r.subject.name,
    });
  }

  update(r: IncidentRow): void {
    this.updateStmt.run({ ...r, name: r.subject.name });
  }

  get(id: string): IncidentRow | null {
    const r = this.getStmt.get(id) as Row | undefined;
    return r === undefined ? null : fromRow(r);
  }

  /** The incident that most recently took `alertId`, or null. */
  latestWith(alertId: string): IncidentRow | null {
    const r = this.latestOfAlert.get(alertId) as Row | undefined;
    return r === undefined ? null : fromRow(r);
  }

  /** Adds a member; false when the alert is already one. */
  addMember(incidentId: string, m: MemberRow): boolean {
    return this.memberInsert.run({ ...m, incidentId, inbound: m.inbound ? 1 : 0 }).changes > 0;
  }

  member(incidentId: string, alertId: string): MemberRow | null {
    const r = this.memberGet.get(incidentId, alertId) as MemberDbRow | undefined;
    return r === undefined ? null : memberFromRow(r);
  }

  updateMember(incidentId: string, alertId: string, count: number, lastTs: string): void {
    this.memberUpdate.run(count, lastTs, incidentId, alertId);
  }

  members(incidentId: string): MemberRow[] {
    return (this.membersStmt.all(incidentId) as MemberDbRow[]).map(memberFromRow);
  }

  memberIds(incidentId: string): string[] {
    return (this.memberIdsStmt.all(incidentId) as { alert_id: string }[]).map((r) => r.alert_id);
  }

  /** Adds a log record to an incident's timeline; false when it is already there. */
  addLog(incidentId: string, l: LogRow): boolean {
    return this.logInsert.run(incidentId, l.seq, l.ts, l.severity, l.text).changes > 0;
  }

  logs(incidentId: string): LogRow[] {
    return this.logsStmt.all(incidentId) as LogRow[];
  }

  addHistory(incidentId: string, h: IncidentHistoryEntry): void {
    this.historyInsert.run(incidentId, h.state, h.by, h.at, h.note);
  }

  history(incidentId: string): IncidentHistoryEntry[] {
    return this.historyStmt.all(incidentId) as IncidentHistoryEntry[];
  }

  /** The summary the list and the stream carry. */
  summary(r: IncidentRow): IncidentSummary {
    return {
      id: r.id, activity: r.activity, subject: { ...r.subject }, title: r.title, kind: r.kind, severity: r.severity, state: r.state,
      resolution: r.resolution, firstTs: r.firstTs, lastTs: r.lastTs, alertIds: this.memberIds(r.id),
      counts: { alerts: r.alerts, occurrences: r.occurrences, logs: r.logs }, history: this.history(r.id),
    };
  }

  /** One page of incidents matching `f`, most recent activity first. */
  query(f: IncidentFilter): IncidentPage {
    const where: string[] = [];
    const args: unknown[] = [];
    const inList = (col: string, vals: readonly string[]) => {
      where.push(`${col} IN (${vals.map(() => '?').join(',')})`);
      args.push(...vals);
    };
    if (f.state?.length) inList('state', f.state);
    if (f.severity?.length) inList('severity', f.severity);
    if (f.device !== undefined) { where.push('device = ?'); args.push(f.device); }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM incidents ${filter}`).get(...args) as { n: number }).n;
    const limit = Math.max(1, Math.min(f.limit ?? 100, 1000));
    const page = [...where];
    const pageArgs = [...args];
    if (f.before !== undefined) { page.push('activity < ?'); pageArgs.push(f.before); }
    const rows = this.db.prepare(`SELECT * FROM incidents ${page.length > 0 ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY activity DESC LIMIT ?`)
      .all(...pageArgs, limit + 1) as Row[];
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map((r) => this.summary(fromRow(r)));
    return { items, total, next: more ? items.at(-1)!.activity : null };
  }

  /** The `limit` most recently active incidents that are not closed, most recent first (a restart continues them). */
  notClosed(limit: number): IncidentRow[] {
    return (this.db.prepare("SELECT * FROM incidents WHERE state != 'closed' ORDER BY activity DESC LIMIT ?").all(limit) as Row[]).map(fromRow);
  }
}
