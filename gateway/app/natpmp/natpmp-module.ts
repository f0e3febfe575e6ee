// NAT-PMP and PCP over UDP 5351 as an app module: each mapping request becomes a `portmap` record.
import type { UdpAppModule } from '../app-module.js';
import { NATPMP_PORT, parseNatPmpOrPcp } from './parse-natpmp.js';

/**
 * The NAT-PMP / PCP module. Responses, address requests and ANNOUNCE map nothing and emit nothing;
 * there is no malformed case (a datagram that is not a mapping request is simply not one), so
 * `parse` always returns 0. No content probe: both protocols are bound to their port.
 */
export const natpmpModule: UdpAppModule = {
  name: 'natpmp',
  ports: [NATPMP_PORT],
  parse(b, off, end, ts, _dir, out) {
    const m = parseNatPmpOrPcp(b, off, end);
    if (m !== null) out({ kind: 'portmap', ts, ...m });
    return 0;
  },
};
