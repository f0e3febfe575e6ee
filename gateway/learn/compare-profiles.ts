// Compares two MUD profiles by what their ACEs mean, not by their names: direction, family,
// protocol, the peer (DNS name, network or MUD class) and the ports. A learned profile set beside
// the vendor's shows what the device did that the vendor did not declare, and the reverse.
import { formatPrefix, type Ace, type Acl, type MudProfile, type PortMatch } from '../../policies/index.js';

/** What one ACE allows, in comparable terms. */
export interface AceMeaning {
  direction: 'from-device' | 'to-device';
  family: 'ipv4' | 'ipv6' | 'any';
  /** "tcp", "udp", "icmp type 8", "proto 47", "any". */
  protocol: string;
  /** The device's correspondent: a DNS name, a network, a MUD class, or "any". */
  peer: string;
  /** "peer 443", "peer 67, device 68", or "" when the ACE names no port. */
  ports: string;
  /** RFC 8520 direction-initiated, when the ACE carries it. */
  initiated: string | null;
  forwarding: string;
  acl: string;
  ace: string;
}

/** The two sides of a comparison. */
export interface ProfileComparison {
  /** ACEs whose meaning both profiles have. */
  both: { learned: AceMeaning; reference: AceMeaning }[];
  onlyLearned: AceMeaning[];
  onlyReference: AceMeaning[];
}

const PROTOCOLS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

function portText(p: PortMatch): string {
  if (p.kind === 'range') return p.lower === p.upper ? String(p.lower) : `${p.lower}-${p.upper}`;
  return p.operator === 'eq' ? String(p.port) : p.operator === 'neq' ? `not ${p.port}` : `${p.operator === 'lte' ? '<=' : '>='}${p.port}`;
}

/** The meaning of one ACE of an ACL applied in `direction`. */
export function aceMeaning(acl: Acl, ace: Ace, direction: 'from-device' | 'to-device'): AceMeaning {
  const m = ace.matches;
  const from = direction === 'from-device';
  const family = m.l3 ? (m.l3.family === 4 ? 'ipv4' : 'ipv6') : acl.type === 'ipv4-acl-type' ? 'ipv4' : acl.type === 'ipv6-acl-type' ? 'ipv6' : 'any';
  let protocol = m.l4?.protocol ?? (m.l3?.protocol !== undefined ? PROTOCOLS[m.l3.protocol] ?? `proto ${m.l3.protocol}` : m.icmp ? 'icmp' : 'any');
  if (m.icmp?.type !== undefined) protocol += ` type ${m.icmp.type}`;
  const peers: string[] = [];
  const name = from ? m.l3?.dstDnsName : m.l3?.srcDnsName;
  const net = from ? m.l3?.destinationNetwork : m.l3?.sourceNetwork;
  if (name) peers.push(name);
  if (net) peers.push(formatPrefix(net));
  const c = m.mud;
  if (c?.localNetworks) peers.push('local-networks');
  if (c?.controller) peers.push(`controller ${c.controller}`);
  if (c?.myController) peers.push('my-controller');
  if (c?.manufacturer) peers.push(`manufacturer ${c.manufacturer}`);
  if (c?.sameManufacturer) peers.push('same-manufacturer');
  if (c?.model) peers.push(`model ${c.model}`);
  const peerPort = from ? m.l4?.destinationPort : m.l4?.sourcePort;
  const devicePort = from ? m.l4?.sourcePort : m.l4?.destinationPort;
  const ports = [peerPort ? `peer ${portText(peerPort)}` : '', devicePort ? `device ${portText(devicePort)}` : ''].filter((x) => x !== '').join(', ');
  return {
    direction, family, protocol, peer: peers.length > 0 ? peers.join(' + ') : 'any', ports,
    initiated: m.l4?.directionInitiated ?? null, forwarding: ace.forwarding, acl: acl.name, ace: ace.name,
  };
}

/** Every ACE of a profile's policies, as meanings, in policy order. */
export function aceMeanings(p: MudProfile): AceMeaning[] {
  const out: AceMeaning[] = [];
  for (const [direction, names] of [['from-device', p.fromDevicePolicy], ['to-device', p.toDevicePolicy]] as const) {
    for (const n of names) {
      const acl = p.acls.find((a) => a.name === n);
      if (acl) for (const ace of acl.aces) out.push(aceMeaning(acl, ace, direction));
    }
  }
  return out;
}

/** The comparison key: everything but names and direction-initiated (reported beside it). */
export function meaningKey(a: AceMeaning): string {
  return [a.direction, a.family, a.protocol, a.peer, a.ports, a.forwarding].join('|');
}

/** Compares a learned profile with a reference (the vendor's), ACE by meaning. */
export function compareProfiles(learned: MudProfile, reference: MudProfile): ProfileComparison {
  const ref = new Map<string, AceMeaning[]>();
  for (const a of aceMeanings(reference)) {
    const k = meaningKey(a);
    const l = ref.get(k);
    if (l) l.push(a);
    else ref.set(k, [a]);
  }
  const out: ProfileComparison = { both: [], onlyLearned: [], onlyReference: [] };
  for (const a of aceMeanings(learned)) {
    const match = ref.get(meaningKey(a))?.shift();
    if (match) out.both.push({ learned: a, reference: match });
    else out.onlyLearned.push(a);
  }
  for (const l of ref.values()) out.onlyReference.push(...l);
  return out;
}

/** The comparison as a Markdown table: one row per ACE meaning, where it is, and the ACE names. */
export function comparisonTable(c: ProfileComparison, labels: { learned: string; reference: string } = { learned: 'learned', reference: 'vendor' }): string {
  const init = (a: AceMeaning | undefined): string => a?.initiated ?? '';
  const rows: string[][] = [
    ...c.both.map((b) => ['both', b.learned.direction, b.learned.family, b.learned.protocol, b.learned.peer, b.learned.ports,
      init(b.learned) === init(b.reference) ? init(b.learned) : `${init(b.learned) || '-'} / ${init(b.reference) || '-'}`, b.learned.ace, b.reference.ace]),
    ...c.onlyLearned.map((a) => [`${labels.learned} only`, a.direction, a.family, a.protocol, a.peer, a.ports, init(a), a.ace, '']),
    ...c.onlyReference.map((a) => [`${labels.reference} only`, a.direction, a.family, a.protocol, a.peer, a.ports, init(a), '', a.ace]),
  ];
  const head = ['in', 'direction', 'family', 'protocol', 'peer', 'ports', 'initiated', `${labels.learned} ACE`, `${labels.reference} ACE`];
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}
