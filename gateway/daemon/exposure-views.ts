// The exposure of the gateway's devices for the API: the tracker's rows (its live state), the live
// flows' services not ended yet, the `device.default-credential` alerts, and the latest audit of
// each device, through the one view builder (gateway/exposure/exposure-view.ts) the CLI uses too.
import { deviceName } from '../alerts/device-name.js';
import { parseMac } from '../common/address-text.js';
import { deviceExposure, exposureSummary, passiveSighting, type DeviceExposure, type ExposureSummary } from '../exposure/exposure-view.js';
import type { PassiveSighting } from '../exposure/exposure-types.js';
import type { MappingRow, ServiceRow } from '../exposure/exposure-store.js';
import type { Device } from '../track/device.js';
import type { DaemonParts } from './daemon-parts.js';

/** Default-credential alerts read for a listing. */
const MAX_PASSIVE = 1000;

/** Everything the views need, grouped by device MAC, read once. */
function gather(g: DaemonParts, mac?: string, live = true): { services: Map<string, ServiceRow[]>; mappings: Map<string, MappingRow[]>; passive: Map<string, PassiveSighting[]> } {
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => { const l = m.get(k); if (l === undefined) m.set(k, [v]); else l.push(v); };
  // The tracker counts ended flows; sessions still open count too (a service is one from its first
  // accepted connection on), on copies of its rows.
  const rows = new Map<string, ServiceRow>();
  const rowKey = (r: ServiceRow) => `${r.mac}/${r.proto}/${r.port}`;
  for (const r of g.exposure.serviceRows(mac)) rows.set(rowKey(r), { ...r });
  const macNum = mac === undefined ? -1 : parseMac(mac);
  for (const f of live ? g.pipeline.flows.liveFlows() : []) {
    if (f.bMac < 0 || (mac !== undefined && f.bMac !== macNum)) continue;
    const l = g.exposure.liveRow(f);
    if (l === null) continue;
    const held = rows.get(rowKey(l));
    if (held === undefined) { rows.set(rowKey(l), l); continue; }
    held.lanPeers += l.lanPeers;
    held.wanPeers += l.wanPeers;
    if (l.lastSeen > held.lastSeen) held.lastSeen = l.lastSeen;
    if (l.lastWan !== null && (held.lastWan === null || l.lastWan > held.lastWan)) held.lastWan = l.lastWan;
  }
  const services = new Map<string, ServiceRow[]>();
  for (const r of rows.values()) push(services, r.mac, r);
  const mappings = new Map<string, MappingRow[]>();
  for (const m of [...g.exposure.mappingRows(mac), ...g.exposureStore.mappings(mac).filter((r) => r.via === 'nft')]) push(mappings, m.mac, m);
  const passive = new Map<string, PassiveSighting[]>();
  for (const a of g.alertStore.query({ rule: ['device.default-credential'], ...(mac !== undefined ? { device: mac } : {}), limit: MAX_PASSIVE }).items) {
    const p = passiveSighting(a);
    if (p !== null && a.device !== null) push(passive, a.device, p);
  }
  return { services, mappings, passive };
}

/** Now for leases and WAN sightings: the packet clock once packets came, else the wall clock. */
function nowMs(g: DaemonParts): number {
  const us = g.exposure.clockUs();
  return us > 0 ? us / 1000 : Date.now();
}

/**
 * One device's exposure. `live` false leaves the sessions still open out (their services count once
 * they end): a device's stream event is made this way, so a replay that changes thousands of devices
 * does not walk the flow table for each.
 */
export function exposureOf(g: DaemonParts, d: Device, live = true): DeviceExposure {
  const x = gather(g, d.mac, live);
  const audit = g.exposureStore.audits(d.mac, 1)[0] ?? null;
  return deviceExposure({
    mac: d.mac, name: deviceName(d.mac, d), services: x.services.get(d.mac) ?? [], mappings: x.mappings.get(d.mac) ?? [],
    passive: x.passive.get(d.mac) ?? [], audit, now: nowMs(g),
  });
}

/** The exposure column of every device: mac → summary. */
export function exposureSummaries(g: DaemonParts, devices: Iterable<Device>): Map<string, ExposureSummary> {
  const x = gather(g);
  const audits = g.exposureStore.latestAudits();
  const now = nowMs(g);
  const out = new Map<string, ExposureSummary>();
  for (const d of devices) {
    out.set(d.mac, exposureSummary(deviceExposure({
      mac: d.mac, name: deviceName(d.mac, d), services: x.services.get(d.mac) ?? [], mappings: x.mappings.get(d.mac) ?? [],
      passive: x.passive.get(d.mac) ?? [], audit: audits.get(d.mac) ?? null, now,
    })));
  }
  return out;
}
