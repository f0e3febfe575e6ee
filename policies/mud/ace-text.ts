// One line of text per ACE ("tcp to cloud.example.com port 443, initiated by the device: accept"),
// for the API's device detail, the dashboard and the verdict explanations: an analyst reads what
// the manufacturer allowed without opening the MUD file.
import { formatPrefix } from '../net/ip-address.js';
import type { Ace, PortMatch } from './profile.js';

const PROTOCOLS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

function port(p: PortMatch): string {
  if (p.kind === 'range') return `ports ${p.lower}-${p.upper}`;
  return p.operator === 'eq' ? `port ${p.port}` : p.operator === 'neq' ? `port not ${p.port}` : `port ${p.operator === 'lte' ? '<=' : '>='} ${p.port}`;
}

/** The ACE as a sentence, seen from the direction of its ACL (`from-device`: the device sends). */
export function describeAce(ace: Ace, direction: 'from-device' | 'to-device'): string {
  const m = ace.matches;
  const parts: string[] = [];
  const proto = m.l4?.protocol ?? (m.l3?.protocol !== undefined ? PROTOCOLS[m.l3.protocol] ?? `protocol ${m.l3.protocol}` : m.icmp ? 'icmp' : undefined);
  parts.push(proto ?? (m.l3 ? `ipv${m.l3.family}` : m.eth?.ethertype !== undefined ? `ethertype 0x${m.eth.ethertype.toString(16).padStart(4, '0')}` : 'any'));
  const peer: string[] = [];
  const l3 = m.l3;
  if (l3) {
    const name = direction === 'from-device' ? l3.dstDnsName : l3.srcDnsName;
    const net = direction === 'from-device' ? l3.destinationNetwork : l3.sourceNetwork;
    if (name) peer.push(name);
    if (net) peer.push(formatPrefix(net));
  }
  const mud = m.mud;
  if (mud) {
    if (mud.manufacturer) peer.push(`manufacturer ${mud.manufacturer}`);
    if (mud.sameManufacturer) peer.push('same manufacturer');
    if (mud.model) peer.push(`model ${mud.model}`);
    if (mud.localNetworks) peer.push('local networks');
    if (mud.controller) peer.push(`controller ${mud.controller}`);
    if (mud.myController) peer.push('my controller');
  }
  parts.push(`${direction === 'from-device' ? 'to' : 'from'} ${peer.length > 0 ? peer.join(' / ') : 'anywhere'}`);
  const l4 = m.l4;
  if (l4) {
    // The peer's port is the destination when the device sends, the source when it receives.
    const peerPort = direction === 'from-device' ? l4.destinationPort : l4.sourcePort;
    const ownPort = direction === 'from-device' ? l4.sourcePort : l4.destinationPort;
    if (peerPort) parts.push(port(peerPort));
    if (ownPort) parts.push(`device ${port(ownPort)}`);
    if (l4.directionInitiated) parts.push(l4.directionInitiated === 'from-device' ? 'initiated by the device' : 'initiated by the peer');
  }
  if (m.icmp?.type !== undefined) parts.push(`type ${m.icmp.type}${m.icmp.code !== undefined ? ` code ${m.icmp.code}` : ''}`);
  return `${parts.join(' ')}: ${ace.forwarding}`;
}
