// The hub's per-minute traffic summaries (kind `traffic`, one per site and minute: totals, top
// peers, TLS fingerprints, devices, and the gateway's own state) and each site's latest gateway
// state (outbox depth, health) read from them. Peers, domains, JA4 fingerprints and device MACs go
// to the search index; summaries are bounded by rows, and a site's traffic terms older than its
// oldest kept minute go with them. Writes run inside the store's batch transaction.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import type { HubRecord } from './hub-record.js';
import { addressKey, domainKey, fingerprintKey, macKey, type HubTerms, type Term, type TermKind } from './hub-terms.js';
import { latestCopy, type RowChange } from './latest-copy.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_traffic (
  n       INTEGER PRIMARY KEY AUTOINCREMENT, -- arrival order: the oldest go first
  site    TEXT NOT NULL,
  minute  TEXT NOT NULL,                     -- ISO start of the minute (the site's time)
  at      TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  bytes   INTEGER NOT NULL,
  flows   INTEGER NOT NULL,
  data    TEXT NOT NULL,                     -- the TrafficSummary JSON as the site sent it
  UNIQUE (site, minute)
);
CREATE TABLE IF NOT EXISTS hub_site_state (
  site         TEXT PRIMARY KEY,
  at           TEXT NOT NULL,                -- 'at' of the record that said it
  seq          INTEGER NOT NULL,
  outbox_depth INTEGER,
  health       TEXT,                         -- 'ok' | 'degraded' as the gateway said
  capture_loss REAL,                         -- percent, or null
  version      TEXT
) WITHOUT ROWID;
`;

/** A site's gateway state, from its latest traffic record. */
export interface SiteState {
  outboxDepth: number | null;
  health: 'ok' | 'degraded' | null;
  captureLossPercent: number | null;
  /** The gateway's version, as its latest summary that gave one said. */
  version: string | null;
  /** When the gateway made that record (its clock). */
  at: string;
}

/** Entries of each list indexed, at most (the contract sends the top 50). */
const MOST = 100;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown, max = 255): string | null => (typeof v === 'string' && v !== '' && v.length <= max ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.slice(0, MOST).map(obj).filter((x): x is Obj => x !== null) : []);

/** The search terms of one traffic summary. */
function trafficTerms(site: string, item: string, minute: string, s: Obj): Term[] {
  const out: Term[] = [];
  const add = (kind: TermKind, value: string | null, normalize: (x: string) => string | null, summary: string): void => {
    const key = value === null ? null : normalize(value);
    if (key !== null) out.push({ kind, key, site, source: 'traffic', ref: '', item, summary, lastSeen: minute });
  };
  for (const p of list(s.peers)) {
    const address = str(p.address, 64);
    const domain = str(p.domain);
    const line = `peer ${address ?? '?'}${domain !== null ? ` (${domain})` : ''}: ${num(p.packets) ?? 0} packets, ${num(p.bytes) ?? 0} bytes, ${num(p.devices) ?? 0} devices in ${minute}`;
    add('address', address, addressKey, line);
    add('domain', domain, domainKey, line);
  }
  for (const t of list(s.tls)) {
    const ja4 = str(t.ja4, 80);
    const sni = str(t.sni);
    const line = `TLS ${ja4 ?? '?'}${sni !== null ? ` to ${sni}` : ''}: ${num(t.count) ?? 0} handshakes in ${minute}`;
    add('fingerprint', ja4, fingerprintKey, line);
    add('domain', sni, domainKey, line);
  }
  for (const d of list(s.devices)) {
    const mac = str(d.mac, 17);
    add('mac', mac, macKey, `device ${mac ?? '?'}: ${num(d.packets) ?? 0} packets, ${num(d.bytes) ?? 0} bytes, ${num(d.flows) ?? 0} flows, ${num(d.denied) ?? 0} denied in ${minute}`);
  }
  return out;
}

/** Traffic summaries and each site's gateway state. */
export class HubTraffic {
  private readonly storeRow: (row: Record<string, unknown>) => RowChange;
  private readonly storeState: (row: Record<string, unknown>) => RowChange;
  private readonly stateStmt: Statement;
  private readonly pruneStmt: Statement;
  private readonly oldestStmt: Statement;

  constructor(db: Db, private readonly terms: HubTerms) {
    db.exec(SCHEMA);
    this.storeRow = latestCopy(db, 'hub_traffic', ['site', 'minute'], ['at', 'seq', 'packets', 'bytes', 'flows', 'data']);
    // A state without a version keeps the one known.
    this.storeState = latestCopy(db, 'hub_site_state', ['site'], ['at', 'seq', 'outbox_depth', 'health', 'capture_loss', 'version'],
      undefined, { version: 'coalesce(@version, version)' });
    this.stateStmt = db.prepare('SELECT site, at, outbox_depth, health, capture_loss, version FROM hub_site_state');
    this.pruneStmt = db.prepare('DELETE FROM hub_traffic WHERE n <= (SELECT max(n) FROM hub_traffic) - ? RETURNING site');
    this.oldestStmt = db.prepare('SELECT min(minute) AS minute FROM hub_traffic WHERE site = ?');
  }

  /**
   * Stores a traffic record (data: a TrafficSummary): the minute's row, the site's gateway state,
   * the search terms. Returns whether the site's state changed (its row on the sites page), or null
   * when the data is not a summary or an as-new copy is stored already.
   */
  store(r: HubRecord): { stateChanged: boolean } | null {
    const s = obj(r.data);
    const minute = str(s?.minute, 40);
    if (s === null || minute === null) return null;
    const changed = this.storeRow({
      site: r.site, minute, at: r.at, seq: r.seq, packets: num(s.packets) ?? 0, bytes: num(s.bytes) ?? 0, flows: num(s.flows) ?? 0,
      data: JSON.stringify(r.data),
    }) !== null;
    if (!changed) return null;
    this.terms.put(trafficTerms(r.site, r.id, minute, s));
    const g = obj(s.gateway);
    if (g === null) return { stateChanged: false };
    const health = g.health === 'ok' || g.health === 'degraded' ? g.health : null;
    const stateChanged = this.storeState({
      site: r.site, at: r.at, seq: r.seq, outboxDepth: num(g.outboxDepth), health, captureLoss: num(g.captureLossPercent), version: str(g.version, 64),
    }) !== null;
    return { stateChanged };
  }

  /**
   * Keeps the newest `maxRows` summaries; for each site that lost some, its traffic terms last seen
   * before its oldest kept minute go too. Returns summaries deleted.
   */
  prune(maxRows: number): number {
    const gone = this.pruneStmt.all(maxRows) as { site: string }[];
    for (const site of new Set(gone.map((g) => g.site))) {
      const oldest = (this.oldestStmt.get(site) as { minute: string | null }).minute;
      // No summary left: every traffic term of the site goes ('\uffff' sorts after any time).
      this.terms.dropOlder('traffic', site, oldest ?? '\uffff');
    }
    return gone.length;
  }

  /** Every site's latest gateway state, by site. */
  states(): Map<string, SiteState> {
    const m = new Map<string, SiteState>();
    for (const r of this.stateStmt.all() as { site: string; at: string; outbox_depth: number | null; health: string | null; capture_loss: number | null; version: string | null }[]) {
      m.set(r.site, {
        outboxDepth: r.outbox_depth, health: r.health === 'ok' || r.health === 'degraded' ? r.health : null, captureLossPercent: r.capture_loss, version: r.version, at: r.at,
      });
    }
    return m;
  }
}
