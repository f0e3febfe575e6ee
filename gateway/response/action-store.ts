// Response actions in SQLite (`response_actions` on the daemon's database): who quarantined which
// device or blocked which peer, for which incident and why, whether the kernel enforced it, and who
// released it when. Active rows are what the gateway re-applies at start.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS response_actions (
  id          TEXT PRIMARY KEY,           -- act_ and 16 hex digits
  kind        TEXT NOT NULL CHECK (kind IN ('quarantine', 'block')),
  device      TEXT,                       -- MAC of a quarantined device (kind quarantine)
  peer        TEXT,                       -- blocked address or network, canonical (kind block)
  incident    TEXT,                       -- the incident it was taken from, if any
  note        TEXT,
  state       TEXT NOT NULL CHECK (state IN ('active', 'released')),
  enforced    INTEGER NOT NULL DEFAULT 0, -- 1: in nftables (enforce mode); 0: recorded only
  "by"        TEXT NOT NULL,              -- token name and public id; never the token
  "at"        TEXT NOT NULL,              -- ISO-8601
  released_by TEXT,
  released_at TEXT
);
CREATE INDEX IF NOT EXISTS response_actions_incident ON response_actions (incident);
CREATE INDEX IF NOT EXISTS response_actions_state ON response_actions (state);
`;

/** What an action does: hold a LAN device to gateway services only, or drop an external peer. */
export type ActionKind = 'quarantine' | 'block';
/** Every kind. */
export const ACTION_KINDS: readonly ActionKind[] = Object.freeze(['quarantine', 'block']);
/** Active until released. */
export type ActionState = 'active' | 'released';
/** Every state. */
export const ACTION_STATES: readonly ActionState[] = Object.freeze(['active', 'released']);

/** A response action as the API shows it. Times are ISO-8601. */
export interface ResponseAction {
  id: string;
  kind: ActionKind;
  /** MAC (aa:bb:cc:dd:ee:ff) of a quarantine; null for a block. */
  device: string | null;
  /** Address or network (CIDR) of a block, canonical; null for a quarantine. */
  peer: string | null;
  incident: string | null;
  note: string | null;
  state: ActionState;
  /** True when nftables holds it (enforce mode, applied); false when it is recorded only. */
  enforced: boolean;
  by: string;
  at: string;
  releasedBy: string | null;
  releasedAt: string | null;
}

/** Filters of {@link ActionStore.list}. */
export interface ActionFilter {
  incident?: string;
  state?: ActionState;
  kind?: ActionKind;
  device?: string;
  /** Most rows returned, 1 to 1000. Default 100. */
  limit?: number;
}

interface Row {
  id: string; kind: ActionKind; device: string | null; peer: string | null; incident: string | null; note: string | null;
  state: ActionState; enforced: number; by: string; at: string; released_by: string | null; released_at: string | null;
}

const toAction = (r: Row): ResponseAction => ({
  id: r.id, kind: r.kind, device: r.device, peer: r.peer, incident: r.incident, note: r.note, state: r.state,
  enforced: r.enforced === 1, by: r.by, at: r.at, releasedBy: r.released_by, releasedAt: r.released_at,
});

/** Default and largest page of {@link ActionStore.list}. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** The `response_actions` table. */
export class ActionStore {
  private readonly insertStmt: Statement;
  private readonly byId: Statement;
  private readonly activeStmt: Statement;
  private readonly releaseStmt: Statement;
  private readonly enforcedStmt: Statement;

  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
    this.insertStmt = db.prepare(`INSERT INTO response_actions (id, kind, device, peer, incident, note, state, enforced, "by", "at")
      VALUES (@id, @kind, @device, @peer, @incident, @note, 'active', 0, @by, @at)`);
    this.byId = db.prepare('SELECT * FROM response_actions WHERE id = ?');
    this.activeStmt = db.prepare(`SELECT * FROM response_actions WHERE state = 'active' ORDER BY "at", rowid`);
    this.releaseStmt = db.prepare(`UPDATE response_actions SET state = 'released', released_by = ?, released_at = ? WHERE id = ? AND state = 'active'`);
    this.enforcedStmt = db.prepare('UPDATE response_actions SET enforced = ? WHERE id = ?');
  }

  /** Records a new active action, not yet enforced. */
  insert(a: { id: string; kind: ActionKind; device: string | null; peer: string | null; incident: string | null; note: string | null; by: string; at: string }): ResponseAction {
    this.insertStmt.run(a);
    return this.get(a.id)!;
  }

  get(id: string): ResponseAction | null {
    const r = this.byId.get(id) as Row | undefined;
    return r === undefined ? null : toAction(r);
  }

  /** Every active action, oldest first (the order they are re-applied in). */
  active(): ResponseAction[] {
    return (this.activeStmt.all() as Row[]).map(toAction);
  }

  /** Actions matching the filter, newest first. */
  list(f: ActionFilter = {}): ResponseAction[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    for (const [col, v] of [['incident', f.incident], ['state', f.state], ['kind', f.kind], ['device', f.device]] as const) {
      if (v !== undefined) { where.push(`${col} = ?`); args.push(v); }
    }
    const limit = Math.max(1, Math.min(f.limit ?? DEFAULT_LIMIT, MAX_LIMIT));
    const sql = `SELECT * FROM response_actions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "at" DESC, rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limit) as Row[]).map(toAction);
  }

  /** Marks an active action released; false when it was not active (unknown or released already). */
  release(id: string, by: string, at: string): boolean {
    return this.releaseStmt.run(by, at, id).changes === 1;
  }

  /** Records whether the kernel holds the action now. */
  setEnforced(id: string, enforced: boolean): void {
    this.enforcedStmt.run(enforced ? 1 : 0, id);
  }
}
