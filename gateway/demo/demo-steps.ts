// The steps the demo's scripts are made of: a host joining the LAN (DHCP, ARP), a DNS lookup
// through the router, an NTP exchange, a TLS connection to a named cloud. Each writes its frames
// into the scene's timeline and returns the time (s) it ends.
import { arp, ETHER_ARP, ether, frame, padTo } from '../synth/frame-builders.js';
import { ROUTER, LAN, CLOUD, type DemoHost } from './demo-devices.js';
import { DHCP, dhcpClientMessage, dhcpServerMessage } from '../synth/dhcp-payload.js';
import { DNS_TYPE, dnsAnswer, dnsQuery, type DnsRecord } from '../synth/dns-payload.js';
import type { SeededRandom } from '../synth/seeded-random.js';
import { ntpPacket } from '../synth/service-payloads.js';
import { TcpConversation, type TcpTiming } from '../synth/tcp-conversation.js';
import { udpFrame, type Endpoint, type Timeline } from '../synth/timeline.js';
import { tlsClientFinished, tlsClientHello, tlsServerFlight } from '../synth/tls-payload.js';

/** What every script writes into and draws from. */
export interface Scene {
  out: Timeline;
  rnd: SeededRandom;
}

const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
/** TTL of packets from the internet as they reach the LAN: 64 minus a dozen hops. */
const INTERNET_TTL = 52;
/** The router answers DHCP, DNS and NTP within this many seconds. */
const ROUTER_DELAY = 0.004;
/** A DNS answer the router had to fetch upstream takes this long. */
const DNS_DELAY = 0.018;
/** Seconds to a cloud and back. */
export const CLOUD_RTT = 0.032;

/** A LAN host's end of a conversation. */
export function hostEnd(h: DemoHost, port: number): Endpoint {
  return { mac: h.mac, ip: h.ip, port };
}

/** The router's own end (DHCP, DNS, NTP server). */
export function routerEnd(port: number): Endpoint {
  return { mac: ROUTER.mac, ip: ROUTER.ip, port };
}

/** A host on the internet, seen behind the router's MAC. */
export function internetEnd(ip: string, port: number): Endpoint {
  return { mac: ROUTER.mac, ip, port, ttl: INTERNET_TTL };
}

/** The address a cloud name resolves to; throws on a name the demo does not know (a script bug). */
export function cloudAddress(name: string): string {
  const ip = CLOUD[name];
  if (ip === undefined) throw new RangeError(`demo: no address for ${name}`);
  return ip;
}

/**
 * DISCOVER (broadcast), OFFER, REQUEST (broadcast), ACK — the MUD URL goes out in option 161 of
 * both client messages — then the host asks ARP for the router.
 */
export function dhcpJoin(s: Scene, h: DemoHost, t: number): number {
  const xid = s.rnd.nextU32();
  const client = { mac: h.mac, ip: '0.0.0.0', port: 68 };
  const everyone = { mac: BROADCAST_MAC, ip: '255.255.255.255', port: 67 };
  const server = routerEnd(67);
  const offered = hostEnd(h, 68);
  const lease = { server: ROUTER.ip, address: h.ip, mask: LAN.mask, domain: LAN.domain, leaseSeconds: LAN.leaseSeconds };
  s.out.add(t, udpFrame(client, everyone, dhcpClientMessage(h, xid)));
  s.out.add(t + ROUTER_DELAY, udpFrame(server, offered, dhcpServerMessage(DHCP.OFFER, h.mac, xid, lease)));
  s.out.add(t + 0.010, udpFrame(client, everyone, dhcpClientMessage(h, xid, { address: h.ip, server: ROUTER.ip })));
  s.out.add(t + 0.010 + ROUTER_DELAY, udpFrame(server, offered, dhcpServerMessage(DHCP.ACK, h.mac, xid, lease)));
  const ask = t + 0.030;
  s.out.add(ask, padTo(frame(ether({ dst: BROADCAST_MAC, src: h.mac, type: ETHER_ARP }), arp({ senderMac: h.mac, senderIp: h.ip, targetIp: ROUTER.ip }))));
  s.out.add(ask + ROUTER_DELAY, padTo(frame(
    ether({ dst: h.mac, src: ROUTER.mac, type: ETHER_ARP }),
    arp({ op: 2, senderMac: ROUTER.mac, senderIp: ROUTER.ip, targetMac: h.mac, targetIp: h.ip }),
  )));
  return ask + ROUTER_DELAY;
}

/** A query to the router's resolver and its answer (`answers`; default the cloud address of `name`). */
export function lookup(s: Scene, h: DemoHost, name: string, t: number, type: number = DNS_TYPE.A, answers?: DnsRecord[]): number {
  const id = s.rnd.int(0, 0xffff);
  const client = hostEnd(h, s.rnd.ephemeralPort());
  const resolver = routerEnd(53);
  const records = answers ?? [{ name, type: 'A' as const, ttl: 300, address: cloudAddress(name) }];
  s.out.add(t, udpFrame(client, resolver, dnsQuery(id, name, type)));
  const back = t + DNS_DELAY;
  s.out.add(back, udpFrame(resolver, client, dnsAnswer(id, name, type, records)));
  return back;
}

/** An NTP request to `server` and its answer. */
export function ntpSync(s: Scene, h: DemoHost, server: Endpoint, t: number, rtt = ROUTER_DELAY): number {
  const client = hostEnd(h, 123);
  const now = (s.out.baseUs / 1e6) + t;
  s.out.add(t, udpFrame(client, server, ntpPacket(3, now)));
  s.out.add(t + rtt, udpFrame(server, client, ntpPacket(4, now + rtt / 2)));
  return t + rtt;
}

/** A TLS connection the host opens to a cloud name: DNS lookup, TCP handshake, TLS handshake. */
export function tlsConnect(s: Scene, h: DemoHost, name: string, port: number, t: number, alpn: string[] = []): { conv: TcpConversation; t: number } {
  const answered = lookup(s, h, name, t);
  const timing: TcpTiming = { serverRtt: CLOUD_RTT };
  const conv = new TcpConversation(s.out, hostEnd(h, s.rnd.ephemeralPort()), internetEnd(cloudAddress(name), port), s.rnd, timing);
  let at = conv.open(answered + 0.002);
  at = conv.exchange(tlsClientHello(s.rnd, name, alpn), tlsServerFlight(s.rnd, 2400 + s.rnd.int(0, 1200)), at);
  at = conv.send('client', tlsClientFinished(s.rnd), at);
  return { conv, t: at };
}
