// Table `fleet_commands` in the gateway's SQLite: the outcome of every verified command for this
// site, by command id, so a command the hub sends again (its resend, a redelivery) is applied once
// and answered with the stored ack.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import type { CommandAck, FleetCommand } from './command-types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fleet_commands (
  id          TEXT PRIMARY KEY,        -- the command's UUID
  action      TEXT NOT NULL,           -- block, quarantine, release
  target      TEXT NOT NULL,           -- the target JSON as signed
  issued_by   TEXT NOT NULL,           -- the hub token's name (never a token)
  expires_at  TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('applied', 'refused', 'failed')),
  code        TEXT,
  message     TEXT,
  action_id   TEXT,                    -- the response action it made, found or released
  at          TEXT NOT NULL            -- when it was answered, ISO-8601
);
`;

/** The `fleet_commands` table. */
export class CommandStore {
  private readonly getStmt: Statement;
  private readonly putStmt: Statement;

  constructor(db: Db) {
    db.exec(SCHEMA);
    this.getStmt = db.prepare('SELECT id AS commandId, status, code, message, action_id AS actionId, "at" FROM fleet_commands WHERE id = ?');
    this.putStmt = db.prepare(`INSERT OR IGNORE INTO fleet_commands (id, action, target, issued_by, expires_at, status, code, message, action_id, "at")
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  /** The stored answer to command `id` (with `site` filled in by the caller), or null when it was never answered. */
  get(id: string, site: string): CommandAck | null {
    const r = this.getStmt.get(id) as Omit<CommandAck, 'site'> | undefined;
    return r === undefined ? null : { ...r, site };
  }

  /** Stores a command's answer; an id stored before keeps its first answer. */
  put(c: FleetCommand, ack: CommandAck): void {
    this.putStmt.run(c.id, c.action, JSON.stringify(c.target), c.issuedBy, c.expiresAt, ack.status, ack.code, ack.message, ack.actionId, ack.at);
  }
}
