// Hand-built seed frames for what the fixture captures lack (LLDP with a MUD URL, DHCPv6 with
// option 112, VLAN stacks, IPv6 extension headers, fragments, NDP, DNS over TCP, HTTP, TLS), and
// the re-wrapping of Ethernet frames into the other link types the decoder reads.
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW } from '../capture/link-types.js';
import { dnsQuery } from '../synth/dns-payload.js';
import {
  arp, ETHER_ARP, ETHER_IPV4, ETHER_IPV6, ETHER_QINQ, ether, fragmentExt, frame, icmpv6, ipv4, IPV4_MF, ipv6, loopback,
  neighborAdvert, ndpOption, NDP_OPT, PROTO, sll, sll2, tcp, udp,
} from '../synth/frame-builders.js';
import { SeededRandom } from '../synth/seeded-random.js';
import { tlsClientHello } from '../synth/tls-payload.js';

/** A frame of the corpus with the link type it is read with. */
export interface SeedFrame {
  linkType: number;
  data: Buffer;
  /** Where it came from (a fixture path, `demo`, or `built:<what>`). */
  source: string;
}

const DEV = '02:00:00:00:00:0a';
const GW = '02:00:00:00:00:01';
const ETHER_LLDP = 0x88cc;
const LLDP_MULTICAST = '01:80:c2:00:00:0e';

/** One LLDP TLV: 7-bit type, 9-bit length (IEEE 802.1AB §8.4.1). */
function tlv(type: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 1) | (value.length >> 8), value.length & 0xff]), value]);
}

/** An LLDPDU with chassis and port ids, TTL, a system name and the RFC 8520 §11 MUD URL TLV. */
function lldpFrame(): Buffer {
  const mudUrl = Buffer.concat([Buffer.from([0x00, 0x00, 0x5e, 0x01]), Buffer.from('https://mud.example.com/lldp-device.json')]);
  return frame(
    ether({ dst: LLDP_MULTICAST, src: DEV, type: ETHER_LLDP }),
    tlv(1, Buffer.from([4, 0x02, 0, 0, 0, 0, 0x0a])),
    tlv(2, Buffer.concat([Buffer.from([5]), Buffer.from('eth0')])),
    tlv(3, Buffer.from([0, 120])),
    tlv(5, Buffer.from('lldp-device')),
    tlv(6, Buffer.from('Example Sensor 1.0')),
    tlv(127, mudUrl),
    tlv(0, Buffer.alloc(0)),
  );
}

/** One DHCPv6 option (RFC 8415 §21.1). */
function opt6(code: number, value: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(code, 0);
  h.writeUInt16BE(value.length, 2);
  return Buffer.concat([h, value]);
}

/** A DHCPv6 Solicit with client id, ORO, FQDN (option 39) and MUD URL (option 112). */
function dhcpv6Solicit(): Buffer {
  const fqdn = Buffer.concat([Buffer.from([0x01, 6]), Buffer.from('sensor'), Buffer.from([4]), Buffer.from('home'), Buffer.from([4]), Buffer.from('arpa'), Buffer.from([0])]);
  const msg = Buffer.concat([
    Buffer.from([1, 0x12, 0x34, 0x56]),
    opt6(1, Buffer.from('000100012d5f7b0a02000000000a', 'hex')),
    opt6(6, Buffer.from([0, 23, 0, 24, 0, 39, 0, 112])),
    opt6(39, fqdn),
    opt6(112, Buffer.from('https://mud.example.com/dhcpv6-device.json')),
  ]);
  return msg;
}

/** A RELAY-FORW wrapping the Solicit (RFC 8415 §9). */
function dhcpv6Relay(inner: Buffer): Buffer {
  const h = Buffer.alloc(34);
  h[0] = 12;
  h[1] = 1;
  return Buffer.concat([h, opt6(9, inner)]);
}

function v6udp(sport: number, dport: number, payload: Buffer, dst = 'ff02::1:2'): Buffer {
  return frame(ether({ dst: '33:33:00:01:00:02', src: DEV, type: ETHER_IPV6 }), ipv6({ src: 'fe80::a', dst, next: PROTO.UDP, payload: udp({ sport, dport, payload }) }));
}

function v4(proto: number, payload: Buffer, o: { vlans?: number[]; flags?: number; fragOffset?: number; options?: Buffer; dst?: string } = {}): Buffer {
  return frame(
    ether({ dst: GW, src: DEV, type: ETHER_IPV4, vlans: o.vlans }),
    ipv4({ src: '192.168.1.10', dst: o.dst ?? '93.184.216.34', proto, payload, flags: o.flags, fragOffset: o.fragOffset, options: o.options }),
  );
}

/** The hand-built frames (all Ethernet). */
export function builtFrames(): SeedFrame[] {
  const rnd = new SeededRandom(0x5eed);
  const hello = tlsClientHello(rnd, 'api.example.com', ['h2', 'http/1.1']);
  const http = Buffer.from('GET /firmware.bin HTTP/1.1\r\nHost: update.example.com\r\nUser-Agent: fw/1.0\r\nAccept: */*\r\n\r\n');
  const query = dnsQuery(0x1234, 'time.example.com');
  const dnsTcp = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
  const ssdp = Buffer.from('NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/4.9 UPnP/1.0 Example/1.0\r\nLOCATION: http://192.168.1.10:49152/desc.xml\r\n\r\n');
  const ttlHopOpts = Buffer.from([0x05, 0x02, 0x00, 0x00]); // router alert
  const out: [string, Buffer][] = [
    ['lldp', lldpFrame()],
    ['dhcpv6-solicit', v6udp(546, 547, dhcpv6Solicit())],
    ['dhcpv6-relay', v6udp(547, 547, dhcpv6Relay(dhcpv6Solicit()), 'ff05::1:3')],
    ['qinq-dns', v4(PROTO.UDP, udp({ sport: 40000, dport: 53, payload: query }), { vlans: [100, 200] })],
    ['vlan-tls', v4(PROTO.TCP, tcp({ sport: 40001, dport: 443, flags: 'PA', seq: 1, ack: 1, payload: hello }), { vlans: [7] })],
    ['qinq-88a8', frame(ether({ dst: GW, src: DEV, type: ETHER_IPV4, vlans: [{ id: 5, tpid: ETHER_QINQ }, 6] }), ipv4({ src: '10.0.0.2', dst: '10.0.0.1', proto: PROTO.UDP, payload: udp({ sport: 1, dport: 2 }) }))],
    ['http', v4(PROTO.TCP, tcp({ sport: 40002, dport: 80, flags: 'PA', seq: 1, ack: 1, payload: http }))],
    ['dns-tcp', v4(PROTO.TCP, tcp({ sport: 40003, dport: 53, flags: 'PA', seq: 1, ack: 1, payload: dnsTcp }))],
    ['ssdp', v4(PROTO.UDP, udp({ sport: 1900, dport: 1900, payload: ssdp }), { dst: '239.255.255.250' })],
    ['ipv4-options', v4(PROTO.TCP, tcp({ sport: 40004, dport: 23, flags: 'S', options: Buffer.from([2, 4, 5, 0xb4, 1, 3, 3, 7]) }), { options: Buffer.from([0x94, 0x04, 0, 0]) })],
    ['ipv4-first-fragment', v4(PROTO.UDP, udp({ sport: 5000, dport: 53, payload: query, length: 3000 }), { flags: IPV4_MF })],
    ['ipv4-later-fragment', v4(PROTO.UDP, Buffer.alloc(64, 0xaa), { fragOffset: 1480 })],
    ['ipv6-ext-chain', frame(ether({ dst: GW, src: DEV, type: ETHER_IPV6 }), ipv6({
      src: '2001:db8::a', dst: '2001:db8::1', next: PROTO.TCP,
      ext: [{ type: PROTO.HOPOPTS, body: ttlHopOpts }, { type: PROTO.ROUTING, body: Buffer.alloc(6) }, { type: PROTO.DSTOPTS }, fragmentExt({ more: true, id: 7 })],
      payload: tcp({ sport: 40005, dport: 443, flags: 'S' }),
    }))],
    ['ipv6-ah', frame(ether({ dst: GW, src: DEV, type: ETHER_IPV6 }), ipv6({ src: '2001:db8::a', dst: '2001:db8::1', next: PROTO.UDP, ext: [{ type: PROTO.AH, body: Buffer.alloc(14) }], payload: udp({ sport: 1, dport: 5353 }) }))],
    ['ndp-na', frame(ether({ dst: GW, src: DEV, type: ETHER_IPV6 }), ipv6({
      src: 'fe80::a', dst: 'fe80::1', next: PROTO.ICMPV6, hopLimit: 255,
      payload: neighborAdvert({ target: 'fe80::a', options: [ndpOption(NDP_OPT.TARGET_LL, DEV)] }),
    }))],
    ['icmpv6-rs', frame(ether({ dst: '33:33:00:00:00:02', src: DEV, type: ETHER_IPV6 }), ipv6({ src: 'fe80::a', dst: 'ff02::2', next: PROTO.ICMPV6, hopLimit: 255, payload: icmpv6({ type: 133, body: Buffer.concat([Buffer.alloc(4), ndpOption(NDP_OPT.SOURCE_LL, DEV)]) }) }))],
    ['arp-reply', frame(ether({ dst: GW, src: DEV, type: ETHER_ARP }), arp({ op: 2, senderMac: DEV, senderIp: '192.168.1.10', targetMac: GW, targetIp: '192.168.1.1' }))],
  ];
  return out.map(([what, data]) => ({ linkType: LINKTYPE_ETHERNET, data, source: `built:${what}` }));
}

/** Link types an Ethernet frame carrying IP can be re-wrapped into, with the header for each. */
const REWRAP: readonly { linkType: number; header: (etherType: number, src: string) => Buffer | null }[] = [
  { linkType: LINKTYPE_LINUX_SLL, header: (t, src) => sll({ proto: t, addr: src }) },
  { linkType: LINKTYPE_LINUX_SLL2, header: (t, src) => sll2({ proto: t, addr: src }) },
  { linkType: LINKTYPE_NULL, header: (t) => loopback({ family: t === ETHER_IPV4 ? 2 : 30 }) },
  { linkType: LINKTYPE_LOOP, header: (t) => loopback({ family: t === ETHER_IPV4 ? 2 : 24, bigEndian: true }) },
  { linkType: LINKTYPE_RAW, header: () => Buffer.alloc(0) },
  { linkType: LINKTYPE_IPV4, header: (t) => (t === ETHER_IPV4 ? Buffer.alloc(0) : null) },
  { linkType: LINKTYPE_IPV6, header: (t) => (t === ETHER_IPV6 ? Buffer.alloc(0) : null) },
];

/**
 * The same IP packet under every other link type, for an untagged Ethernet frame that carries
 * IPv4 or IPv6 (others give nothing). `which` picks one wrapper by index (modulo their count).
 */
export function rewrap(eth: Buffer, which: number): { linkType: number; data: Buffer } | null {
  if (eth.length < 14) return null;
  const t = eth.readUInt16BE(12);
  if (t !== ETHER_IPV4 && t !== ETHER_IPV6) return null;
  const w = REWRAP[which % REWRAP.length]!;
  const src = [...eth.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':');
  const h = w.header(t, src);
  return h === null ? null : { linkType: w.linkType, data: Buffer.concat([h, eth.subarray(14)]) };
}
