// The record the inventory keeps for one device on the LAN, keyed by its MAC.

/** Where a device's MUD URL came from (RFC 8520 §10, §11; or the operator's binding). */
export type MudUrlSource = 'dhcpv4' | 'dhcpv6' | 'lldp' | 'config';

/** One device. Strings here are copies: they outlive the packet that carried them. */
export interface Device {
  /** "aa:bb:cc:dd:ee:ff". */
  mac: string;
  /** The MAC as a 48-bit integer (the inventory key). */
  macNum: number;
  /** IPv4 and IPv6 addresses in text form, oldest first (capped). */
  ips: string[];
  /** IEEE OUI organization, or null (unknown or locally administered MAC). */
  vendor: string | null;
  /** DHCP option 12 hostname, else DHCPv6 FQDN, else an mDNS host name, else null. */
  hostname: string | null;
  /** Where `hostname` came from. */
  hostnameSource: 'dhcp' | 'dhcpv6' | 'mdns' | 'lldp' | null;
  /** DHCP option 55 parameter request list, comma-separated (the Fingerbank-style fingerprint). */
  dhcpFingerprint: string | null;
  /** DHCP option 60. */
  dhcpVendorClass: string | null;
  /** MUD URL announced by the device, or bound by config. */
  mudUrl: string | null;
  mudUrlSource: MudUrlSource | null;
  /** Name of the MUD profile applied (set by the policy layer), or null. */
  profile: string | null;
  /** SSDP SERVER header, a hint at the device's software. */
  ssdpServer: string | null;
  /** LLDP system name. */
  lldpSystemName: string | null;
  /** Packet time, microseconds. */
  firstSeen: number;
  lastSeen: number;
  /** Frames and bytes sent by the device. */
  packets: number;
  bytes: number;
  /** Most recent IPv4 address seen as a number (hot-path shortcut), or -1. */
  lastIpv4: number;
  /** First and last word of the most recent IPv6 address learned (hot-path shortcut). */
  lastIpv6w0: number;
  lastIpv6w3: number;
}
