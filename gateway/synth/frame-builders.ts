// Frame builders: each returns the bytes of one header (plus its payload where the protocol wraps
// one), addresses given as text, lengths and IPv4/ICMP/TCP/UDP/ICMPv6 checksums computed. The demo
// builds its capture with them and the tests build their cases (test/helpers/frames.ts re-exports
// them). Concatenate layers with frame():
//
//   const f = frame(
//     ether({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01', type: ETHER_IPV4 }),
//     ipv4({ src: '192.168.1.10', dst: '192.168.1.1', proto: 17, payload: udp({ sport: 5353, dport: 53, payload: q }) }),
//   );
//
// Address text is parsed here, independently of gateway/common/address-text.ts, so a bug there
// cannot hide in both the input and the check. Builders never validate their options beyond what
// they need to build: a test that wants a malformed header passes the override (totalLength,
// dataOffset, length…) or patches the returned bytes.

// ------------------------------------------------------------------ constants

/** Ethertypes the builders use (IANA "IEEE 802 Numbers"). */
export const ETHER_IPV4 = 0x0800;
export const ETHER_ARP = 0x0806;
export const ETHER_IPV6 = 0x86dd;
export const ETHER_VLAN = 0x8100;
export const ETHER_QINQ = 0x88a8;

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
export const PROTO = {
  HOPOPTS: 0, ICMP: 1, IGMP: 2, TCP: 6, UDP: 17, ROUTING: 43, FRAGMENT: 44, ESP: 50, AH: 51, ICMPV6: 58, NONE: 59, DSTOPTS: 60,
} as const;

/** IPv4 flag bits for ipv4({ flags }): the 3-bit field above the fragment offset (RFC 791 §3.1). */
export const IPV4_DF = 0b010;
export const IPV4_MF = 0b001;

/** Link types for decodeBytes (LINKTYPE_* of https://www.tcpdump.org/linktypes.html). */
export const LINK = { NULL: 0, ETHERNET: 1, RAW: 101, LOOP: 108, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;

// ------------------------------------------------------------------ addresses

/** "aa:bb:cc:dd:ee:ff" (or dashes) to 6 bytes; throws on anything else (a broken test). */
export function macBytes(text: string): Buffer {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`frames: bad MAC ${text}`);
  return Buffer.from(parts.join(''), 'hex');
}

/** Dotted quad to 4 bytes; throws on anything else. */
export function ipv4Bytes(text: string): Buffer {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) throw new Error(`frames: bad IPv4 ${text}`);
  return Buffer.from(parts.map(Number));
}

/** IPv6 text ('fe80::1', '::ffff:192.0.2.1') to 16 bytes; throws on anything else. */
export function ipv6Bytes(text: string): Buffer {
  const bad = (): never => { throw new Error(`frames: bad IPv6 ${text}`); };
  let s = text;
  const groups: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    const b = ipv4Bytes(v4[2]!);
    tail = [b.readUInt16BE(0), b.readUInt16BE(2)];
    s = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) bad();
  const split = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : bad())));
  const head = split(halves[0]!);
  const rest = halves.length === 2 ? split(halves[1]!) : [];
  const fill = 8 - head.length - rest.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) bad();
  groups.push(...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest, ...tail);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

// ------------------------------------------------------------------ checksums

/** RFC 1071 Internet checksum of the concatenated parts (odd lengths padded with a zero byte). */
export function inetChecksum(...parts: Buffer[]): number {
  const all = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) | (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Offset of the checksum field in a transport header, or -1 for protocols the IP builders leave alone. */
function checksumOffset(proto: number): number {
  return proto === PROTO.TCP ? 16 : proto === PROTO.UDP ? 6 : proto === PROTO.ICMPV6 ? 2 : -1;
}

/**
 * A copy of `seg` with its transport checksum computed over `pseudo` + the segment (field zeroed
 * first). Left alone for other protocols or a segment too short to hold the field.
 */
function withTransportChecksum(seg: Buffer, proto: number, pseudo: Buffer): Buffer {
  const at = checksumOffset(proto);
  if (at < 0 || seg.length < at + 2) return seg;
  const out = Buffer.from(seg);
  out.writeUInt16BE(0, at);
  let c = inetChecksum(pseudo, out);
  if (proto === PROTO.UDP && c === 0) c = 0xffff; // RFC 768: 0 means "no checksum"
  out.writeUInt16BE(c, at);
  return out;
}

// ------------------------------------------------------------------ link layer

/** An 802.1Q/802.1ad tag: VLAN id (12 bits), priority (3 bits), TPID (default 0x8100). */
export interface VlanTag {
  id: number;
  pcp?: number;
  dei?: boolean;
  tpid?: number;
}

/**
 * Ethernet II header (14 bytes, + 4 per VLAN tag), no payload. `type` is the ethertype after the
 * tags; `vlans` are outermost first, a number meaning an 802.1Q (0x8100) tag with that id.
 */
export function ether(o: { dst: string; src: string; type: number; vlans?: Array<number | VlanTag> }): Buffer {
  const tags = (o.vlans ?? []).map((v) => (typeof v === 'number' ? { id: v } : v));
  const out = Buffer.alloc(14 + 4 * tags.length);
  macBytes(o.dst).copy(out, 0);
  macBytes(o.src).copy(out, 6);
  let p = 12;
  for (const t of tags) {
    out.writeUInt16BE(t.tpid ?? ETHER_VLAN, p);
    out.writeUInt16BE((((t.pcp ?? 0) & 7) << 13) | (t.dei ? 0x1000 : 0) | (t.id & 0x0fff), p + 2);
    p += 4;
  }
  out.writeUInt16BE(o.type, p);
  return out;
}

/**
 * Linux cooked v1 header (16 bytes): packet type (default 0, to us), ARPHRD (default 1, Ethernet),
 * the sender's address (a MAC: length 6, zero-padded to 8) and the protocol (an ethertype).
 */
export function sll(o: { proto: number; addr?: string; pktType?: number; hatype?: number }): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt16BE(o.pktType ?? 0, 0);
  out.writeUInt16BE(o.hatype ?? 1, 2);
  if (o.addr !== undefined) {
    out.writeUInt16BE(6, 4);
    macBytes(o.addr).copy(out, 6);
  }
  out.writeUInt16BE(o.proto, 14);
  return out;
}

/** Linux cooked v2 header (20 bytes): protocol, interface index, ARPHRD, packet type, address. */
export function sll2(o: { proto: number; ifIndex?: number; addr?: string; pktType?: number; hatype?: number }): Buffer {
  const out = Buffer.alloc(20);
  out.writeUInt16BE(o.proto, 0);
  out.writeUInt32BE(o.ifIndex ?? 1, 4);
  out.writeUInt16BE(o.hatype ?? 1, 8);
  out[10] = o.pktType ?? 0;
  if (o.addr !== undefined) {
    out[11] = 6;
    macBytes(o.addr).copy(out, 12);
  }
  return out;
}

/**
 * BSD loopback header (4 bytes): the address family (2 IPv4; 24, 28 or 30 IPv6), little-endian
 * as LINKTYPE_NULL from an x86 host writes it, or big-endian for LINKTYPE_LOOP / a big-endian host.
 */
export function loopback(o: { family: number; bigEndian?: boolean }): Buffer {
  const out = Buffer.alloc(4);
  if (o.bigEndian) out.writeUInt32BE(o.family, 0);
  else out.writeUInt32LE(o.family, 0);
  return out;
}

// ------------------------------------------------------------------ ARP

/** ARP for Ethernet/IPv4 (RFC 826), 28 bytes. `op` 1 request (default), 2 reply; targetMac defaults to zeros. */
export function arp(o: { op?: number; senderMac: string; senderIp: string; targetMac?: string; targetIp: string }): Buffer {
  const out = Buffer.alloc(28);
  out.writeUInt16BE(1, 0); // hardware: Ethernet
  out.writeUInt16BE(ETHER_IPV4, 2);
  out[4] = 6;
  out[5] = 4;
  out.writeUInt16BE(o.op ?? 1, 6);
  macBytes(o.senderMac).copy(out, 8);
  ipv4Bytes(o.senderIp).copy(out, 14);
  macBytes(o.targetMac ?? '00:00:00:00:00:00').copy(out, 18);
  ipv4Bytes(o.targetIp).copy(out, 24);
  return out;
}

// ------------------------------------------------------------------ IPv4

/** Options of ipv4(). */
export interface Ipv4Options {
  src: string;
  dst: string;
  /** IP protocol of the payload (PROTO.*). */
  proto: number;
  /** The transport segment (or any bytes) after the header. */
  payload: Buffer;
  /** Default 64. */
  ttl?: number;
  /** Identification, default 0. */
  id?: number;
  /** IPV4_DF | IPV4_MF, default 0. */
  flags?: number;
  /** Fragment offset in bytes (a multiple of 8), default 0. */
  fragOffset?: number;
  /** Option bytes, padded with EOL (0) to a multiple of 4; the IHL follows. */
  options?: Buffer;
  /** Total length as written in the header; default header + payload. The checksum is always right. */
  totalLength?: number;
  /** IHL in 32-bit words as written; default from the options. */
  ihl?: number;
  /**
   * Fill in the TCP/UDP checksum of an unfragmented payload over the pseudo-header (default true).
   * The transport builders leave it 0 since they do not know the addresses.
   */
  transportChecksum?: boolean;
}

/** IPv4 header (RFC 791) with checksum, followed by the payload. */
export function ipv4(o: Ipv4Options): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const optLen = Math.ceil(opts.length / 4) * 4;
  const hlen = 20 + optLen;
  const h = Buffer.alloc(hlen);
  h[0] = 0x40 | ((o.ihl ?? hlen / 4) & 0x0f);
  h.writeUInt16BE(o.totalLength ?? hlen + o.payload.length, 2);
  h.writeUInt16BE((o.id ?? 0) & 0xffff, 4);
  if ((o.fragOffset ?? 0) % 8 !== 0) throw new Error('frames: IPv4 fragment offset must be a multiple of 8');
  h.writeUInt16BE((((o.flags ?? 0) & 7) << 13) | (((o.fragOffset ?? 0) >> 3) & 0x1fff), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  const src = ipv4Bytes(o.src);
  const dst = ipv4Bytes(o.dst);
  src.copy(h, 12);
  dst.copy(h, 16);
  opts.copy(h, 20);
  h.writeUInt16BE(inetChecksum(h), 10);
  const fragmented = ((o.flags ?? 0) & IPV4_MF) !== 0 || (o.fragOffset ?? 0) !== 0;
  let payload = o.payload;
  if (o.transportChecksum !== false && !fragmented && o.proto !== PROTO.ICMPV6) {
    const pseudo = Buffer.alloc(12);
    src.copy(pseudo, 0);
    dst.copy(pseudo, 4);
    pseudo[9] = o.proto;
    pseudo.writeUInt16BE(o.payload.length & 0xffff, 10);
    payload = withTransportChecksum(o.payload, o.proto, pseudo);
  }
  return Buffer.concat([h, payload]);
}

// ------------------------------------------------------------------ IPv6

/**
 * An IPv6 extension header for ipv6({ ext }). `body` is every byte after the Next Header and
 * length bytes; ipv6() pads it with zeros to the header's unit (8 bytes; zeros are Pad1 options in
 * hop-by-hop and destination options) and writes the length field: Hdr Ext Len for most (RFC 8200
 * §4), Payload Len for AH (RFC 4302 §2.2), reserved 0 for Fragment (body: 6 bytes, see fragmentExt).
 */
export interface Ipv6Ext {
  type: number;
  body?: Buffer;
}

/** Fragment extension header (RFC 8200 §4.5): offset in bytes (multiple of 8), More flag, id. */
export function fragmentExt(o: { offset?: number; more?: boolean; id?: number }): Ipv6Ext {
  const body = Buffer.alloc(6);
  body.writeUInt16BE(((o.offset ?? 0) & 0xfff8) | (o.more ? 1 : 0), 0);
  body.writeUInt32BE((o.id ?? 0) >>> 0, 2);
  return { type: PROTO.FRAGMENT, body };
}

/** Options of ipv6(). */
export interface Ipv6Options {
  src: string;
  dst: string;
  /** Upper-layer protocol after the extension headers (PROTO.*). */
  next: number;
  payload: Buffer;
  /** Default 64. */
  hopLimit?: number;
  /** Extension headers in wire order; ipv6() chains their Next Header fields, ending with `next`. */
  ext?: Ipv6Ext[];
  /** Payload length as written; default extension headers + payload. */
  payloadLength?: number;
  /** Traffic class and flow label, default 0. */
  trafficClass?: number;
  flowLabel?: number;
  /** Fill in the TCP/UDP/ICMPv6 checksum over the pseudo-header when not fragmented (default true). */
  transportChecksum?: boolean;
}

/** Bytes of one extension header whose Next Header is `next`. */
function extBytes(e: Ipv6Ext, next: number): Buffer {
  const body = e.body ?? Buffer.alloc(0);
  if (e.type === PROTO.FRAGMENT) {
    const out = Buffer.alloc(8);
    out[0] = next;
    body.copy(out, 2, 0, 6);
    return out;
  }
  const total = Math.max(8, Math.ceil((2 + body.length) / 8) * 8);
  const out = Buffer.alloc(total);
  out[0] = next;
  out[1] = e.type === PROTO.AH ? total / 4 - 2 : total / 8 - 1;
  body.copy(out, 2);
  return out;
}

/** IPv6 header (RFC 8200), extension headers, then the payload. */
export function ipv6(o: Ipv6Options): Buffer {
  const ext = o.ext ?? [];
  const exts = ext.map((e, i) => extBytes(e, i + 1 < ext.length ? ext[i + 1]!.type : o.next));
  const extLen = exts.reduce((n, b) => n + b.length, 0);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | (((o.trafficClass ?? 0) & 0xff) << 20) | ((o.flowLabel ?? 0) & 0xfffff)) >>> 0, 0);
  h.writeUInt16BE(o.payloadLength ?? extLen + o.payload.length, 4);
  h[6] = ext.length > 0 ? ext[0]!.type : o.next;
  h[7] = o.hopLimit ?? 64;
  const src = ipv6Bytes(o.src);
  const dst = ipv6Bytes(o.dst);
  src.copy(h, 8);
  dst.copy(h, 24);
  let payload = o.payload;
  if (o.transportChecksum !== false && !ext.some((e) => e.type === PROTO.FRAGMENT)) {
    // RFC 8200 §8.1 pseudo-header: source, destination, upper-layer length, next header.
    const pseudo = Buffer.alloc(40);
    src.copy(pseudo, 0);
    dst.copy(pseudo, 16);
    pseudo.writeUInt32BE(o.payload.length, 32);
    pseudo[39] = o.next;
    payload = withTransportChecksum(o.payload, o.next, pseudo);
  }
  return Buffer.concat([h, ...exts, payload]);
}

// ------------------------------------------------------------------ transport

/** TCP flag bits, and the letters tcp({ flags: 'SA' }) accepts for them. */
export const TCP_FLAG = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 } as const;

/** Options of tcp(). */
export interface TcpOptions {
  sport: number;
  dport: number;
  /** Flag bits, or letters of TCP_FLAG ('S', 'SA', 'PA', 'FA', 'R'…). */
  flags: number | string;
  /** Default 0. */
  seq?: number;
  /** Default 0. */
  ack?: number;
  /** Default 65535. */
  window?: number;
  /** Option bytes, padded with EOL (0) to a multiple of 4. */
  options?: Buffer;
  payload?: Buffer;
  /** Data offset in 32-bit words as written; default from the options. */
  dataOffset?: number;
}

/** Flag bits from a number or TCP_FLAG letters; throws on an unknown letter. */
export function tcpFlags(f: number | string): number {
  if (typeof f === 'number') return f;
  let n = 0;
  for (const c of f.toUpperCase()) {
    const bit = TCP_FLAG[c as keyof typeof TCP_FLAG];
    if (bit === undefined) throw new Error(`frames: unknown TCP flag ${c}`);
    n |= bit;
  }
  return n;
}

/** TCP header (RFC 9293 §3.1) and payload; checksum left 0 for ipv4()/ipv6() to fill. */
export function tcp(o: TcpOptions): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const hlen = 20 + Math.ceil(opts.length / 4) * 4;
  const h = Buffer.alloc(hlen);
  h.writeUInt16BE(o.sport, 0);
  h.writeUInt16BE(o.dport, 2);
  h.writeUInt32BE((o.seq ?? 0) >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  h[12] = ((o.dataOffset ?? hlen / 4) & 0x0f) << 4;
  h[13] = tcpFlags(o.flags);
  h.writeUInt16BE(o.window ?? 65535, 14);
  opts.copy(h, 20);
  return Buffer.concat([h, o.payload ?? Buffer.alloc(0)]);
}

/** UDP header (RFC 768) and payload; `length` overrides the length field; checksum left 0 for the IP builder. */
export function udp(o: { sport: number; dport: number; payload?: Buffer; length?: number }): Buffer {
  const payload = o.payload ?? Buffer.alloc(0);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(o.sport, 0);
  h.writeUInt16BE(o.dport, 2);
  h.writeUInt16BE(o.length ?? 8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

/**
 * ICMPv4 message (RFC 792) with its checksum: type, code, then `body`, every byte after the
 * 4-byte header (for an echo: identifier, sequence number, data — see echo()).
 */
export function icmp(o: { type: number; code?: number; body?: Buffer }): Buffer {
  const m = Buffer.concat([Buffer.from([o.type, o.code ?? 0, 0, 0]), o.body ?? Buffer.alloc(0)]);
  m.writeUInt16BE(inetChecksum(m), 2);
  return m;
}

/** Echo request/reply body for icmp()/icmpv6(): identifier, sequence number, data. */
export function echoBody(o: { id: number; seq: number; data?: Buffer }): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(o.id, 0);
  h.writeUInt16BE(o.seq, 2);
  return Buffer.concat([h, o.data ?? Buffer.alloc(0)]);
}

/** ICMPv6 message (RFC 4443): type, code, then `body`; checksum left 0 for ipv6() to fill. */
export function icmpv6(o: { type: number; code?: number; body?: Buffer }): Buffer {
  return Buffer.concat([Buffer.from([o.type, o.code ?? 0, 0, 0]), o.body ?? Buffer.alloc(0)]);
}

/** NDP option types (RFC 4861 §4.6). */
export const NDP_OPT = { SOURCE_LL: 1, TARGET_LL: 2, PREFIX: 3, REDIRECTED: 4, MTU: 5 } as const;

/**
 * One NDP option: type, length in 8-byte units, data zero-padded to a multiple of 8. `data` is a
 * MAC string for the link-layer address options, or raw bytes; `length` overrides the length byte.
 */
export function ndpOption(type: number, data: string | Buffer, length?: number): Buffer {
  const d = typeof data === 'string' ? macBytes(data) : data;
  const total = Math.ceil((2 + d.length) / 8) * 8;
  const out = Buffer.alloc(total);
  out[0] = type;
  out[1] = length ?? total / 8;
  d.copy(out, 2);
  return out;
}

/** NA flag bits (RFC 4861 §4.4). */
export const NA_ROUTER = 0x80, NA_SOLICITED = 0x40, NA_OVERRIDE = 0x20;

/** Neighbor Solicitation (type 135): target, then options (e.g. ndpOption(NDP_OPT.SOURCE_LL, mac)). */
export function neighborSolicit(o: { target: string; options?: Buffer[] }): Buffer {
  return icmpv6({ type: 135, body: Buffer.concat([Buffer.alloc(4), ipv6Bytes(o.target), ...(o.options ?? [])]) });
}

/** Neighbor Advertisement (type 136): R/S/O flags (NA_*), target, then options. */
export function neighborAdvert(o: { target: string; flags?: number; options?: Buffer[] }): Buffer {
  const fl = Buffer.alloc(4);
  fl[0] = o.flags ?? 0;
  return icmpv6({ type: 136, body: Buffer.concat([fl, ipv6Bytes(o.target), ...(o.options ?? [])]) });
}

// ------------------------------------------------------------------ frames

/**
 * Concatenates layers in wire order: frame(ether(…), ipv4({ …, payload: udp(…) })). The IP and
 * transport builders already hold their payload, so each layer is passed once.
 */
export function frame(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

/** Pads a frame with zeros to `min` bytes (default 60: the Ethernet minimum without FCS). */
export function padTo(f: Buffer, min = 60): Buffer {
  return f.length >= min ? f : Buffer.concat([f, Buffer.alloc(min - f.length)]);
}
