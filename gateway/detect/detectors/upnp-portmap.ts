// upnp.portmap: a LAN device asking the router to open a port from the internet to itself — a UPnP
// IGD AddPortMapping SOAP call, a NAT-PMP mapping request or a PCP MAP/PEER request. Bots open
// doors this way, and the MIC home-router checklist says UPnP should be off. It reads `portmap`
// records (gateway/app/upnp/ over the HTTP module, gateway/app/natpmp/); it parses no payload.
import { Family } from '../../decode/packet-view.js';
import type { AppRecord, PortMapping } from '../../app/app-record.js';
import { NATPMP_PORT } from '../../app/natpmp/parse-natpmp.js';
import type { PacketView } from '../../decode/packet-view.js';
import type { Flow } from '../../track/flow.js';
import { flowFields, packetFields } from '../../sensor/alert-fields.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.upnpPortmap`. Fixed at start. */
export interface UpnpPortmapConfig {
  /**
   * Also report NAT-PMP and PCP requests with lifetime 0, which delete a mapping (RFC 6886 §3.4,
   * RFC 6887 §15). UPnP DeletePortMapping is never reported; a UPnP lease of 0 means "permanent". Default false.
   */
  reportDeletes: boolean;
}

export const UPNP_PORTMAP_DEFAULTS: Readonly<UpnpPortmapConfig> = Object.freeze({
  reportDeletes: false,
});


// ---------------------------------------------------------------- the detector

/** The running detector: it holds no state (the HTTP module keeps a SOAP body until it is whole). */
export class UpnpPortmapDetector implements Plugin {
  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<UpnpPortmapConfig>) {}

  onApp(rec: AppRecord, pv: PacketView, flow: Flow | null): void {
    if (rec.kind !== 'portmap') return;
    if (rec.protocol === 'upnp') {
      // A removal closes a door; the exposure inventory follows it, nothing to report.
      if (rec.extra.action === 'DeletePortMapping') return;
      // A SOAP call over TCP: the caller is the connection's initiator, which must be on the LAN.
      if (flow === null || !(flow.family === 4 ? this.host.local.hasV4(flow.a0) : this.host.local.hasV6(flow.a0, flow.a1, flow.a2, flow.a3))) return;
      this.raise(rec, rec.ts, flowFields(this.host, flow));
      return;
    }
    // NAT-PMP and PCP: one datagram to the router's port 5351 from a LAN device (not from the internet side).
    if (pv.dstPort !== NATPMP_PORT) return;
    if (!(pv.family === Family.V4 ? this.host.local.hasV4(pv.src0) : this.host.local.hasV6(pv.src0, pv.src1, pv.src2, pv.src3))) return;
    this.raise(rec, pv.ts, packetFields(this.host, pv));
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
