// Rule specs: each ACE of a profile restated from the device's point of view (device side vs peer
// side instead of source vs destination), with ports normalised to ranges and the address
// matches named symbolically. Both the flow matcher and the nftables renderer start from these.

import { aceFamilies, FAM_NON_IP, FAM_V4, FAM_V6 } from '../mud/ace-families.js';
import type { IpPrefix } from '../net/ip-address.js';
import type { Ace, Acl, Direction, Forwarding, MacMatch, MudProfile, PortMatch } from '../mud/profile.js';

/** A port constraint as a closed range, optionally negated (`neq`). */
export interface PortRange {
  readonly lo: number;
  readonly hi: number;
  readonly neq: boolean;
}

/** One address condition on one side of the flow. Every condition of a side must hold. */
export type AddressRef =
  | { readonly kind: 'prefix'; readonly prefix: IpPrefix }
  | { readonly kind: 'dns'; readonly name: string }
  | { readonly kind: 'controller'; readonly uri: string }
  | { readonly kind: 'my-controller' }
  | { readonly kind: 'local-networks' }
  | { readonly kind: 'manufacturer'; readonly domain: string }
  | { readonly kind: 'same-manufacturer' }
  | { readonly kind: 'model'; readonly url: string };

/** One ACE, device-relative. Absent members mean "any". */
export interface RuleSpec {
  readonly direction: Direction;
  readonly acl: string;
  readonly ace: string;
  /** JSON Pointer of the ACE in the MUD document. */
  readonly path: string;
  readonly action: Forwarding;
  /** False for an accept ACE that carries a match edgeward cannot enforce (it never matches). */
  readonly enabled: boolean;
  /** Bit set of FAM_NON_IP, FAM_V4, FAM_V6. */
  readonly families: number;
  readonly ethertype?: number;
  /** IP protocol for IPv4 / IPv6 packets (they differ only for ICMP: 1 vs 58). */
  readonly proto4?: number;
  readonly proto6?: number;
  /** The transport whose ports the port ranges apply to. */
  readonly transport?: 'tcp' | 'udp';
  readonly devicePort?: PortRange;
  readonly peerPort?: PortRange;
  /** RFC 8520 §4.1 direction-initiated: who opened the TCP connection. */
  readonly initiatedBy?: 'device' | 'peer';
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly deviceMac?: MacMatch;
  readonly peerMac?: MacMatch;
  readonly device: readonly AddressRef[];
  readonly peer: readonly AddressRef[];
}

/** RFC 8519 port-range-or-operator as a range. */
export function portRange(p: PortMatch): PortRange {
  if (p.kind === 'range') return { lo: p.lower, hi: p.upper, neq: false };
  switch (p.operator) {
    case 'eq': return { lo: p.port, hi: p.port, neq: false };
    case 'neq': return { lo: p.port, hi: p.port, neq: true };
    case 'lte': return { lo: 0, hi: p.port, neq: false };
    case 'gte': return { lo: p.port, hi: 65535, neq: false };
  }
}

/** Restates one ACE of an ACL applied in `direction`. */
export function ruleSpecFor(acl: Acl, ace: Ace, direction: Direction): RuleSpec {
  const m = ace.matches;
  // From the device, the device is the source; toward it, the destination.
  const fromDevice = direction === 'from-device';
  const device: AddressRef[] = [];
  const peer: AddressRef[] = [];
  const srcSide = fromDevice ? device : peer;
  const dstSide = fromDevice ? peer : device;
  if (m.l3?.sourceNetwork) srcSide.push({ kind: 'prefix', prefix: m.l3.sourceNetwork });
  if (m.l3?.srcDnsName) srcSide.push({ kind: 'dns', name: m.l3.srcDnsName });
  if (m.l3?.destinationNetwork) dstSide.push({ kind: 'prefix', prefix: m.l3.destinationNetwork });
  if (m.l3?.dstDnsName) dstSide.push({ kind: 'dns', name: m.l3.dstDnsName });
  // RFC 8520 §8: the MUD classes name the device's correspondent.
  const c = m.mud;
  if (c?.manufacturer) peer.push({ kind: 'manufacturer', domain: c.manufacturer });
  if (c?.sameManufacturer) peer.push({ kind: 'same-manufacturer' });
  if (c?.model) peer.push({ kind: 'model', url: c.model });
  if (c?.localNetworks) peer.push({ kind: 'local-networks' });
  if (c?.controller) peer.push({ kind: 'controller', uri: c.controller });
  if (c?.myController) peer.push({ kind: 'my-controller' });

  let proto4: number | undefined;
  let proto6: number | undefined;
  if (m.l3?.protocol !== undefined) { proto4 = m.l3.protocol; proto6 = m.l3.protocol; }
  else if (m.l4) { proto4 = proto6 = m.l4.protocol === 'tcp' ? 6 : 17; }
  else if (m.icmp) { proto4 = 1; proto6 = 58; }

  const srcPort = m.l4?.sourcePort ? portRange(m.l4.sourcePort) : undefined;
  const dstPort = m.l4?.destinationPort ? portRange(m.l4.destinationPort) : undefined;
  const devicePort = fromDevice ? srcPort : dstPort;
  const peerPort = fromDevice ? dstPort : srcPort;
  const srcMac = m.eth?.source;
  const dstMac = m.eth?.destination;
  const deviceMac = fromDevice ? srcMac : dstMac;
  const peerMac = fromDevice ? dstMac : srcMac;
  const dir = m.l4?.directionInitiated;

  return {
    direction,
    acl: acl.name,
    ace: ace.name,
    path: ace.path,
    action: ace.forwarding,
    // An unenforceable match narrows an accept (so it never matches) and is dropped from a drop.
    enabled: !(ace.forwarding === 'accept' && m.unsupported.length > 0),
    families: aceFamilies(acl.type, m),
    ...(m.eth?.ethertype !== undefined && { ethertype: m.eth.ethertype }),
    ...(proto4 !== undefined && { proto4 }),
    ...(proto6 !== undefined && { proto6 }),
    ...(m.l4 && (devicePort || peerPort) && { transport: m.l4.protocol }),
    ...(devicePort && { devicePort }),
    ...(peerPort && { peerPort }),
    ...(dir && { initiatedBy: dir === 'from-device' ? 'device' as const : 'peer' as const }),
    ...(m.icmp?.type !== undefined && { icmpType: m.icmp.type }),
    ...(m.icmp?.code !== undefined && { icmpCode: m.icmp.code }),
    ...(deviceMac && { deviceMac }),
    ...(peerMac && { peerMac }),
    device,
    peer,
  };
}

/** The rule specs of one direction of a profile, in evaluation order (ACL order, then ACE order). */
export function ruleSpecs(profile: MudProfile, direction: Direction): RuleSpec[] {
  const names = direction === 'from-device' ? profile.fromDevicePolicy : profile.toDevicePolicy;
  const out: RuleSpec[] = [];
  for (const name of names) {
    const acl = profile.acls.find((a) => a.name === name);
    if (!acl) continue; // the validator refuses dangling names; stay total anyway
    for (const ace of acl.aces) out.push(ruleSpecFor(acl, ace, direction));
  }
  return out;
}

/** The families of a spec as a list (for renderers and tests). */
export function familyList(spec: RuleSpec): (0 | 4 | 6)[] {
  const out: (0 | 4 | 6)[] = [];
  if (spec.families & FAM_V4) out.push(4);
  if (spec.families & FAM_V6) out.push(6);
  if (spec.families & FAM_NON_IP) out.push(0);
  return out;
}
