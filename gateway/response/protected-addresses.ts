// The addresses a response action must never cut off: the emergency allow-list (policy.emergency,
// DESIGN: "never block emergency traffic by mistake") and the gateway's own addresses. A block of a
// network that holds one of them, or of an address inside an emergency network, is refused.
import { networkInterfaces } from 'node:os';
import { formatPrefix, parsePrefix, prefixWithin, type IpPrefix } from '../../policies/net/ip-address.js';

/** Why a prefix may not be blocked: the list and the entry it meets. */
export interface ProtectedHit {
  list: 'emergency' | 'gateway';
  /** The entry of that list, canonical. */
  entry: string;
}

/** The emergency list and the gateway's addresses, parsed once. Entries that do not parse are skipped. */
export class ProtectedAddresses {
  private readonly entries: { list: ProtectedHit['list']; prefix: IpPrefix }[] = [];

  /**
   * @param emergency policy.emergency: addresses or prefixes.
   * @param gateway the gateway's own addresses (policy.gatewayAddresses and its interfaces' addresses).
   */
  constructor(emergency: readonly string[], gateway: readonly string[]) {
    for (const [list, texts] of [['emergency', emergency], ['gateway', gateway]] as const) {
      for (const t of texts) {
        const prefix = parsePrefix(t.trim());
        if (prefix !== null) this.entries.push({ list, prefix });
      }
    }
  }

  /** The first protected entry `p` overlaps (holds it, or lies inside it), or null when `p` is free to block. */
  conflict(p: IpPrefix): ProtectedHit | null {
    for (const e of this.entries) {
      if (prefixWithin(p, e.prefix) || prefixWithin(e.prefix, p)) return { list: e.list, entry: formatPrefix(e.prefix) };
    }
    return null;
  }
}

/** The addresses of this host's interfaces (loopback included), as the kernel reports them now. */
export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.push(a.address);
  return out;
}
