// How a learned rule names the device's correspondent in MUD terms (RFC 8520 §8): the IANA URNs
// for the gateway's DNS and NTP, a configured controller or my-controller, local-networks for the
// rest of the LAN, and for the internet the DNS name the device asked for or the bare address.
import { SERVICE_URNS } from '../../policies/index.js';
import type { ObservedRule } from './device-evidence.js';
import type { LearnerOptions } from './learn-config.js';

/** The peer of a learned MUD rule. */
export type PeerClass =
  | { readonly kind: 'dhcp' }
  | { readonly kind: 'service'; readonly service: 'dns' | 'ntp'; readonly urn: string }
  | { readonly kind: 'controller'; readonly uri: string }
  | { readonly kind: 'my-controller' }
  | { readonly kind: 'local' }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'address'; readonly address: string };

/** What the classes stand for: configured and observed server addresses. */
export interface ClassContext {
  /** Members of urn:ietf:params:mud:dns: configured DNS servers (or gateway), plus LAN hosts seen answering DNS. */
  dnsServers: ReadonlySet<string>;
  /** Members of urn:ietf:params:mud:ntp, likewise. */
  ntpServers: ReadonlySet<string>;
  controllers: LearnerOptions['policy']['controllers'];
  /** my-controller addresses configured for the profile's MUD URL. */
  myControllers: readonly string[];
}

const TCP = 6;
const UDP = 17;
const PORT_DNS = 53;
const PORT_NTP = 123;

/** Classifies the peer of one observed rule. */
export function classifyPeer(r: ObservedRule, ctx: ClassContext): PeerClass {
  // DHCP on the LAN (broadcast, the server): local-networks. A DHCP packet to an address outside
  // it (some devices send to 0.0.0.0) keeps that address, or the rule would not match its flow.
  if (r.dhcp && r.peer.kind === 'lan') return { kind: 'dhcp' };
  const address = r.peer.kind === 'name' ? null : r.peer.address;
  // The operator's word first: a peer the config names as a controller is one, LAN or not.
  if (address !== null) {
    for (const [uri, members] of Object.entries(ctx.controllers)) if (members.includes(address)) return { kind: 'controller', uri };
    if (ctx.myControllers.includes(address)) return { kind: 'my-controller' };
  }
  if (r.peer.kind === 'lan') {
    // RFC 8520 §8 / IANA: the network's own DNS and NTP service, when the device is its client.
    if (r.deviceIsClient && r.port === PORT_DNS && (r.proto === UDP || r.proto === TCP) && ctx.dnsServers.has(r.peer.address)) {
      return { kind: 'service', service: 'dns', urn: SERVICE_URNS.dns };
    }
    if (r.deviceIsClient && r.port === PORT_NTP && r.proto === UDP && ctx.ntpServers.has(r.peer.address)) {
      return { kind: 'service', service: 'ntp', urn: SERVICE_URNS.ntp };
    }
    return { kind: 'local' };
  }
  return r.peer.kind === 'name' ? { kind: 'name', name: r.peer.name } : { kind: 'address', address: r.peer.address };
}

/** Text of a class, for keys and reports ("local-networks", "urn:ietf:params:mud:dns", a name, an address). */
export function peerClassText(c: PeerClass): string {
  switch (c.kind) {
    case 'dhcp': return 'local-networks (DHCP)';
    case 'service': return c.urn;
    case 'controller': return `controller ${c.uri}`;
    case 'my-controller': return 'my-controller';
    case 'local': return 'local-networks';
    case 'name': return c.name;
    case 'address': return c.address;
  }
}

/** ACE name prefix of a class: `cl` for cloud peers, `loc` for the LAN, and so on. */
export function acePrefix(c: PeerClass): string {
  switch (c.kind) {
    case 'dhcp': return 'dhcp';
    case 'service': return c.service;
    case 'controller': return 'ctl';
    case 'my-controller': return 'myctl';
    case 'local': return 'loc';
    case 'name':
    case 'address': return 'cl';
  }
}

/** Order of the classes in the profile: network services first, the cloud last. */
export const CLASS_ORDER: Record<PeerClass['kind'], number> = {
  dhcp: 0, service: 1, controller: 2, 'my-controller': 3, local: 4, name: 5, address: 6,
};
