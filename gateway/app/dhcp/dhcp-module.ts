// DHCPv4 over UDP 67/68 as an app module: each message becomes a `dhcp` record.
import { Probe, type UdpAppModule } from '../app-module.js';
import { parseDhcp } from './parse-dhcp.js';

/** RFC 2131 §2: the magic cookie 99.130.83.99 at offset 236, after the BOOTP header. */
const COOKIE_OFF = 236;
const COOKIE = [99, 130, 83, 99];

/**
 * The DHCPv4 module. Its probe, for datagrams on other ports (relays, captures of odd setups), wants
 * op 1 or 2, Ethernet hardware (htype 1, hlen 6) and the magic cookie: 240 bytes of structure that
 * no other protocol has by chance.
 */
export const dhcpModule: UdpAppModule = {
  name: 'dhcp',
  // IANA 67 (bootps, server) and 68 (bootpc, client).
  ports: [67, 68],
  probe(b, off, end) {
    if (end > b.length) end = b.length;
    if (end - off < COOKIE_OFF + COOKIE.length) return Probe.No;
    const op = b[off]!;
    if ((op !== 1 && op !== 2) || b[off + 1] !== 1 || b[off + 2] !== 6) return Probe.No;
    for (let i = 0; i < COOKIE.length; i++) if (b[off + COOKIE_OFF + i] !== COOKIE[i]) return Probe.No;
    return Probe.Yes;
  },
  parse(b, off, end, ts, _dir, out) {
    const msg = parseDhcp(b, off, end);
    if (typeof msg === 'number') return msg;
    out({ kind: 'dhcp', ts, msg });
    return 0;
  },
};
