// Community ID v1 (https://github.com/corelight/community-id-spec): one flow hash that Zeek,
// Suricata, Arkime and SIEMs compute alike, so an analyst pivots from an edgeward alert to the same
// flow in any other tool. A pure function over numbers; callers compute it when they build a
// record, never per packet.
import { createHash } from 'node:crypto';

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;
const PROTO_SCTP = 132;

/**
 * ICMP types that have a counterpart (request ↔ reply), mapped to it: the spec's (and Zeek's
 * ICMP4_counterpart) table. Such a message hashes as ports (type, counterpart type) and is ordered
 * like a two-way flow; any other type is one-way and hashes as (type, code) in the order seen.
 */
const ICMP_COUNTERPART: ReadonlyMap<number, number> = new Map([
  [8, 0], [0, 8], // echo request / reply
  [13, 14], [14, 13], // timestamp / reply
  [15, 16], [16, 15], // information request / reply
  [10, 9], [9, 10], // router solicitation / advertisement
  [17, 18], [18, 17], // address mask request / reply
]);

/** The same for ICMPv6 (the spec's table; Zeek's ICMP6_counterpart). */
const ICMPV6_COUNTERPART: ReadonlyMap<number, number> = new Map([
  [128, 129], [129, 128], // echo request / reply
  [130, 131], [131, 130], // MLD listener query / report
  [133, 134], [134, 133], // router solicitation / advertisement
  [135, 136], [136, 135], // neighbor solicitation / advertisement
  [139, 140], [140, 139], // node information (who-are-you) query / reply
  [144, 145], [145, 144], // home agent address discovery request / reply
]);

/** Protocols the spec hashes with ports (ICMP and ICMPv6 with their type/code equivalents). */
function hasPorts(proto: number): boolean {
  return proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP || proto === PROTO_ICMP || proto === PROTO_ICMPV6;
}

/** -1, 0 or 1 as the addresses compare as network-order bytes (words compared unsigned). */
function compareAddr(words: number, a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < words; i++) {
    const x = a[i]! >>> 0, y = b[i]! >>> 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function isPort(p: number): boolean {
  return Number.isInteger(p) && p >= 0 && p <= 0xffff;
}

/**
 * The Community ID v1 of a flow tuple, "1:" + base64(SHA-1), or null when the tuple cannot give
 * the spec's value (not IPv4/IPv6, or a protocol the spec hashes with ports whose ports are unknown).
 *
 * - `family`: 4 or 6. `src`/`dst`: address words as the packet view and the flow hold them (uint32,
 *   network order: IPv4 in word 0, IPv6 in words 0–3).
 * - `sport`/`dport`: the ports for TCP, UDP and SCTP; the ICMP/ICMPv6 type and code for those
 *   protocols; -1 when absent (port-less protocols ignore them).
 * - `seed`: 16-bit seed, default 0 (the spec's default; every tool must use the same one).
 *
 * Hashed (spec "Technical details"): seed (2 bytes, network order), the smaller endpoint's address
 * then the other's, the protocol (1 byte), one zero padding byte, then the two ports (2 bytes each,
 * network order) for port protocols. The endpoint with the smaller address, or with the same
 * address and the smaller port, goes first, so both directions hash alike; a one-way ICMP message
 * keeps the order seen.
 */
export function communityId(
  family: number, proto: number, src: ArrayLike<number>, dst: ArrayLike<number>, sport: number, dport: number, seed = 0,
): string | null {
  if (family !== 4 && family !== 6) return null;
  const words = family === 4 ? 1 : 4;
  const ported = hasPorts(proto);
  let dp = dport;
  let oneWay = false;
  if (ported) {
    if (!isPort(sport) || !isPort(dp)) return null;
    if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
      // Type/code to port equivalents (spec: "ICMP and ICMPv6"): a type with a counterpart becomes
      // (type, counterpart) and orders as a two-way flow; any other is (type, code), one way.
      const counterpart = (proto === PROTO_ICMP ? ICMP_COUNTERPART : ICMPV6_COUNTERPART).get(sport);
      if (counterpart === undefined) oneWay = true;
      else dp = counterpart;
    }
  }
  const c = compareAddr(words, src, dst);
  const ordered = oneWay || c < 0 || (c === 0 && ported && sport < dp);
  const addrBytes = words * 4;
  const buf = Buffer.alloc(2 + 2 * addrBytes + 2 + (ported ? 4 : 0));
  let o = buf.writeUInt16BE(seed & 0xffff, 0);
  const first = ordered ? src : dst, second = ordered ? dst : src;
  for (let i = 0; i < words; i++) o = buf.writeUInt32BE(first[i]! >>> 0, o);
  for (let i = 0; i < words; i++) o = buf.writeUInt32BE(second[i]! >>> 0, o);
  o = buf.writeUInt8(proto & 0xff, o);
  o = buf.writeUInt8(0, o); // padding: keeps the hashed data 32-bit aligned
  if (ported) {
    o = buf.writeUInt16BE(ordered ? sport : dp, o);
    buf.writeUInt16BE(ordered ? dp : sport, o);
  }
  return `1:${createHash('sha1').update(buf).digest('base64')}`;
}
