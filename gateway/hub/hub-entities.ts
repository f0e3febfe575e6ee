// The hub's copies of each site's devices (latest view per MAC), incidents (latest per id) and edge
// logs (a bounded window, oldest out first), with the search terms each one adds. The data comes
// from a site, so every field read is checked; a record whose data lacks its key is kept out of
// these tables (it still counts among its site's records). Writes run inside the store's batch transaction.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import type { HubRecord } from './hub-record.js';
import { addressKey, domainKey, fingerprintKey, macKey, nameKey, type HubTerms, type Term, type TermKind, type TermSource } from './hub-terms.js';
import { latestCopy, type RowChange } from './latest-copy.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_devices (
  site      TEXT NOT NULL,
  mac       TEXT NOT NULL,
  vendor    TEXT,
  hostname  TEXT,
  ips       TEXT NOT NULL,            -- the device's addresses, blank-separated
  last_seen TEXT,                     -- the device's lastSeen (the site's time)
  at        TEXT NOT NULL,            -- 'at' of the record that wrote this copy (the gateway's clock)
  seq       INTEGER NOT NULL,         -- its outbox sequence: (at, seq) orders a site's copies
  data      TEXT NOT NULL,            -- the device view JSON as the site sent it
  PRIMARY KEY (site, mac)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hub_incidents (
  site     TEXT NOT NULL,
  id       TEXT NOT NULL,
  severity TEXT,
  state    TEXT,
  last_ts  TEXT NOT NULL,
  at       TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  data     TEXT NOT NULL,
  PRIMARY KEY (site, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hub_incidents_last_ts ON hub_incidents (last_ts, site, id);
CREATE TABLE IF NOT EXISTS hub_logs (
  n         INTEGER PRIMARY KEY AUTOINCREMENT, -- arrival order: the oldest go first
  site      TEXT NOT NULL,
  id        TEXT NOT NULL,            -- the record id
  ts        TEXT NOT NULL,
  device    TEXT,
  source_ip TEXT,
  host      TEXT,
  data      TEXT NOT NULL,
  UNIQUE (site, id)
);
CREATE INDEX IF NOT EXISTS hub_logs_site ON hub_logs (site, n);
`;

export type { RowChange } from './latest-copy.js';

/** A device, incident or log as the hub lists it: the site's JSON with `site` beside it. */
export type HubItem = Record<string, unknown> & { site: string };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
/** A string field of at most `max` characters, else null. */
const str = (v: unknown, max = 255): string | null => (typeof v === 'string' && v !== '' && v.length <= max ? v : null);
const strings = (v: unknown, most: number): string[] => (Array.isArray(v) ? v.slice(0, most).map((x) => str(x, 64)).filter((x): x is string => x !== null) : []);

/** A term of `source` at `site`, or null when `value` does not normalize. */
function term(kind: TermKind, value: string | null, normalize: (s: string) => string | null, base: Omit<Term, 'kind' | 'key'>): Term | null {
  if (value === null) return null;
  const key = normalize(value);
  return key === null ? null : { kind, key, ...base };
}

const nonNull = <T>(x: T | null): x is T => x !== null;

/** Evidence fields that may name a domain (the alert's own `sni` aside). */
const EVIDENCE_NAMES = ['name', 'domain', 'qname', 'resolvedFrom', 'host', 'hostname'];

/** The search terms of an alert (a StoredAlert as a site sent it). */
export function alertTerms(site: string, data: unknown): Term[] {
  const a = obj(data);
  const id = str(a?.id, 200);
  if (a === null || id === null) return [];
  const base = {
    site, source: 'alert' as TermSource, ref: '', item: id,
    summary: `${str(a.rule) ?? 'alert'} (${str(a.severity) ?? '?'}): ${str(a.message, 2000) ?? ''}`,
    lastSeen: str(a.lastTs) ?? str(a.ts) ?? '',
  };
  const ev = obj(a.evidence);
  const names = [str(a.sni), ...EVIDENCE_NAMES.map((k) => str(ev?.[k]))].filter((x): x is string => x !== null && x.includes('.'));
  return [
    term('address', str(a.src, 64), addressKey, base),
    term('address', str(a.dst, 64), addressKey, base),
    term('mac', str(a.device, 64), macKey, base),
    term('fingerprint', str(a.ja4, 80), fingerprintKey, base),
    ...[...new Set(names)].map((n) => term('domain', n, domainKey, base)),
  ].filter(nonNull);
}

function deviceTerms(site: string, d: Obj, mac: string, lastSeen: string): Term[] {
  const ips = strings(d.ips, 32);
  const vendor = str(d.vendor);
  const hostname = str(d.hostname);
  const base = {
    site, source: 'device' as TermSource, ref: mac, item: mac, lastSeen,
    summary: `${hostname ?? vendor ?? 'device'} ${mac}${vendor !== null && hostname !== null ? ` (${vendor})` : ''}${ips.length > 0 ? ` ${ips.join(', ')}` : ''}`,
  };
  return [
    term('mac', mac, macKey, base),
    term('vendor', vendor, nameKey, base),
    term('host', hostname, nameKey, base),
    ...ips.map((ip) => term('address', ip, addressKey, base)),
  ].filter(nonNull);
}

interface LogRow { site: string; id: string; ts: string; device: string | null; source_ip: string | null; host: string | null }

function logTerms(r: LogRow, summary: string): Term[] {
  const base = { site: r.site, source: 'log' as TermSource, ref: '', item: r.id, summary, lastSeen: r.ts };
  return [
    term('address', r.source_ip, addressKey, base),
    term('mac', r.device, macKey, base),
    term('host', r.host, nameKey, base),
  ].filter(nonNull);
}

/** Filter of the device, incident and log listings. */
export interface HubListFilter {
  site?: string;
  /** At most this many (1–10000; default 1000 devices, 100 incidents and logs). */
  limit?: number;
}

/** Devices, incidents and logs of every site. */
export class HubEntities {
  private readonly storeDeviceRow: (row: Record<string, unknown>) => RowChange;
  private readonly storeIncidentRow: (row: Record<string, unknown>) => RowChange;
  private readonly logInsert: Statement;
  private readonly logOldest: Statement;
  private readonly logPrune: Statement;

  constructor(private readonly db: Db, private readonly terms: HubTerms) {
    db.exec(SCHEMA);
        this.storeDeviceRow = latestCopy(db, 'hub_devices', ['site', 'mac'], ['vendor', 'hostname', 'ips', 'last_seen', 'at', 'seq', 'data']);
    this.storeIncidentRow = latestCopy(db, 'hub_incidents', ['site', 'id'], ['severity', 'state', 'last_ts', 'at', 'seq', 'data']);
    this.logInsert = db.prepare(`INSERT INTO hub_logs (site, id, ts, device, source_ip, host, data)
      VALUES (@site, @id, @ts, @device, @sourceIp, @host, @data) ON CONFLICT (site, id) DO NOTHING`);
    this.logPrune = db.prepare('DELETE FROM hub_logs WHERE n <= (SELECT max(n) FROM hub_logs) - ? RETURNING site');
    this.logOldest = db.prepare('SELECT ts FROM hub_logs WHERE site = ? ORDER BY n LIMIT 1');
  }

  /** Stores a device record (data: the device view); null when nothing changed or the data has no MAC. */
  storeDevice(r: HubRecord): RowChange {
    const d = obj(r.data);
    const mac = str(d?.mac, 17)?.toLowerCase() ?? null;
    if (d === null || mac === null || macKey(mac) === null) return null;
    const lastSeen = str(d.lastSeen) ?? r.at;
    const change = this.storeDeviceRow({
      site: r.site, mac, vendor: str(d.vendor), hostname: str(d.hostname), ips: strings(d.ips, 32).join(' '),
      lastSeen, at: r.at, seq: r.seq, data: JSON.stringify(r.data),
    });
    if (change !== null) this.terms.put(deviceTerms(r.site, d, mac, lastSeen));
    return change;
  }

  /** Stores an incident record (data: the incident); null when nothing changed or the data has no id. */
  storeIncident(r: HubRecord): RowChange {
    const i = obj(r.data);
    const id = typeof i?.id === 'number' ? String(i.id) : str(i?.id, 200);
    if (i === null || id === null) return null;
    return this.storeIncidentRow({
      site: r.site, id, severity: str(i.severity), state: str(i.state), lastTs: str(i.lastTs) ?? r.at, at: r.at, seq: r.seq, data: JSON.stringify(r.data),
    });
  }

  /** Stores an edge-log record once by its record id; null when it was there already. */
  storeLog(r: HubRecord): RowChange {
    const l = obj(r.data);
    if (l === null) return null;
    const row: LogRow = { site: r.site, id: r.id, ts: str(l.ts) ?? r.at, device: str(l.device, 17), source_ip: str(l.sourceIp, 64), host: str(l.host) };
    if (this.logInsert.run({ ...row, sourceIp: row.source_ip, data: JSON.stringify(r.data) }).changes === 0) return null;
    this.terms.put(logTerms(row, logSummary(l)));
    return 'new';
  }

  /**
   * Keeps the newest `maxRows` logs. For each site that lost some, its log terms last seen before
   * its oldest kept record go too. Returns how many records went.
   */
  pruneLogs(maxRows: number): number {
    const gone = this.logPrune.all(maxRows) as { site: string }[];
    for (const site of new Set(gone.map((g) => g.site))) {
      const oldest = this.logOldest.get(site) as { ts: string } | undefined;
      // No record left: every log term of the site goes ('\uffff' sorts after any time).
      this.terms.dropOlder('log', site, oldest?.ts ?? '\uffff');
    }
    return gone.length;
  }

  /** Devices, by site then MAC, each with its site. */
  devices(f: HubListFilter = {}): HubItem[] {
    return this.list('SELECT site, data FROM hub_devices', 'ORDER BY site, mac', f, 1000);
  }

  /** Incidents, most recent activity (lastTs) first, each with its site. */
  incidents(f: HubListFilter = {}): HubItem[] {
    return this.list('SELECT site, data FROM hub_incidents', 'ORDER BY last_ts DESC, site, id', f, 100);
  }

  /** Edge-log records, newest stored first, each with its site. */
  logs(f: HubListFilter = {}): HubItem[] {
    return this.list('SELECT site, data FROM hub_logs', 'ORDER BY n DESC', f, 100);
  }

  private list(select: string, order: string, f: HubListFilter, defaultLimit: number): HubItem[] {
    const limit = Math.min(Math.max(f.limit ?? defaultLimit, 1), 10_000);
    const where = f.site !== undefined ? 'WHERE site = ?' : '';
    const args: unknown[] = f.site !== undefined ? [f.site, limit] : [limit];
    return (this.db.prepare(`${select} ${where} ${order} LIMIT ?`).all(...args) as { site: string; data: string }[])
      .map((r) => ({ ...(JSON.parse(r.data) as Obj), site: r.site }));
  }
}

function logSummary(l: Obj): string {
  return `${str(l.severity) ?? 'log'}${str(l.app) !== null ? ` ${str(l.app)}` : ''}: ${str(l.message, 2000) ?? ''}`;
}
