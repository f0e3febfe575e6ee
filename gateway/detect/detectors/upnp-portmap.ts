// upnp.portmap: a LAN device asking the router to open a port from the internet to itself — a UPnP
// IGD AddPortMapping SOAP call, a NAT-PMP mapping request or a PCP MAP/PEER request. Bots open
// doors this way, and the MIC home-router checklist says UPnP should be off.
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import type { PortMapping } from '../../app/app-record.js';
import { NATPMP_PORT, parseNatPmpOrPcp } from '../../app/natpmp/parse-natpmp.js';
import { parseSoapPortMapping, soapRequestComplete as requestComplete } from '../../app/upnp/parse-soap-portmap.js';
import type { Device } from '../../track/device.js';
import type { Flow } from '../../track/flow.js';
import { flowFields, packetFields } from '../../sensor/alert-fields.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.upnpPortmap`. Fixed at start. */
export interface UpnpPortmapConfig {
  /** Client payload packets of an HTTP POST read for the SOAP action and its arguments. Default 4. */
  maxClientPackets: number;
  /** Request bytes (head and body) kept per watched POST, copied. Default 8192. */
  maxBytes: number;
  /** POST flows watched at once; at the cap the oldest is decided early and dropped. Default 1024. */
  maxFlows: number;
  /**
   * Also report NAT-PMP and PCP requests with lifetime 0, which delete a mapping (RFC 6886 §3.4,
   * RFC 6887 §15). UPnP DeletePortMapping is never reported; a UPnP lease of 0 means "permanent". Default false.
   */
  reportDeletes: boolean;
}

export const UPNP_PORTMAP_DEFAULTS: Readonly<UpnpPortmapConfig> = Object.freeze({
  maxClientPackets: 4,
  maxBytes: 8192,
  maxFlows: 1024,
  reportDeletes: false,
});

// The parsers live in gateway/app/natpmp/ and gateway/app/upnp/; re-exported for existing importers.
export { NATPMP_PORT, parseNatPmpOrPcp, parseSoapPortMapping };
export type { PortMapping };

const POST_ = 0x504f5354; // "POST"

// ---------------------------------------------------------------- the detector

/** One POST from a LAN device, read until its body is complete. */
interface Watch {
  flow: Flow;
  ts: number;
  buf: Buffer;
  packets: number;
}

/** The running detector. */
export class UpnpPortmapDetector implements Plugin {
  private readonly watches = new Map<number, Watch>();
  /** Watched POSTs decided early because the table was full. */
  evicted = 0;

  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<UpnpPortmapConfig>) {}

  onPacket(pv: PacketView, flow: Flow | null, dir: number, _device: Device | null): void {
    if (flow === null || pv.payloadLen === 0) return;
    if (pv.ipProto === IPPROTO.UDP) {
      if (pv.dstPort === NATPMP_PORT) this.onNatPmp(pv);
      return;
    }
    if (pv.ipProto !== IPPROTO.TCP) return;
    if (dir !== 0) {
      // The router's first answer: the request is as complete as it will get.
      if (this.watches.size === 0 || flow.payloadBA !== pv.payloadLen) return;
      const w = this.watches.get(flow.id);
      if (w !== undefined) this.decide(w);
      return;
    }
    const off = pv.payloadOff;
    if (flow.payloadAB === pv.payloadLen) {
      // First client payload: watch it only if it is a POST from a LAN device.
      if (pv.payloadLen < 5 || pv.buf.readUInt32BE(off) !== POST_ || pv.buf[off + 4] !== 0x20) return;
      if (!(flow.family === 4 ? this.host.local.hasV4(flow.a0) : this.host.local.hasV6(flow.a0, flow.a1, flow.a2, flow.a3))) return;
      if (this.watches.size >= this.cfg.maxFlows) {
        this.evicted++;
        this.decide(this.watches.values().next().value as Watch);
      }
      const w: Watch = { flow, ts: pv.ts, buf: Buffer.from(pv.buf.subarray(off, off + Math.min(pv.payloadLen, this.cfg.maxBytes))), packets: 1 };
      this.watches.set(flow.id, w);
      this.step(w);
      return;
    }
    if (this.watches.size === 0) return;
    const w = this.watches.get(flow.id);
    if (w === undefined) return;
    const room = this.cfg.maxBytes - w.buf.length;
    if (room > 0) w.buf = Buffer.concat([w.buf, pv.buf.subarray(off, off + Math.min(room, pv.payloadLen))]);
    w.packets++;
    this.step(w);
  }

  onFlowEnd(flow: Flow): void {
    const w = this.watches.get(flow.id);
    if (w !== undefined) this.decide(w);
  }

  stateSize(): number {
    return this.watches.size;
  }

  /** Decides once the request is whole, or the packet or byte budget is spent. */
  private step(w: Watch): void {
    if (requestComplete(w.buf) || w.packets >= this.cfg.maxClientPackets || w.buf.length >= this.cfg.maxBytes) this.decide(w);
  }

  private decide(w: Watch): void {
    this.watches.delete(w.flow.id);
    const m = parseSoapPortMapping(w.buf);
    if (m === null) return;
    this.raise(m, w.ts, flowFields(this.host, w.flow));
  }

  private onNatPmp(pv: PacketView): void {
    const m = parseNatPmpOrPcp(pv.buf, pv.payloadOff, pv.payloadOff + pv.payloadLen);
    if (m === null) return;
    const local = pv.family === 4 ? this.host.local.hasV4(pv.src0) : this.host.local.hasV6(pv.src0, pv.src1, pv.src2, pv.src3);
    if (!local) return; // a request from the internet side is not a LAN device's
    this.raise(m, pv.ts, packetFields(this.host, pv));
  }

  private raise(m: PortMapping, ts: number, where: ReturnType<typeof flowFields>): void {
    if (m.lifetime === 0 && m.protocol !== 'upnp' && !this.cfg.reportDeletes) return;
    const port = m.externalPort ?? m.internalPort;
    this.host.emit({
      rule: 'upnp.portmap', ts, ...where,
      // One alert per device, router, protocol and internal port: retries with other suggested
      // external ports and lease refreshes fold into its count.
      peer: `${where.dst} ${m.protocol} ${m.proto ?? '?'}/${m.internalPort ?? '?'}`,
      message: `${where.device ?? where.src} asked ${where.dst} (${m.protocol}) to map ${m.proto ?? 'a'} port ${port ?? '?'} to ${m.internalPort ?? '?'}`,
      evidence: { protocol: m.protocol, internalPort: m.internalPort, externalPort: m.externalPort, lifetime: m.lifetime, proto: m.proto, ...m.extra },
    });
  }
}

export const upnpPortmap = plugin<UpnpPortmapConfig>({
  name: 'upnpPortmap',
  rules: ['upnp.portmap'],
  defaults: UPNP_PORTMAP_DEFAULTS,
  create: (host, cfg) => new UpnpPortmapDetector(host, cfg),
});
