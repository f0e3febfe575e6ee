// How the host-counting detectors (scanHost, scanIcmp) key a host: an IPv4 address as its unsigned
// number (no string per packet), an IPv6 address as its text (rare enough to afford one).
import { ipv4ToString } from '../common/address-text.js';

/** An IPv4 address (unsigned 32-bit) or an IPv6 address's text. */
export type HostKey = number | string;

/** The address text of a host key. */
export function hostText(h: HostKey): string {
  return typeof h === 'number' ? ipv4ToString(h) : h;
}

/** Ascending order of host keys of one family (IPv4 by number, IPv6 by text): the order samples are listed in. */
export function byHostKey(x: HostKey, y: HostKey): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
