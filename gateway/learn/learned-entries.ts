// Folds a device's observed rules into the entries of its MUD profile: LAN hosts merge into one
// local-networks entry per protocol and port, the gateway's DNS/NTP into the IANA URNs, and the
// long tail of rarely contacted internet destinations is set apart for the report.
import { peerKey, type ObservedRule } from './device-evidence.js';
import { acePrefix, classifyPeer, CLASS_ORDER, peerClassText, type ClassContext, type PeerClass } from './peer-class.js';

/** One rule of the learned profile: a pair of ACEs (from-device and to-device). */
export interface LearnedEntry {
  /** ACE base name (`cl0`, `loc1`, `dns0`…): its ACEs are `<id>-frdev` and `<id>-todev`. */
  id: string;
  family: 4 | 6;
  proto: number;
  peer: PeerClass;
  /** The device opened the flows (or was the client of the service port). */
  deviceIsClient: boolean;
  /** The server's port, -1 without ports. */
  port: number;
  dhcp: boolean;
  icmpType: number;
  /**
   * TCP `direction-initiated` of the ACE in the opener's direction: set when every flow's opener
   * was seen, or the flows picked up mid-conversation first showed the server side speaking.
   */
  initiated: 'from-device' | 'to-device' | null;
  flows: number;
  bytes: number;
  /** Flows picked up mid-conversation (their opener unseen). */
  midstream: number;
  /** Peer addresses behind the entry (first few). */
  addresses: string[];
  serverName: string | null;
  /** In the long tail: listed in the report, in the profile only with includeRare. */
  rare: boolean;
}

/** A rarely contacted internet destination. */
export interface RareDestination {
  /** The DNS name, or the address when no answer named it. */
  peer: string;
  named: boolean;
  flows: number;
  /** "tcp/443", "udp/123"… */
  services: string[];
  addresses: string[];
}

/** The long-tail cut. */
export interface TailCut {
  minFlows: number;
  tailAfter: number;
}

const TCP = 6;

/** Protocol and port as "tcp/443", "udp/53", "icmp type 8", "proto 47". */
export function serviceText(proto: number, port: number, icmpType: number): string {
  const name = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 1 ? 'icmp' : proto === 58 ? 'icmpv6' : `proto ${proto}`;
  if (port >= 0) return `${name}/${port}`;
  if (icmpType >= 0) return `${name} type ${icmpType}`;
  return name;
}

/** Groups observed rules into profile entries (sorted, named) and the rare destinations. */
export function learnedEntries(rules: Iterable<ObservedRule>, ctx: ClassContext, tail: TailCut): { entries: LearnedEntry[]; rare: RareDestination[] } {
  const byKey = new Map<string, LearnedEntry & { known: number; fromClient: number; fromServer: number; dest: string | null }>();
  const destFlows = new Map<string, number>();
  for (const r of rules) {
    const peer = classifyPeer(r, ctx);
    const internet = peer.kind === 'name' || peer.kind === 'address';
    const dest = internet ? peerKey(r.peer) : null;
    if (dest !== null) destFlows.set(dest, (destFlows.get(dest) ?? 0) + r.flows);
    const key = `${r.family}|${r.proto}|${peerClassText(peer)}|${r.deviceIsClient}|${r.port}|${r.icmpType}|${r.dhcp}`;
    let e = byKey.get(key);
    if (e === undefined) {
      e = {
        id: '', family: r.family, proto: r.proto, peer, deviceIsClient: r.deviceIsClient, port: r.port, dhcp: r.dhcp, icmpType: r.icmpType,
        initiated: null, flows: 0, bytes: 0, midstream: 0, addresses: [], serverName: null, rare: false,
        known: 0, fromClient: 0, fromServer: 0, dest,
      };
      byKey.set(key, e);
    }
    e.flows += r.flows;
    e.bytes += r.bytes;
    e.known += r.knownInitiator;
    e.fromClient += r.midstreamFromClient;
    e.fromServer += r.midstreamFromServer;
    for (const a of r.addresses) if (e.addresses.length < 8 && !e.addresses.includes(a)) e.addresses.push(a);
    e.serverName ??= r.serverName;
  }
  // The long tail (a device with many internet destinations, some met once) is reported, not learned.
  const rareDest = new Set<string>();
  if (destFlows.size > tail.tailAfter) for (const [d, n] of destFlows) if (n < tail.minFlows) rareDest.add(d);
  const rare = new Map<string, RareDestination>();
  const entries: LearnedEntry[] = [];
  for (const e of byKey.values()) {
    e.midstream = e.fromClient + e.fromServer;
    // RFC 8520 §4.1: who opened the TCP connection. A flow joined mid-conversation whose first
    // packet came from the client side would fail the ACE (its opener is unknown), so then none.
    if (e.proto === TCP && e.known > 0 && e.fromClient === 0) e.initiated = e.deviceIsClient ? 'from-device' : 'to-device';
    e.rare = e.dest !== null && rareDest.has(e.dest);
    if (e.rare) {
      const peer = e.peer.kind === 'name' ? e.peer.name : e.peer.kind === 'address' ? e.peer.address : '';
      let rd = rare.get(e.dest!);
      if (rd === undefined) rare.set(e.dest!, (rd = { peer, named: e.peer.kind === 'name', flows: 0, services: [], addresses: [] }));
      rd.flows += e.flows;
      rd.services.push(serviceText(e.proto, e.port, e.icmpType));
      for (const a of e.addresses) if (!rd.addresses.includes(a)) rd.addresses.push(a);
    }
    const { known: _k, fromClient: _c, fromServer: _s, dest: _d, ...entry } = e;
    entries.push(entry);
  }
  entries.sort(compareEntries);
  return { entries, rare: [...rare.values()].sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0)) };
}

/** Gives the entries their ACE base names, numbered per class in profile order. */
export function nameEntries(entries: LearnedEntry[]): void {
  const next = new Map<string, number>();
  for (const e of entries) {
    const p = acePrefix(e.peer);
    const i = next.get(p) ?? 0;
    next.set(p, i + 1);
    e.id = `${p}${i}`;
  }
}

function compareEntries(a: LearnedEntry, b: LearnedEntry): number {
  const ca = CLASS_ORDER[a.peer.kind], cb = CLASS_ORDER[b.peer.kind];
  if (ca !== cb) return ca - cb;
  const pa = peerClassText(a.peer), pb = peerClassText(b.peer);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.family - b.family || a.proto - b.proto || Number(b.deviceIsClient) - Number(a.deviceIsClient) || a.port - b.port || a.icmpType - b.icmpType;
}
