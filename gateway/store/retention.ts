// Retention: every table of the gateway's SQLite file that grows with traffic or use (alerts,
// incidents, edge logs, flows, the stream journal, the audit log, suppressed alerts) is bounded by
// age and by rows (config storage.retention). One pruner runs from the daemon's housekeeping at a
// low rate and deletes oldest first in small batches, yielding to the packet path between two, so
// a prune never stalls capture. Tables a build does not have are skipped.
import type { EventLog } from '../common/event-log.js';
import type { Db } from './database.js';
import { storeWrite } from './storage-guard.js';

/** The bounds of one table; 0 switches a bound off. */
export interface TableRetention {
  /** Rows older than this many days are deleted (the age of each table is said in README "Retention"). 0: no age limit. */
  maxAgeDays: number;
  /** Rows kept at most; beyond it the oldest are deleted. 0: no row limit. */
  maxRows: number;
}

/** The tables retention bounds, by config key. */
export type RetentionTable = 'alerts' | 'incidents' | 'edgeLogs' | 'flows' | 'streamEvents' | 'audit' | 'suppressedAlerts';

/** Config `storage.retention`. Fixed at start. */
export type RetentionConfig = {
  /** Seconds between two pruning rounds. Default 60. */
  intervalSeconds: number;
  /** Rows one DELETE removes; the pruner yields to the packet path between two. Default 500. */
  batchRows: number;
  /** DELETE batches one table gets per round (the rest waits for the next round). Default 200 (100,000 rows a round). */
  maxBatches: number;
} & Record<RetentionTable, TableRetention>;

/**
 * Defaults sized for a small gateway (an SD card or a few GB of eMMC): about 1 GB of SQLite at the
 * row caps. flows.maxRows is also `storage.flowsKept`, streamEvents.maxRows `storage.streamKept`,
 * edgeLogs.maxRows `edgeLogs.maxRows` (the older names of the same bounds; load-config keeps them equal).
 */
export const RETENTION_DEFAULTS: Readonly<RetentionConfig> = Object.freeze({
  intervalSeconds: 60,
  batchRows: 500,
  maxBatches: 200,
  /** 90 days, 100,000 alerts (about 1 KB each with evidence). */
  alerts: Object.freeze({ maxAgeDays: 90, maxRows: 100_000 }),
  /** 180 days, 20,000 incidents (with their members, logs and history). */
  incidents: Object.freeze({ maxAgeDays: 180, maxRows: 20_000 }),
  /** 30 days, 1,000,000 records (about 400 B each with the raw line). */
  edgeLogs: Object.freeze({ maxAgeDays: 30, maxRows: 1_000_000 }),
  /** 14 days, 200,000 ended flows (about 600 B each). */
  flows: Object.freeze({ maxAgeDays: 14, maxRows: 200_000 }),
  /** 7 days, 200,000 stream events: what a reconnecting client can be replayed. */
  streamEvents: Object.freeze({ maxAgeDays: 7, maxRows: 200_000 }),
  /** 365 days, 200,000 audit rows: who did what is kept longest. */
  audit: Object.freeze({ maxAgeDays: 365, maxRows: 200_000 }),
  /** 30 days, 100,000 silenced inputs (their suppressions keep their counts). */
  suppressedAlerts: Object.freeze({ maxAgeDays: 30, maxRows: 100_000 }),
});

/** The config keys of the tables, in pruning order. */
export const RETENTION_TABLES: readonly RetentionTable[] = Object.freeze(['alerts', 'incidents', 'edgeLogs', 'flows', 'streamEvents', 'audit', 'suppressedAlerts']);

/**
 * How one table is pruned.
 * - `arrival`: rows are appended in time order and never change (logs, flows, journal): the oldest
 *   are the lowest rowids, so both bounds become one rowid cut, found with a few index lookups.
 * - `activity`: a row's time moves on (an alert's last occurrence, an incident's last member):
 *   deleted by its time column (indexed), and over the row cap the settled ones go first.
 */
interface TableSpec {
  key: RetentionTable;
  /** The table; a file without it (one whose store this build or a test did not open) is skipped. */
  table: string;
  /** Its time column, ISO-8601 text. */
  time: string;
  order: 'arrival' | 'activity';
  /**
   * `packet`: the column holds packet time, and age is measured back from the newest row (or now,
   * if that is earlier), so a capture replayed from last year is not deleted as it is stored.
   * `wall`: it holds the time the row was written; age is measured back from now.
   */
  clock: 'packet' | 'wall';
  /** Over the row cap these go first (SQL over the table's columns), e.g. resolved alerts. */
  settled?: string;
  /**
   * Rows of other tables that belong to a deleted row: [table, column] holding the row's `id`
   * (the same store creates them with the table).
   */
  children?: readonly (readonly [table: string, column: string])[];
}

const SPECS: readonly TableSpec[] = [
  {
    key: 'alerts', table: 'alerts', time: 'last_ts', order: 'activity', clock: 'packet',
    settled: "status = 'resolved'", children: [['alert_history', 'alert_id']],
  },
  {
    key: 'incidents', table: 'incidents', time: 'last_ts', order: 'activity', clock: 'packet',
    settled: "state = 'closed'", children: [['incident_alerts', 'incident_id'], ['incident_logs', 'incident_id'], ['incident_history', 'incident_id']],
  },
  { key: 'edgeLogs', table: 'edge_logs', time: 'received_at', order: 'arrival', clock: 'wall' },
  { key: 'flows', table: 'flows', time: 'last_ts', order: 'arrival', clock: 'packet' },
  { key: 'streamEvents', table: 'stream_events', time: 'at', order: 'arrival', clock: 'wall' },
  { key: 'audit', table: 'audit_log', time: 'at', order: 'arrival', clock: 'wall' },
  { key: 'suppressedAlerts', table: 'suppressed_alerts', time: 'ts', order: 'arrival', clock: 'packet' },
];

/** Settings of a pruner beyond the config. */
export interface RetentionOptions {
  /**
   * Alerts and incidents whose last activity is within this many seconds of the newest are never
   * deleted by the row cap: the alert manager may still count into them. Default 3600 (alerts.dedupWindowSeconds).
   */
  activeWindowSeconds?: number;
  /** Told of each round that deleted something (`retention.pruned`) and of faults. Default: silent. */
  log?: EventLog;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
}

/** What one round deleted, rows per table key. */
export type PruneReport = Partial<Record<RetentionTable, number>>;

const DAY_MS = 86_400_000;
const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** SQLite identifiers here come from the specs above, never from input; quoted all the same. */
const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The pruner of one database. */
export class RetentionPruner {
  /** Keys whose table this file was found to have. */
  private readonly found = new Set<RetentionTable>();
  private readonly log: EventLog;
  private readonly now: () => number;
  private readonly activeMs: number;
  private running: Promise<PruneReport> | null = null;
  private stopped = false;
  private lastRunMs = -Infinity;
  /** Rows deleted since start, per table key. */
  readonly deleted: Partial<Record<RetentionTable, number>> = {};

  constructor(private readonly db: Db, readonly cfg: Readonly<RetentionConfig>, opts: RetentionOptions = {}) {
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
    this.activeMs = (opts.activeWindowSeconds ?? 3600) * 1000;
    // The first round comes one interval after start, not during it.
    this.lastRunMs = this.now();
  }

  /** Housekeeping calls this often (once a second); a round starts when one is due and none runs. */
  tick(): void {
    if (this.stopped || this.running !== null || this.now() - this.lastRunMs < this.cfg.intervalSeconds * 1000) return;
    void this.run();
  }

  /** Runs one round now (or returns the running one). Never rejects: a fault is logged and ends the round. */
  run(): Promise<PruneReport> {
    if (this.running !== null) return this.running;
    this.lastRunMs = this.now();
    this.running = this.round().catch((e: unknown) => {
      this.log('retention.error', { error: (e as Error).message });
      return {};
    }).finally(() => { this.running = null; this.lastRunMs = this.now(); });
    return this.running;
  }

  /** Which table of this file each key prunes (null: the file has no such table, so it is skipped). */
  tables(): Record<RetentionTable, string | null> {
    const out = {} as Record<RetentionTable, string | null>;
    for (const spec of SPECS) out[spec.key] = this.resolve(spec)?.table ?? null;
    return out;
  }

  /** Stops the rounds; resolves once a running one has let go of the database (call before closing it). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async round(): Promise<PruneReport> {
    const report: PruneReport = {};
    for (const spec of SPECS) {
      if (this.stopped) break;
      const bounds = this.cfg[spec.key];
      if (bounds.maxAgeDays <= 0 && bounds.maxRows <= 0) continue;
      const r = this.resolve(spec);
      if (r === null) continue;
      const n = spec.order === 'arrival' ? await this.pruneArrival(r, bounds) : await this.pruneActivity(r, bounds);
      if (n < 0) break; // the disk refused even a delete: try again next round
      if (n > 0) {
        report[spec.key] = n;
        this.deleted[spec.key] = (this.deleted[spec.key] ?? 0) + n;
      }
    }
    if (Object.keys(report).length > 0) this.log('retention.pruned', { deleted: report });
    return report;
  }

  /** `spec` when this file has its table (remembered once found), or null: skipped. */
  private resolve(spec: TableSpec): TableSpec | null {
    if (this.found.has(spec.key)) return spec;
    if (this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(spec.table) === undefined) return null;
    this.found.add(spec.key);
    return spec;
  }

  /** The ISO time before which rows are too old, or null without an age bound. */
  private ageCut(r: TableSpec, maxAgeDays: number, newest: string | null): string | null {
    if (maxAgeDays <= 0) return null;
    let ref = this.now();
    if (r.clock === 'packet') {
      const t = newest === null ? NaN : Date.parse(newest);
      if (Number.isNaN(t)) return null; // empty table
      ref = Math.min(ref, t);
    }
    return new Date(ref - maxAgeDays * DAY_MS).toISOString();
  }

  /**
   * Append-only tables: the cut is one rowid — below it a row is either too old (found by a binary
   * search over rowids, as time follows them) or beyond the newest maxRows. Deleted below the cut,
   * lowest first, a batch at a time. Returns rows deleted, or -1 when the disk refused.
   */
  private async pruneArrival(r: TableSpec, b: TableRetention): Promise<number> {
    const t = q(r.table);
    const ends = this.db.prepare(`SELECT min(rowid) AS lo, max(rowid) AS hi FROM ${t}`).get() as { lo: number | null; hi: number | null };
    if (ends.lo === null || ends.hi === null) return 0;
    let cut = ends.lo; // rows with rowid < cut go
    if (b.maxRows > 0) cut = Math.max(cut, ends.hi - b.maxRows + 1);
    const newest = (this.db.prepare(`SELECT ${q(r.time)} AS v FROM ${t} WHERE rowid = ?`).get(ends.hi) as { v: string } | undefined)?.v ?? null;
    const ageCut = this.ageCut(r, b.maxAgeDays, newest);
    if (ageCut !== null) cut = Math.max(cut, this.firstNotOlder(r, ends.lo, ends.hi, ageCut));
    if (cut <= ends.lo) return 0;
    const del = this.db.prepare(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE rowid < ? ORDER BY rowid LIMIT ?)`);
    let total = 0;
    for (let i = 0; i < this.cfg.maxBatches && !this.stopped; i++) {
      let n = 0;
      if (!storeWrite(this.db, r.table, () => { n = del.run(cut, this.cfg.batchRows).changes; }, 0)) return total > 0 ? total : -1;
      total += n;
      if (n < this.cfg.batchRows) break;
      await yieldNow();
    }
    return total;
  }

  /** The lowest rowid whose time is not before `cut` (hi + 1 when every row is older), by binary search. */
  private firstNotOlder(r: TableSpec, lo: number, hi: number, cut: string): number {
    const at = this.db.prepare(`SELECT rowid AS id, ${q(r.time)} AS v FROM ${q(r.table)} WHERE rowid >= ? ORDER BY rowid LIMIT 1`);
    let a = lo;
    let z = hi + 1;
    while (a < z) {
      const mid = a + Math.floor((z - a) / 2);
      const row = at.get(mid) as { id: number; v: string } | undefined;
      if (row === undefined || row.v >= cut) z = mid;
      else a = row.id + 1;
    }
    return a;
  }

  /**
   * Tables whose rows' time moves: too old by the time column first; then, over the row cap, the
   * settled rows (resolved alerts, closed incidents) oldest first, then the others oldest first —
   * never one active within activeWindowSeconds of the newest. Children go with their row.
   */
  private async pruneActivity(r: TableSpec, b: TableRetention): Promise<number> {
    const t = q(r.table);
    const time = q(r.time);
    const newest = (this.db.prepare(`SELECT max(${time}) AS v FROM ${t}`).get() as { v: string | null }).v;
    if (newest === null) return 0;
    const children = r.children ?? [];
    const hasId = children.length > 0;
    const returning = hasId ? ' RETURNING id' : '';
    const delChildren = children.map(([ct, cc]) => this.db.prepare(`DELETE FROM ${q(ct)} WHERE ${q(cc)} = ?`));
    let total = 0;
    let batches = 0;
    /** Deletes up to `limit` rows matching `where`, oldest first; false when the disk refused. */
    const step = (where: string, args: unknown[], limit: number): { ok: boolean; n: number } => {
      const stmt = this.db.prepare(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE ${where} ORDER BY ${time} LIMIT ?)${returning}`);
      let n = 0;
      const ok = storeWrite(this.db, r.table, () => {
        this.db.transaction(() => {
          if (hasId) {
            const gone = stmt.all(...args, limit) as { id: string }[];
            for (const g of gone) for (const d of delChildren) d.run(g.id);
            n = gone.length;
          } else n = stmt.run(...args, limit).changes;
        })();
      }, 0);
      return { ok, n };
    };
    const ageCut = this.ageCut(r, b.maxAgeDays, newest);
    if (ageCut !== null) {
      for (; batches < this.cfg.maxBatches && !this.stopped; batches++) {
        const s = step(`${time} < ?`, [ageCut], this.cfg.batchRows);
        if (!s.ok) return total > 0 ? total : -1;
        total += s.n;
        if (s.n < this.cfg.batchRows) break;
        await yieldNow();
      }
    }
    if (b.maxRows <= 0) return total;
    const active = new Date(Date.parse(newest) - this.activeMs).toISOString();
    const settled = r.settled ?? null;
    // Counted once: these tables are small (a row cap of 100,000), and only this pruner deletes.
    let excess = (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n - b.maxRows;
    for (const where of settled !== null ? [`(${settled}) AND ${time} < ?`, `${time} < ?`] : [`${time} < ?`]) {
      while (excess > 0 && batches < this.cfg.maxBatches && !this.stopped) {
        const s = step(where, [active], Math.min(excess, this.cfg.batchRows));
        batches++;
        if (!s.ok) return total > 0 ? total : -1;
        total += s.n;
        excess -= s.n;
        if (s.n === 0) break;
        await yieldNow();
      }
    }
    return total;
  }
}
