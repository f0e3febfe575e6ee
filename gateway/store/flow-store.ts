// Ended flows in SQLite for the API: the flow record of DESIGN.md (metadata only, never payload),
// written in batches (one transaction a second, not one per flow), pruned to a row cap so a
// long-running gateway's file stays bounded.
import type { FlowRecord } from '../track/flow-record.js';
import type { Db } from './database.js';
import { storeWrite } from './storage-guard.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS flows (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  proto       TEXT NOT NULL,
  src         TEXT NOT NULL,
  sport       INTEGER,
  dst         TEXT NOT NULL,
  dport       INTEGER,
  src_mac     TEXT,
  dst_mac     TEXT,
  first_ts    TEXT NOT NULL,
  last_ts     TEXT NOT NULL,
  record      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flows_src_mac ON flows(src_mac);
CREATE INDEX IF NOT EXISTS flows_dst_mac ON flows(dst_mac);
CREATE INDEX IF NOT EXISTS flows_last_ts ON flows(last_ts);
`;

/** Filters of a flow listing; every field optional. */
export interface FlowFilter {
  /** Flows with this MAC on either side. */
  device?: string;
  proto?: string;
  /** This address on either side. */
  host?: string;
  /** This port on either side. */
  port?: number;
  /** ISO-8601; compares with the flow's last packet. */
  since?: string;
  until?: string;
  /** Page: flows with seq below this, newest first. */
  before?: number;
  limit?: number;
}

/** A stored flow: the record plus its row number. */
export type StoredFlow = FlowRecord & { seq: number };

export class FlowStore {
  private readonly pending: FlowRecord[] = [];
  private readonly insertStmt;
  private readonly writeBatch;
  /** Flows written and flows pruned. */
  written = 0;
  pruned = 0;

  /** `maxRows`: rows kept; the oldest go first; 0: no cap here (storage.retention may still bound them). */
  constructor(private readonly db: Db, private readonly maxRows: number) {
    db.exec(SCHEMA);
    this.insertStmt = db.prepare(`INSERT INTO flows (proto, src, sport, dst, dport, src_mac, dst_mac, first_ts, last_ts, record)
      VALUES (@proto, @src, @sport, @dst, @dport, @srcMac, @dstMac, @firstTs, @lastTs, @record)`);
    this.writeBatch = db.transaction((rows: FlowRecord[]) => {
      for (const r of rows) this.insertStmt.run({ ...r, record: JSON.stringify(r) });
    });
  }

  /** Queues an ended flow; written at the next flush. */
  add(r: FlowRecord): void {
    this.pending.push(r);
  }

  /**
   * Writes the queued flows in one transaction and prunes past the cap. With the daemon's storage
   * guard a full disk loses this batch (counted by the guard, table `flows`) instead of throwing.
   */
  flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending.splice(0);
    if (!storeWrite(this.db, 'flows', () => this.writeBatch(rows), rows.length)) return;
    this.written += rows.length;
    if (this.maxRows <= 0) return;
    storeWrite(this.db, 'flows', () => {
      const last = (this.db.prepare('SELECT max(seq) AS m FROM flows').get() as { m: number | null }).m ?? 0;
      this.pruned += this.db.prepare('DELETE FROM flows WHERE seq <= ?').run(last - this.maxRows).changes;
    }, 0);
  }

  /** One page of ended flows matching `f`, newest first, and the cursor of the next page. */
  query(f: FlowFilter): { items: StoredFlow[]; next: number | null } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.device !== undefined) { where.push('(src_mac = ? OR dst_mac = ?)'); args.push(f.device, f.device); }
    if (f.proto !== undefined) { where.push('proto = ?'); args.push(f.proto); }
    if (f.host !== undefined) { where.push('(src = ? OR dst = ?)'); args.push(f.host, f.host); }
    if (f.port !== undefined) { where.push('(sport = ? OR dport = ?)'); args.push(f.port, f.port); }
    if (f.since !== undefined) { where.push('last_ts >= ?'); args.push(f.since); }
    if (f.until !== undefined) { where.push('last_ts < ?'); args.push(f.until); }
    if (f.before !== undefined) { where.push('seq < ?'); args.push(f.before); }
    const limit = Math.max(1, Math.min(f.limit ?? 100, 1000));
    const rows = this.db.prepare(`SELECT seq, record FROM flows ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...args, limit + 1) as { seq: number; record: string }[];
    const items = rows.slice(0, limit).map((r) => ({ ...(JSON.parse(r.record) as FlowRecord), seq: r.seq }));
    return { items, next: rows.length > limit ? items.at(-1)!.seq : null };
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM flows').get() as { n: number }).n;
  }
}
