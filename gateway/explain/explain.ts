// The verdict explainer: from the flow records of a window (each carrying the MUD verdicts it got)
// and each device's compiled policy, per device the flows and bytes every ACE allowed, the ACEs
// never used, and for every denied flow the nearest ACE and what differed. One pass over the records.
import { isoTime } from '../common/packet-time.js';
import {
  describeAce, differenceText, EMERGENCY_ACE, EMERGENCY_ACL, findAcl, type CompiledPolicy, type RuleSpec,
} from '../../policies/index.js';
import type { FlowRecord } from '../track/flow-record.js';
import { explainDenial, type DenialDetail } from './denial-detail.js';
import type { DenialLookup } from './denial-recorder.js';
import type {
  AceRef, AceUse, DeniedFlow, DeviceExplanation, ExplainReport, FlowBrief, FlowTally, UnjudgedReason,
} from './explain-report.js';
import { deviceIsSideA, queryFromRecord } from './flow-query.js';

/** A device to explain: its MAC, the policy it is held to, where the profile came from. */
export interface ExplainDevice {
  /** `aa:bb:cc:dd:ee:ff`, lower case. */
  mac: string;
  policy: CompiledPolicy;
  file?: string | null;
  /** False when the device never appeared (its policy was compiled only to list the ACEs). Default true. */
  seen?: boolean;
}

/** What the explainer reads. */
export interface ExplainInput {
  devices: readonly ExplainDevice[];
  /** Flow records (ended or live), any order; each device takes those with its MAC or judged for it. */
  flows: Iterable<FlowRecord>;
  /** Decision-time evidence for denied flows (the DenialRecorder); without it, worked out from the record. */
  denials?: DenialLookup | null;
  /** Names the DNS cache holds for a peer address at a time (µs), for denials the recorder has not got. */
  namesFor?: ((addr: string, tsMicros: number) => readonly string[]) | null;
  /** Only flows whose first packet falls in [fromUs, toUs) (µs since the epoch) count. */
  window?: { fromUs?: number | null; toUs?: number | null };
  /** Denied flows listed per device; the rest are counted. Default 1,000. */
  maxDeniedListed?: number;
  /** Unjudged flows listed per device as a sample. Default 20. */
  maxUnjudgedListed?: number;
}

/** Defaults of {@link ExplainInput}. */
export const EXPLAIN_DEFAULTS = Object.freeze({ maxDeniedListed: 1000, maxUnjudgedListed: 20 });

const aceKey = (direction: string, acl: string | null, ace: string | null): string => `${direction}\u0000${acl ?? ''}\u0000${ace ?? ''}`;

function brief(r: FlowRecord): FlowBrief {
  return {
    id: r.id, proto: r.proto, src: r.src, sport: r.sport, dst: r.dst, dport: r.dport, firstTs: r.firstTs, lastTs: r.lastTs,
    packets: r.srcPackets + r.dstPackets, bytes: r.srcBytes + r.dstBytes,
  };
}

function aceRef(policy: CompiledPolicy, spec: RuleSpec): AceRef {
  const ace = findAcl(policy.profile, spec.acl)?.aces.find((a) => a.name === spec.ace);
  return { direction: spec.direction, acl: spec.acl, ace: spec.ace, text: ace ? describeAce(ace, spec.direction) : `${spec.ace} of ${spec.acl}` };
}

/** ICMPv6 and IGMP flows left without a verdict are the link control the policy layer skips. */
function unjudgedReason(r: FlowRecord): UnjudgedReason {
  return r.proto === 'icmpv6' || r.proto === '2' ? 'link-control' : 'not-judged';
}

interface DeviceState {
  dev: ExplainDevice;
  out: DeviceExplanation;
  rows: Map<string, AceUse>;
}

function startDevice(dev: ExplainDevice): DeviceState {
  const p = dev.policy;
  const rows = new Map<string, AceUse>();
  for (const spec of [...p.rules.fromDevice, ...p.rules.toDevice]) {
    rows.set(aceKey(spec.direction, spec.acl, spec.ace), {
      ...aceRef(p, spec), action: spec.action, enabled: spec.enabled && spec.families !== 0, flows: 0, bytes: 0, deniedFlows: 0, inProfile: true,
    });
  }
  const zero = (): FlowTally => ({ flows: 0, bytes: 0 });
  return {
    dev, rows,
    out: {
      mac: dev.mac, profile: p.profile.mudUrl, file: dev.file ?? null, seen: dev.seen ?? true,
      totals: { flows: 0, bytes: 0, allowed: zero(), denied: zero(), unjudged: zero() },
      aces: [], unused: [], denied: [], deniedOmitted: 0,
      unjudged: { byReason: { 'link-control': zero(), 'not-judged': zero() }, sample: [] },
    },
  };
}

/** The row of an allowing verdict; rows the profile does not list (emergency, a replaced profile) are made on demand. */
function rowFor(st: DeviceState, direction: 'from-device' | 'to-device', acl: string, ace: string): AceUse {
  const k = aceKey(direction, acl, ace);
  let row = st.rows.get(k);
  if (row === undefined) {
    const emergency = acl === EMERGENCY_ACL && ace === EMERGENCY_ACE;
    row = {
      direction, acl, ace, text: emergency ? 'the emergency allow-list (policy.emergency): accept' : `${ace} of ${acl} (not in the profile now)`,
      action: emergency ? 'emergency' : 'accept', enabled: true, flows: 0, bytes: 0, deniedFlows: 0, inProfile: false,
    };
    st.rows.set(k, row);
  }
  return row;
}

function denial(st: DeviceState, r: FlowRecord, v: NonNullable<FlowRecord['mud']>[number], input: ExplainInput): DeniedFlow {
  const direction = v.direction as 'from-device' | 'to-device';
  const devA = deviceIsSideA(r, st.dev.mac, direction);
  const peer = devA ? r.dst : r.src;
  const firstMs = Date.parse(r.firstTs);
  let detail: DenialDetail | undefined = input.denials?.get(r.id, st.dev.mac, firstMs);
  const evidenceAt = detail !== undefined ? 'decision' as const : 'report' as const;
  if (detail === undefined) {
    const q = queryFromRecord(r, st.dev.mac, direction);
    const names = input.namesFor?.(peer, firstMs * 1000) ?? [];
    if (q !== null) detail = explainDenial(st.dev.policy, q, v.acl, v.ace, names);
  }
  const nearest = detail?.nearest ? aceRef(st.dev.policy, detail.nearest) : null;
  if (detail?.nearest && detail.deniedBy !== 'implicit-deny') rowFor(st, direction, detail.nearest.acl, detail.nearest.ace).deniedFlows++;
  const out: DeniedFlow = {
    flow: brief(r), direction, peer, peerPort: devA ? r.dport : r.sport, peerNames: detail?.peerNames ?? [],
    acl: v.acl, deniedBy: detail?.deniedBy ?? 'implicit-deny', nearest,
    differences: (detail?.differences ?? []).map((d) => ({ ...d, text: differenceText(d) })),
    evidenceAt, reason: v.reason,
  };
  if (v.ace !== null && v.ace !== nearest?.ace) out.verdictAce = v.ace;
  return out;
}

/**
 * Builds the report. For each device: its flows (MAC on either side, or a verdict for it — an
 * inbound flow the device never answered carries no MAC of its on the record) in the window, each
 * counted once as allowed (under the ACE its verdict names), denied, or unjudged.
 */
export function explain(input: ExplainInput): ExplainReport {
  const states = new Map<string, DeviceState>();
  for (const d of input.devices) if (!states.has(d.mac)) states.set(d.mac, startDevice(d));
  const from = input.window?.fromUs ?? null;
  const to = input.window?.toUs ?? null;
  const maxDenied = input.maxDeniedListed ?? EXPLAIN_DEFAULTS.maxDeniedListed;
  const maxUnjudged = input.maxUnjudgedListed ?? EXPLAIN_DEFAULTS.maxUnjudgedListed;
  let first: string | null = null;
  let last: string | null = null;
  for (const r of input.flows) {
    const firstUs = Date.parse(r.firstTs) * 1000;
    if ((from !== null && firstUs < from) || (to !== null && firstUs >= to)) continue;
    const macs = new Set<string>();
    if (r.srcMac !== null) macs.add(r.srcMac);
    if (r.dstMac !== null) macs.add(r.dstMac);
    for (const v of r.mud ?? []) macs.add(v.device);
    const bytes = r.srcBytes + r.dstBytes;
    for (const mac of macs) {
      const st = states.get(mac);
      if (st === undefined) continue;
      if (first === null || r.firstTs < first) first = r.firstTs;
      if (last === null || r.firstTs > last) last = r.firstTs;
      const t = st.out.totals;
      t.flows++;
      t.bytes += bytes;
      const v = r.mud?.find((x) => x.device === mac);
      if (v === undefined) {
        t.unjudged.flows++;
        t.unjudged.bytes += bytes;
        const why = st.out.unjudged.byReason[unjudgedReason(r)];
        why.flows++;
        why.bytes += bytes;
        if (st.out.unjudged.sample.length < maxUnjudged) st.out.unjudged.sample.push(brief(r));
      } else if (v.allowed) {
        t.allowed.flows++;
        t.allowed.bytes += bytes;
        const row = rowFor(st, v.direction as 'from-device' | 'to-device', v.acl ?? '', v.ace ?? '');
        row.flows++;
        row.bytes += bytes;
      } else {
        t.denied.flows++;
        t.denied.bytes += bytes;
        st.out.denied.push(denial(st, r, v, input));
      }
    }
  }
  const devices: DeviceExplanation[] = [];
  for (const st of states.values()) {
    st.out.aces = [...st.rows.values()];
    st.out.unused = st.out.aces.filter((a) => a.inProfile && a.flows === 0 && a.deniedFlows === 0)
      .map(({ direction, acl, ace, text }) => ({ direction, acl, ace, text }));
    st.out.denied.sort((x, y) => (x.flow.firstTs < y.flow.firstTs ? -1 : x.flow.firstTs > y.flow.firstTs ? 1 : x.flow.id - y.flow.id));
    st.out.deniedOmitted = Math.max(0, st.out.denied.length - maxDenied);
    st.out.denied.length = Math.min(st.out.denied.length, maxDenied);
    devices.push(st.out);
  }
  const iso = (us: number | null): string | null => (us === null ? null : isoTime(us));
  return { window: { from: iso(from), to: iso(to) }, span: { first, last }, devices };
}
