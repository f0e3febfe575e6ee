// The frames of the soak traffic, built once with the demo's frame builders and then patched per
// packet: TCP segments of HTTPS, HTTP and bulk streams, DNS queries and answers per domain, NTP,
// QUIC-sized UDP, ICMP echo and the four DHCP messages of a device joining, for a few device kinds.
import { dhcpClientMessage, dhcpServerMessage, DHCP, type DhcpClient, type DhcpLease } from '../synth/dhcp-payload.js';
import { DNS_FLAGS, DNS_TYPE, dnsQuery } from '../synth/dns-payload.js';
import { echoBody, ETHER_IPV4, ether, icmp, ipv4, ipv4Bytes, macBytes, padTo, PROTO, tcp, udp } from '../synth/frame-builders.js';
import { SeededRandom } from '../synth/seeded-random.js';
import { ntpPacket } from '../synth/service-payloads.js';
import { tlsAppData, tlsClientHello, tlsServerFlight } from '../synth/tls-payload.js';
import { AT, FrameTemplate } from './frame-template.js';

/** The gateway's LAN side: router, DHCP server and DNS resolver in one (a home router). */
export const ROUTER_MAC = 0x02ed9e000001;
export const ROUTER_IP = 0x0a000001; // 10.0.0.1
const ROUTER_MAC_TEXT = '02:ed:9e:00:00:01';
const ROUTER_IP_TEXT = '10.0.0.1';
const BROADCAST_MAC_TEXT = 'ff:ff:ff:ff:ff:ff';
/** Placeholders the templates are built with; every one is patched before a frame is sent. */
const DEV_MAC_TEXT = '0a:ed:5a:a5:5a:a5';
const DEV_IP_TEXT = '10.1.222.111';
const SRV_IP_TEXT = '198.18.0.1';
const HOST_DIGITS = 'zzzzzzzz';
/** Length of the DNS label and hostname suffix patched per query or device (base 36). */
export const LABEL_DIGITS = 6;
export const HOST_DIGIT_COUNT = HOST_DIGITS.length;

/** TCP payload of a bulk data segment: an Ethernet MTU less the IPv4, TCP and timestamp-option overhead. */
const BULK_SEGMENT = 1448;
/** MSS option of a SYN (RFC 9293 §3.7.1): kind 2, length 4, 1460. */
const MSS_OPTION = Buffer.from([2, 4, 0x05, 0xb4]);
/** Registrable domains the names and SNIs are under (the .example TLD is reserved, RFC 2606). */
const VENDORS = 32;

/** A template and which way it goes: `up` is device → router/internet, otherwise back to the device. */
export interface Segment {
  t: FrameTemplate;
  up: boolean;
  /** Transport payload bytes (what a TCP sequence number advances by). */
  payload: number;
}

/** A DNS query or answer template: where its changing labels and (for an answer) its A record are. */
export interface DnsSegment extends Segment {
  /** First character of the queried name's changing label. */
  labelAt: number;
  /** First character of the CNAME target's changing label, -1 in a query. */
  cnameAt: number;
  /** Offset of the answer's IPv4 address, -1 in a query. */
  addrAt: number;
}

/** The four DHCP messages of one device kind and the offsets patched per device. */
export interface DhcpKind {
  discover: Segment;
  offer: Segment;
  request: Segment;
  ack: Segment;
  /** Client messages: chaddr and the client-identifier's MAC (same offsets in DISCOVER and REQUEST). */
  clientMacAt: number[];
  /** Hostname digits in DISCOVER and in REQUEST (which has two more options before it). */
  discoverHostAt: number;
  requestHostAt: number;
  /** REQUEST: the requested-address option's value. */
  requestedAt: number;
  /** Server messages: chaddr. */
  serverMacAt: number;
}

/** Every template of the soak traffic. */
export interface SoakTemplates {
  syn: Segment; synAck: Segment; ackUp: Segment; finUp: Segment; finDown: Segment; rstDown: Segment;
  /** Server → device bulk data (1448 bytes of TLS application data). */
  dataDown: Segment;
  /** ClientHello per SNI, then the server's flight. */
  hello: Segment[]; flight: Segment;
  /** HTTP GET per host, then the response head and a small body. */
  httpGet: Segment[]; httpResponse: Segment;
  dnsQuery: DnsSegment[]; dnsAnswer: DnsSegment[];
  ntpUp: Segment; ntpDown: Segment; quicUp: Segment; quicDown: Segment;
  echoRequest: Segment; echoReply: Segment;
  dhcp: DhcpKind[];
}

/** TTL of the DNS answers, seconds: a typical CDN answer. */
export const DNS_TTL = 300;
/** CNAME record type (RFC 1035 §3.2.2); the demo's DNS builder has no CNAME. */
const CNAME = 5;

function ipFrame(up: boolean, proto: number, l4: Buffer, transportChecksum: boolean): Buffer {
  const src = up ? DEV_MAC_TEXT : ROUTER_MAC_TEXT, dst = up ? ROUTER_MAC_TEXT : DEV_MAC_TEXT;
  return padTo(Buffer.concat([
    ether({ src, dst, type: ETHER_IPV4 }),
    ipv4({ src: up ? DEV_IP_TEXT : SRV_IP_TEXT, dst: up ? SRV_IP_TEXT : DEV_IP_TEXT, proto, payload: l4, transportChecksum }),
  ]));
}

function tcpSeg(up: boolean, flags: string, payload?: Buffer, options?: Buffer): Segment {
  const l4 = tcp({ sport: up ? 50000 : 443, dport: up ? 443 : 50000, flags, seq: 1, ack: flags.includes('A') ? 1 : 0, window: 64240, payload, options });
  return { t: new FrameTemplate(ipFrame(up, PROTO.TCP, l4, true)), up, payload: payload?.length ?? 0 };
}

/** UDP without a checksum (RFC 768 allows it over IPv4), so payload patches need no update. */
function udpSeg(up: boolean, port: number, payload: Buffer): Segment {
  const l4 = udp({ sport: up ? 50000 : port, dport: up ? port : 50000, payload });
  return { t: new FrameTemplate(ipFrame(up, PROTO.UDP, l4, false)), up, payload: payload.length };
}

/** A name as DNS labels (RFC 1035 §3.1), uncompressed, ending in the root. */
function wireName(name: string): Buffer {
  return Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

/**
 * A resolver's answer as CDNs give them (RFC 1034 §3.6.2): the name is an alias (CNAME) of an edge
 * name, which has the A record. Two names a lookup enter the DNS cache, chained.
 */
function cnameAnswer(name: string, target: string): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(DNS_FLAGS.ANSWER, 2);
  head.writeUInt16BE(1, 4); // questions
  head.writeUInt16BE(2, 6); // answers
  const q = Buffer.concat([wireName(name), Buffer.from([0, DNS_TYPE.A, 0, 1])]);
  const rr = (owner: Buffer, type: number, rdata: Buffer) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(1, 2); // class IN
    fixed.writeUInt32BE(DNS_TTL, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([owner, fixed, rdata]);
  };
  const cname = rr(Buffer.from([0xc0, 12]), CNAME, wireName(target));
  const targetAt = 12 + q.length + 2 + 10; // the CNAME's rdata: the target's first label
  const a = rr(Buffer.from([0xc0 | (targetAt >> 8), targetAt & 0xff]), DNS_TYPE.A, ipv4Bytes(SRV_IP_TEXT));
  return Buffer.concat([head, q, cname, a]);
}

function dnsSegs(vendor: number): [DnsSegment, DnsSegment] {
  const v = String(vendor).padStart(2, '0');
  const name = `${'a'.repeat(LABEL_DIGITS)}.svc.vendor${v}.example`;
  const target = `${'c'.repeat(LABEL_DIGITS)}.edge.cdn${v}.example`;
  const q = udpSeg(true, 53, dnsQuery(0, name));
  const a = udpSeg(false, 53, cnameAnswer(name, target));
  // Header is 12 bytes, then the question's first label: its length byte, then its characters.
  const labelAt = AT.UDP_DATA + 13;
  return [{ ...q, labelAt, cnameAt: -1, addrAt: -1 }, { ...a, labelAt, cnameAt: a.t.find('c'.repeat(LABEL_DIGITS), labelAt + LABEL_DIGITS), addrAt: AT.UDP_DATA + a.payload - 4 }];
}

function dhcpKind(client: Omit<DhcpClient, 'mac' | 'hostname'>, hostPrefix: string): DhcpKind {
  const c: DhcpClient = { ...client, mac: DEV_MAC_TEXT, hostname: hostPrefix + HOST_DIGITS };
  const lease: DhcpLease = { server: ROUTER_IP_TEXT, address: DEV_IP_TEXT, mask: '255.0.0.0', domain: 'lan', leaseSeconds: 86400 };
  const bootp = (fromClient: boolean, payload: Buffer): Segment => {
    const l4 = udp({ sport: fromClient ? 68 : 67, dport: fromClient ? 67 : 68, payload });
    const eth = ether({ src: fromClient ? DEV_MAC_TEXT : ROUTER_MAC_TEXT, dst: BROADCAST_MAC_TEXT, type: ETHER_IPV4 });
    const ip = ipv4({ src: fromClient ? '0.0.0.0' : ROUTER_IP_TEXT, dst: '255.255.255.255', proto: PROTO.UDP, payload: l4, transportChecksum: false });
    return { t: new FrameTemplate(padTo(Buffer.concat([eth, ip]))), up: fromClient, payload: payload.length };
  };
  const discover = bootp(true, dhcpClientMessage(c, 0));
  const request = bootp(true, dhcpClientMessage(c, 0, { address: DEV_IP_TEXT, server: ROUTER_IP_TEXT }));
  const offer = bootp(false, dhcpServerMessage(DHCP.OFFER, DEV_MAC_TEXT, 0, lease));
  const ack = bootp(false, dhcpServerMessage(DHCP.ACK, DEV_MAC_TEXT, 0, lease));
  const mac = macBytes(DEV_MAC_TEXT);
  const chaddr = AT.UDP_DATA + 28;
  // The same offsets hold in DISCOVER and REQUEST up to the requested-address option.
  const clientId = discover.t.find(mac, chaddr + 6);
  if (request.t.find(mac, chaddr + 6) !== clientId) throw new Error('soak template: DHCP client-id moved');
  return {
    discover, offer, request, ack, clientMacAt: [chaddr, clientId],
    discoverHostAt: discover.t.find(HOST_DIGITS), requestHostAt: request.t.find(HOST_DIGITS),
    requestedAt: request.t.find(ipv4Bytes(DEV_IP_TEXT), AT.UDP_DATA + 240), serverMacAt: chaddr,
  };
}

/** Builds every template; the random bytes (keys, ciphertext) come from `seed`. */
export function buildSoakTemplates(seed: number): SoakTemplates {
  const rnd = new SeededRandom(seed ^ 0x50a4);
  const vendor = (i: number) => `vendor${String(i).padStart(2, '0')}.example`;
  const hello: Segment[] = [];
  for (let i = 0; i < 16; i++) hello.push(tcpSeg(true, 'PA', tlsClientHello(rnd, `api.${vendor(i)}`, ['h2', 'http/1.1'])));
  const httpGet: Segment[] = [];
  for (let i = 0; i < 4; i++) {
    const head = `GET /fw/v2/status HTTP/1.1\r\nHost: fw.${vendor(16 + i)}\r\nUser-Agent: soak-device/1.0\r\nAccept: */*\r\n\r\n`;
    httpGet.push(tcpSeg(true, 'PA', Buffer.from(head, 'latin1')));
  }
  const body = '{"status":"ok","update":false}';
  const response = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nCache-Control: no-store\r\n\r\n${body}`;
  const dnsQ: DnsSegment[] = [], dnsA: DnsSegment[] = [];
  for (let v = 0; v < VENDORS; v++) {
    const [q, a] = dnsSegs(v);
    dnsQ.push(q);
    dnsA.push(a);
  }
  const echo = (type: number) => {
    const l4 = icmp({ type, body: echoBody({ id: 1, seq: 1, data: rnd.bytes(56) }) });
    return { t: new FrameTemplate(ipFrame(type === 8, PROTO.ICMP, l4, false)), up: type === 8, payload: l4.length - 8 };
  };
  const quic = (up: boolean) => {
    const p = rnd.bytes(1200);
    p[0] = 0xc3; // QUIC long header, Initial (RFC 9000 §17.2)
    return udpSeg(up, 443, p);
  };
  const t0 = 1_700_000_000;
  return {
    syn: tcpSeg(true, 'S', undefined, MSS_OPTION),
    synAck: tcpSeg(false, 'SA', undefined, MSS_OPTION),
    ackUp: tcpSeg(true, 'A'),
    finUp: tcpSeg(true, 'FA'),
    finDown: tcpSeg(false, 'FA'),
    rstDown: tcpSeg(false, 'R'),
    dataDown: tcpSeg(false, 'PA', tlsAppData(rnd, BULK_SEGMENT - 5)),
    hello, flight: tcpSeg(false, 'PA', tlsServerFlight(rnd, 1200)),
    httpGet, httpResponse: tcpSeg(false, 'PA', Buffer.from(response, 'latin1')),
    dnsQuery: dnsQ, dnsAnswer: dnsA,
    ntpUp: udpSeg(true, 123, ntpPacket(3, t0)), ntpDown: udpSeg(false, 123, ntpPacket(4, t0)),
    quicUp: quic(true), quicDown: quic(false),
    echoRequest: echo(8), echoReply: echo(0),
    dhcp: [
      dhcpKind({ vendorClass: 'ExampleCam IC-200', params: [1, 3, 6, 12, 15, 28, 42], mudUrl: null }, 'cam-'),
      dhcpKind({ vendorClass: 'ExamplePlug SP-10', params: [1, 3, 6, 15, 51, 58, 59], mudUrl: null }, 'plug-'),
      dhcpKind({ vendorClass: 'ExampleSpeaker S1', params: [1, 121, 3, 6, 15, 119, 252, 95, 44, 46], mudUrl: null }, 'spk-'),
    ],
  };
}
