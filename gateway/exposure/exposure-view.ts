// One device's exposure as the API, the dashboard and `edgeward audit` show it: every service it
// answers on (seen in its flows, asked to be mapped, or found open by an audit), whether the
// internet can reach each (a connection accepted from outside the LAN lately, or a port mapping
// whose lease runs: UPnP, NAT-PMP, PCP, the gateway's nft forwards), the default credentials found
// (passively, by `device.default-credential`, or by an audit), the latest audit, and the findings
// in words. Built from rows, so the daemon (its tracker's live rows) and the CLI (the saved rows)
// build it alike.
import type { AuditResult, AuditRun, ExposureStore, MappingRow, ServiceRow } from './exposure-store.js';
import type { ExposedService, Finding, FindingSeverity, PassiveSighting } from './exposure-types.js';
import { findingsOf } from './exposure-words.js';
import { serviceOf, type ServiceProto } from './maintenance-services.js';

/** How long a connection accepted from outside the LAN counts as proof the internet reaches a service. Default 7 days. */
export const WAN_PEER_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** What the views need about one device. */
export interface ExposureInput {
  mac: string;
  /** How the device is named to a person (alerts/device-name.ts). */
  name: string;
  services: readonly ServiceRow[];
  /** The device's mappings (expired ones are left out here). */
  mappings: readonly MappingRow[];
  /** `device.default-credential` alerts of the device (passiveSighting). */
  passive: readonly PassiveSighting[];
  /** Its latest audit, or null. */
  audit: (AuditRun & { id: number }) | null;
  /**
   * Now, ms, that leases and WAN sightings are judged against: the daemon's packet clock (so a
   * replayed capture is judged on its own time), the wall clock for the CLI.
   */
  now: number;
}

/** A device's exposure. */
export interface DeviceExposure {
  mac: string;
  name: string;
  /** The worst finding's severity; `none` when nothing is worth saying. */
  level: FindingSeverity | 'none';
  services: ExposedService[];
  /** Its latest audit: when, and the results. */
  audit: { id: number; at: string; results: AuditResult[] } | null;
  findings: Finding[];
}

/** The device list's exposure column. */
export interface ExposureSummary {
  level: FindingSeverity | 'none';
  /** Services it answers on. */
  services: number;
  /** Names of the maintenance services among them, once each. */
  maintenance: string[];
  /** Some service is reachable from the internet. */
  internet: boolean;
  /** Some service accepts a default credential. */
  defaultCredential: boolean;
}

const key = (proto: string, port: number): string => `${proto}/${port}`;

/** Builds a device's exposure. */
export function deviceExposure(inp: ExposureInput): DeviceExposure {
  const byPort = new Map<string, ExposedService>();
  const entry = (proto: ServiceProto, port: number): ExposedService => {
    let e = byPort.get(key(proto, port));
    if (e === undefined) {
      const info = serviceOf(proto, port);
      e = {
        proto, port, service: info?.name ?? null, words: info?.words ?? `${proto} port ${port}`, maintenance: info?.maintenance ?? false,
        firstSeen: null, lastSeen: null, lanPeers: 0, wanPeers: 0, internet: { reachable: false, paths: [] }, credentials: [], audit: null,
      };
      byPort.set(key(proto, port), e);
    }
    return e;
  };
  for (const s of inp.services) {
    const e = entry(s.proto, s.port);
    e.firstSeen = s.firstSeen; e.lastSeen = s.lastSeen; e.lanPeers = s.lanPeers; e.wanPeers = s.wanPeers;
    if (s.lastWan !== null && inp.now - Date.parse(s.lastWan) <= WAN_PEER_WINDOW_MS) e.internet.paths.push({ kind: 'wan-peer', at: s.lastWan });
  }
  for (const m of inp.mappings) {
    if (m.expiresAt !== null && Date.parse(m.expiresAt) <= inp.now) continue;
    entry(m.proto, m.internalPort).internet.paths.push({ kind: m.via, externalPort: m.externalPort, expiresAt: m.expiresAt });
  }
  for (const p of inp.passive) entry('tcp', p.port).credentials.push({ source: 'passive', list: p.list, at: p.at });
  if (inp.audit !== null) {
    for (const r of inp.audit.results) {
      if (r.outcome === 'closed') continue;
      const e = entry('tcp', r.port);
      e.audit = { ...r, at: inp.audit.startedAt };
      if (r.outcome === 'default-accepted' && r.list !== null) e.credentials.push({ source: 'audit', list: r.list, at: inp.audit.startedAt });
    }
  }
  const services = [...byPort.values()].sort((a, b) => (a.proto === b.proto ? a.port - b.port : a.proto < b.proto ? -1 : 1));
  for (const s of services) s.internet.reachable = s.internet.paths.length > 0;
  const audit = inp.audit === null ? null : { id: inp.audit.id, at: inp.audit.startedAt, results: inp.audit.results };
  const findings = findingsOf(inp.name, services, audit);
  return { mac: inp.mac, name: inp.name, level: findings[0]?.severity ?? 'none', services, audit, findings };
}

/** The list column of a device's exposure. */
export function exposureSummary(e: DeviceExposure): ExposureSummary {
  return {
    level: e.level,
    services: e.services.length,
    maintenance: [...new Set(e.services.filter((s) => s.maintenance).map((s) => s.service!))],
    internet: e.services.some((s) => s.internet.reachable),
    defaultCredential: e.services.some((s) => s.credentials.length > 0),
  };
}

/**
 * A device's exposure from the saved rows alone (`edgeward audit`, which runs beside the daemon or
 * without it): services and mappings as the daemon last saved them, the latest audit, leases judged
 * on the wall clock. `passive`: the device's default-credential sightings, when the caller read them.
 */
export function exposureFromStore(store: ExposureStore, mac: string, o: { name: string; now?: number; passive?: ExposureInput['passive'] }): DeviceExposure {
  return deviceExposure({
    mac, name: o.name, services: store.services(mac), mappings: store.mappings(mac), passive: o.passive ?? [],
    audit: store.audits(mac, 1)[0] ?? null, now: o.now ?? Date.now(),
  });
}

/**
 * A `device.default-credential` alert as a sighting: its evidence's service, port and list, and its
 * last time (there is no credential in it); null for another alert's shape.
 */
export function passiveSighting(a: { evidence?: unknown; lastTs: string }): PassiveSighting | null {
  const e = a.evidence as Record<string, unknown> | undefined;
  if (e === undefined || e === null || typeof e.service !== 'string' || typeof e.port !== 'number' || typeof e.list !== 'string') return null;
  return { service: e.service, port: e.port, list: e.list, at: a.lastTs };
}
