// How an alert names a LAN device to a person: by the name it gave itself, else by its maker and
// MAC. One rule for every message (gateway/alerts/rule-guidance.ts) so the same device reads the
// same in every alert.

/**
 * What naming needs to know of a device (the inventory's `Device` has these fields; the merge of
 * sensor workers builds them from what the workers learned).
 */
export interface DeviceFacts {
  /** "aa:bb:cc:dd:ee:ff". */
  mac: string;
  /** DHCP, DHCPv6 or mDNS host name, or null. */
  hostname: string | null;
  /** LLDP system name, or null. */
  lldpSystemName: string | null;
  /** IEEE OUI organization, or null. */
  vendor: string | null;
  /** The device's addresses in text form (an address in a message is told as the device's when it is one of these). */
  ips: readonly string[];
}

/** Finds a device by MAC text; undefined when the inventory does not hold it. */
export type DeviceLookup = (mac: string) => DeviceFacts | undefined;

/** Longest name used as given, characters (a device chooses its own name: it is cut, not trusted). */
const MAX_NAME = 64;

/**
 * The name of device `mac`: its host name, else its LLDP system name, else "<vendor> <mac>", else
 * the MAC. A name is cut at 64 characters and control characters are dropped (a device chooses it).
 */
export function deviceName(mac: string, facts: DeviceFacts | undefined): string {
  const own = clean(facts?.hostname) ?? clean(facts?.lldpSystemName);
  if (own !== null) return own;
  const vendor = clean(facts?.vendor);
  return vendor !== null ? `${vendor} ${mac}` : mac;
}

function clean(s: string | null | undefined): string | null {
  if (typeof s !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME);
  return t === '' ? null : t;
}
