// The audit log in the gateway's SQLite file (table `audit_log`): one row per write request to the
// API, refused ones included, and per write of the command line (tokens, trust). Rows are only
// appended; reading is by filter and cursor, newest first; the retention pruner (gateway/store/retention.ts) bounds it.
// The daemon and the CLI open the same file (WAL), so both write here.
import type { Statement } from 'better-sqlite3';
import type { Role } from '../auth/roles.js';
import type { Db } from '../store/database.js';
import { storeWrite } from '../store/storage-guard.js';
import { AUDIT_TEXT_LIMITS as L, auditText, auditTextOrNull, type AuditEntry, type NewAuditEntry } from './audit-entry.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_log (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, also after pruning
  at          TEXT NOT NULL,                      -- ISO-8601 UTC
  actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('token', 'cli', 'none')),
  token_id    TEXT,                               -- the token's public id; never the token or its hash
  actor_name  TEXT,                               -- the token's name, or the OS user of a CLI write
  role        TEXT,
  client      TEXT,                               -- client address; NULL from the CLI
  method      TEXT NOT NULL,
  path        TEXT NOT NULL,
  target      TEXT,
  status      INTEGER NOT NULL,
  code        TEXT,                               -- error code of a refusal; NULL on success
  detail      TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at);
`;

/** Filters of a listing; every field optional. */
export interface AuditFilter {
  /** ISO-8601: rows written at or after. */
  since?: string;
  /** ISO-8601: rows written before. */
  until?: string;
  /** A token id, a token's or OS user's name, or a kind (`cli`, `none`, `token`). */
  actor?: string;
  /** Rows whose path starts with this (`/api/v1/tokens`, `token `). */
  pathPrefix?: string;
  /** Page: rows with seq below this (the previous page's `next`). */
  before?: number;
  /** Rows per page, 1-1000. Default 100. */
  limit?: number;
}

/** One page, newest first; `next` is the `before` of the following page, null at the end. */
export interface AuditPage {
  items: AuditEntry[];
  next: number | null;
}

/** What the API and the CLI need of the log (the daemon passes its AuditStore). */
export interface AuditLog {
  /**
   * Appends one row. Returns false when storage refused it (a full disk: counted by the storage
   * guard, table `audit_log`); other errors are thrown.
   */
  record(entry: NewAuditEntry): boolean;
  query(filter: AuditFilter): AuditPage;
}

/** Store settings. */
export interface AuditStoreOptions {
  /** Wall clock, ms (a row's `at`, prune's age). Default Date.now. */
  now: () => number;
}

interface Row {
  seq: number; at: string; actor_kind: 'token' | 'cli' | 'none'; token_id: string | null; actor_name: string | null; role: Role | null;
  client: string | null; method: string; path: string; target: string | null; status: number; code: string | null; detail: string | null;
}

const toEntry = (r: Row): AuditEntry => ({
  seq: r.seq, at: r.at,
  actor: { kind: r.actor_kind, tokenId: r.token_id, name: r.actor_name, role: r.role },
  client: r.client, method: r.method, path: r.path, target: r.target,
  outcome: { status: r.status, code: r.code }, detail: r.detail,
});

/** Default and largest page. */
export const AUDIT_PAGE = Object.freeze({ default: 100, max: 1000 });

/** The `audit_log` table. */
export class AuditStore implements AuditLog {
  private readonly opts: AuditStoreOptions;
  private readonly insertStmt: Statement;
  /** Rows written, rows storage refused, since this store was made. */
  written = 0;
  failed = 0;

  constructor(private readonly db: Db, options: Partial<AuditStoreOptions> = {}) {
    this.opts = { now: Date.now, ...options };
    db.exec(SCHEMA);
    this.insertStmt = db.prepare(`INSERT INTO audit_log (at, actor_kind, token_id, actor_name, role, client, method, path, target, status, code, detail)
      VALUES (@at, @kind, @tokenId, @name, @role, @client, @method, @path, @target, @status, @code, @detail)`);
  }

  record(e: NewAuditEntry): boolean {
    // Every text goes through auditText: bounded, and nothing shaped like a token survives.
    const row = {
      at: new Date(this.opts.now()).toISOString(),
      kind: e.actor.kind,
      tokenId: auditTextOrNull(e.actor.tokenId, L.tokenId),
      name: auditTextOrNull(e.actor.name, L.name),
      role: e.actor.role,
      client: auditTextOrNull(e.client, L.client),
      method: auditText(e.method, L.method),
      path: auditText(e.path, L.path),
      target: auditTextOrNull(e.target, L.target),
      status: Math.trunc(e.outcome.status),
      code: auditTextOrNull(e.outcome.code, L.code),
      detail: auditTextOrNull(e.detail, L.detail),
    };
    const ok = storeWrite(this.db, 'audit_log', () => { this.insertStmt.run(row); });
    if (ok) this.written++;
    else this.failed++;
    return ok;
  }

  query(f: AuditFilter): AuditPage {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (f.before !== undefined) { where.push('seq < @before'); args.before = f.before; }
    if (f.since !== undefined) { where.push('at >= @since'); args.since = f.since; }
    if (f.until !== undefined) { where.push('at < @until'); args.until = f.until; }
    if (f.actor !== undefined) { where.push('(token_id = @actor OR actor_name = @actor OR actor_kind = @actor)'); args.actor = f.actor; }
    // substr, not LIKE: a prefix with % or _ in it means itself.
    if (f.pathPrefix !== undefined) { where.push('substr(path, 1, @plen) = @path'); args.path = f.pathPrefix; args.plen = f.pathPrefix.length; }
    const limit = Math.max(1, Math.min(f.limit ?? AUDIT_PAGE.default, AUDIT_PAGE.max));
    args.limit = limit + 1;
    const rows = this.db.prepare(`SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`).all(args) as Row[];
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toEntry);
    return { items, next: more ? items[items.length - 1]!.seq : null };
  }

  /** Rows in the table now. */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
  }
}
