// Audit rows for writes made by the `edgeward` command line (token create/revoke, trust add/remove):
// the actor is `cli` with the OS user who ran it, the path is the command, the outcome the status
// the same result has over the API. The CLI opens the daemon's SQLite file, so rows land in the
// same table the API lists.
import { userInfo } from 'node:os';
import type { Db } from '../store/database.js';
import { AuditStore } from './audit-store.js';

/** One CLI write. */
export interface CliWrite {
  /** The command without `edgeward`: `token create`, `token revoke`, `trust add`. */
  command: string;
  /** What was acted on (the token id, the certificate's fingerprint), or null. */
  target?: string | null;
  /** 201 created, 200 changed, or the refusal's status (400, 404…). */
  status: number;
  /** The refusal's error code, or null on success. */
  code?: string | null;
  /** A short note without secrets (`role=vendor vendor=example.com`). */
  detail?: string | null;
}

/** The OS user running this process (its login name; the uid when the name cannot be read). */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * Appends the audit row of one CLI write to `db`'s audit log. Returns false when storage refused it
 * (the write itself has happened; the caller says so on stderr).
 */
export function auditCliWrite(db: Db, w: CliWrite, store: AuditStore = new AuditStore(db)): boolean {
  return store.record({
    actor: { kind: 'cli', tokenId: null, name: osUser(), role: null },
    client: null, method: 'CLI', path: w.command, target: w.target ?? null,
    outcome: { status: w.status, code: w.code ?? null }, detail: w.detail ?? null,
  });
}
