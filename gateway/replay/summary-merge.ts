// Merges the summaries of sensor workers that each replayed their share of one capture into the
// summary one sensor would have given (replay/worker-replay.ts). Each frame went to exactly one
// worker, so counts add up; a device can appear in several workers (the router, seen by every
// device's traffic), and its records merge by MAC. Alerts are not merged here: the workers' alert
// inputs are raised again, in capture order, into one alert manager.
import type { Alert } from '../alerts/alert.js';
import type { FlowRecord } from '../track/flow-record.js';
import type { DeviceRecord, ReplaySummary } from './summary.js';

export function mergeSummaries(parts: readonly ReplaySummary[], topFlows: number, alerts: Alert[]): ReplaySummary {
  const first = parts[0]!;
  const byMac = new Map<string, DeviceRecord>();
  // Fields learned from a device's own frames (hostname, DHCP, SSDP) sit in its own worker; a
  // worker that saw it only as a peer has nulls there, so the first non-null wins.
  for (const p of parts) {
    for (const d of p.devices) {
      const m = byMac.get(d.mac);
      if (m === undefined) { byMac.set(d.mac, { ...d, ips: [...d.ips] }); continue; }
      m.packets += d.packets;
      m.bytes += d.bytes;
      if (d.firstSeen < m.firstSeen) m.firstSeen = d.firstSeen;
      if (d.lastSeen > m.lastSeen) m.lastSeen = d.lastSeen;
      for (const ip of d.ips) if (!m.ips.includes(ip)) m.ips.push(ip);
      for (const k of NULLABLE) if (m[k] === null && d[k] !== null) (m as unknown as Record<string, unknown>)[k] = d[k];
    }
  }
  const devices = [...byMac.values()].sort((a, b) => (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : a.mac < b.mac ? -1 : 1));
  const top: FlowRecord[] = parts.flatMap((p) => p.flows.top)
    .sort((x, y) => y.srcPackets + y.dstPackets - (x.srcPackets + x.dstPackets) || (x.firstTs < y.firstTs ? -1 : x.firstTs > y.firstTs ? 1 : 0))
    .slice(0, topFlows);
  const sum = (f: (p: ReplaySummary) => number): number => parts.reduce((n, p) => n + f(p), 0);
  const times = parts.flatMap((p) => [p.firstTs, p.lastTs]).filter((t): t is string => t !== null).sort();
  return {
    packets: sum((p) => p.packets),
    bytes: sum((p) => p.bytes),
    decodeErrors: sum((p) => p.decodeErrors),
    firstTs: times[0] ?? null,
    lastTs: times[times.length - 1] ?? null,
    devices,
    flows: {
      total: sum((p) => p.flows.total), tcp: sum((p) => p.flows.tcp), udp: sum((p) => p.flows.udp), icmp: sum((p) => p.flows.icmp),
      other: sum((p) => p.flows.other), evicted: sum((p) => p.flows.evicted),
      // Each worker's own peak; their sum bounds the one table's peak from above.
      peak: sum((p) => p.flows.peak), top,
    },
    alerts,
    decodeEvents: addCounts(parts.map((p) => p.decodeEvents)),
    events: addCounts(parts.map((p) => p.events)),
    dns: { names: sum((p) => p.dns.names), answers: sum((p) => p.dns.answers), evicted: sum((p) => p.dns.evicted) },
    // Every worker read the whole file: the first one's reading stands for all.
    capture: first.capture,
  };
}

const NULLABLE = ['vendor', 'hostname', 'mudUrl', 'profile', 'hostnameSource', 'mudUrlSource', 'dhcpFingerprint', 'dhcpVendorClass', 'ssdpServer', 'lldpSystemName'] as const;

function addCounts(list: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of list) for (const [k, n] of Object.entries(r)) out[k] = (out[k] ?? 0) + n;
  return out;
}
