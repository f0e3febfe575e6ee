// The hub's record of fleet commands in its SQLite: `hub_commands` (what was asked, by whom, until
// when) and `hub_command_sites` (per site: pending until the site's ack arrives, then applied,
// refused or failed with the site's code, or expired when no ack came in time; how often it was sent).
import type { Statement } from 'better-sqlite3';
import type { CommandAck, CommandAction, CommandTarget, FleetCommand } from '../fleet/command-types.js';
import { UNVERIFIED_CODES } from '../fleet/command-types.js';
import type { Db } from '../store/database.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_commands (
  id         TEXT PRIMARY KEY,          -- UUID, the same in every site's signed command
  action     TEXT NOT NULL,
  target     TEXT NOT NULL,             -- CommandTarget JSON
  note       TEXT,
  issued_by  TEXT NOT NULL,             -- the token's name and public id (never the token)
  issued_at  TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hub_commands_issued ON hub_commands (issued_at);
CREATE TABLE IF NOT EXISTS hub_command_sites (
  command_id   TEXT NOT NULL,
  site         TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'refused', 'failed', 'expired')),
  code         TEXT,                    -- the site's code (refused, failed) or command.expired
  message      TEXT,
  action_id    TEXT,                    -- the site's response action
  acked_at     TEXT,                    -- the ack's 'at' (the gateway's clock)
  attempts     INTEGER NOT NULL DEFAULT 0, -- messages sent to the site
  last_sent_ms INTEGER NOT NULL DEFAULT 0, -- when the last was sent, ms since the epoch (0: never)
  PRIMARY KEY (command_id, site)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hub_command_sites_status ON hub_command_sites (status);
`;

/** Where a command stands at one site. */
export type SiteCommandStatus = 'pending' | 'applied' | 'refused' | 'failed' | 'expired';

/** One site's part of a command, as the API shows it. */
export interface HubCommandSite {
  site: string;
  status: SiteCommandStatus;
  code: string | null;
  message: string | null;
  actionId: string | null;
  /** When the site answered (its clock), ISO-8601; null while pending or expired. */
  ackedAt: string | null;
  /** Messages sent to the site so far. */
  attempts: number;
}

/** A command as the API shows it: the signed command of every site (each site's own copy names it) and each site's answer. */
export interface HubCommand extends Omit<FleetCommand, 'site'> {
  sites: HubCommandSite[];
}

/** A pending site of an unexpired command: what the sender signs and sends. */
export interface PendingSend {
  command: Omit<HubCommand, 'sites'>;
  site: string;
  lastSentMs: number;
}

interface CommandRow { id: string; action: CommandAction; target: string; note: string | null; issued_by: string; issued_at: string; expires_at: string }
interface SiteRow { command_id: string; site: string; status: SiteCommandStatus; code: string | null; message: string | null; action_id: string | null; acked_at: string | null; attempts: number; last_sent_ms: number }

const toCommand = (r: CommandRow): Omit<HubCommand, 'sites'> => ({
  id: r.id, action: r.action, target: JSON.parse(r.target) as CommandTarget, note: r.note, issuedBy: r.issued_by, issuedAt: r.issued_at, expiresAt: r.expires_at,
});
const toSite = (r: SiteRow): HubCommandSite => ({ site: r.site, status: r.status, code: r.code, message: r.message, actionId: r.action_id, ackedAt: r.acked_at, attempts: r.attempts });

/** The two command tables of the hub's database. */
export class HubCommandStore {
  private readonly insertCmd: Statement;
  private readonly insertSite: Statement;
  private readonly getCmd: Statement;
  private readonly sitesOf: Statement;
  private readonly siteRow: Statement;
  private readonly ackStmt: Statement;
  private readonly sentStmt: Statement;
  private readonly expireStmt: Statement;
  private readonly pendingStmt: Statement;
  private readonly createTx: (c: Omit<HubCommand, 'sites'>, sites: readonly string[]) => void;

  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
    this.insertCmd = db.prepare('INSERT INTO hub_commands (id, action, target, note, issued_by, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertSite = db.prepare("INSERT INTO hub_command_sites (command_id, site, status) VALUES (?, ?, 'pending')");
    this.getCmd = db.prepare('SELECT * FROM hub_commands WHERE id = ?');
    this.sitesOf = db.prepare('SELECT * FROM hub_command_sites WHERE command_id = ? ORDER BY site');
    this.siteRow = db.prepare('SELECT * FROM hub_command_sites WHERE command_id = ? AND site = ?');
    this.ackStmt = db.prepare('UPDATE hub_command_sites SET status = ?, code = ?, message = ?, action_id = ?, acked_at = ? WHERE command_id = ? AND site = ?');
    this.sentStmt = db.prepare('UPDATE hub_command_sites SET attempts = attempts + 1, last_sent_ms = ? WHERE command_id = ? AND site = ?');
    this.expireStmt = db.prepare(`UPDATE hub_command_sites SET status = 'expired', code = 'command.expired', message = 'no answer from the site before the command expired'
      WHERE status = 'pending' AND command_id IN (SELECT id FROM hub_commands WHERE expires_at < ?)`);
    this.pendingStmt = db.prepare(`SELECT c.*, s.site, s.last_sent_ms FROM hub_command_sites s JOIN hub_commands c ON c.id = s.command_id
      WHERE s.status = 'pending' AND c.expires_at >= ? ORDER BY c.issued_at, s.site`);
    this.createTx = db.transaction((c: Omit<HubCommand, 'sites'>, sites: readonly string[]) => {
      this.insertCmd.run(c.id, c.action, JSON.stringify(c.target), c.note, c.issuedBy, c.issuedAt, c.expiresAt);
      for (const s of sites) this.insertSite.run(c.id, s);
    });
  }

  /** Records a new command, pending at each of `sites`. */
  create(c: Omit<HubCommand, 'sites'>, sites: readonly string[]): void {
    this.createTx(c, sites);
  }

  get(id: string): HubCommand | null {
    const r = this.getCmd.get(id) as CommandRow | undefined;
    return r === undefined ? null : { ...toCommand(r), sites: (this.sitesOf.all(id) as SiteRow[]).map(toSite) };
  }

  /** The newest `limit` commands (1–1000), newest first. */
  list(limit = 100): HubCommand[] {
    const n = Math.min(Math.max(limit, 1), 1000);
    const rows = this.db.prepare('SELECT * FROM hub_commands ORDER BY issued_at DESC, id DESC LIMIT ?').all(n) as CommandRow[];
    return rows.map((r) => ({ ...toCommand(r), sites: (this.sitesOf.all(r.id) as SiteRow[]).map(toSite) }));
  }

  /** The pending sites of commands not expired at `nowIso`, oldest command first. */
  pending(nowIso: string): PendingSend[] {
    return (this.pendingStmt.all(nowIso) as (CommandRow & { site: string; last_sent_ms: number })[])
      .map((r) => ({ command: toCommand(r), site: r.site, lastSentMs: r.last_sent_ms }));
  }

  /** Counts one message sent to `site`. */
  sent(id: string, site: string, nowMs: number): void {
    this.sentStmt.run(nowMs, id, site);
  }

  /** Marks every site still pending of a command expired at `nowIso` as expired; returns how many. */
  expire(nowIso: string): number {
    return this.expireStmt.run(nowIso).changes;
  }

  /**
   * Takes a site's ack (called inside the consumer's batch transaction). Updates the site's row
   * when it is pending or expired (an ack may come late), or when the row holds a refusal made
   * before the site checked the hub's signature and this ack is the site's answer to the verified
   * command. Returns the command when a row changed, else null (no such command or site: ignored).
   */
  recordAck(site: string, ack: CommandAck): string | null {
    const row = this.siteRow.get(ack.commandId, site) as SiteRow | undefined;
    if (row === undefined) return null;
    const replaceable = row.status === 'pending' || row.status === 'expired' ||
      (row.code !== null && UNVERIFIED_CODES.includes(row.code) && !(ack.code !== null && UNVERIFIED_CODES.includes(ack.code)));
    if (!replaceable) return null;
    this.ackStmt.run(ack.status, ack.code, ack.message, ack.actionId, ack.at, ack.commandId, site);
    return ack.commandId;
  }
}

/** An ack record's data checked field by field (it comes from a site), or null. */
export function parseAck(data: unknown): CommandAck | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const a = data as Record<string, unknown>;
  const str = (x: unknown, max: number) => typeof x === 'string' && x.length <= max;
  const opt = (x: unknown, max: number) => x === null || str(x, max);
  if (!str(a.commandId, 64) || !str(a.site, 63) || !str(a.at, 40)) return null;
  if (a.status !== 'applied' && a.status !== 'refused' && a.status !== 'failed') return null;
  if (!opt(a.code, 100) || !opt(a.message, 2000) || !opt(a.actionId, 100)) return null;
  return { commandId: a.commandId as string, site: a.site as string, status: a.status, code: a.code as string | null, message: a.message as string | null, actionId: a.actionId as string | null, at: a.at as string };
}
