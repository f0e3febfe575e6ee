// What the learner keeps for one device: its flows folded into rules (peer, protocol, who served
// which port), the DNS names it asked for by answered address, and the counts of what it left out.
// Every table has a cap; flows past it are counted, never silently dropped.
import type { AddrKey } from '../track/dns-cache.js';

/** The device's correspondent as the evidence names it. */
export type PeerRef =
  /** An address on the LAN side (private, link-local, link-scope multicast, configured). */
  | { readonly kind: 'lan'; readonly address: string }
  /** An internet address a DNS answer seen before the flow gave a name: the name the device asked for. */
  | { readonly kind: 'name'; readonly name: string }
  /** An internet address no answer explained. */
  | { readonly kind: 'address'; readonly address: string };

/** All flows of a device with one peer, protocol and service port. */
export interface ObservedRule {
  readonly key: string;
  readonly family: 4 | 6;
  /** IP protocol number (IPv6: upper layer). */
  readonly proto: number;
  readonly peer: PeerRef;
  /**
   * True when the device is the client: it opened the flows (TCP SYN, first datagram), or, picked
   * up mid-conversation, its port was the ephemeral one. ICMP: the device sent the first message.
   */
  readonly deviceIsClient: boolean;
  /** The server's port (tcp/udp: the responder's port; the client's ephemeral port is not kept); -1 without ports. */
  readonly port: number;
  /** DHCP (udp 68 ↔ 67): both ports are fixed, both are kept. */
  readonly dhcp: boolean;
  /** ICMP/ICMPv6 type of the flow's first message; -1 for other protocols. */
  readonly icmpType: number;
  flows: number;
  /** Bytes both ways of its flows, added when they end (an ICMP flow counts in each type's rule). */
  bytes: number;
  /** Flows whose opener was seen (TCP handshake, first UDP datagram). */
  knownInitiator: number;
  /** Flows picked up mid-conversation whose first packet came from the client side. */
  midstreamFromClient: number;
  /** Flows picked up mid-conversation whose first packet came from the server side. */
  midstreamFromServer: number;
  /** Packet time (µs) of the first and the last flow. */
  firstTs: number;
  lastTs: number;
  /** The first few peer addresses behind the rule (a name's answers, LAN hosts), text. */
  readonly addresses: string[];
  /** A TLS server name or HTTP Host one of its flows carried (a hint for address-only rules). */
  serverName: string | null;
}

/** One flow's first packet, as the learner saw it. */
export interface FlowObservation {
  family: 4 | 6;
  proto: number;
  peer: PeerRef;
  /** The peer's address, text (for the rule's address list). */
  peerAddress: string;
  deviceIsClient: boolean;
  port: number;
  dhcp: boolean;
  icmpType: number;
  /** Whether the flow's opener is known. */
  initiatorKnown: boolean;
  /** Whether this first packet came from the server side. */
  fromServer: boolean;
  ts: number;
}

/** Caps of one device's evidence. */
export interface EvidenceCaps {
  maxDestinations: number;
  maxRules: number;
  maxAnsweredAddresses: number;
}

/** Addresses kept per rule for the report. */
const ADDRESSES_PER_RULE = 8;

/** Text key of a peer (one destination). */
export function peerKey(p: PeerRef): string {
  return p.kind === 'name' ? `name ${p.name}` : `${p.kind} ${p.address}`;
}

/** The evidence of one device. */
export class DeviceEvidence {
  /** Packet time (µs) of the first flow learned, -1 before it: the window starts here. */
  startTs = -1;
  /** Packet time (µs) of the last flow learned. */
  lastTs = -1;
  /** Flows learned, and flows seen after the window closed or past a cap. */
  flows = 0;
  afterWindow = 0;
  overCap = 0;
  readonly rules = new Map<string, ObservedRule>();
  private readonly peers = new Map<string, number>();
  /** address → the name the device asked for that this address answered (oldest first). */
  private readonly answered = new Map<AddrKey, string>();

  constructor(readonly mac: string, readonly macNum: number, private readonly caps: EvidenceCaps) {}

  /** A DNS answer to the device: `addr` answered its question `name`. */
  noteAnswer(addr: AddrKey, name: string): void {
    if (this.answered.has(addr)) this.answered.delete(addr); // re-insert: most recent last
    else if (this.answered.size >= this.caps.maxAnsweredAddresses) this.answered.delete(this.answered.keys().next().value as AddrKey);
    this.answered.set(addr, name);
  }

  /** The name the device last asked for that `addr` answered, if remembered. */
  askedName(addr: AddrKey): string | undefined {
    return this.answered.get(addr);
  }

  /**
   * Folds one flow into its rule. `followUp`: another message type of a flow already counted (an
   * ICMP flow counts once in the device's total, once in each rule of a type it carried).
   * Returns the rule, or null when a cap kept it out (counted).
   */
  record(o: FlowObservation, followUp = false): ObservedRule | null {
    const pk = peerKey(o.peer);
    const key = `${o.family}|${o.proto}|${pk}|${o.deviceIsClient ? 'c' : 's'}|${o.port}|${o.icmpType}|${o.dhcp ? 'd' : ''}`;
    let r = this.rules.get(key);
    if (r === undefined) {
      if (this.rules.size >= this.caps.maxRules || (!this.peers.has(pk) && this.peers.size >= this.caps.maxDestinations)) {
        if (!followUp) this.overCap++;
        return null;
      }
      r = {
        key, family: o.family, proto: o.proto, peer: o.peer, deviceIsClient: o.deviceIsClient, port: o.port, dhcp: o.dhcp,
        icmpType: o.icmpType, flows: 0, bytes: 0, knownInitiator: 0, midstreamFromClient: 0, midstreamFromServer: 0,
        firstTs: o.ts, lastTs: o.ts, addresses: [], serverName: null,
      };
      this.rules.set(key, r);
    }
    this.peers.set(pk, (this.peers.get(pk) ?? 0) + 1);
    r.flows++;
    r.lastTs = o.ts;
    if (o.initiatorKnown) r.knownInitiator++;
    else if (o.fromServer) r.midstreamFromServer++;
    else r.midstreamFromClient++;
    if (r.addresses.length < ADDRESSES_PER_RULE && !r.addresses.includes(o.peerAddress)) r.addresses.push(o.peerAddress);
    if (!followUp) this.flows++;
    if (this.startTs < 0) this.startTs = o.ts;
    if (o.ts > this.lastTs) this.lastTs = o.ts;
    return r;
  }

  /** Entries held (rules, peers, remembered answers). */
  stateSize(): number {
    return this.rules.size + this.peers.size + this.answered.size;
  }
}
