// The passive half of the exposure inventory, as a plug-in: which services each LAN device answered
// on (a peer opened a connection and the device accepted it: its SYN-ACK; for UDP, its answer to a
// named service), split by whether the peer was on the LAN or outside it, and the port mappings it
// asked the router for (UPnP IGD AddPortMapping/DeletePortMapping, NAT-PMP, PCP). It reads ended
// flows and `portmap` records only, so it costs nothing per packet; live flows are merged in by the
// views. Both tables are bounded; the daemon saves what changed and restores it at start.
import { ipv4ToString, ipv6ToString, macToString, parseMac } from '../common/address-text.js';
import { BoundedTable } from '../common/bounded-table.js';
import { iso, isoMicros } from '../common/packet-time.js';
import type { AppRecord } from '../app/app-record.js';
import { Family, type PacketView } from '../decode/packet-view.js';
import type { Plugin, PluginFactory, PluginHost } from '../sensor/plugin.js';
import type { Flow } from '../track/flow.js';
import type { MappingRow, ServiceRow } from './exposure-store.js';
import { serviceOf, type ServiceProto } from './maintenance-services.js';

/** Settings of the tracker (config `exposure`). */
export interface ExposureTrackerOptions {
  /** Services kept (device × transport × port). Default 16384. */
  maxServices: number;
  /** Port mappings kept. Default 4096. */
  maxMappings: number;
}

export const EXPOSURE_TRACKER_DEFAULTS: Readonly<ExposureTrackerOptions> = Object.freeze({ maxServices: 16_384, maxMappings: 4096 });

const TCP = 6;
const UDP = 17;
const SYN = 0x02;
const ACK = 0x10;

/** A service as the tracker holds it: times in µs of packet time. */
interface Service {
  mac: string;
  proto: ServiceProto;
  port: number;
  firstSeen: number;
  lastSeen: number;
  lanPeers: number;
  wanPeers: number;
  lastWan: number;
}

/** The plug-in. */
export class ExposureTracker implements Plugin {
  private readonly services: BoundedTable<string, Service>;
  private readonly mappings: BoundedTable<string, MappingRow>;
  private readonly dirtyServices = new Set<string>();
  /** Mapping keys changed (added, renewed or removed) since the last save. */
  private readonly dirtyMappings = new Set<string>();
  /** Packet time of the latest tick, µs (the sensor ticks each second of packet time and at the end): what leases are judged by. */
  private now = 0;

  constructor(private readonly host: PluginHost, opts: Partial<ExposureTrackerOptions> = {}) {
    const o = { ...EXPOSURE_TRACKER_DEFAULTS, ...opts };
    this.services = new BoundedTable({ name: 'exposure.maxServices', capacity: o.maxServices, counters: host.events, event: 'exposure.service_table_full' });
    this.mappings = new BoundedTable({ name: 'exposure.maxMappings', capacity: o.maxMappings, counters: host.events, event: 'exposure.mapping_table_full' });
  }

  onFlowEnd(flow: Flow): void {
    this.noteFlow(flow);
  }

  onTick(now: number): void {
    if (now > this.now) this.now = now;
  }

  /**
   * Counts a flow a LAN device accepted as a service of that device: a TCP flow whose responder
   * answered the initiator's SYN with SYN-ACK, or a UDP flow to a named service port the device
   * answered. Returns the service's key, or null when the flow shows no service.
   */
  noteFlow(flow: Flow): string | null {
    const f = this.accepted(flow);
    if (f === null) return null;
    const { key, proto, wan } = f;
    let s = this.services.get(key);
    if (s === undefined) {
      s = { mac: macToString(flow.bMac), proto, port: flow.bPort, firstSeen: flow.firstTs, lastSeen: flow.lastTs, lanPeers: 0, wanPeers: 0, lastWan: 0 };
      this.services.set(key, s);
    }
    if (flow.firstTs < s.firstSeen) s.firstSeen = flow.firstTs;
    if (flow.lastTs > s.lastSeen) s.lastSeen = flow.lastTs;
    if (wan) {
      s.wanPeers++;
      if (flow.firstTs > s.lastWan) s.lastWan = flow.firstTs;
    } else s.lanPeers++;
    this.dirtyServices.add(key);
    return key;
  }

  /**
   * A live flow's service as a row of its own, counting that one connection (the views add it to the
   * device's: a telnet session still open is a service already), or null. Changes nothing.
   */
  liveRow(flow: Flow): ServiceRow | null {
    const f = this.accepted(flow);
    if (f === null) return null;
    const at = iso(flow.firstTs);
    return { mac: macToString(flow.bMac), proto: f.proto, port: flow.bPort, firstSeen: at, lastSeen: iso(flow.lastTs),
      lanPeers: f.wan ? 0 : 1, wanPeers: f.wan ? 1 : 0, lastWan: f.wan ? at : null };
  }

  /** What a flow shows of a service: its key, transport, and whether the peer was outside the LAN; null: none. */
  private accepted(flow: Flow): { key: string; proto: ServiceProto; wan: boolean } | null {
    if (!flow.initiatorKnown || flow.bMac < 0) return null;
    let proto: ServiceProto;
    if (flow.proto === TCP) {
      if ((flow.flagsAB & SYN) === 0 || (flow.flagsBA & (SYN | ACK)) !== (SYN | ACK)) return null;
      proto = 'tcp';
    } else if (flow.proto === UDP) {
      if (flow.pktsBA === 0 || serviceOf('udp', flow.bPort) === null) return null;
      proto = 'udp';
    } else return null;
    const local = this.host.local;
    if (!local.has(flow.family, flow.b0, flow.b1, flow.b2, flow.b3)) return null;
    const wan = !local.has(flow.family, flow.a0, flow.a1, flow.a2, flow.a3);
    return { key: `${flow.bMac}/${proto}/${flow.bPort}`, proto, wan };
  }

  onApp(rec: AppRecord, pv: PacketView, flow: Flow | null): void {
    if (rec.kind !== 'portmap') return;
    const proto: ServiceProto = rec.proto === 'udp' ? 'udp' : 'tcp';
    if (rec.protocol === 'upnp') {
      // A SOAP call over TCP from a LAN device; it may name another LAN address as the internal client.
      if (flow === null || flow.aMac < 0 || !this.host.local.has(flow.family, flow.a0, flow.a1, flow.a2, flow.a3)) return;
      const key = `upnp/${proto}/${rec.externalPort ?? 0}`;
      if (rec.extra.action === 'DeletePortMapping') {
        this.remove(key);
        return;
      }
      if (rec.internalPort === null) return;
      const requester = flow.family === 4 ? ipv4ToString(flow.a0) : ipv6ToString(flow.a0, flow.a1, flow.a2, flow.a3);
      const client = typeof rec.extra.internalClient === 'string' && rec.extra.internalClient !== '' ? rec.extra.internalClient : requester;
      const mac = this.host.devices.withAddress(client)?.mac ?? macToString(flow.aMac);
      // UPnP: a lease of 0 lasts until removed (IGD WANIPConnection:1 §2.4.16).
      this.put({ key, mac, via: 'upnp', proto, externalPort: rec.externalPort ?? 0, internalPort: rec.internalPort, internalIp: client,
        askedAt: iso(rec.ts), expiresAt: rec.lifetime !== null && rec.lifetime > 0 ? iso(rec.ts + rec.lifetime * 1e6) : null });
      return;
    }
    // NAT-PMP / PCP: one datagram from a LAN device to the router's port; the device is the sender.
    if (pv.srcMac < 0 || rec.internalPort === null) return;
    const v4 = pv.family === Family.V4;
    if (!this.host.local.has(v4 ? 4 : 6, pv.src0, pv.src1, pv.src2, pv.src3)) return;
    const ip = v4 ? ipv4ToString(pv.src0) : ipv6ToString(pv.src0, pv.src1, pv.src2, pv.src3);
    const key = `${rec.protocol}/${proto}/${ip}/${rec.internalPort}`;
    // A lifetime of 0 deletes (RFC 6886 §3.4, RFC 6887 §15).
    if (rec.lifetime === 0) {
      this.remove(key);
      return;
    }
    this.put({ key, mac: macToString(pv.srcMac), via: rec.protocol, proto, externalPort: rec.externalPort ?? 0, internalPort: rec.internalPort,
      internalIp: ip, askedAt: iso(rec.ts), expiresAt: rec.lifetime === null ? null : iso(rec.ts + rec.lifetime * 1e6) });
  }

  private put(m: MappingRow): void {
    this.mappings.set(m.key, m);
    this.dirtyMappings.add(m.key);
  }

  private remove(key: string): void {
    this.mappings.delete(key);
    this.dirtyMappings.add(key);
  }

  /** Latest packet time seen, µs. */
  clockUs(): number {
    return this.now;
  }

  /** Services, of one device or all, as rows. */
  serviceRows(mac?: string): ServiceRow[] {
    const out: ServiceRow[] = [];
    for (const s of this.services.values()) if (mac === undefined || s.mac === mac) out.push(serviceRow(s));
    return out;
  }

  /** Mappings, of one device or all (expired leases included: the views judge them). */
  mappingRows(mac?: string): MappingRow[] {
    const out: MappingRow[] = [];
    for (const m of this.mappings.values()) if (mac === undefined || m.mac === mac) out.push(m);
    return out;
  }

  /** What changed since the last call: services to store, mappings to store, mapping keys removed. */
  drain(): { services: ServiceRow[]; mappings: MappingRow[]; removed: string[] } {
    const services: ServiceRow[] = [];
    for (const k of this.dirtyServices) {
      const s = this.services.peek(k);
      if (s !== undefined) services.push(serviceRow(s));
    }
    const mappings: MappingRow[] = [];
    const removed: string[] = [];
    for (const k of this.dirtyMappings) {
      const m = this.mappings.peek(k);
      if (m === undefined) removed.push(k);
      else mappings.push(m);
    }
    this.dirtyServices.clear();
    this.dirtyMappings.clear();
    return { services, mappings, removed };
  }

  /** Takes back what was saved (at start): counts go on from there. */
  restore(services: readonly ServiceRow[], mappings: readonly MappingRow[]): void {
    for (const r of services) {
      const mac = parseMac(r.mac);
      if (mac < 0) continue;
      this.services.set(`${mac}/${r.proto}/${r.port}`, {
        mac: r.mac, proto: r.proto, port: r.port, firstSeen: isoMicros(r.firstSeen), lastSeen: isoMicros(r.lastSeen),
        lanPeers: r.lanPeers, wanPeers: r.wanPeers, lastWan: r.lastWan === null ? 0 : isoMicros(r.lastWan),
      });
    }
    for (const m of mappings) if (m.via !== 'nft') this.mappings.set(m.key, m);
  }

  stateSize(): number {
    return this.services.size + this.mappings.size;
  }
}

function serviceRow(s: Service): ServiceRow {
  return { mac: s.mac, proto: s.proto, port: s.port, firstSeen: iso(s.firstSeen), lastSeen: iso(s.lastSeen), lanPeers: s.lanPeers, wanPeers: s.wanPeers, lastWan: s.lastWan === 0 ? null : iso(s.lastWan) };
}

/** The tracker's factory (standardPlugins adds it to every sensor). */
export function exposureTrackerFactory(opts: Partial<ExposureTrackerOptions> = {}): PluginFactory {
  return { name: 'exposureTracker', rules: [], create: (host) => new ExposureTracker(host, opts) };
}
