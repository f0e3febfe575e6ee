// Why one flow was denied by a device's compiled policy: the drop/reject ACE that matched it, or
// for the implicit deny the accept ACE it came nearest to and every condition it failed.
import {
  aceDistance, nearestAce, policyAddressTest, type AceDifference, type CompiledPolicy, type FlowQuery, type RuleSpec,
} from '../../policies/index.js';
import type { DeniedBy } from './explain-report.js';

/** The explanation of one denied flow, as worked out for one device. */
export interface DenialDetail {
  /** Packet time of the flow's first packet, µs. */
  ts: number;
  /** Names the DNS cache held for the peer address at `ts`. */
  peerNames: string[];
  deniedBy: DeniedBy;
  /** The matched drop/reject ACE, or the nearest accept ACE; null when the direction has none enabled. */
  nearest: RuleSpec | null;
  differences: readonly AceDifference[];
}

/**
 * Explains a deny of `q` by `policy`. `verdictAcl`/`verdictAce` are what the verdict named: when
 * that ACE is a drop or reject the flow matches, it denied the flow. Otherwise it is the implicit
 * deny (RFC 8519 §4.1), explained against the nearest *accept* ACE — the one that would have let
 * the flow through had the differences been otherwise. The verdict's own nearest ACE may be a drop
 * ACE; that says nothing about what the profile allows.
 */
export function explainDenial(
  policy: CompiledPolicy, q: FlowQuery, verdictAcl: string | null, verdictAce: string | null, peerNames: readonly string[],
): DenialDetail {
  const specs = q.direction === 'from-device' ? policy.rules.fromDevice : policy.rules.toDevice;
  const test = policyAddressTest(policy, peerNames);
  const base = { ts: q.ts ?? 0, peerNames: [...peerNames] };
  const named = specs.find((s) => s.acl === verdictAcl && s.ace === verdictAce);
  if (named !== undefined && named.action !== 'accept' && aceDistance(named, q, test).distance === 0) {
    return { ...base, deniedBy: named.action, nearest: named, differences: [] };
  }
  const n = nearestAce(specs.filter((s) => s.action === 'accept'), q, test);
  if (n === null) return { ...base, deniedBy: 'implicit-deny', nearest: null, differences: [] };
  // The ACE matches now: the name or class sets it uses changed between the verdict and now.
  const differences = n.differences.length > 0 ? n.differences : [{ code: 'state-changed' as const, want: '', have: '' }];
  return { ...base, deniedBy: 'implicit-deny', nearest: n.spec, differences };
}
