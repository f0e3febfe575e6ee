// The question the gateway asks the compiled policy for every new flow, and the answer.

/**
 * A new flow, as numbers only (no strings on the hot path). Addresses are 32-bit words as in the
 * packet view: IPv4 in word 0, IPv6 in words 0-3 (network order, unsigned).
 */
export interface FlowQuery {
  /** Which policy applies: packets from the device, or packets toward it (RFC 8520 §2.1). */
  direction: 'from-device' | 'to-device';
  /** 4, 6, or 0 for a frame that carries no IP (then only `ethertype` and MACs are compared). */
  family: 0 | 4 | 6;
  /** The correspondent's address (destination when from-device, source when to-device). */
  peer0: number;
  peer1: number;
  peer2: number;
  peer3: number;
  /** The device's own address; needed only when an ACE constrains the device-side network. */
  device0?: number;
  device1?: number;
  device2?: number;
  device3?: number;
  /** IP protocol (IPv6: the upper-layer protocol): 6 tcp, 17 udp, 1 icmp, 58 icmpv6; -1 for non-IP. */
  proto: number;
  /** Transport ports, or -1 when the protocol has none. */
  devicePort: number;
  peerPort: number;
  /** Who opened the flow: true the device, false the peer, null unknown (RFC 8520 §4.1). */
  initiatedByDevice: boolean | null;
  icmpType?: number;
  icmpCode?: number;
  /** Ethertype of the frame; defaults to 0x0800/0x86dd from `family`. */
  ethertype?: number;
  /** MACs as 48-bit integers, -1 or absent when unknown; deviceMac defaults to the context's. */
  peerMac?: number;
  deviceMac?: number;
  /** Packet time, µs since the epoch: DNS-learned addresses expire against it. 0/absent: no expiry check. */
  ts?: number;
}

/** Name reported as the ACL of an emergency allow-list verdict. */
export const EMERGENCY_ACL = 'edgeward:emergency-allow-list';
/** Name reported as the ACE of an emergency allow-list verdict. */
export const EMERGENCY_ACE = 'emergency';

/**
 * The answer: allowed by an ACE, or denied with the reason — a drop/reject ACE that matched, or
 * no ACE matched (RFC 8519 implicit deny), then with the ACE that came nearest.
 */
export type Verdict =
  | { readonly allowed: true; readonly acl: string; readonly ace: string }
  | {
      readonly allowed: false;
      readonly reason: string;
      readonly acl?: string;
      readonly nearestAce?: string;
      /** Set when a drop/reject ACE matched; absent for the implicit deny. */
      readonly action?: 'drop' | 'reject';
    };
