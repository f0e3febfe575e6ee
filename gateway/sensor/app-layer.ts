// Feeds transport payloads to the application parsers and turns what they say into device and
// flow facts (hostnames, MUD URLs, fingerprints, SNI, HTTP host) and DNS cache entries.
// Parsers run only on the few packets that carry these protocols; the bulk path skips this file.
import { parseMac } from '../common/address-text.js';
import type { DnsMessage } from '../app/dns/dns-message.js';
import { parseDhcp } from '../app/dhcp/parse-dhcp.js';
import { parseDhcpv6 } from '../app/dhcpv6/parse-dhcpv6.js';
import { parseDns } from '../app/dns/parse-dns.js';
import { parseHttpRequest } from '../app/http/parse-http-request.js';
import { parseLldp } from '../app/lldp/parse-lldp.js';
import { parseSsdp } from '../app/ssdp/parse-ssdp.js';
import { parseClientHello } from '../app/tls/parse-client-hello.js';
import { UDP_APP_BY_PORT, UdpApp } from '../decode/dispatch.js';
import { ev, type DecodeCounters } from '../common/events.js';
import type { PacketView } from '../decode/packet-view.js';
import { parseNdp } from '../decode/transport/icmpv6.js';
import type { Device } from '../track/device.js';
import type { DeviceInventory } from '../track/device-inventory.js';
import type { DnsCache } from '../track/dns-cache.js';
import type { Flow } from '../track/flow.js';
import type { PluginBus } from './plugin-bus.js';

const E_TLS_INCOMPLETE = -ev('decoder.tls.incomplete');
const E_HTTP_INCOMPLETE = -ev('decoder.http.incomplete');
/** DHCPv6 message types sent by clients (RFC 8415 §7.3). */
const DHCPV6_CLIENT_TYPES = new Set([1, 3, 4, 5, 6, 8, 9, 11]);

/** The application-layer stage. */
export class AppLayer {
  constructor(
    private readonly devices: DeviceInventory,
    private readonly dns: DnsCache,
    private readonly counters: DecodeCounters,
    private readonly maxDnsRecords: number,
    private readonly reassemblyBytes: number,
    private readonly bus: PluginBus | null,
  ) {}

  /** A UDP datagram with payload. */
  udp(pv: PacketView, flow: Flow | null, dev: Device | null): void {
    let app: number = UDP_APP_BY_PORT[pv.dstPort]!;
    if (app === UdpApp.None) app = UDP_APP_BY_PORT[pv.srcPort]!;
    if (app === UdpApp.None) return;
    const b = pv.buf, o = pv.payloadOff, end = o + pv.payloadLen;
    switch (app) {
      case UdpApp.Dns:
      case UdpApp.Mdns: {
        const m = parseDns(b, o, end, this.maxDnsRecords);
        if (typeof m === 'number') { this.counters.add(m); return; }
        if (app === UdpApp.Dns) this.dns.onMessage(m, pv.ts);
        else if (dev !== null) this.mdnsNames(m, dev);
        this.bus?.app({ kind: 'dns', ts: pv.ts, transport: 'udp', flavor: app === UdpApp.Dns ? 'dns' : 'mdns', msg: m }, pv, flow, flow === null ? 0 : flowDir(flow, pv));
        return;
      }
      case UdpApp.DhcpV4: return this.dhcp(pv, b, o, end);
      case UdpApp.DhcpV6: {
        const m = parseDhcpv6(b, o, end);
        if (typeof m === 'number') { this.counters.add(m); return; }
        if (dev === null || !DHCPV6_CLIENT_TYPES.has(m.msgType)) return;
        if (m.mudUrl !== null) { this.devices.set(dev, 'mudUrlSource', 'dhcpv6'); this.devices.set(dev, 'mudUrl', m.mudUrl); }
        if (m.fqdn !== null && (dev.hostnameSource === null || dev.hostnameSource === 'mdns')) {
          this.devices.set(dev, 'hostname', m.fqdn);
          this.devices.set(dev, 'hostnameSource', 'dhcpv6');
        }
        return;
      }
      case UdpApp.Ssdp: {
        const m = parseSsdp(b, o, end);
        if (typeof m === 'number') { this.counters.add(m); return; }
        if (dev !== null && m.server !== null && m.kind !== 'M-SEARCH') this.devices.set(dev, 'ssdpServer', m.server);
        return;
      }
    }
  }

  /** A TCP segment with payload: the first client bytes of the flow go to TLS or HTTP. */
  tcp(pv: PacketView, flow: Flow, dir: number): void {
    if (flow.appState === 2 || dir !== 0) return;
    let b = pv.buf, o = pv.payloadOff, end = o + pv.payloadLen;
    if (flow.appState === 1 && flow.appBuf !== null) {
      // Continue a head split over segments (in order only; a gateway copy, capped).
      const room = this.reassemblyBytes - flow.appBuf.length;
      flow.appBuf = Buffer.concat([flow.appBuf, b.subarray(o, o + Math.min(room, pv.payloadLen))]);
      b = flow.appBuf; o = 0; end = b.length;
    }
    const first = b[o]!;
    if (first === 0x16) {
      const r = parseClientHello(b, o, end);
      if (r.status === 'ok') { flow.sni = r.value.sni; this.done(flow); }
      else if (r.status === 'error') { this.counters.add(r.event); this.done(flow); }
      else this.hold(flow, b, o, end, E_TLS_INCOMPLETE);
      return;
    }
    // HTTP on any port: the head must start with a method token (RFC 9110 §9.1). Only a known
    // method followed by a space makes a parse failure a malformed request; SSH or a binary protocol
    // on port 8000 is another protocol, not a decode error.
    if (first >= 0x41 && first <= 0x5a) {
      const r = parseHttpRequest(b, o, end);
      if (r.status === 'ok') {
        flow.httpMethod = r.value.method; flow.httpUri = r.value.uri; flow.httpHost = r.value.host; flow.httpUserAgent = r.value.userAgent;
        this.done(flow);
      } else if (r.status === 'error') {
        if (startsWithMethod(b, o, end)) this.counters.add(r.event);
        this.done(flow);
      } else this.hold(flow, b, o, end, E_HTTP_INCOMPLETE);
      return;
    }
    this.done(flow);
  }

  /** An ICMPv6 message: Neighbor Discovery says which MAC owns which IPv6 address. */
  icmpv6(pv: PacketView, dev: Device | null): void {
    const r = parseNdp(pv.buf, pv.l4Off, pv.l4End);
    if (r === null) return;
    if (typeof r === 'number') { this.counters.add(r); return; }
    // RFC 4861 §4.4: an advertisement's target belongs to the sender (or the target link-layer address).
    if (r.type === 136 && r.target !== null) {
      const owner = r.targetLinkAddr >= 0 ? this.devices.ensure(r.targetLinkAddr, pv.ts) : dev;
      if (owner !== null) {
        const t = r.target;
        this.devices.learnIpv6(owner, t.readUInt32BE(0), t.readUInt32BE(4), t.readUInt32BE(8), t.readUInt32BE(12), true);
      }
    }
  }

  /** An LLDP frame (ethertype 0x88cc): system name and the MUD URL TLV (RFC 8520 §11). */
  lldp(pv: PacketView, dev: Device | null): void {
    const r = parseLldp(pv.buf, pv.l3Off, pv.frameOff + pv.capLen);
    if (typeof r === 'number') { this.counters.add(r); return; }
    if (dev === null) return;
    if (r.systemName !== null) this.devices.set(dev, 'lldpSystemName', r.systemName);
    if (r.mudUrl !== null) { this.devices.set(dev, 'mudUrlSource', 'lldp'); this.devices.set(dev, 'mudUrl', r.mudUrl); }
  }

  private dhcp(pv: PacketView, b: Buffer, o: number, end: number): void {
    const m = parseDhcp(b, o, end);
    if (typeof m === 'number') { this.counters.add(m); return; }
    if (m.chaddr === null) return;
    const dev = this.devices.ensure(parseMac(m.chaddr), pv.ts);
    if (dev === null) return;
    if (m.op === 1) {
      // RFC 2132 §9.14, §9.13, §9.8 and RFC 8520 §10: what the client says about itself.
      if (m.hostname !== null) { this.devices.set(dev, 'hostname', m.hostname); this.devices.set(dev, 'hostnameSource', 'dhcp'); }
      if (m.paramList !== null) this.devices.set(dev, 'dhcpFingerprint', m.paramList.join(','));
      if (m.vendorClass !== null) this.devices.set(dev, 'dhcpVendorClass', m.vendorClass);
      if (m.mudUrl !== null) { this.devices.set(dev, 'mudUrlSource', 'dhcpv4'); this.devices.set(dev, 'mudUrl', m.mudUrl); }
    } else if (m.messageType === 5 && m.yiaddr !== '0.0.0.0') {
      // DHCPACK: the server assigned yiaddr to chaddr.
      const p = m.yiaddr.split('.').map(Number);
      this.devices.learnIpv4(dev, ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0, true);
    }
  }

  /** mDNS responses name their sender's host: "<host>.local" A/AAAA records (RFC 6762 §3). */
  private mdnsNames(m: DnsMessage, dev: Device): void {
    if (!m.qr || dev.hostnameSource !== null) return;
    for (const r of m.answers.concat(m.additionals)) {
      if ((r.type === 1 || r.type === 28) && r.name.endsWith('.local')) {
        this.devices.set(dev, 'hostname', r.name.slice(0, -6));
        this.devices.set(dev, 'hostnameSource', 'mdns');
        return;
      }
    }
  }

  private hold(flow: Flow, b: Buffer, o: number, end: number, incompleteEvent: number): void {
    if (end - o >= this.reassemblyBytes) {
      this.counters.add(incompleteEvent);
      this.done(flow);
      return;
    }
    if (flow.appState === 0) flow.appBuf = Buffer.from(b.subarray(o, end));
    flow.appState = 1;
  }

  private done(flow: Flow): void {
    flow.appState = 2;
    flow.appBuf = null;
  }
}

/** Request methods of RFC 9110 §9 and the WebDAV/UPnP ones IoT devices use. */
const HTTP_METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE', 'PROPFIND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'NOTIFY', 'M-SEARCH'].map(
  (m) => Buffer.from(m + ' ', 'latin1'),
);

/** True when the bytes start with a known method and a space. */
function startsWithMethod(b: Buffer, o: number, end: number): boolean {
  for (const m of HTTP_METHODS) if (end - o >= m.length && b.compare(m, 0, m.length, o, o + m.length) === 0) return true;
  return false;
}

/** Direction of `pv` in `flow`: 0 when its source is the flow's side A. */
function flowDir(f: Flow, pv: PacketView): number {
  return f.a0 === pv.src0 && f.aPort === (pv.srcPort < 0 ? 0 : pv.srcPort) && f.a1 === pv.src1 && f.a2 === pv.src2 && f.a3 === pv.src3 ? 0 : 1;
}
