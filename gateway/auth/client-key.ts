// The key the failed-auth limiter counts under: the client's address, with IPv6 taken per /64,
// since one IPv6 host usually holds a whole /64 and could otherwise rotate addresses to dodge it.
import { parseIpv6 } from '../../policies/net/ip-address.js';

/**
 * `ip` as a limiter key: an IPv4 address as is (also when written IPv4-mapped, "::ffff:a.b.c.d"),
 * an IPv6 address as its /64 ("2001:db8:0:1::/64"), anything else unchanged.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const pct = ip.indexOf('%');
  const w = parseIpv6(pct >= 0 ? ip.slice(0, pct) : ip);
  if (w === null) return ip;
  const h = (x: number): string => (x >>> 16).toString(16) + ':' + (x & 0xffff).toString(16);
  return `${h(w[0])}:${h(w[1])}::/64`;
}
