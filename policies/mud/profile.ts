// The typed MUD profile: what a MUD file (RFC 8520) and its ACLs (RFC 8519) say, after validation
// and after every tolerated quirk has been read its one safe way. Plain data (JSON-serialisable),
// so it can be cached and shipped; the compiler turns it into a per-device matcher.

import type { IpPrefix } from '../net/ip-address.js';

/** RFC 8519 §4.1 ACL type identities (namespace prefix removed). */
export type AclType =
  | 'ipv4-acl-type'
  | 'ipv6-acl-type'
  | 'eth-acl-type'
  | 'mixed-eth-ipv4-acl-type'
  | 'mixed-eth-ipv6-acl-type'
  | 'mixed-eth-ipv4-ipv6-acl-type';

/** RFC 8519 forwarding actions. */
export type Forwarding = 'accept' | 'drop' | 'reject';

/** RFC 8520 §4.1 `direction-initiated` values. */
export type Direction = 'from-device' | 'to-device';

/** RFC 8519 port-range-or-operator, as written (the compiler normalises it to a range). */
export type PortMatch =
  | { readonly kind: 'operator'; readonly operator: 'eq' | 'lte' | 'gte' | 'neq'; readonly port: number }
  | { readonly kind: 'range'; readonly lower: number; readonly upper: number };

/** A MAC with its mask (all ones when the file gave no mask); 48-bit integers. */
export interface MacMatch {
  readonly mac: number;
  readonly mask: number;
}

/** RFC 8519 eth match. */
export interface EthMatch {
  readonly ethertype?: number;
  readonly source?: MacMatch;
  readonly destination?: MacMatch;
}

/** RFC 8519 ipv4/ipv6 match plus RFC 8520 ietf-acldns names. Names are lower case, no final dot. */
export interface L3Match {
  readonly family: 4 | 6;
  readonly protocol?: number;
  readonly sourceNetwork?: IpPrefix;
  readonly destinationNetwork?: IpPrefix;
  readonly srcDnsName?: string;
  readonly dstDnsName?: string;
}

/** RFC 8519 tcp/udp match plus RFC 8520 direction-initiated (tcp only). */
export interface L4Match {
  readonly protocol: 'tcp' | 'udp';
  readonly sourcePort?: PortMatch;
  readonly destinationPort?: PortMatch;
  readonly directionInitiated?: Direction;
}

/** RFC 8519 icmp match. */
export interface IcmpMatch {
  readonly type?: number;
  readonly code?: number;
}

/** RFC 8520 §8 `ietf-mud:mud` match classes; each refers to the device's peer. */
export interface MudClassMatch {
  /** Domain matched against the authority of other devices' MUD URLs (lower case). */
  readonly manufacturer?: string;
  readonly sameManufacturer?: true;
  /** MUD URL other devices must have, exactly. */
  readonly model?: string;
  readonly localNetworks?: true;
  /** Controller class URI (including the IANA URNs urn:ietf:params:mud:dns, :ntp, :gateway). */
  readonly controller?: string;
  readonly myController?: true;
}

/** Everything an ACE matches on; absent parts mean "any" (RFC 8519 §4.1). */
export interface AceMatches {
  readonly eth?: EthMatch;
  readonly l3?: L3Match;
  readonly l4?: L4Match;
  readonly icmp?: IcmpMatch;
  readonly mud?: MudClassMatch;
  /** Match members edgeward cannot enforce (JSON Pointers); see `ace.unsupported-match`. */
  readonly unsupported: readonly string[];
}

/** One access control entry. */
export interface Ace {
  readonly name: string;
  /** JSON Pointer of the ACE in the document. */
  readonly path: string;
  readonly matches: AceMatches;
  readonly forwarding: Forwarding;
  readonly logging?: 'log-syslog' | 'log-none';
}

/** One access control list. */
export interface Acl {
  readonly name: string;
  /** The type as read; `undefined` when the file gave none (any family). */
  readonly type: AclType | undefined;
  /** JSON Pointer of the ACL in the document. */
  readonly path: string;
  readonly aces: readonly Ace[];
}

/** A validated MUD profile. */
export interface MudProfile {
  readonly mudVersion: number;
  readonly mudUrl: string;
  /** Lower-case host of the MUD URL: what `manufacturer`/`same-manufacturer` compare (RFC 8520 §8). */
  readonly authority: string;
  readonly lastUpdate?: string;
  readonly mudSignature?: string;
  /** Hours; RFC 8520 default 48. */
  readonly cacheValidity: number;
  readonly isSupported?: boolean;
  readonly systeminfo?: string;
  readonly mfgName?: string;
  readonly modelName?: string;
  readonly firmwareRev?: string;
  readonly softwareRev?: string;
  readonly documentation?: string;
  readonly extensions: readonly string[];
  /** ACL names applied to packets from the device, in order. */
  readonly fromDevicePolicy: readonly string[];
  /** ACL names applied to packets toward the device, in order. */
  readonly toDevicePolicy: readonly string[];
  /** Every ACL of the document, in document order. */
  readonly acls: readonly Acl[];
}

/** Looks an ACL up by name. */
export function findAcl(profile: MudProfile, name: string): Acl | undefined {
  return profile.acls.find((a) => a.name === name);
}
