// Which packet families an ACE can match, from its ACL type and its own match containers. The
// validator uses it to refuse contradictions; the compiler uses it to skip ACEs cheaply.

import type { AceMatches, AclType } from './profile.js';

/** Bit for frames that carry no IP (ARP, EAPOL, ...). */
export const FAM_NON_IP = 1;
/** Bit for IPv4 packets. */
export const FAM_V4 = 2;
/** Bit for IPv6 packets. */
export const FAM_V6 = 4;
/** Every family. */
export const FAM_ALL = FAM_NON_IP | FAM_V4 | FAM_V6;

/** Ethertypes of IPv4 and IPv6 (IEEE 802 registry). */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

/** Family bit of a flow family (0, 4 or 6). */
export function familyBit(family: 0 | 4 | 6): number {
  return family === 4 ? FAM_V4 : family === 6 ? FAM_V6 : FAM_NON_IP;
}

/** Families an ACL type covers (RFC 8519 §4.1); an untyped ACL covers all. */
export function aclTypeFamilies(type: AclType | undefined): number {
  switch (type) {
    case 'ipv4-acl-type': return FAM_V4;
    case 'ipv6-acl-type': return FAM_V6;
    case 'mixed-eth-ipv4-acl-type': return FAM_NON_IP | FAM_V4;
    case 'mixed-eth-ipv6-acl-type': return FAM_NON_IP | FAM_V6;
    case 'eth-acl-type':
    case 'mixed-eth-ipv4-ipv6-acl-type':
    case undefined:
      return FAM_ALL;
  }
}

/** The ACL type an ACE is read under once an eth match widens an IP-only type (a known quirk). */
export function widenedAclType(type: AclType | undefined, hasEth: boolean): AclType | undefined {
  if (!hasEth) return type;
  if (type === 'ipv4-acl-type') return 'mixed-eth-ipv4-acl-type';
  if (type === 'ipv6-acl-type') return 'mixed-eth-ipv6-acl-type';
  return type;
}

/**
 * Families the ACE can match: the ACL type's, narrowed by the l3 family, by transport and address
 * matches (which need IP), and by the ethertype. 0 means the matches contradict each other.
 * `local-networks` alone does not need IP: a non-IP frame never leaves the local segment.
 */
export function aceFamilies(type: AclType | undefined, m: AceMatches): number {
  let fam = aclTypeFamilies(widenedAclType(type, m.eth !== undefined));
  if (m.l3) fam &= m.l3.family === 4 ? FAM_V4 : FAM_V6;
  if (m.l4 || m.icmp) fam &= FAM_V4 | FAM_V6;
  const mud = m.mud;
  if (mud && (mud.manufacturer || mud.sameManufacturer || mud.model || mud.controller || mud.myController)) {
    fam &= FAM_V4 | FAM_V6;
  }
  const et = m.eth?.ethertype;
  if (et !== undefined) {
    fam &= et === ETHERTYPE_IPV4 ? FAM_V4 : et === ETHERTYPE_IPV6 ? FAM_V6 : FAM_NON_IP;
  }
  return fam;
}
