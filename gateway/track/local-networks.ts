// Which addresses belong to the LAN side: the private and link-local ranges, plus the prefixes
// the operator configures. A device learns an address only from a frame it sent with a LAN
// source address (internet hosts appear behind the router's MAC with public addresses).
import { parsePrefix } from '../../policies/net/ip-address.js';

/** RFC 1918, RFC 3927 link-local, RFC 6598 shared space; RFC 4291 link-local, RFC 4193 ULA. */
export const DEFAULT_LOCAL_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', 'fe80::/10', 'fc00::/7'];

/** A set of LAN prefixes with a fast IPv4 path. */
export class LocalNetworks {
  private readonly v4: { net: number; mask: number }[] = [];
  /** IPv6 prefixes as word/mask quadruples, flattened: [w0,w1,w2,w3,m0,m1,m2,m3, ...]. */
  private readonly v6: number[] = [];

  constructor(prefixes: readonly string[] = DEFAULT_LOCAL_NETWORKS) {
    for (const t of prefixes) {
      const p = parsePrefix(t.trim());
      if (p === null) throw new RangeError(`not an IPv4 or IPv6 prefix: ${t}`);
      if (p.family === 4) {
        // `x >>> 32` is `x >>> 0` in JavaScript: a /32 needs its own case, or it would match everything.
        const mask = p.length === 0 ? 0 : p.length >= 32 ? 0xffffffff : (~(0xffffffff >>> p.length)) >>> 0;
        this.v4.push({ net: (p.words[0] & mask) >>> 0, mask });
      } else {
        const m = [0, 0, 0, 0];
        for (let i = 0, bits = p.length; i < 4; i++, bits -= 32) m[i] = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (~(0xffffffff >>> bits)) >>> 0;
        this.v6.push(...p.words.map((w, i) => (w & m[i]!) >>> 0), ...m);
      }
    }
  }

  /** True for an IPv4 address (unsigned 32-bit) on the LAN side. */
  hasV4(a: number): boolean {
    for (const { net, mask } of this.v4) if (((a & mask) >>> 0) === net) return true;
    return false;
  }

  /** True for an address of `family` (4: `w0` is the IPv4 address; 6: its four words) on the LAN side. */
  has(family: number, w0: number, w1: number, w2: number, w3: number): boolean {
    return family === 4 ? this.hasV4(w0) : this.hasV6(w0, w1, w2, w3);
  }

  /** True for an IPv6 address on the LAN side. */
  hasV6(w0: number, w1: number, w2: number, w3: number): boolean {
    const t = this.v6;
    for (let i = 0; i < t.length; i += 8) {
      if (((w0 & t[i + 4]!) >>> 0) === t[i] && ((w1 & t[i + 5]!) >>> 0) === t[i + 1] &&
          ((w2 & t[i + 6]!) >>> 0) === t[i + 2] && ((w3 & t[i + 7]!) >>> 0) === t[i + 3]) return true;
    }
    return false;
  }
}

/** The LAN side a sensor uses: the default ranges plus the operator's `devices.localNetworks`. */
export function lanNetworks(configured: readonly string[]): LocalNetworks {
  return new LocalNetworks([...DEFAULT_LOCAL_NETWORKS, ...configured]);
}
