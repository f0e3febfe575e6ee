// Alerts in SQLite (better-sqlite3, WAL): every new alert is written before it is sent anywhere, so
// an alert a client saw survives a crash. Writes are synchronous; WAL with synchronous=NORMAL
// survives a killed process (not a power cut without a checkpoint, which NORMAL trades for speed).
import Database from 'better-sqlite3';
import type { Alert } from './alert.js';

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

interface Row {
  seq: number; id: string; rule: string; severity: string; device: string | null; src: string; dst: string; proto: string;
  sport: number | null; dport: number | null; count: number; message: string; evidence: string; first_ts: string; last_ts: string;
}

/** The alert table of one SQLite file. */
export class AlertStore {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement;
  private readonly updateStmt: Database.Statement;

  constructor(readonly path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    // Idempotent: replaying the same capture into the same file gives the same ids and rows.
    this.insertStmt = this.db.prepare(`INSERT INTO alerts (id, rule, severity, device, src, dst, proto, sport, dport, count, message, evidence, first_ts, last_ts)
      VALUES (@id, @rule, @severity, @device, @src, @dst, @proto, @sport, @dport, @count, @message, @evidence, @firstTs, @lastTs)
      ON CONFLICT(id) DO UPDATE SET count = excluded.count, evidence = excluded.evidence, last_ts = excluded.last_ts`);
    this.updateStmt = this.db.prepare('UPDATE alerts SET count = @count, evidence = @evidence, last_ts = @lastTs WHERE id = @id');
  }

  insert(a: Alert): void {
    this.insertStmt.run({ ...a, evidence: JSON.stringify(a.evidence) });
  }

  update(a: Alert): void {
    this.updateStmt.run({ id: a.id, count: a.count, evidence: JSON.stringify(a.evidence), lastTs: a.lastTs });
  }

  /** Alerts in the order they were first written, with their sequence number. */
  list(afterSeq = 0, limit = 1000): (Alert & { seq: number })[] {
    const rows = this.db.prepare('SELECT * FROM alerts WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[];
    return rows.map((r) => ({
      seq: r.seq, id: r.id, ts: r.first_ts, rule: r.rule as Alert['rule'], severity: r.severity as Alert['severity'], device: r.device,
      src: r.src, dst: r.dst, proto: r.proto, sport: r.sport, dport: r.dport, count: r.count, message: r.message,
      evidence: JSON.parse(r.evidence) as Record<string, unknown>, firstTs: r.first_ts, lastTs: r.last_ts,
    }));
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
