// The packet path: frame → decode → devices, flows, DNS → app-protocol modules → plug-in bus.
// One instance per capture or interface, inside a Sensor (sensor/sensor.ts). Time is packet time
// throughout, so a replay gives the same result at any speed.
import { Family } from '../decode/packet-view.js';
import type { FrameSink } from '../capture/frame-source.js';
import type { PipelineConfig } from './sensor-config.js';
import { decodeFrame, type DecodeLimits } from '../decode/decode-frame.js';
import { ETHERTYPE, IPPROTO } from '../decode/dispatch.js';
import { DecodeCounters, ev } from '../common/events.js';
import { PacketView } from '../decode/packet-view.js';
import type { Device } from '../track/device.js';
import { DeviceInventory } from '../track/device-inventory.js';
import { DnsCache } from '../track/dns-cache.js';
import type { Flow } from '../track/flow.js';
import { FlowTable } from '../track/flow-table.js';
import { AppLayer } from './app-layer.js';
import type { CredentialCheck } from '../app/credential-check.js';
import { excludedMacs } from '../track/privacy.js';
import type { PluginBus } from './plugin-bus.js';

const E_IPPROTO_UNKNOWN = -ev('decoder.ipproto.unknown');
/** A frame of a device in privacy.excludeDevices (named event: in health and /metrics). */
const E_PRIVACY_EXCLUDED = ev('privacy.excluded_frame');

export class Pipeline {
  readonly pv = new PacketView();
  readonly devices: DeviceInventory;
  readonly dns: DnsCache;
  readonly flows: FlowTable;
  readonly app: AppLayer;
  /** Frames and bytes (on the wire) seen. */
  packets = 0;
  bytes = 0;
  /** First and last packet time, µs (-1 before the first packet). */
  firstTs = -1;
  lastTs = -1;
  private readonly limits: DecodeLimits;
  /** The MACs of privacy.excludeDevices, or null (none: the packet path's only cost is this null test). */
  private readonly excluded: ReadonlySet<number> | null;

  /**
   * `bus` receives every packet, flow start and end, app record and new device; without one (the
   * bare pipeline of `edgeward bench --no-detect`) the hooks go nowhere. `credentials` is the
   * default-credential check a plug-in asked for (PluginFactory.credentialCheck): the login modules
   * use it unless privacy.defaultCredentials is off.
   */
  constructor(
    readonly cfg: Readonly<PipelineConfig>, readonly bus: PluginBus | null = null, readonly decodeCounters = new DecodeCounters(),
    credentials: CredentialCheck | null = null,
  ) {
    this.limits = { maxVlanDepth: cfg.decode.maxVlanDepth, maxIpv6ExtHeaders: cfg.decode.maxIpv6ExtHeaders };
    this.excluded = excludedMacs(cfg.privacy);
    this.devices = new DeviceInventory(cfg.devices, this.decodeCounters);
    this.dns = new DnsCache(cfg.dns, this.decodeCounters);
    this.flows = new FlowTable(cfg.flows, this.decodeCounters);
    this.app = new AppLayer(this.devices, this.dns, this.decodeCounters, cfg.decode.maxDnsRecords, cfg.stream, bus,
      cfg.privacy.defaultCredentials ? credentials : null);
    // One listener for both (this runs for every flow): what a flow's modules still held (a body cut
    // short) comes out before the plug-ins hear of its end.
    const app = this.app;
    if (bus !== null) {
      this.flows.addListener({
        onFlowStart: (f) => bus.flowStart(f),
        onFlowEnd: (f) => { if (f.app !== null) app.end(f, this.pv); bus.flowEnd(f); },
      });
      this.devices.addListener({ onDeviceNew: (d) => bus.deviceNew(d, d.firstSeen), onDeviceChange: (d, field) => bus.deviceChange(d, field) });
      this.dns.addListener((name, addr, family, expires, ts) => bus.dnsAnswer(name, addr, family, expires, ts));
    } else {
      this.flows.addListener({ onFlowEnd: (f) => { if (f.app !== null) app.end(f, this.pv); } });
    }
  }

  /** The FrameSink to hand to a source. */
  readonly sink: FrameSink = (buf, off, capLen, origLen, ts, linkType, ifIndex) => {
    this.handle(buf, off, capLen, origLen, ts, linkType, ifIndex);
  };

  /** Processes one frame. Never throws on frame content. */
  handle(buf: Buffer, off: number, capLen: number, origLen: number, ts: number, linkType: number, ifIndex: number): void {
    this.packets++;
    this.bytes += origLen;
    if (this.firstTs < 0) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    const pv = this.pv;
    const r = decodeFrame(pv, buf, off, capLen, origLen, ts, linkType, ifIndex, this.limits);
    if (r !== 0) this.decodeCounters.add(r);
    const ex = this.excluded;
    if (ex !== null && (ex.has(pv.srcMac) || ex.has(pv.dstMac))) {
      // A device whose owner did not consent: its traffic is counted per device (the traffic meter)
      // and nothing more — no inventory, no flow, no app parsing, no detector sees it. The flow
      // clock moves as for a frame another sensor handles (Sensor.pass).
      this.decodeCounters.add(E_PRIVACY_EXCLUDED);
      if (pv.family !== Family.None) this.flows.advance(ts);
      if (this.bus !== null) this.bus.excludedPacket(pv);
      return;
    }
    const devices = this.devices;
    let dev: Device | null = null;
    if (pv.srcMac >= 0) {
      dev = devices.touch(pv.srcMac, ts, origLen);
      if (dev !== null) {
        if (pv.family === Family.V4) devices.learnIpv4(dev, pv.src0);
        else if (pv.family === Family.V6) devices.learnIpv6(dev, pv.src0, pv.src1, pv.src2, pv.src3);
      }
    }
    let flow: Flow | null = null;
    let dir = 0;
    if (pv.family !== Family.None) {
      // A frame whose transport header is malformed is counted but makes no flow: its ports are unknown.
      if (r === 0 || r === E_IPPROTO_UNKNOWN) {
        flow = this.flows.update(pv);
        dir = this.flows.dir;
        // A fragment carries part of a message: the app parsers would only see a truncated one.
        if (flow !== null && !pv.isFragment) {
          if (pv.ipProto === IPPROTO.TCP) { if (pv.srcPort >= 0) this.app.tcp(pv, flow, dir); }
          else if (pv.ipProto === IPPROTO.UDP && pv.payloadLen > 0) this.app.udp(pv, flow, dir, dev);
        }
        if (pv.ipProto === IPPROTO.ICMPV6 && pv.icmpType >= 133 && pv.icmpType <= 137) this.app.icmpv6(pv, dev);
      }
    } else if (pv.etherType === ETHERTYPE.ARP && r === 0) {
      // RFC 826: the sender pair is the sender's own (gratuitous ARP and probes included).
      const owner = pv.arpSenderMac === pv.srcMac ? dev : devices.ensure(pv.arpSenderMac, ts);
      if (owner !== null) devices.learnIpv4(owner, pv.arpSenderIp);
    } else if (pv.etherType === ETHERTYPE.LLDP && r === 0) {
      this.app.lldp(pv, dev);
    }
    if (this.bus !== null) this.bus.packet(pv, flow, dir, dev);
  }

  /** Malformed input met so far: frames and application messages, by named event (excluding unknown types). */
  get decodeErrors(): number {
    return this.decodeCounters.errors();
  }

  /** Ends every live flow (end of a replay). */
  finish(): void {
    this.flows.flush('shutdown');
  }
}
