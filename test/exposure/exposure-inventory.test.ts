// The passive exposure inventory through the real daemon (built captures in, the device API out):
// services a device accepted connections on, from the LAN and from outside it; a UPnP IGD mapping
// to its telnet port makes telnet reachable from the internet, and DeletePortMapping takes that
// back; a closed port and an unnamed UDP answer are no service; NAT-PMP leases end on packet time;
// everything survives a restart.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcapWriter } from '../../gateway/capture/pcap-writer.js';
import { ether, ETHER_IPV4, frame, ipv4, PROTO, udp } from '../helpers/frames.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { T0, type TimedFrame } from '../helpers/replay-frames.js';
import type { DeviceExposure } from '../../gateway/exposure/exposure-view.js';
import type { ExposedService } from '../../gateway/exposure/exposure-types.js';
import { tcpSession } from '../helpers/tcp-session.js';

const CAM_MAC = '02:00:00:00:00:0c';
const CAM_IP = '192.168.1.12';
const PHONE_MAC = '02:00:00:00:00:14';
const PHONE_IP = '192.168.1.20';
const GW_MAC = '02:00:00:00:00:01';
const GW_IP = '192.168.1.1';
const WAN_PEER = '203.0.113.9';

function soap(action: string, args: string): Buffer {
  const body = '<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
    + `<s:Body><u:${action} xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1">${args}</u:${action}></s:Body></s:Envelope>\r\n`;
  const head = `POST /ctl/IPConn HTTP/1.1\r\nHost: ${GW_IP}:5000\r\nUser-Agent: Linux/3.10 UPnP/1.1 MiniUPnPc/2.0\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
    + `Content-Type: text/xml\r\nSOAPAction: "urn:schemas-upnp-org:service:WANIPConnection:1#${action}"\r\nConnection: Close\r\n\r\n`;
  return Buffer.from(head + body);
}

const ADD_TELNET = '<NewRemoteHost></NewRemoteHost><NewExternalPort>2323</NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>23</NewInternalPort>'
  + `<NewInternalClient>${CAM_IP}</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>cam</NewPortMappingDescription><NewLeaseDuration>0</NewLeaseDuration>`;
const DELETE_TELNET = '<NewRemoteHost></NewRemoteHost><NewExternalPort>2323</NewExternalPort><NewProtocol>TCP</NewProtocol>';

/** The camera's SOAP call to the router, one TCP connection from `sport` at `t`. */
function soapCall(action: string, args: string, sport: number, t: number): TimedFrame[] {
  const s = tcpSession({ devMac: CAM_MAC, devIp: CAM_IP, gwMac: GW_MAC, server: GW_IP, sport, dport: 5000 }, t);
  s.client('S'); s.server('SA'); s.client('A');
  s.client('PA', soap(action, args));
  s.server('PA', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  s.client('FA'); s.server('FA'); s.client('A');
  return s.frames;
}

/** A connection to the camera's `port` from `peer` (through the gateway when it is outside the LAN); `accept` false: a RST. */
function toCamera(peer: { mac: string; ip: string }, sport: number, port: number, t: number, accept = true): TimedFrame[] {
  // The session helper's "device" is the initiator: here the peer; its "gateway" MAC is the camera's.
  const s = tcpSession({ devMac: peer.mac, devIp: peer.ip, gwMac: CAM_MAC, server: CAM_IP, sport, dport: port }, t);
  s.client('S');
  if (!accept) { s.server('RA'); return s.frames; }
  s.server('SA'); s.client('A');
  s.server('PA', Buffer.from('\r\ncamera login: '));
  s.client('FA'); s.server('FA'); s.client('A');
  return s.frames;
}

function write(file: string, frames: readonly TimedFrame[]): string {
  const w = new PcapWriter(file);
  for (const f of [...frames].sort((a, b) => a.t - b.t)) w.write(f.data, T0 + Math.round(f.t * 1e6));
  w.close();
  return file;
}

type Json = Record<string, unknown>;

describe('exposure inventory (real daemon, built captures)', () => {
  let t: TestDaemon;
  const detail = async (mac: string): Promise<DeviceExposure> => {
    const r = await t.api(`/api/v1/devices/${mac}`, { token: t.tokens.analyst });
    expect(r.status).toBe(200);
    return ((await r.json()) as { exposureDetail: DeviceExposure }).exposureDetail;
  };
  const service = (e: DeviceExposure, port: number): ExposedService | undefined => e.services.find((s) => s.port === port);

  beforeAll(async () => { t = await startTestDaemon(); });
  afterAll(async () => { await t.close(); });

  it('lists what the camera accepted, and telnet as reachable through the UPnP mapping it asked for', async () => {
    const frames = [
      // The phone logs in to the camera's telnet; a second connection later.
      ...toCamera({ mac: PHONE_MAC, ip: PHONE_IP }, 40001, 23, 1),
      ...toCamera({ mac: PHONE_MAC, ip: PHONE_IP }, 40002, 23, 5),
      // Port 8080 is closed: a RST is no service.
      ...toCamera({ mac: PHONE_MAC, ip: PHONE_IP }, 40003, 8080, 6, false),
      // Someone outside reaches its RTSP port (through a forward the router has).
      ...toCamera({ mac: GW_MAC, ip: WAN_PEER }, 50001, 554, 8),
      // The camera asks the router to map outside port 2323 to its telnet.
      ...soapCall('AddPortMapping', ADD_TELNET, 41000, 10),
      // A UDP answer on a port nobody names is no service.
      { t: 12, data: frame(ether({ src: PHONE_MAC, dst: CAM_MAC, type: ETHER_IPV4 }), ipv4({ src: PHONE_IP, dst: CAM_IP, proto: PROTO.UDP, payload: udp({ sport: 40100, dport: 9999, payload: Buffer.from('hi') }) })) },
      { t: 12.1, data: frame(ether({ src: CAM_MAC, dst: PHONE_MAC, type: ETHER_IPV4 }), ipv4({ src: CAM_IP, dst: PHONE_IP, proto: PROTO.UDP, payload: udp({ sport: 9999, dport: 40100, payload: Buffer.from('ho') }) })) },
    ];
    await t.daemon.ingestCapture(write(join(t.dir, 'one.pcap'), frames));
    const e = await detail(CAM_MAC);
    expect(e.services.map((s) => `${s.proto}/${s.port}`)).toEqual(['tcp/23', 'tcp/554']);
    const telnet = service(e, 23)!;
    expect(telnet).toMatchObject({ service: 'telnet', maintenance: true, lanPeers: 2, wanPeers: 0 });
    expect(telnet.internet).toEqual({ reachable: true, paths: [{ kind: 'upnp', externalPort: 2323, expiresAt: null }] });
    const rtsp = service(e, 554)!;
    expect(rtsp).toMatchObject({ service: 'rtsp', lanPeers: 0, wanPeers: 1 });
    expect(rtsp.internet.reachable).toBe(true);
    expect(rtsp.internet.paths[0].kind).toBe('wan-peer');
    // In words: telnet first (a maintenance login open to the internet), naming the mapping.
    expect(e.level).toBe('high');
    expect(e.findings[0]).toMatchObject({ severity: 'high', service: 'telnet', port: 23 });
    expect(e.findings[0].text).toContain('through a port mapping it asked the router for over UPnP (outside port 2323)');
    expect(e.findings[0].todo.join(' ')).toMatch(/Remove the port mapping/);
    // The device list's column.
    const list = (await (await t.api('/api/v1/devices', { token: t.tokens.analyst })).json()) as Json;
    const cam = (list.items as Json[]).find((d) => d.mac === CAM_MAC)!;
    expect(cam.exposure).toEqual({ level: 'high', services: 2, maintenance: ['telnet', 'rtsp'], internet: true, defaultCredential: false });
    const phone = (list.items as Json[]).find((d) => d.mac === PHONE_MAC)!;
    expect(phone.exposure).toMatchObject({ level: 'none', services: 0, internet: false });
  });

  it('takes the reachability back when the camera deletes the mapping, and keeps it across a restart', async () => {
    await t.daemon.ingestCapture(write(join(t.dir, 'two.pcap'), soapCall('DeletePortMapping', DELETE_TELNET, 41001, 20)));
    let telnet = service(await detail(CAM_MAC), 23)!;
    expect(telnet.internet).toEqual({ reachable: false, paths: [] });
    // A deletion is not an upnp.portmap alert (the add was).
    const alerts = (await (await t.api('/api/v1/alerts?rule=upnp.portmap', { token: t.tokens.analyst })).json()) as Json;
    expect((alerts.items as Json[]).length).toBe(1);
    await t.restart();
    const e = await detail(CAM_MAC);
    telnet = service(e, 23)!;
    expect(telnet).toMatchObject({ lanPeers: 2, internet: { reachable: false, paths: [] } });
    expect(service(e, 554)!.wanPeers).toBe(1);
    // Telnet on the LAN only, unencrypted: a medium finding that points at the audit.
    expect(e.findings.find((f) => f.service === 'telnet')).toMatchObject({ severity: 'medium' });
  });

  it('holds a NAT-PMP mapping for its lease (packet time) and drops it on a lifetime-0 request', async () => {
    const natpmp = (internal: number, lifetime: number, tt: number): TimedFrame => {
      const b = Buffer.alloc(12);
      b[1] = 2; b.writeUInt16BE(internal, 4); b.writeUInt16BE(internal, 6); b.writeUInt32BE(lifetime, 8);
      return { t: tt, data: frame(ether({ src: CAM_MAC, dst: GW_MAC, type: ETHER_IPV4 }), ipv4({ src: CAM_IP, dst: GW_IP, proto: PROTO.UDP, payload: udp({ sport: 5350, dport: 5351, payload: b }) })) };
    };
    await t.daemon.ingestCapture(write(join(t.dir, 'three.pcap'), [natpmp(2323, 60, 30)]));
    expect(service(await detail(CAM_MAC), 2323)!.internet.paths).toEqual([{ kind: 'natpmp', externalPort: 2323, expiresAt: '2026-01-01T00:01:30.000000Z' }]);
    // 100 s later on the packet clock the 60 s lease has run out.
    await t.daemon.ingestCapture(write(join(t.dir, 'four.pcap'), toCamera({ mac: PHONE_MAC, ip: PHONE_IP }, 40010, 22, 130)));
    let e = await detail(CAM_MAC);
    expect(service(e, 2323)).toBeUndefined();
    expect(service(e, 22)!.internet.reachable).toBe(false);
    await t.daemon.ingestCapture(write(join(t.dir, 'five.pcap'), [natpmp(22, 3600, 140), natpmp(554, 3600, 141)]));
    e = await detail(CAM_MAC);
    expect(service(e, 22)!.internet.paths[0]).toMatchObject({ kind: 'natpmp', externalPort: 22 });
    await t.daemon.ingestCapture(write(join(t.dir, 'six.pcap'), [natpmp(22, 0, 150)]));
    e = await detail(CAM_MAC);
    expect(service(e, 22)!.internet.reachable).toBe(false);
    // The other mapping stays (554 was reached from outside before, too).
    expect(service(e, 554)!.internet.paths.map((p) => p.kind)).toEqual(['wan-peer', 'natpmp']);
  });
});
