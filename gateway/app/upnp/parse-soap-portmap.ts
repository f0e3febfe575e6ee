// UPnP IGD port-mapping SOAP parser: which AddPortMapping / AddAnyPortMapping a request asks the
// router for, or which mapping a DeletePortMapping removes (by protocol and external port) (UPnP Device Architecture 1.1 §3.2.1; WANIPConnection:1/:2, WANPPPConnection:1).
import type { PortMapping } from '../app-record.js';
import { fieldValue, headerField, headerNameIs, parseHttpRequest } from '../http/parse-http-request.js';

/**
 * The port-mapping actions of the IGD WAN connection services (UPnP "WANIPConnection:1" and ":2",
 * "WANPPPConnection:1" service templates): AddPortMapping, and AddAnyPortMapping from IGD v2.
 * The SOAPACTION header names "urn:schemas-upnp-org:service:<service>:<v>#<action>" (UPnP Device
 * Architecture 1.1 §3.2.1).
 */
const SOAP_ACTION = /^"?urn:schemas-upnp-org:service:(WANIPConnection|WANPPPConnection):(\d+)#(AddPortMapping|AddAnyPortMapping|DeletePortMapping)"?$/;
/** The same action named only in the SOAP body: <u:AddPortMapping xmlns:u="urn:…:WANIPConnection:1">. */
const BODY_ACTION = /<(?:[\w.-]+:)?(AddPortMapping|AddAnyPortMapping|DeletePortMapping)\b[^>]*urn:schemas-upnp-org:service:(WANIPConnection|WANPPPConnection):(\d+)/;

/** A port-mapping action and its service, e.g. AddPortMapping of "WANIPConnection:1". */
export interface SoapPortMapAction {
  action: string;
  service: string;
}

/** The port-mapping action a SOAPACTION header value names, or null for any other action. */
export function soapPortMapAction(value: string): SoapPortMapAction | null {
  const m = SOAP_ACTION.exec(value);
  return m === null ? null : { action: m[3]!, service: `${m[1]}:${m[2]}` };
}

/** What the head of a POST said. */
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
        const m = soapPortMapAction(fieldValue(b, colon + 1, lineEnd));
        if (m !== null) { service = m.service; action = m.action; }
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

/**
 * The mapping the SOAP body `body` (latin-1 text) of a request to `uri` asks for. `named` is what
 * the SOAPACTION header said; when null the action must be named in the body. Null when the body
 * names no port-mapping action.
 */
export function soapPortMapping(body: string, named: SoapPortMapAction | null, uri: string): PortMapping | null {
  let action: string, service: string;
  if (named !== null) {
    action = named.action;
    service = named.service;
  } else {
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
      action, service, uri: uri.slice(0, 256),
      internalClient: arg(body, 'NewInternalClient')?.slice(0, 64) ?? null,
      description: arg(body, 'NewPortMappingDescription')?.slice(0, 64) ?? null,
    },
  };
}

/** The mapping a complete (or given-up-on) SOAP request `b` (head and body) asks for, or null when it is not one. */
export function parseSoapPortMapping(b: Buffer): PortMapping | null {
  const r = parseHttpRequest(b, 0, b.length);
  if (r.status !== 'ok' || r.value.method !== 'POST') return null;
  const h = soapHead(b, r.end);
  const body = b.toString('latin1', h.end, h.contentLength >= 0 ? Math.min(b.length, h.end + h.contentLength) : b.length);
  const named = h.action !== null && h.service !== null ? { action: h.action, service: h.service } : null;
  return soapPortMapping(body, named, r.value.uri);
}
