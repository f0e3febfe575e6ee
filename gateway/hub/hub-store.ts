// The hub's SQLite store: the sites it has heard from, every site's alerts (the latest copy of each,
// by rev) and the ids of records seen (to count and drop repeats). A batch from the stream is
// stored in one transaction; storing the same batch again changes nothing, which is what lets the
// consumer acknowledge only after the commit: a batch delivered twice is absorbed here.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import { HubEntities, alertTerms, type HubItem, type HubListFilter } from './hub-entities.js';
import { alertFields, type HubRecord } from './hub-record.js';
import { latestCopy, type RowChange } from './latest-copy.js';
import { HubTerms } from './hub-terms.js';
import { HubTraffic, type SiteState } from './hub-traffic.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sites (
  site        TEXT PRIMARY KEY,
  first_heard TEXT NOT NULL,           -- when the hub stored the site's first record, ISO-8601
  last_heard  TEXT NOT NULL,           -- when it stored its latest, ISO-8601
  last_seq    INTEGER NOT NULL,        -- highest outbox sequence of the site's records stored
  last_at     TEXT,                    -- the 'at' of that record (the gateway's clock)
  stream_seq  INTEGER NOT NULL,        -- highest stream sequence of the site's records stored
  records     INTEGER NOT NULL,        -- distinct records stored (repeats not counted)
  version     TEXT                     -- the gateway's version, when a record carried one
);
CREATE TABLE IF NOT EXISTS hub_alerts (
  site     TEXT NOT NULL,
  id       TEXT NOT NULL,              -- the alert's id at its site
  rule     TEXT NOT NULL,
  severity TEXT NOT NULL,
  device   TEXT,
  last_ts  TEXT NOT NULL,
  status   TEXT NOT NULL,
  rev      INTEGER NOT NULL,           -- the site's rev: a copy with a higher rev replaces this one
  seq      INTEGER NOT NULL,           -- outbox sequence of the record that wrote this copy
  data     TEXT NOT NULL,              -- the StoredAlert JSON as the site sent it
  UNIQUE (site, id)
);
-- A rowid table, not WITHOUT ROWID keyed by (site, id): its rows hold the alert's JSON (~700 bytes),
-- too wide for a clustered key (SQLite's guidance: under a twentieth of a page); inserts were slower.
CREATE INDEX IF NOT EXISTS hub_alerts_last_ts ON hub_alerts (last_ts, site, id);
CREATE INDEX IF NOT EXISTS hub_alerts_rule ON hub_alerts (rule, last_ts);
CREATE TABLE IF NOT EXISTS hub_records (
  -- Arrival order: the oldest are forgotten first. A plain rowid, not AUTOINCREMENT (one write less
  -- a record): pruning never removes the newest row, so the next n is still above every other.
  n    INTEGER PRIMARY KEY,
  site TEXT NOT NULL,
  id   TEXT NOT NULL,                  -- the record id (Nats-Msg-Id)
  kind TEXT NOT NULL,
  seq  INTEGER NOT NULL,
  UNIQUE (site, id)
);
`;

/** What one stored batch did. */
export interface BatchResult {
  /** Records not seen before (counted in their site's `records`). */
  stored: number;
  /** Records seen before (by site and record id): nothing changed. */
  repeats: number;
  /** Alert rows inserted or replaced by a higher rev. */
  alertsChanged: number;
  /** Rows of alerts, devices, incidents and logs this batch inserted or replaced, in stream order (the hub's stream sends them). */
  changed: HubChange[];
  /** Sites whose row (on the sites page) this batch changed. */
  sites: string[];
}

/** One row a batch inserted (`new`) or replaced with a newer copy (`updated`). */
export interface HubChange {
  kind: 'alert' | 'device' | 'incident' | 'log';
  site: string;
  change: 'new' | 'updated';
  /** The record's data as the site sent it (a StoredAlert, a device view, an incident, a log record). */
  data: unknown;
  /** `data` as JSON text when the store made it already (alerts), so the stream does not encode it again. */
  json?: string;
}

/**
 * Stores one record of a kind this file does not know (the `ack` of a command), inside the batch's
 * transaction; a throw rolls the whole batch back. Registered with HubStore.registerKind.
 */
export type KindStorer = (record: HubRecord) => void;

/** A site as GET /api/v1/sites lists it (lag and alert counts are added by the caller). */
export interface SiteRow {
  site: string;
  firstHeard: string;
  lastHeard: string;
  lastSeq: number;
  lastAt: string | null;
  streamSeq: number;
  records: number;
  version: string | null;
}

/** Filters of a hub alert listing. */
export interface HubAlertFilter {
  site?: string;
  rule?: string;
  severity?: string;
  /** Triage status (open, acknowledged, resolved). */
  status?: string;
  /** At most this many (1–1000, default 100). */
  limit?: number;
  /** Cursor: the `next` of the previous page. */
  before?: string;
}

/** An alert as the hub lists it: the site's StoredAlert JSON with `site` beside it. */
export type HubAlert = Record<string, unknown> & { site: string };

/** A page of alerts, newest last_ts first, and the cursor of the next page (null: the last page). */
export interface HubAlertPage {
  items: HubAlert[];
  next: string | null;
}

/** Store settings. */
export interface HubStoreOptions {
  /** Record ids remembered for dedup; the oldest go first. Default 200000. */
  dedupRecords: number;
  /** Edge-log records kept (every site together); the oldest go first. Default 100000. */
  logRows: number;
  /** Per-minute traffic summaries kept (every site together); the oldest go first. Default 100000. */
  trafficRows: number;
  /** Clock, ms. Default Date.now. */
  now: () => number;
}

/** The hub's tables in its SQLite file. */
export class HubStore {
  private readonly opts: HubStoreOptions;
  private readonly seenStmt: Statement;
  private readonly siteStmt: Statement;
  private readonly storeAlertRow: (row: Record<string, unknown>) => RowChange;
  private readonly pruneStmt: Statement;
  private readonly alertJsonStmt: Statement;
  private readonly storeTx: (records: readonly HubRecord[]) => BatchResult;
  /** The search index (hub-terms.ts). */
  readonly terms: HubTerms;
  /** Devices, incidents, logs (hub-entities.ts). */
  readonly entities: HubEntities;
  /** Traffic summaries and each site's gateway state (hub-traffic.ts). */
  readonly traffic: HubTraffic;
  private readonly kinds = new Map<string, KindStorer>();
  private readonly observers = new Set<(result: BatchResult) => void>();
  private readonly inTransaction = new Set<(result: BatchResult) => void>();

  constructor(readonly db: Db, options: Partial<HubStoreOptions> = {}) {
    this.opts = { dedupRecords: 200_000, logRows: 100_000, trafficRows: 100_000, now: Date.now, ...options };
    db.exec(SCHEMA);
    this.terms = new HubTerms(db);
    this.entities = new HubEntities(db, this.terms);
    this.traffic = new HubTraffic(db, this.terms);
    this.seenStmt = db.prepare('INSERT INTO hub_records (site, id, kind, seq) VALUES (?, ?, ?, ?) ON CONFLICT (site, id) DO NOTHING');
    this.siteStmt = db.prepare(`INSERT INTO sites (site, first_heard, last_heard, last_seq, last_at, stream_seq, records, version)
      VALUES (@site, @now, @now, @seq, @at, @streamSeq, @records, @version)
      ON CONFLICT (site) DO UPDATE SET last_heard = @now, records = records + @records,
        last_at = CASE WHEN @seq > last_seq THEN @at ELSE last_at END,
        last_seq = max(last_seq, @seq), stream_seq = max(stream_seq, @streamSeq),
        version = coalesce(@version, version)`);
    // The copy with the higher rev wins (an equal rev is the same copy: nothing changes).
    this.storeAlertRow = latestCopy(db, 'hub_alerts', ['site', 'id'], ['rule', 'severity', 'device', 'last_ts', 'status', 'rev', 'seq', 'data'], 'rev < @rev');
    this.alertJsonStmt = db.prepare('SELECT data FROM hub_alerts WHERE site = ? AND id = ?');
    this.pruneStmt = db.prepare('DELETE FROM hub_records WHERE n <= (SELECT max(n) FROM hub_records) - ?');
    this.storeTx = db.transaction((records: readonly HubRecord[]) => this.storeAll(records));
  }

  /**
   * Stores a batch in one transaction, in the order given (stream order). A record whose (site, id)
   * was seen is skipped; an alert record upserts its alert (higher rev wins), so even a repeat the
   * dedup table forgot changes nothing. Throws only on a storage fault (nothing is then stored).
   */
  storeBatch(records: readonly HubRecord[]): BatchResult {
    let result: BatchResult;
    try {
      result = this.storeTx(records);
    } catch (e) {
      // Rolled back: the search index's memory of its writes no longer holds.
      this.terms.forgetWrites();
      throw e;
    }
    // Committed: tell the observers (the hub's stream). One that throws must not undo the batch.
    for (const o of this.observers) {
      try { o(result); } catch { /* an observer's fault is its own */ }
    }
    return result;
  }

  /** Calls `fn` after each committed batch (synchronously, before the consumer acknowledges it). Returns the way to stop. */
  /**
   * Adds a writer called at the end of each batch, inside its transaction (the stream's journal: its
   * rows commit with the batch). A throw there undoes the batch.
   */
  observeInTransaction(fn: (result: BatchResult) => void): void {
    this.inTransaction.add(fn);
  }

  observe(fn: (result: BatchResult) => void): () => void {
    this.observers.add(fn);
    return () => { this.observers.delete(fn); };
  }

  /** Stores records of `kind` (one this store does not know, e.g. `ack`) with `storer`, inside each batch's transaction. */
  registerKind(kind: string, storer: KindStorer): void {
    this.kinds.set(kind, storer);
  }

  private storeAll(records: readonly HubRecord[]): BatchResult {
    const now = new Date(this.opts.now()).toISOString();
    const out: BatchResult = { stored: 0, repeats: 0, alertsChanged: 0, changed: [], sites: [] };
    // One sites row update per site and batch: its highest seq (with that record's time), highest
    // stream position, the records it added, the last version given.
    const sites = new Map<string, { seq: number; at: string; streamSeq: number; records: number; version: string | null }>();
    let logs = false;
    let traffic = false;
    for (const r of records) {
      if (this.seenStmt.run(r.site, r.id, r.kind, r.seq).changes === 0) { out.repeats++; continue; }
      out.stored++;
      const st = sites.get(r.site);
      if (st === undefined) sites.set(r.site, { seq: r.seq, at: r.at, streamSeq: r.streamSeq, records: 1, version: r.version });
      else {
        st.records++;
        if (r.seq > st.seq) { st.seq = r.seq; st.at = r.at; }
        if (r.streamSeq > st.streamSeq) st.streamSeq = r.streamSeq;
        if (r.version !== null) st.version = r.version;
      }
      const kind: string = r.kind;
      switch (kind) {
        case 'alert': {
          const a = alertFields(r.data)!;
          const row = { site: r.site, ...a, seq: r.seq, data: JSON.stringify(r.data) };
          const change = this.storeAlertRow(row);
          if (change !== null) {
            out.alertsChanged++;
            this.terms.put(alertTerms(r.site, r.data));
            out.changed.push({ kind: 'alert', site: r.site, change, data: r.data, json: row.data });
          }
          break;
        }
        case 'device': {
          const c = this.entities.storeDevice(r);
          if (c !== null) out.changed.push({ kind: 'device', site: r.site, change: c, data: r.data });
          break;
        }
        case 'incident': {
          const c = this.entities.storeIncident(r);
          if (c !== null) out.changed.push({ kind: 'incident', site: r.site, change: c, data: r.data });
          break;
        }
        case 'log': {
          const c = this.entities.storeLog(r);
          logs = true;
          if (c !== null) out.changed.push({ kind: 'log', site: r.site, change: c, data: r.data });
          break;
        }
        case 'traffic':
          this.traffic.store(r);
          traffic = true;
          break;
        default:
          this.kinds.get(kind)?.(r);
      }
    }
    this.terms.flush();
    for (const [site, st] of sites) this.siteStmt.run({ site, now, ...st });
    if (out.stored > 0) this.pruneStmt.run(this.opts.dedupRecords);
    if (logs) this.entities.pruneLogs(this.opts.logRows);
    if (traffic) this.traffic.prune(this.opts.trafficRows);
    out.sites = [...sites.keys()];
    for (const w of this.inTransaction) w(out);
    return out;
  }

  /** Devices (latest view per site and MAC), by site then MAC. */
  devices(f: HubListFilter = {}): HubItem[] {
    return this.entities.devices(f);
  }

  /** Incidents (latest copy per site and id), most recent activity first. */
  incidents(f: HubListFilter = {}): HubItem[] {
    return this.entities.incidents(f);
  }

  /** Edge-log records, newest first. */
  logs(f: HubListFilter = {}): HubItem[] {
    return this.entities.logs(f);
  }

  /** Each site's gateway state (outbox depth, health) from its latest traffic record. */
  siteStates(): Map<string, SiteState> {
    return this.traffic.states();
  }

  /** Every site, by name. */
  sites(): SiteRow[] {
    return (this.db.prepare('SELECT * FROM sites ORDER BY site').all() as {
      site: string; first_heard: string; last_heard: string; last_seq: number; last_at: string | null; stream_seq: number; records: number; version: string | null;
    }[]).map((r) => ({ site: r.site, firstHeard: r.first_heard, lastHeard: r.last_heard, lastSeq: r.last_seq, lastAt: r.last_at, streamSeq: r.stream_seq, records: r.records, version: r.version }));
  }

  /** Alerts per site and severity: site → severity → count. */
  alertCounts(): Map<string, Record<string, number>> {
    const m = new Map<string, Record<string, number>>();
    for (const r of this.db.prepare('SELECT site, severity, count(*) AS n FROM hub_alerts GROUP BY site, severity').all() as { site: string; severity: string; n: number }[]) {
      const s = m.get(r.site) ?? {};
      s[r.severity] = r.n;
      m.set(r.site, s);
    }
    return m;
  }

  /** One site's alerts by severity (a range of the primary key, not the whole table). */
  alertCountsOf(site: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db.prepare('SELECT severity, count(*) AS n FROM hub_alerts WHERE site = ? GROUP BY severity').all(site) as { severity: string; n: number }[]) out[r.severity] = r.n;
    return out;
  }

  /** The JSON of the alert `id` of `site` as stored (its latest copy), or null when the hub has none. */
  alertJson(site: string, id: string): string | null {
    const row = this.alertJsonStmt.get(site, id) as { data: string } | undefined;
    return row === undefined ? null : row.data;
  }

  /** A page of alerts, newest last_ts first (then site, id, descending), each with its site. */
  alerts(f: HubAlertFilter = {}): HubAlertPage {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.site !== undefined) { where.push('site = ?'); args.push(f.site); }
    if (f.rule !== undefined) { where.push('rule = ?'); args.push(f.rule); }
    if (f.severity !== undefined) { where.push('severity = ?'); args.push(f.severity); }
    if (f.status !== undefined) { where.push('status = ?'); args.push(f.status); }
    if (f.before !== undefined) {
      const c = decodeCursor(f.before);
      if (c === null) throw new RangeError('before: not a cursor of this API');
      where.push('(last_ts, site, id) < (?, ?, ?)');
      args.push(...c);
    }
    const limit = Math.min(Math.max(f.limit ?? 100, 1), 1000);
    const rows = this.db.prepare(`SELECT site, id, last_ts, data FROM hub_alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY last_ts DESC, site DESC, id DESC LIMIT ?`).all(...args, limit + 1) as { site: string; id: string; last_ts: string; data: string }[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ ...(JSON.parse(r.data) as Record<string, unknown>), site: r.site })),
      next: rows.length > limit && last !== undefined ? encodeCursor([last.last_ts, last.site, last.id]) : null,
    };
  }
}

function encodeCursor(c: [string, string, string]): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): [string, string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string') ? v as [string, string, string] : null;
  } catch {
    return null;
  }
}
