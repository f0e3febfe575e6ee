// The app stage of the sensor: UDP datagrams go to the dispatch table (gateway/app/app-dispatch.ts);
// TCP segments go through the reassembler (gateway/stream/) and the in-order bytes of each
// direction to the module the dispatch table found for the connection. Every record the modules
// emit becomes device and flow facts here (hostnames, MUD URLs, fingerprints, SNI, HTTP host, DNS
// cache) and then goes to the plug-ins' onApp. A connection whose protocol is unknown or whose
// module is done stops costing anything: its stream is closed and its segments skipped.
import { AppDispatch, AppFlow, St } from '../app/app-dispatch.js';
import type { AppRecord } from '../app/app-record.js';
import type { CredentialCheck } from '../app/credential-check.js';
import type { DhcpMessage } from '../app/dhcp/dhcp-message.js';
import type { DnsMessage } from '../app/dns/dns-message.js';
import { parseLldp } from '../app/lldp/parse-lldp.js';
import { parseMac } from '../common/address-text.js';
import type { DecodeCounters } from '../common/events.js';
import type { PacketView } from '../decode/packet-view.js';
import { TCP_SYN } from '../decode/transport/tcp.js';
import { parseNdp } from '../decode/transport/icmpv6.js';
import { TcpReassembler, TcpStream } from '../stream/tcp-reassembler.js';
import type { StreamConfig } from '../stream/stream-config.js';
import type { Device } from '../track/device.js';
import type { DeviceInventory } from '../track/device-inventory.js';
import type { DnsCache } from '../track/dns-cache.js';
import type { Flow } from '../track/flow.js';
import type { PluginBus } from './plugin-bus.js';

/** DHCPv6 message types sent by clients (RFC 8415 §7.3). */
const DHCPV6_CLIENT_TYPES = new Set([1, 3, 4, 5, 6, 8, 9, 11]);
const EMPTY = Buffer.alloc(0);

/** The application-layer stage. */
export class AppLayer {
  private readonly dispatch: AppDispatch;
  private readonly reasm: TcpReassembler<Flow>;
  /** The packet, flow, direction and sender device the records being emitted belong to. */
  private pv: PacketView | null = null;
  private flow: Flow | null = null;
  private dir = 0;
  private dev: Device | null = null;
  /** Bound once: handed to the modules as their RecordSink. */
  private readonly sink = (rec: AppRecord): void => this.record(rec);

  constructor(
    private readonly devices: DeviceInventory,
    private readonly dns: DnsCache,
    private readonly counters: DecodeCounters,
    maxDnsRecords: number,
    stream: Readonly<StreamConfig>,
    private readonly bus: PluginBus | null,
    /** The default-credential check the login modules use (privacy.defaultCredentials), or null. */
    credentials: CredentialCheck | null = null,
  ) {
    this.dispatch = new AppDispatch(counters, { maxDnsRecords, credentials });
    this.reasm = new TcpReassembler<Flow>(stream, counters, {
      data: (f, dir, b, off, end, ts) => {
        this.dir = dir;
        this.dispatch.tcpData(f.app!, dir, b, off, end, ts, this.sink);
      },
      gap: (f, dir, bytes) => this.dispatch.tcpGap(f.app!, dir, bytes),
    });
  }

  /** Out-of-order bytes the reassembler holds now (with its overlap windows). */
  get streamBytes(): number {
    return this.reasm.heldBytes + this.reasm.windowBytes;
  }

  /** A UDP datagram with payload. */
  udp(pv: PacketView, flow: Flow | null, dir: number, dev: Device | null): void {
    this.pv = pv; this.flow = flow; this.dir = dir; this.dev = dev;
    const r = this.dispatch.udp(pv.buf, pv.payloadOff, pv.payloadOff + pv.payloadLen, pv.srcPort, pv.dstPort, pv.ts, dir, this.sink);
    if (r < 0) this.counters.add(r);
  }

  /**
   * A TCP segment of `flow` in direction `dir`. A SYN's sequence number is remembered on the flow
   * (no allocation); the stream and the app side are made at the first payload byte.
   */
  tcp(pv: PacketView, flow: Flow, dir: number): void {
    const app = flow.app;
    if (app !== null && app.st >= St.Unknown) return;
    const len = pv.payloadLen;
    if (len === 0 && app === null) {
      if ((pv.tcpFlags & TCP_SYN) !== 0) {
        if (dir === 0) flow.synSeqA = pv.tcpSeq; else flow.synSeqB = pv.tcpSeq;
      }
      return;
    }
    let s = flow.stream;
    if (s === null) {
      s = flow.stream = new TcpStream<Flow>(flow);
      flow.app = new AppFlow(flow.bPort);
      // The handshake came before the first byte: give the reassembler the initial sequence numbers.
      if (flow.synSeqA >= 0) this.reasm.segment(s, 0, flow.synSeqA, TCP_SYN, EMPTY, 0, 0, pv.ts);
      if (flow.synSeqB >= 0) this.reasm.segment(s, 1, flow.synSeqB, TCP_SYN, EMPTY, 0, 0, pv.ts);
    }
    this.pv = pv; this.flow = flow; this.dev = null;
    this.reasm.segment(s, dir, pv.tcpSeq, pv.tcpFlags, pv.buf, pv.payloadOff, len, pv.ts);
    const af = flow.app!;
    if (af.st >= St.Unknown) this.release(flow);
    else this.facts(flow, af);
  }

  /** A flow ended: what is held is delivered (with gaps), the module reports what is pending. */
  end(flow: Flow, pv: PacketView): void {
    const af = flow.app;
    if (af === null) return;
    this.pv = pv; this.flow = flow; this.dev = null;
    if (flow.stream !== null) this.reasm.close(flow.stream);
    this.dispatch.tcpEnd(af, flow.lastTs, this.sink);
    this.facts(flow, af);
    flow.stream = null;
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
    if (dev !== null) {
      if (r.systemName !== null) this.devices.set(dev, 'lldpSystemName', r.systemName);
      if (r.mudUrl !== null) { this.devices.set(dev, 'mudUrlSource', 'lldp'); this.devices.set(dev, 'mudUrl', r.mudUrl); }
    }
    this.bus?.app({ kind: 'lldp', ts: pv.ts, info: r }, pv, null, 0);
  }

  /** Stops feeding a connection whose module is finished: frees the stream's held bytes. */
  private release(flow: Flow): void {
    this.facts(flow, flow.app!);
    if (flow.stream !== null) {
      this.reasm.close(flow.stream);
      flow.stream = null;
    }
  }

  /** What the dispatch table found: the protocol on the flow, and whether its port says otherwise. */
  private facts(flow: Flow, af: AppFlow): void {
    if (flow.appProto === null && af.proto !== null) {
      flow.appProto = af.proto;
      flow.appPortMismatch = af.portMismatch;
    }
  }

  /** One record: device, DNS and flow facts first, then the plug-ins. */
  private record(rec: AppRecord): void {
    const pv = this.pv!, flow = this.flow;
    switch (rec.kind) {
      case 'dns':
        if (rec.flavor !== 'mdns') this.dns.onMessage(rec.msg, rec.ts);
        else if (this.dev !== null) this.mdnsNames(rec.msg, this.dev);
        break;
      case 'dhcp': this.dhcp(rec.msg, rec.ts); break;
      case 'dhcpv6': {
        const dev = this.dev, m = rec.msg;
        if (dev === null || !DHCPV6_CLIENT_TYPES.has(m.msgType)) break;
        if (m.mudUrl !== null) { this.devices.set(dev, 'mudUrlSource', 'dhcpv6'); this.devices.set(dev, 'mudUrl', m.mudUrl); }
        if (m.fqdn !== null && (dev.hostnameSource === null || dev.hostnameSource === 'mdns')) {
          this.devices.set(dev, 'hostname', m.fqdn);
          this.devices.set(dev, 'hostnameSource', 'dhcpv6');
        }
        break;
      }
      case 'ssdp':
        if (this.dev !== null && rec.msg.server !== null && rec.msg.kind !== 'M-SEARCH') this.devices.set(this.dev, 'ssdpServer', rec.msg.server);
        break;
      case 'tls.client_hello':
        if (flow !== null && flow.ja4 === null) { flow.sni = rec.sni; flow.ja4 = rec.ja4; }
        break;
      case 'http.request':
        if (flow !== null && flow.httpMethod === null) {
          flow.httpMethod = rec.method; flow.httpUri = rec.uri; flow.httpHost = rec.host; flow.httpUserAgent = rec.userAgent;
        }
        break;
      default:
        break;
    }
    // Records that carry their direction (sent from the end of a connection, or either side) say it themselves.
    const dir = rec.kind === 'ssh.banner' || rec.kind === 'tcp.stream-head' || rec.kind === 'http.body-head' ? rec.dir : this.dir;
    this.bus?.app(rec, pv, flow, dir);
  }

  private dhcp(m: DhcpMessage, ts: number): void {
    if (m.chaddr === null) return;
    const dev = this.devices.ensure(parseMac(m.chaddr), ts);
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
}
