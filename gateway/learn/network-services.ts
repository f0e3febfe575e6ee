// The gateway's services as the traffic shows them: which LAN hosts answered DHCP, DNS and NTP.
// The learned profile names them by the IANA controller URNs (RFC 8520 §8), and the report says
// which addresses those URNs must stand for when the profile is enforced or replayed.

/** Addresses kept per service (a LAN has one or two of each). */
const MAX_PER_SERVICE = 16;

/** Server addresses seen per service, in order of first sight. */
export class NetworkServices {
  readonly dhcp: string[] = [];
  readonly dns: string[] = [];
  readonly ntp: string[] = [];

  /** A LAN host at `address` answered from the service's port (udp 67, 53 or 123). */
  saw(service: 'dhcp' | 'dns' | 'ntp', address: string): void {
    const list = this[service];
    if (list.length < MAX_PER_SERVICE && !list.includes(address)) list.push(address);
  }
}
