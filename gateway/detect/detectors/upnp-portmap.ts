// upnp.portmap: a LAN device asking the router to open a port from the internet to itself — a UPnP
// IGD AddPortMapping SOAP call, a NAT-PMP mapping request or a PCP MAP/PEER request. Bots open
// doors this way, and the MIC home-router checklist says UPnP should be off.
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { fieldValue, headerField, headerNameIs, parseHttpRequest } from '../../app/http/parse-http-request.js';
import type { Device } from '../../track/device.js';
import type { Flow } from '../../track/flow.js';
import { flowFields, packetFields } from '../alert-fields.js';
import { detector, type Detector, type DetectorHost } from '../detector.js';

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

/** What a mapping request asks for. Ports and lifetime are null when the request did not say. */
export interface PortMapping {
  protocol: 'upnp' | 'natpmp' | 'pcp';
  internalPort: number | null;
  externalPort: number | null;
  /** Seconds (UPnP NewLeaseDuration: 0 means "until removed"). */
  lifetime: number | null;
  /** "tcp", "udp", "all" (PCP protocol 0) or the number / text as given. */
  proto: string | null;
  /** More detail: the SOAP action, the PCP opcode, the internal client. */
  extra: Record<string, unknown>;
}

// ---------------------------------------------------------------- NAT-PMP and PCP

/** NAT-PMP and PCP servers listen on UDP 5351 (RFC 6886 §3.1, RFC 6887 §19.1). */
export const NATPMP_PORT = 5351;
/** RFC 6886 §3.3: version 0; opcodes 1 (map UDP) and 2 (map TCP); request is 12 bytes. */
const NATPMP_VERSION = 0;
const NATPMP_MAP_LEN = 12;
/** RFC 6887 §7.1: version 2; R bit 0x80 set in responses; MAP = 1, PEER = 2 (§19.2). */
const PCP_VERSION = 2;
const PCP_R = 0x80;
const PCP_HEADER_LEN = 24;
/** RFC 6887 §11.1, §12.1: MAP opcode data is 36 bytes, PEER 56. */
const PCP_MAP_LEN = PCP_HEADER_LEN + 36;
const PCP_PEER_LEN = PCP_HEADER_LEN + 56;

/**
 * Reads a NAT-PMP or PCP request in `b[off, end)` (a UDP payload sent to port 5351). Returns the
 * mapping asked for, or null for anything else (address requests, responses, ANNOUNCE, short or
 * unknown messages). A lifetime of 0 is a deletion (RFC 6886 §3.4, RFC 6887 §15); the caller decides.
 */
export function parseNatPmpOrPcp(b: Buffer, off: number, end: number): PortMapping | null {
  const len = end - off;
  if (len < 2) return null;
  const version = b[off]!;
  const op = b[off + 1]!;
  if (version === NATPMP_VERSION) {
    // RFC 6886 §3.3: version, opcode (1 UDP, 2 TCP), reserved (2), internal port, suggested
    // external port, requested lifetime (seconds). Opcode 0 (external address) maps nothing.
    if ((op !== 1 && op !== 2) || len < NATPMP_MAP_LEN) return null;
    return {
      protocol: 'natpmp', internalPort: b.readUInt16BE(off + 4), externalPort: b.readUInt16BE(off + 6),
      lifetime: b.readUInt32BE(off + 8), proto: op === 1 ? 'udp' : 'tcp', extra: {},
    };
  }
  if (version === PCP_VERSION) {
    // RFC 6887 §7.1: R bit clear in requests; §11.1 MAP, §12.1 PEER.
    if ((op & PCP_R) !== 0) return null;
    const opcode = op & 0x7f;
    if (opcode !== 1 && opcode !== 2) return null;
    if (len < (opcode === 1 ? PCP_MAP_LEN : PCP_PEER_LEN)) return null;
    const d = off + PCP_HEADER_LEN; // nonce (12), protocol (1), reserved (3), internal port, ext port, ext address
    const ipProto = b[d + 12]!;
    const extra: Record<string, unknown> = { opcode: opcode === 1 ? 'map' : 'peer' };
    if (opcode === 2) extra.remotePeerPort = b.readUInt16BE(d + 36);
    return {
      protocol: 'pcp', internalPort: b.readUInt16BE(d + 16), externalPort: b.readUInt16BE(d + 18),
      lifetime: b.readUInt32BE(off + 4), proto: protoText(ipProto), extra,
    };
  }
  return null;
}

/** PCP protocol field (an IANA protocol number; 0 = all protocols, RFC 6887 §11.1). */
function protoText(p: number): string {
  return p === IPPROTO.TCP ? 'tcp' : p === IPPROTO.UDP ? 'udp' : p === 0 ? 'all' : String(p);
}

// ---------------------------------------------------------------- UPnP IGD SOAP

/**
 * The port-mapping actions of the IGD WAN connection services (UPnP "WANIPConnection:1" and ":2",
 * "WANPPPConnection:1" service templates): AddPortMapping, and AddAnyPortMapping from IGD v2.
 * The SOAPACTION header names "urn:schemas-upnp-org:service:<service>:<v>#<action>" (UPnP Device
 * Architecture 1.1 §3.2.1).
 */
const SOAP_ACTION = /^"?urn:schemas-upnp-org:service:(WANIPConnection|WANPPPConnection):(\d+)#(AddPortMapping|AddAnyPortMapping)"?$/;
/** The same action named only in the SOAP body: <u:AddPortMapping xmlns:u="urn:…:WANIPConnection:1">. */
const BODY_ACTION = /<(?:[\w.-]+:)?(AddPortMapping|AddAnyPortMapping)\b[^>]*urn:schemas-upnp-org:service:(WANIPConnection|WANPPPConnection):(\d+)/;
const POST_ = 0x504f5354; // "POST"

/** What the head of a watched POST said. */
interface SoapHead {
  /** Offset just past the blank line. */
  end: number;
  action: string | null;
  service: string | null;
  contentLength: number;
}

/** Reads the SOAPACTION and Content-Length header fields of a complete head in `b[0, headEnd)`. */
function soapHead(b: Buffer, headEnd: number): SoapHead {
  let action: string | null = null;
  let service: string | null = null;
  let contentLength = -1;
  // Header lines after the request line (the head was validated by parseHttpRequest).
  let p = b.indexOf(0x0a) + 1;
  while (p > 0 && p < headEnd) {
    let e = b.indexOf(0x0a, p);
    if (e < 0 || e >= headEnd) e = headEnd;
    const lineEnd = e > p && b[e - 1] === 0x0d ? e - 1 : e;
    const colon = headerField(b, p, lineEnd);
    if (colon > 0) {
      if (headerNameIs(b, p, colon, 'soapaction')) {
        const m = SOAP_ACTION.exec(fieldValue(b, colon + 1, lineEnd));
        if (m !== null) { service = `${m[1]}:${m[2]}`; action = m[3]!; }
      } else if (headerNameIs(b, p, colon, 'content-length')) {
        const v = Number(fieldValue(b, colon + 1, lineEnd));
        if (Number.isInteger(v) && v >= 0) contentLength = v;
      }
    }
    p = e + 1;
  }
  return { end: headEnd, action, service, contentLength };
}

/** The text of `<Name>…</` in the SOAP body, trimmed, or null. */
function arg(body: string, name: string): string | null {
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}>\\s*([^<]{0,256}?)\\s*</`).exec(body);
  return m === null ? null : m[1]!;
}

function portOrNull(s: string | null): number | null {
  if (s === null || !/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 0xffff ? n : null;
}

/** The mapping a complete (or given-up-on) SOAP request asks for, or null when it is not one. */
export function parseSoapPortMapping(b: Buffer): PortMapping | null {
  const r = parseHttpRequest(b, 0, b.length);
  if (r.status !== 'ok' || r.value.method !== 'POST') return null;
  const h = soapHead(b, r.end);
  const body = b.toString('latin1', h.end, h.contentLength >= 0 ? Math.min(b.length, h.end + h.contentLength) : b.length);
  let action = h.action, service = h.service;
  if (action === null) {
    const m = BODY_ACTION.exec(body);
    if (m === null) return null;
    action = m[1]!;
    service = `${m[2]}:${m[3]}`;
  }
  const lease = arg(body, 'NewLeaseDuration');
  const proto = arg(body, 'NewProtocol');
  return {
    protocol: 'upnp',
    internalPort: portOrNull(arg(body, 'NewInternalPort')),
    externalPort: portOrNull(arg(body, 'NewExternalPort')),
    lifetime: lease !== null && /^\d{1,10}$/.test(lease) ? Number(lease) : null,
    proto: proto === null ? null : proto.toLowerCase().slice(0, 8),
    extra: {
      action, service, uri: r.value.uri.slice(0, 256),
      internalClient: arg(body, 'NewInternalClient')?.slice(0, 64) ?? null,
      description: arg(body, 'NewPortMappingDescription')?.slice(0, 64) ?? null,
    },
  };
}

/** Whether a watched request is complete: its head parsed and Content-Length body bytes held. */
function requestComplete(b: Buffer): boolean {
  const r = parseHttpRequest(b, 0, b.length);
  if (r.status === 'error') return true;
  if (r.status === 'incomplete') return false;
  const h = soapHead(b, r.end);
  return h.contentLength < 0 ? false : b.length >= r.end + h.contentLength;
}

// ---------------------------------------------------------------- the detector

/** One POST from a LAN device, read until its body is complete. */
interface Watch {
  flow: Flow;
  ts: number;
  buf: Buffer;
  packets: number;
}

/** The running detector. */
export class UpnpPortmapDetector implements Detector {
  private readonly watches = new Map<number, Watch>();
  /** Watched POSTs decided early because the table was full. */
  evicted = 0;

  constructor(private readonly host: DetectorHost, private readonly cfg: Readonly<UpnpPortmapConfig>) {}

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

export const upnpPortmap = detector<UpnpPortmapConfig>({
  name: 'upnpPortmap',
  rules: ['upnp.portmap'],
  defaults: UPNP_PORTMAP_DEFAULTS,
  create: (host, cfg) => new UpnpPortmapDetector(host, cfg),
});
