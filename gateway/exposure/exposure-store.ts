// The exposure inventory in SQLite: per device the services it answered on (from its flows), the
// port mappings that open it to the internet (UPnP IGD, NAT-PMP, PCP, and the gateway's own nft
// forwards), and the results of each opt-in audit. The daemon writes services and mappings in
// batches from its housekeeping tick; `edgeward audit` (and POST /api/v1/exposure/audits) writes
// audit runs. No credential is ever stored: an audit result names the list a pair came from.
import type { Db } from '../store/database.js';
import type { ServiceProto } from './maintenance-services.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS exposure_services (
  mac        TEXT NOT NULL,
  proto      TEXT NOT NULL,              -- tcp, udp
  port       INTEGER NOT NULL,
  first_seen TEXT NOT NULL,              -- ISO-8601, packet time
  last_seen  TEXT NOT NULL,
  lan_peers  INTEGER NOT NULL,           -- connections accepted from LAN addresses
  wan_peers  INTEGER NOT NULL,           -- connections accepted from addresses outside the LAN
  last_wan   TEXT,                       -- when the latest of those was accepted
  PRIMARY KEY (mac, proto, port)
);
CREATE TABLE IF NOT EXISTS exposure_mappings (
  key           TEXT PRIMARY KEY,        -- what names the mapping at the router (MappingRow.key)
  mac           TEXT NOT NULL,           -- the device the mapping leads to
  via           TEXT NOT NULL,           -- upnp, natpmp, pcp, nft
  proto         TEXT NOT NULL,           -- tcp, udp
  external_port INTEGER NOT NULL,        -- 0: any / unknown
  internal_port INTEGER NOT NULL,
  internal_ip   TEXT NOT NULL,
  asked_at      TEXT NOT NULL,           -- when it was asked for (or seen in the ruleset)
  expires_at    TEXT                     -- lease end; null: until removed
);
CREATE INDEX IF NOT EXISTS exposure_mappings_mac ON exposure_mappings (mac);
CREATE TABLE IF NOT EXISTS exposure_audits (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  mac        TEXT NOT NULL,
  ip         TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at   TEXT NOT NULL,
  results    TEXT NOT NULL               -- AuditResult[] as JSON (no credential in it)
);
CREATE INDEX IF NOT EXISTS exposure_audits_mac ON exposure_audits (mac, id);
`;

/** A service a device answered on. Times ISO-8601. */
export interface ServiceRow {
  mac: string;
  proto: ServiceProto;
  port: number;
  firstSeen: string;
  lastSeen: string;
  lanPeers: number;
  wanPeers: number;
  lastWan: string | null;
}

/** How a mapping was made. */
export type MappingVia = 'upnp' | 'natpmp' | 'pcp' | 'nft';

/** A port mapping from the internet side to a device. */
export interface MappingRow {
  /**
   * What names it at the router, so a renewal replaces it and a removal finds it: UPnP IGD keys a
   * mapping by protocol and external port (DeletePortMapping names no more), NAT-PMP and PCP by the
   * internal address, protocol and internal port (RFC 6886 §3.3, RFC 6887 §11), nft by its rule.
   */
  key: string;
  mac: string;
  via: MappingVia;
  proto: ServiceProto;
  /** 0 when any or unknown. */
  externalPort: number;
  internalPort: number;
  internalIp: string;
  askedAt: string;
  /** Lease end, ISO-8601; null: until removed. */
  expiresAt: string | null;
}

/** An audited protocol. */
export type AuditService = 'telnet' | 'ssh' | 'http';

/**
 * How one service took the audit: `default-accepted` a pair of a list logged in (the audit stopped
 * there), `not-accepted` every pair tried was refused, `closed` nothing answers on the port,
 * `not-offered` something answers but not this protocol's login (an HTTP page without Basic auth),
 * `error` the audit could not finish (timeouts, resets): `detail` says why.
 */
export type AuditOutcome = 'default-accepted' | 'not-accepted' | 'closed' | 'not-offered' | 'error';

/** One service's result. */
export interface AuditResult {
  service: AuditService;
  port: number;
  outcome: AuditOutcome;
  /** The list of the pair that logged in (default-accepted only), never the pair. */
  list: string | null;
  /** Pairs tried. */
  tried: number;
  /** Why it ended so (error), or what answered (not-offered); no credential. */
  detail: string | null;
}

/** One device's audit. */
export interface AuditRun {
  mac: string;
  ip: string;
  startedAt: string;
  endedAt: string;
  results: AuditResult[];
}

/** An audit run as kept, with its id. */
export interface StoredAuditRun extends AuditRun {
  id: number;
}

interface ServiceDbRow { mac: string; proto: ServiceProto; port: number; first_seen: string; last_seen: string; lan_peers: number; wan_peers: number; last_wan: string | null }
interface MappingDbRow { key: string; mac: string; via: MappingVia; proto: ServiceProto; external_port: number; internal_port: number; internal_ip: string; asked_at: string; expires_at: string | null }
interface AuditDbRow { id: number; mac: string; ip: string; started_at: string; ended_at: string; results: string }

/** The exposure tables of the gateway's database. */
export class ExposureStore {
  private readonly upsertService;
  private readonly upsertMapping;
  private readonly deleteMapping;
  private readonly insertAudit;

  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
    // Counts and times come from the tracker, which restored them from here at start: its row wins.
    this.upsertService = db.prepare(`INSERT INTO exposure_services (mac, proto, port, first_seen, last_seen, lan_peers, wan_peers, last_wan)
      VALUES (@mac, @proto, @port, @firstSeen, @lastSeen, @lanPeers, @wanPeers, @lastWan)
      ON CONFLICT (mac, proto, port) DO UPDATE SET first_seen = min(first_seen, @firstSeen), last_seen = max(last_seen, @lastSeen),
        lan_peers = max(lan_peers, @lanPeers), wan_peers = max(wan_peers, @wanPeers), last_wan = coalesce(@lastWan, last_wan)`);
    this.upsertMapping = db.prepare(`INSERT INTO exposure_mappings (key, mac, via, proto, external_port, internal_port, internal_ip, asked_at, expires_at)
      VALUES (@key, @mac, @via, @proto, @externalPort, @internalPort, @internalIp, @askedAt, @expiresAt)
      ON CONFLICT (key) DO UPDATE SET mac = @mac, via = @via, proto = @proto, external_port = @externalPort, internal_port = @internalPort,
        internal_ip = @internalIp, asked_at = @askedAt, expires_at = @expiresAt`);
    this.deleteMapping = db.prepare('DELETE FROM exposure_mappings WHERE key = ?');
    this.insertAudit = db.prepare('INSERT INTO exposure_audits (mac, ip, started_at, ended_at, results) VALUES (?, ?, ?, ?, ?)');
  }

  /** Stores services (one transaction). */
  putServices(rows: readonly ServiceRow[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => { for (const r of rows) this.upsertService.run(r); })();
  }

  /** Services, of one device or all, by device then transport and port. */
  services(mac?: string): ServiceRow[] {
    const rows = (mac === undefined
      ? this.db.prepare('SELECT * FROM exposure_services ORDER BY mac, proto, port').all()
      : this.db.prepare('SELECT * FROM exposure_services WHERE mac = ? ORDER BY proto, port').all(mac)) as ServiceDbRow[];
    return rows.map((r) => ({ mac: r.mac, proto: r.proto, port: r.port, firstSeen: r.first_seen, lastSeen: r.last_seen, lanPeers: r.lan_peers, wanPeers: r.wan_peers, lastWan: r.last_wan }));
  }

  /** Adds or renews a mapping. */
  putMapping(m: MappingRow): void {
    this.upsertMapping.run(m);
  }

  /** Removes the mapping `key`; true when there was one. */
  removeMapping(key: string): boolean {
    return this.deleteMapping.run(key).changes > 0;
  }

  /** Replaces every mapping made `via` (the nft forwards, read whole from the ruleset each time). */
  replaceMappings(via: MappingVia, rows: readonly MappingRow[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM exposure_mappings WHERE via = ?').run(via);
      for (const r of rows) this.upsertMapping.run({ ...r, via });
    })();
  }

  /** Mappings, of one device or all. */
  mappings(mac?: string): MappingRow[] {
    const rows = (mac === undefined
      ? this.db.prepare('SELECT * FROM exposure_mappings ORDER BY mac, proto, external_port').all()
      : this.db.prepare('SELECT * FROM exposure_mappings WHERE mac = ? ORDER BY proto, external_port').all(mac)) as MappingDbRow[];
    return rows.map((r) => ({ key: r.key, mac: r.mac, via: r.via, proto: r.proto, externalPort: r.external_port, internalPort: r.internal_port, internalIp: r.internal_ip, askedAt: r.asked_at, expiresAt: r.expires_at }));
  }

  /** Keeps one device's audit; returns its id. */
  recordAudit(run: AuditRun): number {
    return Number(this.insertAudit.run(run.mac, run.ip, run.startedAt, run.endedAt, JSON.stringify(run.results)).lastInsertRowid);
  }

  /** Audit runs, newest first: of one device, or of all; at most `limit`. */
  audits(mac?: string, limit = 100): StoredAuditRun[] {
    const rows = (mac === undefined
      ? this.db.prepare('SELECT * FROM exposure_audits ORDER BY id DESC LIMIT ?').all(limit)
      : this.db.prepare('SELECT * FROM exposure_audits WHERE mac = ? ORDER BY id DESC LIMIT ?').all(mac, limit)) as AuditDbRow[];
    return rows.map((r) => ({ id: r.id, mac: r.mac, ip: r.ip, startedAt: r.started_at, endedAt: r.ended_at, results: JSON.parse(r.results) as AuditResult[] }));
  }

  /** The latest audit of each device that has one: mac → run. */
  latestAudits(): Map<string, StoredAuditRun> {
    const rows = this.db.prepare('SELECT * FROM exposure_audits WHERE id IN (SELECT max(id) FROM exposure_audits GROUP BY mac)').all() as AuditDbRow[];
    return new Map(rows.map((r) => [r.mac, { id: r.id, mac: r.mac, ip: r.ip, startedAt: r.started_at, endedAt: r.ended_at, results: JSON.parse(r.results) as AuditResult[] }]));
  }
}
