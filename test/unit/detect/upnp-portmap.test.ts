// upnp.portmap: NAT-PMP and PCP requests and UPnP IGD SOAP calls read on their own, the detector
// with hand-made packets and flows (LAN side only, deletions, a SOAP call split over segments,
// caps), then nDPI's natpmp.pcap and upnp.pcap and one built case per protocol through the pipeline.
import { AppDispatch, AppFlow } from '../../../gateway/app/app-dispatch.js';
import { DecodeCounters } from '../../../gateway/common/events.js';
import type { PacketView } from '../../../gateway/decode/packet-view.js';
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { parseNatPmpOrPcp } from '../../../gateway/app/natpmp/parse-natpmp.js';
import { parseSoapPortMapping } from '../../../gateway/app/upnp/parse-soap-portmap.js';
import {
  upnpPortmap, UPNP_PORTMAP_DEFAULTS, type UpnpPortmapConfig, type UpnpPortmapDetector,
} from '../../../gateway/detect/detectors/upnp-portmap.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { Flow } from '../../../gateway/track/flow.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';
import { decodeBytes, ether, ETHER_IPV4, ETHER_IPV6, frame, ipv4, ipv6, ipv6Bytes, PROTO, tcp, udp } from '../../helpers/frames.js';
import { hex } from '../../helpers/hex.js';
import { replayFrames, T0, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = T0;
const DEV_MAC = '02:00:00:00:00:0c';
const DEV_IP = '192.168.1.12';
const GW_MAC = '02:00:00:00:00:01';
const GW_IP = '192.168.1.1';

/** RFC 6886 §3.3: version 0, opcode, reserved, internal port, suggested external port, lifetime. */
function natpmpMap(op: number, internal: number, external: number, lifetime: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0; b[1] = op;
  b.writeUInt16BE(internal, 4); b.writeUInt16BE(external, 6); b.writeUInt32BE(lifetime, 8);
  return b;
}

/** RFC 6887 §7.1 request header + §11.1 MAP / §12.1 PEER opcode data. */
function pcpRequest(o: { opcode: number; lifetime: number; proto: number; internal: number; external: number; response?: boolean; client?: string }): Buffer {
  const peer = o.opcode === 2;
  const b = Buffer.alloc(24 + (peer ? 56 : 36));
  b[0] = 2; b[1] = (o.response ? 0x80 : 0) | o.opcode;
  b.writeUInt32BE(o.lifetime, 4);
  ipv6Bytes(o.client ?? `::ffff:${DEV_IP}`).copy(b, 8);
  hex`0102 0304 0506 0708 090a 0b0c`.copy(b, 24); // mapping nonce
  b[36] = o.proto;
  b.writeUInt16BE(o.internal, 40); b.writeUInt16BE(o.external, 42);
  if (peer) b.writeUInt16BE(443, 60);
  return b;
}

function soapBody(action: string, service = 'WANIPConnection:1', args = '<NewRemoteHost></NewRemoteHost><NewExternalPort>2323</NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>23</NewInternalPort><NewInternalClient>192.168.1.12</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>libminiupnpc</NewPortMappingDescription><NewLeaseDuration>0</NewLeaseDuration>'): string {
  return '<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">' +
    `<s:Body><u:${action} xmlns:u="urn:schemas-upnp-org:service:${service}">${args}</u:${action}></s:Body></s:Envelope>\r\n`;
}

/** A miniupnpc-style control request; `soapAction` null leaves the header out. */
function soapRequest(action: string, o: { soapAction?: string | null; service?: string; body?: string } = {}): { head: Buffer; body: Buffer } {
  const service = o.service ?? 'WANIPConnection:1';
  const body = Buffer.from(o.body ?? soapBody(action, service));
  const sa = o.soapAction === undefined ? `"urn:schemas-upnp-org:service:${service}#${action}"` : o.soapAction;
  const head = Buffer.from(`POST /ctl/IPConn HTTP/1.1\r\nHost: ${GW_IP}:5000\r\nUser-Agent: Debian/12 UPnP/1.1 MiniUPnPc/2.2.4\r\n` +
    `Content-Length: ${body.length}\r\nContent-Type: text/xml\r\n${sa === null ? '' : `SOAPAction: ${sa}\r\n`}Connection: Close\r\n\r\n`);
  return { head, body };
}

describe('parseNatPmpOrPcp', () => {
  const p = (b: Buffer) => parseNatPmpOrPcp(b, 0, b.length);

  it('reads NAT-PMP map UDP and map TCP requests (RFC 6886 §3.3)', () => {
    expect(p(natpmpMap(1, 5353, 15353, 7200))).toEqual({ protocol: 'natpmp', internalPort: 5353, externalPort: 15353, lifetime: 7200, proto: 'udp', extra: {} });
    expect(p(natpmpMap(2, 51413, 51413, 3600))).toMatchObject({ protocol: 'natpmp', proto: 'tcp', internalPort: 51413, lifetime: 3600 });
    expect(p(natpmpMap(2, 80, 80, 0))!.lifetime).toBe(0);
  });

  it('ignores NAT-PMP address requests, responses and short requests', () => {
    expect(p(hex`00 00`)).toBeNull();
    const resp = natpmpMap(2, 1, 1, 1); resp[1] = 130;
    expect(p(resp)).toBeNull();
    expect(p(natpmpMap(2, 1, 1, 1).subarray(0, 11))).toBeNull();
    expect(p(hex`00`)).toBeNull();
  });

  it('reads PCP MAP and PEER requests (RFC 6887 §11, §12), protocol by number', () => {
    expect(p(pcpRequest({ opcode: 1, lifetime: 3600, proto: 6, internal: 8080, external: 80 }))).toEqual({
      protocol: 'pcp', internalPort: 8080, externalPort: 80, lifetime: 3600, proto: 'tcp', extra: { opcode: 'map' },
    });
    expect(p(pcpRequest({ opcode: 2, lifetime: 120, proto: 17, internal: 5000, external: 0 }))).toEqual({
      protocol: 'pcp', internalPort: 5000, externalPort: 0, lifetime: 120, proto: 'udp', extra: { opcode: 'peer', remotePeerPort: 443 },
    });
    expect(p(pcpRequest({ opcode: 1, lifetime: 60, proto: 0, internal: 0, external: 0 }))!.proto).toBe('all');
  });

  it('ignores PCP responses (R bit), ANNOUNCE, unknown versions and short requests', () => {
    expect(p(pcpRequest({ opcode: 1, lifetime: 60, proto: 6, internal: 1, external: 1, response: true }))).toBeNull();
    expect(p(pcpRequest({ opcode: 0, lifetime: 0, proto: 0, internal: 0, external: 0 }))).toBeNull();
    expect(p(pcpRequest({ opcode: 1, lifetime: 60, proto: 6, internal: 1, external: 1 }).subarray(0, 59))).toBeNull();
    expect(p(pcpRequest({ opcode: 2, lifetime: 60, proto: 6, internal: 1, external: 1 }).subarray(0, 79))).toBeNull();
    const v1 = pcpRequest({ opcode: 1, lifetime: 60, proto: 6, internal: 1, external: 1 }); v1[0] = 1;
    expect(p(v1)).toBeNull();
  });
});

describe('the readers never throw', () => {
  it('on every truncation of a NAT-PMP, PCP MAP, PCP PEER and SOAP request, and on deterministic noise', () => {
    const r = soapRequest('AddPortMapping');
    const inputs = [natpmpMap(2, 1, 2, 3), pcpRequest({ opcode: 1, lifetime: 1, proto: 6, internal: 1, external: 1 }),
      pcpRequest({ opcode: 2, lifetime: 1, proto: 6, internal: 1, external: 1 }), Buffer.concat([r.head, r.body])];
    for (const b of inputs) {
      for (let n = 0; n <= b.length; n++) {
        expect(() => parseNatPmpOrPcp(b, 0, n)).not.toThrow();
        expect(() => parseSoapPortMapping(b.subarray(0, n))).not.toThrow();
      }
    }
    let x = 12345;
    for (let k = 0; k < 200; k++) {
      const b = Buffer.alloc(k % 90);
      for (let i = 0; i < b.length; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; }
      expect(() => parseNatPmpOrPcp(b, 0, b.length)).not.toThrow();
      expect(() => parseSoapPortMapping(b)).not.toThrow();
    }
  });
});

describe('parseSoapPortMapping', () => {
  const whole = (r: { head: Buffer; body: Buffer }) => Buffer.concat([r.head, r.body]);

  it('reads AddPortMapping named by the SOAPAction header, with its arguments', () => {
    expect(parseSoapPortMapping(whole(soapRequest('AddPortMapping')))).toEqual({
      protocol: 'upnp', internalPort: 23, externalPort: 2323, lifetime: 0, proto: 'tcp',
      extra: { action: 'AddPortMapping', service: 'WANIPConnection:1', uri: '/ctl/IPConn', internalClient: '192.168.1.12', description: 'libminiupnpc' },
    });
  });

  it('AddAnyPortMapping of IGD v2 and WANPPPConnection; an unquoted header value', () => {
    expect(parseSoapPortMapping(whole(soapRequest('AddAnyPortMapping', { service: 'WANIPConnection:2' })))!.extra).toMatchObject({ action: 'AddAnyPortMapping', service: 'WANIPConnection:2' });
    expect(parseSoapPortMapping(whole(soapRequest('AddPortMapping', { service: 'WANPPPConnection:1' })))!.extra).toMatchObject({ service: 'WANPPPConnection:1' });
    const bare = soapRequest('AddPortMapping', { soapAction: 'urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping' });
    expect(parseSoapPortMapping(whole(bare))).not.toBeNull();
  });

  it('falls back to the action element in the body when the header is missing', () => {
    const m = parseSoapPortMapping(whole(soapRequest('AddPortMapping', { soapAction: null })));
    expect(m).toMatchObject({ protocol: 'upnp', externalPort: 2323, extra: { action: 'AddPortMapping', service: 'WANIPConnection:1' } });
  });

  it('reads DeletePortMapping (the mapping it removes: protocol and external port) for the exposure inventory', () => {
    const m = parseSoapPortMapping(whole(soapRequest('DeletePortMapping', { body: soapBody('DeletePortMapping', 'WANIPConnection:1', '<NewRemoteHost></NewRemoteHost><NewExternalPort>2323</NewExternalPort><NewProtocol>TCP</NewProtocol>') })));
    expect(m).toMatchObject({ protocol: 'upnp', externalPort: 2323, internalPort: null, proto: 'tcp', extra: { action: 'DeletePortMapping' } });
  });

  it('ignores other actions, other services and other requests', () => {
    expect(parseSoapPortMapping(whole(soapRequest('GetExternalIPAddress')))).toBeNull();
    expect(parseSoapPortMapping(whole(soapRequest('AddPortMapping', { service: 'Layer3Forwarding:1' })))).toBeNull();
    expect(parseSoapPortMapping(Buffer.from('GET /ctl/IPConn HTTP/1.1\r\n\r\n'))).toBeNull();
    expect(parseSoapPortMapping(Buffer.from('\x16\x03\x01 not http'))).toBeNull();
  });

  it('gives null ports for a body cut short or with nonsense values', () => {
    const m = parseSoapPortMapping(whole(soapRequest('AddPortMapping', { body: soapBody('AddPortMapping', 'WANIPConnection:1', '<NewExternalPort>99999</NewExternalPort><NewInternalPort>x</NewInternalPort>') })));
    expect(m).toMatchObject({ internalPort: null, externalPort: null, lifetime: null, proto: null });
  });
});

// ---------------------------------------------------------------- the detector, by hand

function setup(over: Partial<UpnpPortmapConfig> = {}) {
  const { host, alerts, devices } = fakeHost();
  devices.touch(parseMac(DEV_MAC), T, 60);
  const d = upnpPortmap.create(host, { ...UPNP_PORTMAP_DEFAULTS, ...over }) as UpnpPortmapDetector;
  let nextId = 1;
  const dispatch = new AppDispatch(new DecodeCounters());

  function udpTo5351(t: number, payload: Buffer, src = DEV_IP): void {
    const { pv } = decodeBytes(frame(ether({ src: DEV_MAC, dst: GW_MAC, type: ETHER_IPV4 }), ipv4({ src, dst: GW_IP, proto: PROTO.UDP, payload: udp({ sport: 40000, dport: 5351, payload }) })));
    pv.ts = T + Math.round(t * S);
    const f = new Flow(nextId++, 0, 4, PROTO.UDP, pv.ts);
    f.pktsAB = 1; f.payloadAB = payload.length;
    dispatch.udp(pv.buf, pv.payloadOff, pv.payloadOff + pv.payloadLen, pv.srcPort, pv.dstPort, pv.ts, 0, (rec) => d.onApp(rec, pv, f));
  }

  function post(o: { fromOutside?: boolean } = {}) {
    const f = new Flow(nextId++, 0, 4, PROTO.TCP, T);
    const aIp = o.fromOutside ? '203.0.113.9' : DEV_IP;
    f.a0 = parseIpv4(aIp); f.b0 = parseIpv4(GW_IP); f.aPort = 46000 + f.id; f.bPort = 5000;
    f.aMac = parseMac(DEV_MAC); f.bMac = parseMac(GW_MAC); f.initiatorKnown = true;
    function send(dir: 0 | 1, t: number, payload: Buffer): void {
      const { pv } = decodeBytes(frame(ether({ src: DEV_MAC, dst: GW_MAC, type: ETHER_IPV4 }),
        ipv4({ src: dir === 0 ? aIp : GW_IP, dst: dir === 0 ? GW_IP : aIp, proto: PROTO.TCP, payload: tcp({ sport: dir === 0 ? f.aPort : 5000, dport: dir === 0 ? 5000 : f.aPort, flags: 'PA', payload }) })));
      pv.ts = T + Math.round(t * S);
      if (dir === 0) { f.pktsAB++; f.payloadAB += payload.length; } else { f.pktsBA++; f.payloadBA += payload.length; }
      // What the sensor's app stage does: in-order bytes to the HTTP module, its records to onApp.
      last = pv;
      dispatch.tcpData(af, dir, payload, 0, payload.length, pv.ts, (rec) => d.onApp(rec, pv, f));
    }
    let last: PacketView | null = null;
    const af = new AppFlow(f.bPort);
    return { f, send, end: () => dispatch.tcpEnd(af, f.lastTs, (rec) => d.onApp(rec, last!, f)) };
  }
  return { d, alerts, udpTo5351, post };
}

describe('upnp.portmap: the detector by hand', () => {
  it('a NAT-PMP map request from a LAN device: one medium alert with the mapping', () => {
    const { alerts, udpTo5351 } = setup();
    udpTo5351(1, natpmpMap(2, 23, 2323, 7200));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'upnp.portmap', ts: T + S, device: DEV_MAC, src: DEV_IP, dst: GW_IP, proto: 'udp', dport: 5351,
      evidence: { protocol: 'natpmp', internalPort: 23, externalPort: 2323, lifetime: 7200, proto: 'tcp' },
    });
  });

  it('a PCP MAP request, and a deletion which is reported only when reportDeletes is on', () => {
    const { alerts, udpTo5351 } = setup();
    udpTo5351(1, pcpRequest({ opcode: 1, lifetime: 3600, proto: 6, internal: 8080, external: 8080 }));
    udpTo5351(2, pcpRequest({ opcode: 1, lifetime: 0, proto: 6, internal: 8080, external: 8080 }));
    udpTo5351(3, natpmpMap(1, 53, 53, 0));
    expect(alerts.map((a) => [a.evidence.protocol, a.evidence.opcode, a.evidence.lifetime])).toEqual([['pcp', 'map', 3600]]);
    const on = setup({ reportDeletes: true });
    on.udpTo5351(2, pcpRequest({ opcode: 1, lifetime: 0, proto: 6, internal: 8080, external: 8080 }));
    expect(on.alerts).toHaveLength(1);
  });

  it('a request from an outside address is no LAN device\'s', () => {
    const { alerts, udpTo5351 } = setup();
    udpTo5351(1, natpmpMap(2, 23, 23, 60), '198.51.100.3');
    expect(alerts).toHaveLength(0);
  });

  it('an AddPortMapping split in head and body: decided when the body is whole, one alert', () => {
    const { alerts, post } = setup();
    const c = post();
    const r = soapRequest('AddPortMapping');
    c.send(0, 1, r.head);
    c.send(0, 1.01, r.body.subarray(0, 100));
    expect(alerts).toHaveLength(0);
    c.send(0, 1.02, r.body.subarray(100));
    expect(alerts).toHaveLength(1);
    // At the time the call was whole (its last segment).
    expect(alerts[0]).toMatchObject({
      rule: 'upnp.portmap', ts: T + 1.02 * S, device: DEV_MAC, src: DEV_IP, dst: GW_IP, dport: 5000, proto: 'tcp',
      evidence: { protocol: 'upnp', internalPort: 23, externalPort: 2323, lifetime: 0, proto: 'tcp', action: 'AddPortMapping', internalClient: '192.168.1.12' },
    });
    c.send(1, 1.1, Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    c.end();
    expect(alerts).toHaveLength(1);
  });

  it('two calls over one keep-alive connection: both read', () => {
    const { alerts, post } = setup();
    const c = post();
    const r = soapRequest('AddPortMapping');
    c.send(0, 1, Buffer.concat([r.head, r.body]));
    c.send(1, 1.1, Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    c.send(0, 2, Buffer.concat([r.head, r.body]));
    expect(alerts.map((a) => a.ts)).toEqual([T + S, T + 2 * S]);
  });

  it('ordinary POSTs, a call from outside and a GetExternalIPAddress raise nothing', () => {
    const { alerts, post } = setup();
    post().send(0, 1, Buffer.from('POST /api/telemetry HTTP/1.1\r\nHost: cloud.example\r\nContent-Length: 2\r\n\r\n{}'));
    const r = soapRequest('AddPortMapping');
    post({ fromOutside: true }).send(0, 2, Buffer.concat([r.head, r.body]));
    const g = soapRequest('GetExternalIPAddress');
    post().send(0, 3, Buffer.concat([g.head, g.body]));
    expect(alerts).toHaveLength(0);
  });
});

// ---------------------------------------------------------------- through the pipeline

describe('upnp.portmap over nDPI captures', () => {
  it('natpmp.pcap: two devices asking for TCP mappings give two alerts (one folds six requests)', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/natpmp.pcap'), { config: pipelineConfig(), detect: { detectors: [upnpPortmap] } });
    const got = summary.alerts.map((a) => ({ device: a.device, src: a.src, dst: a.dst, count: a.count, severity: a.severity, ev: a.evidence }));
    expect(got).toEqual([
      {
        device: '3c:a9:f4:a8:1f:ec', src: '192.168.1.128', dst: '192.168.1.254', count: 1, severity: 'medium',
        ev: { protocol: 'natpmp', internalPort: 51413, externalPort: 51413, lifetime: 3600, proto: 'tcp' },
      },
      {
        device: '60:38:e0:c5:35:a0', src: '192.168.2.100', dst: '192.168.2.1', count: 6, severity: 'medium',
        ev: expect.objectContaining({ protocol: 'natpmp', internalPort: 22000, lifetime: 3600, proto: 'tcp' }) as unknown,
      },
    ]);
    // The requests suggested external ports 6243 and 20216.
    expect([6243, 20216]).toContain(summary.alerts[1]!.evidence.externalPort);
  });

  it('upnp.pcap carries only WS-Discovery (UDP 3702), no IGD call: nothing', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/upnp.pcap'), { config: pipelineConfig(), detect: { detectors: [upnpPortmap] } });
    expect(summary.packets).toBe(14);
    expect(summary.alerts).toEqual([]);
  });
});

/** A TCP session DEV → GW:5000 carrying `segments` from the client, then the router's answer. */
function soapSession(t: number, segments: Buffer[]): TimedFrame[] {
  const out: TimedFrame[] = [];
  let cs = 1;
  const c = (dt: number, flags: string, payload?: Buffer) => {
    out.push({ t: t + dt, data: frame(ether({ src: DEV_MAC, dst: GW_MAC, type: ETHER_IPV4 }), ipv4({ src: DEV_IP, dst: GW_IP, proto: PROTO.TCP, payload: tcp({ sport: 47000, dport: 5000, flags, seq: cs, payload }) })) });
    cs += payload?.length ?? 0;
  };
  const s = (dt: number, flags: string, payload?: Buffer) => {
    out.push({ t: t + dt, data: frame(ether({ src: GW_MAC, dst: DEV_MAC, type: ETHER_IPV4 }), ipv4({ src: GW_IP, dst: DEV_IP, proto: PROTO.TCP, payload: tcp({ sport: 5000, dport: 47000, flags, ack: cs, payload }) })) });
  };
  c(0, 'S'); s(0.01, 'SA'); c(0.02, 'A');
  segments.forEach((p, i) => c(0.03 + i * 0.01, 'PA', p));
  s(0.2, 'PA', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  c(0.3, 'FA');
  return out;
}

describe('upnp.portmap: built cases through the pipeline', () => {
  it('UPnP IGD AddPortMapping (head and body in two segments), NAT-PMP over IPv4 and PCP over IPv6: one alert each', async () => {
    const r = soapRequest('AddPortMapping');
    const v6 = 'fd00::12';
    const { summary } = await replayFrames([
      ...soapSession(1, [r.head, r.body]),
      { t: 2, data: frame(ether({ src: DEV_MAC, dst: GW_MAC, type: ETHER_IPV4 }), ipv4({ src: DEV_IP, dst: GW_IP, proto: PROTO.UDP, payload: udp({ sport: 40001, dport: 5351, payload: natpmpMap(1, 3478, 3478, 7200) }) })) },
      { t: 3, data: frame(ether({ src: DEV_MAC, dst: GW_MAC, type: ETHER_IPV6 }), ipv6({ src: v6, dst: 'fd00::1', next: PROTO.UDP, payload: udp({ sport: 40002, dport: 5351, payload: pcpRequest({ opcode: 1, lifetime: 600, proto: 6, internal: 8443, external: 443, client: v6 }) }) })) },
    ], { detect: { detectors: [upnpPortmap] } });
    expect(summary.alerts.map((a) => [a.rule, a.severity, a.device, a.src, a.evidence.protocol, a.evidence.proto, a.evidence.internalPort, a.evidence.externalPort, a.evidence.lifetime])).toEqual([
      ['upnp.portmap', 'medium', DEV_MAC, DEV_IP, 'upnp', 'tcp', 23, 2323, 0],
      ['upnp.portmap', 'medium', DEV_MAC, DEV_IP, 'natpmp', 'udp', 3478, 3478, 7200],
      ['upnp.portmap', 'medium', DEV_MAC, v6, 'pcp', 'tcp', 8443, 443, 600],
    ]);
  });
});
