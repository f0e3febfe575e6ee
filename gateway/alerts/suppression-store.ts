// Suppressions in SQLite: the `suppressions` table (scope, expiry, who, why, the counts) and the
// `suppressed_alerts` table of silenced inputs, bounded with the oldest deleted. The state of a
// suppression (active, expired, removed) is computed from the wall-clock time of the read.
import type { Db } from '../store/database.js';
import type { RuleId } from './rules.js';
import type { SuppressedAlert, Suppression, SuppressionState } from './suppression.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS suppressions (
  id          TEXT PRIMARY KEY,
  rule        TEXT,
  device      TEXT,
  peer        TEXT,
  port        INTEGER,
  expires_at  TEXT NOT NULL,
  reason      TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  removed_by  TEXT,
  removed_at  TEXT,
  suppressed  INTEGER NOT NULL DEFAULT 0,
  last_suppressed_at TEXT
);
CREATE INDEX IF NOT EXISTS suppressions_created ON suppressions(created_at);
CREATE TABLE IF NOT EXISTS suppressed_alerts (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  suppression TEXT NOT NULL,
  rule        TEXT NOT NULL,
  device      TEXT,
  src         TEXT NOT NULL,
  dst         TEXT NOT NULL,
  proto       TEXT NOT NULL,
  sport       INTEGER,
  dport       INTEGER,
  count       INTEGER NOT NULL,
  ts          TEXT NOT NULL,
  message     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS suppressed_alerts_by ON suppressed_alerts(suppression, seq);
`;

interface Row {
  id: string; rule: string | null; device: string | null; peer: string | null; port: number | null; expires_at: string; reason: string;
  created_by: string; created_at: string; removed_by: string | null; removed_at: string | null; suppressed: number; last_suppressed_at: string | null;
}

interface HitRow {
  seq: number; suppression: string; rule: string; device: string | null; src: string; dst: string; proto: string;
  sport: number | null; dport: number | null; count: number; ts: string; message: string;
}

/** A silenced input waiting to be written: a row before SQLite numbers it. */
export type HitRecord = Omit<SuppressedAlert, 'seq'>;

/** A suppression's counts to add at a flush. */
export interface CountDelta {
  id: string;
  add: number;
  /** ISO-8601 packet time of the newest occurrence added. */
  last: string;
}

function fromRow(r: Row, nowIso: string): Suppression {
  const state: SuppressionState = r.removed_at !== null ? 'removed' : r.expires_at <= nowIso ? 'expired' : 'active';
  return {
    id: r.id, rule: r.rule as RuleId | null, device: r.device, peer: r.peer, port: r.port, expiresAt: r.expires_at, reason: r.reason,
    createdBy: r.created_by, createdAt: r.created_at, removedBy: r.removed_by, removedAt: r.removed_at,
    suppressed: r.suppressed, lastSuppressedAt: r.last_suppressed_at, state,
  };
}

const fromHitRow = (r: HitRow): SuppressedAlert => ({
  seq: r.seq, suppression: r.suppression, rule: r.rule as RuleId, device: r.device, src: r.src, dst: r.dst, proto: r.proto,
  sport: r.sport, dport: r.dport, count: r.count, ts: r.ts, message: r.message,
});

/** The suppression tables of one SQLite database (the daemon's). */
export class SuppressionStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly removeStmt;
  private readonly countStmt;
  private readonly hitStmt;
  private readonly pruneStmt;

  constructor(readonly db: Db) {
    db.exec(SCHEMA);
    this.insertStmt = db.prepare(`INSERT INTO suppressions (id, rule, device, peer, port, expires_at, reason, created_by, created_at)
      VALUES (@id, @rule, @device, @peer, @port, @expiresAt, @reason, @createdBy, @createdAt)`);
    this.getStmt = db.prepare('SELECT * FROM suppressions WHERE id = ?');
    // Removing twice keeps the first who/when.
    this.removeStmt = db.prepare('UPDATE suppressions SET removed_by = coalesce(removed_by, @by), removed_at = coalesce(removed_at, @at) WHERE id = @id');
    this.countStmt = db.prepare(`UPDATE suppressions SET suppressed = suppressed + @add,
      last_suppressed_at = CASE WHEN last_suppressed_at IS NULL OR last_suppressed_at < @last THEN @last ELSE last_suppressed_at END WHERE id = @id`);
    this.hitStmt = db.prepare(`INSERT INTO suppressed_alerts (suppression, rule, device, src, dst, proto, sport, dport, count, ts, message)
      VALUES (@suppression, @rule, @device, @src, @dst, @proto, @sport, @dport, @count, @ts, @message)`);
    // seq only grows and the oldest go first, so "the newest `keep`" is everything above max - keep.
    this.pruneStmt = db.prepare('DELETE FROM suppressed_alerts WHERE seq <= (SELECT max(seq) FROM suppressed_alerts) - ?');
  }

  insert(s: Omit<Suppression, 'removedBy' | 'removedAt' | 'suppressed' | 'lastSuppressedAt' | 'state'>): void {
    this.insertStmt.run({ id: s.id, rule: s.rule, device: s.device, peer: s.peer, port: s.port, expiresAt: s.expiresAt, reason: s.reason, createdBy: s.createdBy, createdAt: s.createdAt });
  }

  get(id: string, nowIso: string): Suppression | null {
    const r = this.getStmt.get(id) as Row | undefined;
    return r === undefined ? null : fromRow(r, nowIso);
  }

  /** Marks a suppression removed; false when there is none with this id. */
  remove(id: string, by: string, atIso: string): boolean {
    return this.removeStmt.run({ id, by, at: atIso }).changes > 0;
  }

  /** Suppressions newest first, in one state or all, at most `limit`. */
  list(nowIso: string, state: SuppressionState | undefined, limit: number): Suppression[] {
    const where = state === 'removed' ? 'WHERE removed_at IS NOT NULL'
      : state === 'expired' ? 'WHERE removed_at IS NULL AND expires_at <= @now'
        : state === 'active' ? 'WHERE removed_at IS NULL AND expires_at > @now' : '';
    const rows = this.db.prepare(`SELECT * FROM suppressions ${where} ORDER BY created_at DESC, rowid DESC LIMIT @limit`).all({ now: nowIso, limit }) as Row[];
    return rows.map((r) => fromRow(r, nowIso));
  }

  /** Those active at `nowIso` (the matcher's load at start), oldest first. */
  active(nowIso: string): Suppression[] {
    return this.list(nowIso, 'active', Number.MAX_SAFE_INTEGER).reverse();
  }

  /** Adds counts and writes silenced inputs in one transaction, then keeps the newest `keep` inputs. */
  write(deltas: readonly CountDelta[], hits: Iterable<HitRecord>, keep: number): void {
    this.db.transaction(() => {
      for (const d of deltas) this.countStmt.run(d);
      let any = false;
      for (const h of hits) {
        this.hitStmt.run(h);
        any = true;
      }
      if (any) this.pruneStmt.run(keep);
    })();
  }

  /** Kept silenced inputs of one suppression, newest first, with a cursor (`before`: a seq). */
  hits(id: string, limit: number, before?: number): { items: SuppressedAlert[]; total: number; next: number | null } {
    const total = (this.db.prepare('SELECT count(*) AS n FROM suppressed_alerts WHERE suppression = ?').get(id) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM suppressed_alerts WHERE suppression = ? ${before !== undefined ? 'AND seq < ?' : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...(before !== undefined ? [id, before, limit + 1] : [id, limit + 1])) as HitRow[];
    const items = rows.slice(0, limit).map(fromHitRow);
    return { items, total, next: rows.length > limit ? items.at(-1)!.seq : null };
  }
}
