// The explainer on a running gateway: the same report built from the daemon's state — the MUD
// policy layer (which devices hold which compiled profile), the flow store's records (which carry
// their verdicts), the DenialRecorder's decision-time evidence and the DNS cache.
import { macToString, parseMac } from '../common/address-text.js';
import type { FlowRecord } from '../track/flow-record.js';
import type { MudPolicy } from '../policy/mud-policy.js';
import type { FlowStore } from '../store/flow-store.js';
import { ipv4Key, type DnsCache } from '../track/dns-cache.js';
import type { DenialLookup } from './denial-recorder.js';
import { explain, type ExplainDevice } from './explain.js';
import type { ExplainReport } from './explain-report.js';

/** Options of {@link explainLive}. */
export interface ExplainLiveOptions {
  /** Devices to explain (`aa:bb:…`); default every device bound to a profile. Unbound ones are left out. */
  macs?: readonly string[];
  /** Decision-time evidence of denied flows (the daemon's DenialRecorder). */
  denials?: DenialLookup | null;
  /** The DNS cache, for the names of peers of denied flows the recorder no longer holds. */
  dns?: DnsCache | null;
  /** Only flows whose first packet falls in [fromUs, toUs) (µs since the epoch). */
  window?: { fromUs?: number | null; toUs?: number | null };
  /** Denied flows listed per device. Default 1,000. */
  maxDeniedListed?: number;
}

/** The report for the devices the policy layer holds to a profile, from their flow records. */
export function explainLive(policy: MudPolicy, flows: Iterable<FlowRecord>, opts: ExplainLiveOptions = {}): ExplainReport {
  const want = opts.macs ? new Set(opts.macs.map((m) => m.toLowerCase())) : null;
  const devices: ExplainDevice[] = [];
  for (const cp of policy.policies()) {
    const mac = cp.context.deviceMac?.toLowerCase() ?? macToString(cp.deviceMac);
    if (want !== null && !want.has(mac)) continue;
    devices.push({ mac, policy: cp, file: policy.storedOf(parseMac(mac))?.file ?? null });
  }
  devices.sort((x, y) => (x.mac < y.mac ? -1 : x.mac > y.mac ? 1 : 0));
  const dns = opts.dns ?? null;
  return explain({
    devices, flows, denials: opts.denials ?? null,
    namesFor: dns === null ? null : (addr, ts) => dns.namesFor(addr.includes(':') ? addr : ipv4Key(addr), ts),
    ...(opts.window !== undefined && { window: opts.window }),
    ...(opts.maxDeniedListed !== undefined && { maxDeniedListed: opts.maxDeniedListed }),
  });
}

/** Options of {@link storedFlowsOf}. */
export interface StoredFlowsOptions {
  /** ISO-8601: flows whose last packet is at or after it. */
  since?: string;
  /** Most records read (newest first). Default 100,000. */
  max?: number;
}

/**
 * Every stored flow of a device, newest first: those with its MAC on either side, and those with one
 * of its addresses that carry a verdict for it (an inbound flow it never answered has no MAC of it).
 */
export function storedFlowsOf(store: FlowStore, mac: string, addresses: readonly string[], opts: StoredFlowsOptions = {}): FlowRecord[] {
  const max = opts.max ?? 100_000;
  const bySeq = new Map<number, FlowRecord>();
  const pageAll = (filter: { device?: string; host?: string }, keep: (r: FlowRecord) => boolean): void => {
    let before: number | undefined;
    for (;;) {
      const page = store.query({ ...filter, ...(opts.since !== undefined && { since: opts.since }), ...(before !== undefined && { before }), limit: 1000 });
      for (const r of page.items) if (bySeq.size < max && keep(r)) bySeq.set(r.seq, r);
      if (page.next === null || bySeq.size >= max) return;
      before = page.next;
    }
  };
  pageAll({ device: mac }, () => true);
  for (const ip of addresses) pageAll({ host: ip }, (r) => r.mud?.some((v) => v.device === mac) === true);
  return [...bySeq.entries()].sort((a, b) => b[0] - a[0]).map(([, r]) => r);
}
