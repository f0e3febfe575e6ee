// The `replay --json` summary of DESIGN.md: counts, devices, flow totals, alerts; plus the
// decode events by name and the largest flows, which operators ask for first.
import type { Alert } from '../alerts/alert.js';
import type { SourceStats } from '../capture/frame-source.js';
import type { Device } from '../track/device.js';
import { type FlowRecord } from '../track/flow-record.js';
import { isoTime } from '../common/packet-time.js';
import type { Pipeline } from '../sensor/packet-pipeline.js';

/** A device as JSON. */
export interface DeviceRecord {
  mac: string;
  ips: string[];
  vendor: string | null;
  hostname: string | null;
  mudUrl: string | null;
  profile: string | null;
  hostnameSource: string | null;
  mudUrlSource: string | null;
  dhcpFingerprint: string | null;
  dhcpVendorClass: string | null;
  ssdpServer: string | null;
  lldpSystemName: string | null;
  firstSeen: string;
  lastSeen: string;
  packets: number;
  bytes: number;
}

/** The summary object printed by `replay --json`. */
export interface ReplaySummary {
  packets: number;
  bytes: number;
  decodeErrors: number;
  firstTs: string | null;
  lastTs: string | null;
  devices: DeviceRecord[];
  flows: { total: number; tcp: number; udp: number; icmp: number; other: number; evicted: number; peak: number; top: FlowRecord[] };
  alerts: Alert[];
  /** Malformed input by named event (`decoder.*`). */
  decodeEvents: Record<string, number>;
  /** Every other named event met: stream reassembly (`stream.*`), table caps (`*.table_full`), plug-in faults (`sensor.*`). */
  events: Record<string, number>;
  dns: { names: number; answers: number; evicted: number };
  capture: { file: string; frames: number; warnings: string[] };
}

export function deviceRecord(d: Device): DeviceRecord {
  return {
    mac: d.mac, ips: [...d.ips], vendor: d.vendor, hostname: d.hostname, mudUrl: d.mudUrl, profile: d.profile,
    hostnameSource: d.hostnameSource, mudUrlSource: d.mudUrlSource, dhcpFingerprint: d.dhcpFingerprint,
    dhcpVendorClass: d.dhcpVendorClass, ssdpServer: d.ssdpServer, lldpSystemName: d.lldpSystemName,
    firstSeen: isoTime(d.firstSeen), lastSeen: isoTime(d.lastSeen), packets: d.packets, bytes: d.bytes,
  };
}

export function buildSummary(p: Pipeline, file: string, stats: SourceStats, top: FlowRecord[], alerts: Alert[]): ReplaySummary {
  const c = p.flows.counters;
  const devices = [...p.devices.all()].sort((a, b) => a.firstSeen - b.firstSeen || (a.mac < b.mac ? -1 : 1)).map(deviceRecord);
  return {
    packets: p.packets,
    bytes: p.bytes,
    decodeErrors: p.decodeErrors,
    firstTs: p.firstTs < 0 ? null : isoTime(p.firstTs),
    lastTs: p.lastTs < 0 ? null : isoTime(p.lastTs),
    devices,
    flows: { total: c.total, tcp: c.tcp, udp: c.udp, icmp: c.icmp, other: c.other, evicted: c.evicted, peak: c.peak, top },
    alerts,
    ...splitEvents(p.decodeCounters.toJSON()),
    dns: { names: p.dns.size, answers: p.dns.answers, evicted: p.dns.evicted },
    capture: { file, frames: stats.frames, warnings: stats.warnings },
  };
}

/** The registry's counts split into malformed input (`decoder.*`) and the rest. */
function splitEvents(all: Record<string, number>): { decodeEvents: Record<string, number>; events: Record<string, number> } {
  const decodeEvents: Record<string, number> = {}, events: Record<string, number> = {};
  for (const [name, n] of Object.entries(all)) (name.startsWith('decoder.') ? decodeEvents : events)[name] = n;
  return { decodeEvents, events };
}
