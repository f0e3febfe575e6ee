// DHCPv6 over UDP 546/547 as an app module: each message (relays unwrapped) becomes a `dhcpv6` record.
import type { UdpAppModule } from '../app-module.js';
import { parseDhcpv6 } from './parse-dhcpv6.js';

/** The DHCPv6 module. No content probe: a 4-byte header has no magic to tell it by. */
export const dhcpv6Module: UdpAppModule = {
  name: 'dhcpv6',
  // IANA 546 (dhcpv6-client) and 547 (dhcpv6-server), RFC 8415 §7.2.
  ports: [546, 547],
  parse(b, off, end, ts, _dir, out) {
    const msg = parseDhcpv6(b, off, end);
    if (typeof msg === 'number') return msg;
    out({ kind: 'dhcpv6', ts, msg });
    return 0;
  },
};
