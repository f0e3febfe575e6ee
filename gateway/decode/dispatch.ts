// Which layer follows which, as data (after Zeek's packet-protocols): ethertypes, IP protocols
// and the UDP/TCP ports that select an application parser. Unknown values are counted events.

/** Ethertypes (IANA "IEEE 802 Numbers" registry). */
export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100, // IEEE 802.1Q
  QINQ: 0x88a8, // IEEE 802.1ad service tag
  VLAN_9100: 0x9100, // pre-standard QinQ still seen on switches
  IPV6: 0x86dd,
  LLDP: 0x88cc, // IEEE 802.1AB
  EAPOL: 0x888e, // IEEE 802.1X, seen when Wi-Fi devices join
} as const;

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  MOBILITY: 135,
  HIP: 139,
  SHIM6: 140,
  EXP1: 253,
  EXP2: 254,
} as const;


