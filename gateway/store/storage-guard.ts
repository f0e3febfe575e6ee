// One place that decides what a failed write to the gateway's storage means: a full disk
// (SQLITE_FULL, ENOSPC) or an I/O error is counted per table and reported, and the packet path goes
// on — alerts still stream live — while every other error is a bug and is thrown as before. Stores
// wrap their packet-path writes in storeWrite(); the daemon turns the guard on for its database.
import type { EventLog } from '../common/event-log.js';
import type { Db } from './database.js';

/**
 * `ok`: the last write succeeded. `full`: the last write failed for want of space (SQLITE_FULL,
 * ENOSPC, EDQUOT). `error`: it failed with an I/O error (SQLITE_IOERR*, EIO, EROFS).
 */
export type StorageStatus = 'ok' | 'full' | 'error';

/** The storage part of GET /api/v1/health. */
export interface StorageHealth {
  status: StorageStatus;
  /** Rows (or EVE lines) not stored since start, per table; tables that never failed are absent. */
  failedWrites: Record<string, number>;
  /** When a write last failed, ISO-8601; null if none has. */
  lastError: string | null;
  /** The code of that failure (SQLITE_FULL, ENOSPC…), null if none. */
  lastErrorCode: string | null;
  /** When writes last succeeded again after a failure, ISO-8601; null if never. */
  resumedAt: string | null;
}

/** Settings of a guard. */
export interface StorageGuardOptions {
  /** Told of each change of status (`storage.full`, `storage.error`, `storage.resumed`). Default: silent. */
  log?: EventLog;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
}

/** Codes of a disk without room: SQLite's own, and the errno of a plain file write. */
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
/** Codes of a disk that failed: SQLite's I/O errors (SQLITE_IOERR_WRITE, _FSYNC…) and the errno ones. */
const IO_CODES = new Set(['EIO', 'EROFS']);

/** The status a thrown value means, or null when it is no storage fault (a bug: rethrown). */
export function storageFault(err: unknown): Exclude<StorageStatus, 'ok'> | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (FULL_CODES.has(code)) return 'full';
  if (code.startsWith('SQLITE_IOERR') || IO_CODES.has(code)) return 'error';
  return null;
}

/** Counts and reports the failed writes of one database (and the daemon's EVE file). */
export class StorageGuard {
  private readonly failed = new Map<string, number>();
  private statusNow: StorageStatus = 'ok';
  private lastErrorMs = -1;
  private lastCode: string | null = null;
  private resumedMs = -1;
  private readonly log: EventLog;
  private readonly now: () => number;

  constructor(opts: StorageGuardOptions = {}) {
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  /**
   * Runs `write`. A storage fault is counted against `table` (`rows` not stored; 0 for a write that
   * stores nothing, such as a prune) and swallowed: returns false. Any other error is thrown. Only a
   * write of rows says storing has resumed: a prune or an update that found nothing to change
   * succeeds on a full disk too.
   */
  write(table: string, write: () => void, rows = 1): boolean {
    try {
      write();
    } catch (err) {
      if (!this.failure(table, err, rows)) throw err;
      return false;
    }
    if (rows > 0) this.success();
    return true;
  }

  /**
   * For a store that catches its own errors (the edge-log store): records `err` against `table`.
   * Returns whether it was a storage fault (the caller rethrows or logs the others as it did).
   */
  failure(table: string, err: unknown, rows: number): boolean {
    const fault = storageFault(err);
    if (fault === null) return false;
    if (rows > 0) this.failed.set(table, (this.failed.get(table) ?? 0) + rows);
    this.lastErrorMs = this.now();
    this.lastCode = (err as { code: string }).code;
    if (this.statusNow !== fault) {
      this.statusNow = fault;
      this.log(`storage.${fault}`, { table, code: this.lastCode, error: String((err as Error).message ?? err) });
    }
    return true;
  }

  /** A write succeeded: after a failure, storing has resumed. */
  success(): void {
    if (this.statusNow === 'ok') return;
    this.statusNow = 'ok';
    this.resumedMs = this.now();
    this.log('storage.resumed', { failedWrites: this.failures() });
  }

  get status(): StorageStatus {
    return this.statusNow;
  }

  /** Rows not stored per table since start (tables with failures only). */
  failures(): Record<string, number> {
    return Object.fromEntries(this.failed);
  }

  health(): StorageHealth {
    const iso = (ms: number) => (ms < 0 ? null : new Date(ms).toISOString());
    return { status: this.statusNow, failedWrites: this.failures(), lastError: iso(this.lastErrorMs), lastErrorCode: this.lastCode, resumedAt: iso(this.resumedMs) };
  }
}

/** The guard of each database that has one (only the daemon's: a replay's --db file fails loudly). */
const GUARDS = new WeakMap<Db, StorageGuard>();

/** Puts `guard` in charge of `db`'s store writes. */
export function guardStorage(db: Db, guard: StorageGuard): StorageGuard {
  GUARDS.set(db, guard);
  return guard;
}

/** The guard of `db`, or undefined when its writes are unguarded. */
export function storageGuardOf(db: Db): StorageGuard | undefined {
  return GUARDS.get(db);
}

/**
 * Runs a store's write to `table` of `db`: through the database's guard when it has one (a full
 * disk is counted and the call returns false), else plainly (errors are thrown, returns true).
 * `rows`: what is lost if it fails (a batch of flows counts each).
 */
export function storeWrite(db: Db, table: string, write: () => void, rows = 1): boolean {
  const g = GUARDS.get(db);
  if (g === undefined) {
    write();
    return true;
  }
  return g.write(table, write, rows);
}
