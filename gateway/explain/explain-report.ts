// The verdict explainer's report: per device held to a MUD profile, what each ACE allowed, which
// ACEs the window never used, and why each denied flow was denied. The JSON shape of
// `edgeward mud explain --json` and of the API's explain route.
import type { AceDifference, Forwarding } from '../../policies/index.js';
import type { FlowRecord } from '../track/flow-record.js';

/** A count of flows and their bytes (both directions, on the wire). */
export interface FlowTally {
  flows: number;
  bytes: number;
}

/** A flow as the explainer lists it: the 5-tuple and times as the flow record has them, total volume. */
export type FlowBrief = Pick<FlowRecord, 'id' | 'proto' | 'src' | 'sport' | 'dst' | 'dport' | 'firstTs' | 'lastTs'> & {
  packets: number;
  bytes: number;
};

/** An ACE of the device's profile, as a person reads it. */
export interface AceRef {
  direction: 'from-device' | 'to-device';
  acl: string;
  ace: string;
  /** The ACE in words (`describeAce`), e.g. `tcp to cloud.example.com port 443: accept`. */
  text: string;
}

/** What one ACE did in the window. */
export interface AceUse extends AceRef {
  /** `emergency` for the emergency allow-list row (shown only when it allowed something). */
  action: Forwarding | 'emergency';
  /** False for an accept ACE with a match edgeward cannot enforce (it never matches). */
  enabled: boolean;
  /** Flows it allowed and their bytes (0 for a drop/reject ACE). */
  flows: number;
  bytes: number;
  /** Flows a drop/reject ACE matched (and so denied). */
  deniedFlows: number;
  /** False for a row of a verdict whose ACE the profile no longer has (it was replaced meanwhile). */
  inProfile: boolean;
}

/** How a denied flow was denied. */
export type DeniedBy = 'implicit-deny' | 'drop' | 'reject';

/** One condition the flow failed, with the line a person reads. */
export type ExplainedDifference = AceDifference & { text: string };

/** A denied flow and why. */
export interface DeniedFlow {
  flow: FlowBrief;
  /** Which of the device's policies judged it: packets from the device, or toward it. */
  direction: 'from-device' | 'to-device';
  /** The correspondent's address and port (null without ports), and the names the DNS cache held for it at the flow's time. */
  peer: string;
  peerPort: number | null;
  peerNames: string[];
  /** The ACL the verdict named (the matched drop ACE's, or the nearest ACE's for the implicit deny); null when no ACE is enabled. */
  acl: string | null;
  deniedBy: DeniedBy;
  /**
   * For the implicit deny, the accept ACE the flow came nearest to (fewest failed conditions, first
   * on ties); for a drop/reject, the ACE that matched. Null when the profile has no such ACE.
   */
  nearest: AceRef | null;
  /** What differed from `nearest` (empty for a matched drop/reject). */
  differences: ExplainedDifference[];
  /** The ACE the verdict (and the mud.violation alert) named, when it differs from `nearest` (it may be a drop ACE). */
  verdictAce?: string;
  /**
   * `decision`: names and classes as they were when the first packet was judged; `report`: worked
   * out afterwards from the flow record (names from the DNS cache now, when one is given).
   */
  evidenceAt: 'decision' | 'report';
  /** The verdict's reason, as the alert gave it. */
  reason: string | null;
}

/** Why a flow of the device has no verdict for it. */
export type UnjudgedReason =
  /** ICMPv6 neighbour discovery / multicast listener messages and IGMP: the policy layer does not judge them. */
  | 'link-control'
  /** Any other: the flow began before the profile was bound, or its first packet did not carry the device's MAC. */
  | 'not-judged';

/** The explanation of one device. */
export interface DeviceExplanation {
  mac: string;
  /** The profile's mud-url, and the file it came from when known. */
  profile: string;
  file: string | null;
  /** False when the device never appeared (a binding for a MAC the capture does not hold). */
  seen: boolean;
  /**
   * The device's flows in the window (those with its MAC on either side, or judged for it),
   * split so that allowed + denied + unjudged = flows, for flows and for bytes alike.
   */
  totals: { flows: number; bytes: number; allowed: FlowTally; denied: FlowTally; unjudged: FlowTally };
  /** Every ACE of the profile in evaluation order (from-device ACLs, then to-device), then rows the profile does not list (emergency). Σ flows = totals.allowed.flows. */
  aces: AceUse[];
  /** The profile's ACEs that neither allowed nor denied a flow in the window. */
  unused: AceRef[];
  /** Denied flows, oldest first, up to the listing cap. */
  denied: DeniedFlow[];
  /** Denied flows beyond the cap (counted in totals, not listed). */
  deniedOmitted: number;
  unjudged: { byReason: Record<UnjudgedReason, FlowTally>; sample: FlowBrief[] };
}

/** The whole report. */
export interface ExplainReport {
  /** Flows counted are those whose first packet falls in [from, to); null is open. ISO-8601. */
  window: { from: string | null; to: string | null };
  /** First-packet times of the earliest and the latest flow counted (null when none was). */
  span: { first: string | null; last: string | null };
  devices: DeviceExplanation[];
}
