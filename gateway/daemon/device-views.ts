// The inventory as the API shows it: each device with its profile and compliance state, and the
// detail of one device (the profile's ACEs in words, flows, alerts, edge logs).
import { exposureSummary, type ExposureSummary } from '../exposure/exposure-view.js';
import { exposureOf, exposureSummaries } from './exposure-views.js';
import { describeAce } from '../../policies/index.js';
import { macToString } from '../common/address-text.js';
import { flowRecord, type FlowRecord } from '../track/flow-record.js';
import { redactFlowRecord } from '../track/privacy.js';
import { isoTime } from '../common/packet-time.js';
import type { AceView, Compliance, DeviceDetail, DeviceView } from '../server/api-context.js';
import type { Device } from '../track/device.js';
import type { DaemonParts } from './daemon-parts.js';

/** Alert counts per device, read once for a whole listing. */
export interface DeviceCounts {
  openViolations: Map<string, number>;
  alerts: Map<string, number>;
  /** Every device's exposure column, or null: each view works out its own device's (one device's view, a stream event). */
  exposure: Map<string, ExposureSummary> | null;
}

/** Reads the per-device alert counts from the store, and every device's exposure when `exposure` (a whole listing). */
export function deviceCounts(g: DaemonParts, exposure = true): DeviceCounts {
  return {
    openViolations: g.alertStore.unresolvedByDevice(['mud.violation']), alerts: g.alertStore.countByDevice(),
    exposure: exposure ? exposureSummaries(g, g.pipeline.devices.all()) : null,
  };
}

/**
 * Compliance: quarantined (held to the no-profile default), no profile, violating (an unresolved
 * mud.violation), else compliant. Resolving the violations makes the device compliant again.
 */
function compliance(g: DaemonParts, d: Device, openViolations: number): Compliance {
  if (g.policy.isQuarantined(d.macNum)) return 'quarantined';
  if (g.policy.policyOf(d.macNum) === undefined) return 'no-profile';
  return openViolations > 0 ? 'violating' : 'compliant';
}

/** The exposure column of a device nothing is known of. */
const NO_EXPOSURE: ExposureSummary = Object.freeze({ level: 'none', services: 0, maintenance: [], internet: false, defaultCredential: false });

export function deviceView(g: DaemonParts, d: Device, counts: DeviceCounts | null): DeviceView {
  const c = counts ?? deviceCounts(g, false);
  const openViolations = c.openViolations.get(d.mac) ?? 0;
  return {
    mac: d.mac, ips: [...d.ips], vendor: d.vendor, hostname: d.hostname, mudUrl: d.mudUrl, mudUrlSource: d.mudUrlSource,
    profile: d.profile, compliance: compliance(g, d, openViolations), openViolations, alerts: c.alerts.get(d.mac) ?? 0,
    firstSeen: isoTime(d.firstSeen), lastSeen: isoTime(d.lastSeen), txPackets: d.packets, txBytes: d.bytes,
    exposure: c.exposure === null ? exposureSummary(exposureOf(g, d, false)) : c.exposure.get(d.mac) ?? NO_EXPOSURE,
  };
}

/** The bound profile's ACEs, in the order the device's policies apply them. */
function aces(g: DaemonParts, d: Device): AceView[] {
  const sp = g.policy.storedOf(d.macNum);
  if (sp === undefined) return [];
  const p = sp.profile;
  const hits = g.policy.aceHits(d.macNum);
  const out: AceView[] = [];
  for (const [direction, names] of [['from-device', p.fromDevicePolicy], ['to-device', p.toDevicePolicy]] as const) {
    for (const name of names) {
      const acl = p.acls.find((a) => a.name === name);
      for (const ace of acl?.aces ?? []) {
        const h = hits.get(`${name}/${ace.name}`);
        out.push({ acl: name, ace: ace.name, direction, action: ace.forwarding, matches: describeAce(ace, direction), flows: h?.flows ?? 0, bytes: h?.bytes ?? 0 });
      }
      // Flows the ACL denied (no ACE of it matched): the implicit deny at its end.
      out.push({ acl: name, ace: null, direction, action: 'deny (no ACE matched)', matches: 'anything else', flows: hits.get(`${name}/`)?.flows ?? 0, bytes: 0 });
    }
  }
  return out;
}

export function deviceDetail(g: DaemonParts, mac: string, logs: (mac: string) => unknown[]): DeviceDetail | null {
  let d: Device | undefined;
  for (const x of g.pipeline.devices.all()) if (x.mac === mac) d = x;
  if (d === undefined) return null;
  const exposure = exposureOf(g, d);
  const view = deviceView(g, d, { ...deviceCounts(g, false), exposure: new Map([[d.mac, exposureSummary(exposure)]]) });
  const profileInfo = d.profile !== null ? g.uploads.get(d.profile)?.info ?? null : null;
  return {
    ...view,
    dhcpFingerprint: d.dhcpFingerprint, dhcpVendorClass: d.dhcpVendorClass, ssdpServer: d.ssdpServer,
    profileInfo, aces: aces(g, d), exposureDetail: exposure,
    flows: { live: liveFlowsOf(g, mac, 50), ended: g.flowStore.query({ device: mac, limit: 50 }).items },
    recentAlerts: g.alertStore.query({ device: mac, limit: 50 }).items,
    logs: logs(mac),
  };
}

/** Up to `limit` live flows of a device, most recently active first. */
export function liveFlowsOf(g: DaemonParts, mac: string, limit: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (const f of g.pipeline.flows.liveFlows()) {
    if ((f.aMac >= 0 && macToString(f.aMac) === mac) || (f.bMac >= 0 && macToString(f.bMac) === mac)) out.push(redactFlowRecord(flowRecord(f), g.cfg.pipeline.privacy));
  }
  return out.sort((x, y) => (x.lastTs < y.lastTs ? 1 : x.lastTs > y.lastTs ? -1 : 0)).slice(0, limit);
}
