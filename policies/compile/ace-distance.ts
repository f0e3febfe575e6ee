// How far a flow is from one ACE: each condition of the ACE the flow fails (protocol, ports, peer
// name, network or class, who opened it…), named by a stable code with what the ACE wanted and what
// the flow had. The verdict explainer says with it why a denied flow missed the ACE that came
// nearest. Weights mirror the matcher's `failures`, so the nearest ACE found here is the one the
// verdict names.

import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, FAM_NON_IP, FAM_V4, FAM_V6 } from '../mud/ace-families.js';
import { formatIpv4, formatIpv6, formatPrefix } from '../net/ip-address.js';
import { formatMac, mac48And, MAC_FULL_MASK } from '../net/mac-address.js';
import { PrefixSet } from './address-set.js';
import type { CompiledPolicy } from './compiled-policy.js';
import type { AddressRef, PortRange, RuleSpec } from './rule-spec.js';
import type { FlowQuery } from './verdict.js';

/**
 * Every way a flow can differ from an ACE, with what it means. Stable: tests and the API's
 * consumers match these codes, never the text. Append new codes; never rename or reuse one.
 */
export const ACE_DIFFERENCES = Object.freeze({
  'family': 'The ACE is for another address family (IPv4, IPv6 or non-IP frames) than the flow.',
  'ethertype': 'The ACE names an ethertype the frame does not carry.',
  'protocol': 'The ACE wants another IP protocol (e.g. tcp where the flow is udp).',
  'peer-port': "The correspondent's port (the destination port of a flow from the device) is outside the ACE's.",
  'device-port': "The device's own port is outside the ACE's.",
  'direction-initiated': 'RFC 8520 §4.1 direction-initiated: the other side opened the connection, or who opened it was not seen.',
  'icmp-type': 'The ICMP type differs.',
  'icmp-code': 'The ICMP code differs.',
  'peer-mac': "The correspondent's MAC is not the one the ACE names.",
  'device-mac': "The device's MAC is not the one the ACE names.",
  'peer-name': 'A dst-dnsname/src-dnsname ACE: no DNS answer seen before the flow (and still valid) gave the peer address for that name.',
  'peer-network': 'The peer address is outside the network the ACE names.',
  'peer-class': 'The peer is not a member of the MUD class the ACE names (controller, my-controller, local-networks, manufacturer, same-manufacturer, model).',
  'device-address': "The device's own address is outside the network or name the ACE names for the device side.",
  'non-ip-peer': 'A non-IP frame: only ACEs whose peer conditions are all local-networks can match it.',
  'state-changed': 'Every condition holds now: the address sets the ACE uses (DNS answers, classes) changed between the verdict and this explanation.',
} as const);

/** A code of {@link ACE_DIFFERENCES}. */
export type AceDifferenceCode = keyof typeof ACE_DIFFERENCES;

/** One condition of an ACE the flow failed. */
export interface AceDifference {
  readonly code: AceDifferenceCode;
  /** What the ACE wants, as text: `443`, `tcp`, `cloud.example.com`, `the device`. */
  readonly want: string;
  /** What the flow had: `8080`, `udp`, the peer's names or address, `the peer`. */
  readonly have: string;
  /** Set for a class condition no address stands for in this context (e.g. a controller nobody configured). */
  readonly emptyClass?: true;
}

/** How far a flow is from one ACE: the failed conditions and their weight (0 = the ACE matches). */
export interface AceDistance {
  readonly distance: number;
  readonly differences: readonly AceDifference[];
}

/** Answers whether an address condition holds for the flow, at the flow's time. */
export interface AddressTest {
  /** True when the flow's peer (or device) address belongs to `ref`. */
  has(ref: AddressRef, side: 'peer' | 'device', q: FlowQuery): boolean;
  /** True when a class stands for no address at all here (an unconfigured controller, no peers of a manufacturer). */
  isEmpty?(ref: AddressRef): boolean;
  /** The DNS names the peer address had at the flow's time (for the text of a `peer-name` difference). */
  readonly peerNames?: readonly string[];
  /** The device's MAC (48-bit) when the query gives none: the policy's, as the matcher defaults it. */
  readonly deviceMac?: number;
}

/** A family or ethertype mismatch weighs this much: the nearest ACE is one of the flow's own kind. */
export const FAMILY_WEIGHT = 100;

const PROTOCOLS: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

/** Name of an IP protocol number (`tcp`, `udp`, …, else the number). */
export function protocolName(p: number): string {
  return p < 0 ? 'none' : PROTOCOLS[p] ?? String(p);
}

function portText(r: PortRange): string {
  if (r.neq) return `not ${r.lo}`;
  return r.lo === r.hi ? String(r.lo) : `${r.lo}-${r.hi}`;
}

function portOk(r: PortRange | undefined, port: number): boolean {
  if (r === undefined) return true;
  if (port < 0) return false;
  const inside = port >= r.lo && port <= r.hi;
  return r.neq ? !inside : inside;
}

function familyText(bits: number): string {
  const out: string[] = [];
  if (bits & FAM_V4) out.push('IPv4');
  if (bits & FAM_V6) out.push('IPv6');
  if (bits & FAM_NON_IP) out.push('non-IP');
  return out.join(', ') || 'nothing';
}

function macText(m: { mac: number; mask: number }): string {
  return m.mask === MAC_FULL_MASK ? formatMac(m.mac) : `${formatMac(m.mac)}/${formatMac(m.mask)}`;
}

/** The peer's address as text (IPv4 or IPv6), '' for a non-IP frame. */
export function peerAddressText(q: FlowQuery): string {
  if (q.family === 4) return formatIpv4(q.peer0);
  if (q.family === 6) return formatIpv6([q.peer0, q.peer1, q.peer2, q.peer3]);
  return '';
}

/** The address condition as text: `cloud.example.com`, `203.0.113.0/24`, `controller urn:…`. */
export function addressRefText(ref: AddressRef): string {
  switch (ref.kind) {
    case 'prefix': return formatPrefix(ref.prefix);
    case 'dns': return ref.name;
    case 'controller': return `controller ${ref.uri}`;
    case 'my-controller': return 'my-controller';
    case 'local-networks': return 'local-networks';
    case 'manufacturer': return `manufacturer ${ref.domain}`;
    case 'same-manufacturer': return 'same-manufacturer';
    case 'model': return `model ${ref.url}`;
  }
}

const who = (dev: boolean | null): string => (dev === null ? 'unknown' : dev ? 'the device' : 'the peer');

/**
 * Every condition of `spec` that flow `q` fails, with its weight as the matcher counts it (family
 * and ethertype {@link FAMILY_WEIGHT}, every other condition 1). `spec` must be of the flow's
 * direction; a disabled ACE (one with a match edgeward cannot enforce) is measured all the same.
 */
export function aceDistance(spec: RuleSpec, q: FlowQuery, test: AddressTest): AceDistance {
  const out: AceDifference[] = [];
  let n = 0;
  const add = (d: AceDifference, w = 1): void => { out.push(d); n += w; };
  const fam = q.family;
  const famBit = fam === 4 ? FAM_V4 : fam === 6 ? FAM_V6 : FAM_NON_IP;
  if ((spec.families & famBit) === 0) add({ code: 'family', want: familyText(spec.families), have: familyText(famBit) }, FAMILY_WEIGHT);
  if (spec.ethertype !== undefined) {
    const et = q.ethertype ?? (fam === 4 ? ETHERTYPE_IPV4 : fam === 6 ? ETHERTYPE_IPV6 : -1);
    const hex = (e: number): string => (e < 0 ? 'unknown' : `0x${e.toString(16).padStart(4, '0')}`);
    if (et !== spec.ethertype) add({ code: 'ethertype', want: hex(spec.ethertype), have: hex(et) }, FAMILY_WEIGHT);
  }
  if (fam !== 0) {
    const proto = fam === 4 ? spec.proto4 : spec.proto6;
    if (proto !== undefined && q.proto !== proto) add({ code: 'protocol', want: protocolName(proto), have: protocolName(q.proto) });
    if (!portOk(spec.devicePort, q.devicePort)) add({ code: 'device-port', want: portText(spec.devicePort!), have: q.devicePort < 0 ? 'none' : String(q.devicePort) });
    if (!portOk(spec.peerPort, q.peerPort)) add({ code: 'peer-port', want: portText(spec.peerPort!), have: q.peerPort < 0 ? 'none' : String(q.peerPort) });
    if (spec.initiatedBy !== undefined && q.initiatedByDevice !== (spec.initiatedBy === 'device')) {
      add({ code: 'direction-initiated', want: spec.initiatedBy === 'device' ? 'the device' : 'the peer', have: who(q.initiatedByDevice) });
    }
    if (spec.icmpType !== undefined && q.icmpType !== spec.icmpType) add({ code: 'icmp-type', want: String(spec.icmpType), have: q.icmpType === undefined ? 'unknown' : String(q.icmpType) });
    if (spec.icmpCode !== undefined && q.icmpCode !== spec.icmpCode) add({ code: 'icmp-code', want: String(spec.icmpCode), have: q.icmpCode === undefined ? 'unknown' : String(q.icmpCode) });
  }
  const macMiss = (want: { mac: number; mask: number } | undefined, have: number | undefined): boolean =>
    want !== undefined && (have === undefined || have < 0 || mac48And(have, want.mask) !== mac48And(want.mac, want.mask));
  if (macMiss(spec.peerMac, q.peerMac)) add({ code: 'peer-mac', want: macText(spec.peerMac!), have: q.peerMac === undefined || q.peerMac < 0 ? 'unknown' : formatMac(q.peerMac) });
  // The device's MAC defaults to the policy's, as the matcher's does.
  const devMac = q.deviceMac ?? test.deviceMac;
  if (macMiss(spec.deviceMac, devMac)) add({ code: 'device-mac', want: macText(spec.deviceMac!), have: devMac === undefined || devMac < 0 ? 'unknown' : formatMac(devMac) });
  if (fam === 0) {
    const ok = spec.peer.every((r) => r.kind === 'local-networks') && spec.device.length === 0;
    if (!ok) add({ code: 'non-ip-peer', want: spec.peer.map(addressRefText).join(' / ') || 'any', have: 'a non-IP frame' });
    return { distance: n, differences: out };
  }
  const peer = peerAddressText(q);
  for (const ref of spec.peer) {
    if (test.has(ref, 'peer', q)) continue;
    const empty = ref.kind !== 'dns' && ref.kind !== 'prefix' && test.isEmpty?.(ref) === true;
    if (ref.kind === 'dns') {
      const names = test.peerNames ?? [];
      add({ code: 'peer-name', want: ref.name, have: names.length > 0 ? names.join(', ') : `${peer} (no DNS name)` });
    } else if (ref.kind === 'prefix') add({ code: 'peer-network', want: addressRefText(ref), have: peer });
    else add({ code: 'peer-class', want: addressRefText(ref), have: peer, ...(empty && { emptyClass: true as const }) });
  }
  for (const ref of spec.device) {
    if (q.device0 !== undefined && test.has(ref, 'device', q)) continue;
    const dev = q.device0 === undefined ? 'unknown' : q.family === 4 ? formatIpv4(q.device0) : formatIpv6([q.device0, q.device1 ?? 0, q.device2 ?? 0, q.device3 ?? 0]);
    add({ code: 'device-address', want: addressRefText(ref), have: dev });
  }
  return { distance: n, differences: out };
}

/** The nearest ACE of a list and how far the flow is from it. */
export interface NearestAce extends AceDistance {
  readonly spec: RuleSpec;
}

/**
 * The enabled ACE of `specs` (of the flow's direction, in evaluation order) that the flow fails the
 * fewest conditions of, the first on ties: the same choice as `CompiledPolicy.decide`'s nearestAce.
 * Null when no ACE is enabled.
 */
export function nearestAce(specs: readonly RuleSpec[], q: FlowQuery, test: AddressTest): NearestAce | null {
  let best: NearestAce | null = null;
  for (const spec of specs) {
    if (!spec.enabled || spec.families === 0 || spec.direction !== q.direction) continue;
    const d = aceDistance(spec, q, test);
    if (best === null || d.distance < best.distance) best = { spec, ...d };
  }
  return best;
}

/**
 * One line a person reads: `port: 8080 ≠ 443`, `name: a.example.net not cloud.example.com`,
 * `direction: initiated by the peer, ACE wants the device`, `protocol: udp ≠ tcp`.
 */
export function differenceText(d: AceDifference): string {
  switch (d.code) {
    case 'family': return `family: ${d.have}, ACE is for ${d.want}`;
    case 'ethertype': return `ethertype: ${d.have} ≠ ${d.want}`;
    case 'protocol': return `protocol: ${d.have} ≠ ${d.want}`;
    case 'peer-port':
    case 'device-port': {
      const label = d.code === 'peer-port' ? 'port' : 'device port';
      if (d.want.startsWith('not ')) return `${label}: ${d.have}, ACE excludes it`;
      return d.want.includes('-') ? `${label}: ${d.have} not in ${d.want}` : `${label}: ${d.have} ≠ ${d.want}`;
    }
    case 'direction-initiated':
      return d.have === 'unknown' ? `direction: opener not seen, ACE wants ${d.want}` : `direction: initiated by ${d.have}, ACE wants ${d.want}`;
    case 'icmp-type': return `icmp type: ${d.have} ≠ ${d.want}`;
    case 'icmp-code': return `icmp code: ${d.have} ≠ ${d.want}`;
    case 'peer-mac': return `peer MAC: ${d.have} not ${d.want}`;
    case 'device-mac': return `device MAC: ${d.have} not ${d.want}`;
    case 'peer-name': return `name: ${d.have} not ${d.want}`;
    case 'peer-network': return `peer: ${d.have} not in ${d.want}`;
    case 'peer-class': return `peer: ${d.have} not ${d.want}${d.emptyClass ? ' (no address stands for it here)' : ''}`;
    case 'device-address': return `device address: ${d.have} not ${d.want}`;
    case 'non-ip-peer': return `peer: ${d.have}, ACE wants ${d.want}`;
    case 'state-changed': return 'matches now: the DNS answers or classes it uses changed since the verdict';
  }
}

/**
 * An {@link AddressTest} over a compiled policy: classes and networks through the prefixes the
 * policy's context gives them; DNS names through `peerNames`, the names the gateway's DNS cache
 * held for the peer address at the flow's time (the same answers the policy's name sets are fed).
 */
export function policyAddressTest(policy: CompiledPolicy, peerNames: readonly string[] = [], deviceNames: readonly string[] = []): AddressTest {
  // The policy's own cached sets: this runs for every denied flow the recorder explains.
  const setOf = (ref: Exclude<AddressRef, { kind: 'dns' }>): PrefixSet => policy.classSet(ref);
  const norm = (n: string): string => (n.endsWith('.') ? n.slice(0, -1) : n).toLowerCase();
  const peerSet = new Set(peerNames.map(norm));
  const devSet = new Set(deviceNames.map(norm));
  return {
    peerNames,
    deviceMac: policy.deviceMac,
    has(ref, side, q) {
      if (q.family === 0) return false;
      if (ref.kind === 'dns') return (side === 'peer' ? peerSet : devSet).has(ref.name);
      if (side === 'peer') return setOf(ref).has(q.family, q.peer0, q.peer1, q.peer2, q.peer3);
      if (q.device0 === undefined) return false;
      return setOf(ref).has(q.family, q.device0, q.device1 ?? 0, q.device2 ?? 0, q.device3 ?? 0);
    },
    isEmpty: (ref) => ref.kind !== 'dns' && setOf(ref).prefixes.length === 0,
  };
}
