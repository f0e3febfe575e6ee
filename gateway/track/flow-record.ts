// The exported form of a flow (JSON summary, API, EVE): addresses as text, times as ISO-8601.
import { ipv4ToString, ipv6ToString, macToString } from '../common/address-text.js';
import { communityId } from '../common/community-id.js';
import { IPPROTO } from '../decode/dispatch.js';
import type { Flow } from './flow.js';
import { isoTime } from '../common/packet-time.js';

/** A flow as JSON. "src" is the initiator (side A) when `initiatorKnown`, else the first sender. */
export interface FlowRecord {
  id: number;
  proto: string;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  srcMac: string | null;
  dstMac: string | null;
  initiatorKnown: boolean;
  firstTs: string;
  lastTs: string;
  srcPackets: number;
  srcBytes: number;
  dstPackets: number;
  dstBytes: number;
  state: string | null;
  endReason: string | null;
  /**
   * Community ID v1 of the flow (seed 0; https://github.com/corelight/community-id-spec), the same
   * value Zeek and Suricata log for it; null when the spec's tuple is not known (an SCTP flow, whose
   * ports are not decoded; an ICMP flow whose first packet had no type).
   */
  communityId: string | null;
  sni?: string;
  /** JA4 client fingerprint of the TLS ClientHello (FoxIO JA4). */
  ja4?: string;
  /** App protocol found by content ("http", "tls", "ssh", "dns", "telnet", "stratum"…), and whether its port says otherwise. */
  app?: string;
  appPortMismatch?: true;
  http?: { method: string | null; host: string | null; uri: string | null; userAgent: string | null };
  /** MUD verdicts, one per profiled device on the flow: the ACE that allowed it, or the ACL that denied it and why. */
  mud?: readonly { device: string; direction: string; allowed: boolean; acl: string | null; ace: string | null; reason: string | null }[];
}

const TCP_STATE_NAMES = ['none', 'syn_sent', 'syn_ack', 'established', 'closing', 'closed'];

/** Protocol name of an IP protocol number. */
export function protoName(p: number): string {
  switch (p) {
    case IPPROTO.TCP: return 'tcp';
    case IPPROTO.UDP: return 'udp';
    case IPPROTO.ICMP: return 'icmp';
    case IPPROTO.ICMPV6: return 'icmpv6';
    default: return String(p);
  }
}


/** Text of side A's or B's address. */
export function flowAddr(f: Flow, side: 'a' | 'b'): string {
  if (side === 'a') return f.family === 4 ? ipv4ToString(f.a0) : ipv6ToString(f.a0, f.a1, f.a2, f.a3);
  return f.family === 4 ? ipv4ToString(f.b0) : ipv6ToString(f.b0, f.b1, f.b2, f.b3);
}

/** SCTP (RFC 9260): the spec hashes its ports, which the decoder does not read. */
const IPPROTO_SCTP = 132;

/**
 * Community ID v1 of a flow, from the initiator (side A) to the responder. ICMP flows hash the type
 * and code of their first packet (the flow table keys ICMP by addresses only, so an echo and its
 * reply are one flow, and the spec pairs them the same way). Computed when a record is built,
 * never per packet.
 */
export function flowCommunityId(f: Flow): string | null {
  const src = [f.a0, f.a1, f.a2, f.a3], dst = [f.b0, f.b1, f.b2, f.b3];
  if (f.proto === IPPROTO.ICMP || f.proto === IPPROTO.ICMPV6) return communityId(f.family, f.proto, src, dst, f.icmpType, f.icmpCode);
  // Ports the decoder did not read are 0 in the flow, so SCTP would hash as ports 0 and 0: no value is better than a wrong one.
  if (f.proto === IPPROTO_SCTP) return null;
  return communityId(f.family, f.proto, src, dst, f.aPort, f.bPort);
}

export function flowRecord(f: Flow): FlowRecord {
  const ported = f.proto === IPPROTO.TCP || f.proto === IPPROTO.UDP;
  const r: FlowRecord = {
    id: f.id,
    proto: protoName(f.proto),
    src: flowAddr(f, 'a'),
    sport: ported ? f.aPort : null,
    dst: flowAddr(f, 'b'),
    dport: ported ? f.bPort : null,
    srcMac: f.aMac >= 0 ? macToString(f.aMac) : null,
    dstMac: f.bMac >= 0 ? macToString(f.bMac) : null,
    initiatorKnown: f.initiatorKnown,
    firstTs: isoTime(f.firstTs),
    lastTs: isoTime(f.lastTs),
    srcPackets: f.pktsAB,
    srcBytes: f.bytesAB,
    dstPackets: f.pktsBA,
    dstBytes: f.bytesBA,
    state: f.proto === IPPROTO.TCP ? TCP_STATE_NAMES[f.tcpState]! : null,
    endReason: f.endReason,
    communityId: flowCommunityId(f),
  };
  if (f.sni !== null) r.sni = f.sni;
  if (f.ja4 !== null) r.ja4 = f.ja4;
  if (f.appProto !== null) {
    r.app = f.appProto;
    if (f.appPortMismatch) r.appPortMismatch = true;
  }
  if (f.httpMethod !== null) r.http = { method: f.httpMethod, host: f.httpHost, uri: f.httpUri, userAgent: f.httpUserAgent };
  if (Array.isArray(f.verdict)) r.mud = f.verdict as NonNullable<FlowRecord['mud']>;
  return r;
}

/** Keeps the N flows with the most packets among those it is shown (on flow end). */
export class TopFlows {
  private readonly items: FlowRecord[] = [];
  private minIdx = -1;

  constructor(readonly limit: number) {}

  offer(f: Flow): void {
    if (this.limit <= 0) return;
    const n = f.pktsAB + f.pktsBA;
    if (this.items.length < this.limit) {
      this.items.push(flowRecord(f));
      this.minIdx = -1;
      return;
    }
    if (this.minIdx < 0) this.findMin();
    const min = this.items[this.minIdx]!;
    if (n <= min.srcPackets + min.dstPackets) return;
    this.items[this.minIdx] = flowRecord(f);
    this.findMin();
  }

  /** Most packets first; ties by id. */
  list(): FlowRecord[] {
    return [...this.items].sort((x, y) => y.srcPackets + y.dstPackets - (x.srcPackets + x.dstPackets) || x.id - y.id);
  }

  private findMin(): void {
    let m = 0;
    for (let i = 1; i < this.items.length; i++) {
      const a = this.items[i]!, b = this.items[m]!;
      if (a.srcPackets + a.dstPackets < b.srcPackets + b.dstPackets) m = i;
    }
    this.minIdx = m;
  }
}
