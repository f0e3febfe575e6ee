// The fleet outbox: every record for the SOC is first a row of table `fleet_outbox` in the
// gateway's SQLite, written synchronously where it is made (an alert listener), and leaves only when
// JetStream has acknowledged it. Bounded by fleet.outboxMaxRecords: the oldest are dropped and counted.
import type { Statement } from 'better-sqlite3';
import { ev, type DecodeCounters } from '../common/events.js';
import type { Db } from '../store/database.js';
import { storeWrite } from '../store/storage-guard.js';
import type { FleetKind } from './fleet-stream.js';

/** The table's name (also the storage guard's counter name). */
export const OUTBOX_TABLE = 'fleet_outbox';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

/** One row: a record waiting for its PubAck. */
export interface OutboxRecord {
  /** Outbox sequence: increasing, never reused (AUTOINCREMENT), the envelope's `seq`. */
  seq: number;
  /** The record id (`Nats-Msg-Id`). */
  id: string;
  /** Its kind: the link publishes it on `edgeward.<site>.<kind>` of the site configured then. */
  kind: FleetKind;
  /** The record's `data` as JSON text (the envelope is put round it when it is sent). */
  body: string;
  /** When it was made, ISO-8601 (the envelope's `at`). */
  createdAt: string;
}

/** Outbox settings. */
export interface OutboxOptions {
  /** Rows kept at most; past it the oldest are deleted and counted as dropped. At least 1. */
  maxRecords: number;
  /** The gateway's named counters: each dropped record counts `fleet.outbox_dropped`. Default none. */
  counters?: DecodeCounters;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
}

/** The `fleet_outbox` table of the gateway's database. */
export class Outbox {
  private readonly insertStmt: Statement;
  private readonly batchStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly dropStmt: Statement;
  private readonly removeTx: (seqs: readonly number[]) => number;
  private readonly now: () => number;
  private depthNow: number;
  private droppedCount = 0;
  /** The highest seq dropped by the bound: a batch read before the drop skips those (never sent as if kept). */
  private droppedThroughSeq = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: Db, private readonly opts: OutboxOptions) {
    db.exec(SCHEMA);
    this.insertStmt = db.prepare(`INSERT OR IGNORE INTO ${OUTBOX_TABLE} (id, kind, body, created_at) VALUES (?, ?, ?, ?)`);
    this.batchStmt = db.prepare(`SELECT seq, id, kind, body, created_at AS createdAt FROM ${OUTBOX_TABLE} WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.deleteStmt = db.prepare(`DELETE FROM ${OUTBOX_TABLE} WHERE seq = ?`);
    // The n oldest; returns the highest seq it removed.
    this.dropStmt = db.prepare(`DELETE FROM ${OUTBOX_TABLE} WHERE seq IN (SELECT seq FROM ${OUTBOX_TABLE} ORDER BY seq LIMIT ?) RETURNING seq`);
    this.removeTx = db.transaction((seqs: readonly number[]) => {
      let n = 0;
      for (const seq of seqs) n += this.deleteStmt.run(seq).changes;
      return n;
    });
    this.now = opts.now ?? Date.now;
    this.depthNow = (db.prepare(`SELECT count(*) AS n FROM ${OUTBOX_TABLE}`).get() as { n: number }).n;
  }

  /**
   * Adds a record (synchronously, through the storage guard: on a full disk it is counted there and
   * lost). `data` is serialized now. A record whose id is already waiting is not added twice.
   * Returns whether a row was added.
   */
  add(kind: FleetKind, id: string, data: unknown): boolean {
    return this.addText(kind, id, JSON.stringify(data));
  }

  /** {@link add} with the data already JSON text. */
  addText(kind: FleetKind, id: string, body: string): boolean {
    let added = false;
    storeWrite(this.db, OUTBOX_TABLE, () => {
      const over = this.depthNow + 1 - this.opts.maxRecords;
      if (over > 0) this.drop(over);
      added = this.insertStmt.run(id, kind, body, new Date(this.now()).toISOString()).changes > 0;
    });
    if (!added) return false;
    this.depthNow++;
    for (const l of this.listeners) l();
    return true;
  }

  private drop(n: number): void {
    const rows = this.dropStmt.all(n) as { seq: number }[];
    for (const r of rows) if (r.seq > this.droppedThroughSeq) this.droppedThroughSeq = r.seq;
    this.depthNow -= rows.length;
    this.droppedCount += rows.length;
    if (this.opts.counters !== undefined) for (let i = 0; i < rows.length; i++) this.opts.counters.add(ev('fleet.outbox_dropped'));
  }

  /** Up to `limit` waiting records after seq `after`, in seq order. */
  batch(after: number, limit: number): OutboxRecord[] {
    return this.batchStmt.all(after, limit) as OutboxRecord[];
  }

  /**
   * Whether the record of `seq` was dropped by the bound after it was read (do not send it): the
   * bound removes the oldest, so every seq up to the highest dropped one is gone.
   */
  dropped(seq: number): boolean {
    return seq <= this.droppedThroughSeq;
  }

  /** Removes an acknowledged record. */
  remove(seq: number): void {
    this.removeMany([seq]);
  }

  /**
   * Removes acknowledged records in one transaction (the link removes a window's PubAcks together:
   * one commit, one fsync, instead of one a record). A seq no longer there (dropped) is skipped.
   */
  removeMany(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    let removed = 0;
    storeWrite(this.db, OUTBOX_TABLE, () => { removed = this.removeTx(seqs); }, 0);
    this.depthNow -= removed;
  }

  /** Calls `fn` after each add (the link wakes up to send). Returns the unsubscribe function. */
  onAdd(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Records waiting now. */
  get depth(): number {
    return this.depthNow;
  }

  /** Records the bound dropped since start. */
  get droppedTotal(): number {
    return this.droppedCount;
  }
}
