// intel.blocklist on names: a listed domain (or a subdomain of one) seen as a TLS server name, an
// HTTP Host, a DNS query, or anywhere in a DNS answer's CNAME chain gives one alert each, with the
// name, where it showed, the entry and the list; the addresses a listed chain resolves to then
// count as listed for the device that asked (and only for it). Unlisted names give nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppRecord, HttpRequestRecord, TlsClientHelloRecord } from '../../../gateway/app/app-record.js';
import type { DnsMessage, DnsRecord } from '../../../gateway/app/dns/dns-message.js';
import { Family, PacketView } from '../../../gateway/decode/packet-view.js';
import { hostName, INTEL_DEFAULTS, intel, type IntelConfig, type IntelDetector } from '../../../gateway/detect/detectors/intel-blocklist.js';
import { Flow } from '../../../gateway/track/flow.js';
import { parseIpAddress } from '../../../policies/net/ip-address.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { giveDns } from '../../helpers/sensor.js';

const S = 1e6;
const T0 = Date.UTC(2026, 0, 1) * 1000;
const DEV = '192.168.1.20', DEV_MAC = 0x02000000aa01, DEV_MAC_TEXT = '02:00:00:00:aa:01';
const OTHER = '192.168.1.21', OTHER_MAC = 0x02000000aa02;
const RESOLVER = '192.168.1.1', GW_MAC = 0x020000000001;

const dir = mkdtempSync(join(tmpdir(), 'edgeward-intel-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LIST = join(dir, 'names.txt');
writeFileSync(LIST, ['# names (RFC 2606 test domains)', 'c2.evil.example', 'tracker.bad.example', 'evil-cdn.example', '203.0.113.9'].join('\n'));

function make(over: Partial<IntelConfig> = {}) {
  const fh = fakeHost();
  for (const [mac, ip] of [[DEV_MAC, DEV], [OTHER_MAC, OTHER]] as const) {
    fh.devices.touch(mac, T0, 60);
    fh.devices.learnIpv4(fh.devices.get(mac)!, parseIpAddress(ip)!.words[0]);
  }
  const d = intel.create(fh.host, { ...INTEL_DEFAULTS, lists: [LIST], ...over }) as IntelDetector;
  return { d, alerts: fh.alerts };
}

let flowId = 0;
/** A TCP flow from a LAN device to `b`:`port`. */
function flow(a: string, b: string, port: number, t = 0): Flow {
  const pa = parseIpAddress(a)!, pb = parseIpAddress(b)!;
  const f = new Flow(++flowId, 0, 4, 6, T0 + t * S);
  f.a0 = pa.words[0]; f.b0 = pb.words[0]; f.aPort = 40000 + flowId; f.bPort = port;
  f.aMac = a === OTHER ? OTHER_MAC : DEV_MAC; f.bMac = GW_MAC; f.initiatorKnown = true;
  return f;
}

/** The packet view of a record on `f` (client to server). */
function pvOf(f: Flow, t: number): PacketView {
  const pv = new PacketView();
  pv.ts = T0 + t * S; pv.family = Family.V4; pv.ipProto = 6; pv.src0 = f.a0; pv.dst0 = f.b0; pv.srcPort = f.aPort; pv.dstPort = f.bPort;
  pv.srcMac = f.aMac; pv.dstMac = GW_MAC;
  return pv;
}

function hello(sni: string | null, t: number): TlsClientHelloRecord {
  return { kind: 'tls.client_hello', ts: T0 + t * S, sni, alpn: [], version: 0x0303, supportedVersions: [], ciphers: [], extensions: [], signatureAlgorithms: [], groups: [], ja4: 't13d0000h2_000000000000_000000000000' };
}

function request(host: string | null, t: number, index = 0): HttpRequestRecord {
  return {
    kind: 'http.request', ts: T0 + t * S, index, method: 'GET', uri: '/', host, userAgent: 'curl/8.5.0', contentType: null, contentLength: null,
    soapAction: null, head: null, magic: null, elfArch: null, bodyLen: 0, truncated: false,
  };
}

function give(d: IntelDetector, rec: AppRecord, f: Flow, t: number): void {
  if (rec.kind === 'http.request' && rec.index === 0) f.httpHost = rec.host;
  d.onApp!(rec, pvOf(f, t), f, 0);
}

/** A DNS message between `client` and the resolver (query: client → resolver; answer: back). */
function dns(client: string, qname: string, answers: DnsRecord[], qr: boolean, t = 0): [DnsMessage, PacketView] {
  const m: DnsMessage = { id: 7, qr, opcode: 0, rcode: 0, tc: false, questions: [{ name: qname, type: 1, class: 1 }], answers, authorities: [], additionals: [] };
  const pv = new PacketView();
  const c = parseIpAddress(client)!.words[0], r = parseIpAddress(RESOLVER)!.words[0];
  const cMac = client === OTHER ? OTHER_MAC : DEV_MAC;
  pv.ts = T0 + t * S; pv.family = Family.V4; pv.ipProto = 17;
  if (qr) { pv.src0 = r; pv.dst0 = c; pv.srcPort = 53; pv.dstPort = 33000; pv.srcMac = GW_MAC; pv.dstMac = cMac; }
  else { pv.src0 = c; pv.dst0 = r; pv.srcPort = 33000; pv.dstPort = 53; pv.srcMac = cMac; pv.dstMac = GW_MAC; }
  return [m, pv];
}

const cname = (name: string, data: string): DnsRecord => ({ name, type: 5, class: 1, ttl: 300, rdLen: 0, data });
const a = (name: string, data: string, ttl = 60): DnsRecord => ({ name, type: 1, class: 1, ttl, rdLen: 4, data });

describe('intel.blocklist on names', () => {
  it('a TLS server name that is a listed subdomain: one alert, where sni', () => {
    const { d, alerts } = make();
    const f = flow(DEV, '198.51.100.40', 443);
    give(d, hello('api.c2.evil.example', 1), f, 1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'intel.blocklist', device: DEV_MAC_TEXT, src: DEV, dst: '198.51.100.40', dport: 443, peer: 'c2.evil.example',
      evidence: { where: 'sni', name: 'api.c2.evil.example', entry: 'c2.evil.example', match: 'domain', list: LIST, line: 2, address: '198.51.100.40' },
    });
  });

  it('an HTTP Host with a port and in capitals: one alert, where http-host; later requests with that Host on the connection add none', () => {
    const { d, alerts } = make();
    const f = flow(DEV, '198.51.100.41', 8080);
    give(d, request('Tracker.Bad.Example:8080', 1), f, 1);
    give(d, request('Tracker.Bad.Example:8080', 2, 1), f, 2);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'intel.blocklist', device: DEV_MAC_TEXT, dst: '198.51.100.41', dport: 8080, peer: 'tracker.bad.example',
      evidence: { where: 'http-host', name: 'tracker.bad.example', entry: 'tracker.bad.example', list: LIST, line: 3 },
    });
  });

  it('a DNS query for a listed name: one alert, where dns-query', () => {
    const { d, alerts } = make();
    giveDns(d, ...dns(DEV, 'c2.evil.example', [], false));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ device: DEV_MAC_TEXT, src: DEV, dport: 53, peer: 'c2.evil.example', evidence: { where: 'dns-query', name: 'c2.evil.example', entry: 'c2.evil.example', qtype: 1 } });
  });

  it('a CNAME chain through a listed name: one alert with the chain; its address is listed for the asker only', () => {
    const { d, alerts } = make();
    const answer = [cname('www.innocent.example', 'edge.cdn.example'), cname('edge.cdn.example', 'n7.evil-cdn.example'), a('n7.evil-cdn.example', '198.51.100.77')];
    giveDns(d, ...dns(DEV, 'www.innocent.example', [], false, 0)); // the query names nothing listed
    giveDns(d, ...dns(DEV, 'www.innocent.example', answer, true, 0.02));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'intel.blocklist', device: DEV_MAC_TEXT, src: RESOLVER, dst: DEV, peer: 'evil-cdn.example',
      evidence: {
        where: 'dns-cname', name: 'n7.evil-cdn.example', entry: 'evil-cdn.example', list: LIST, line: 4,
        chain: ['www.innocent.example', 'edge.cdn.example', 'n7.evil-cdn.example'], addresses: ['198.51.100.77'],
      },
    });
    // The asker connects to the address: listed for it; another device reaching it is not matched.
    d.onFlowStart!(flow(DEV, '198.51.100.77', 443, 5));
    d.onFlowStart!(flow(OTHER, '198.51.100.77', 443, 6));
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toMatchObject({
      device: DEV_MAC_TEXT, src: DEV, dst: '198.51.100.77', peer: 'evil-cdn.example',
      evidence: { where: 'address', address: '198.51.100.77', resolvedFrom: 'n7.evil-cdn.example', entry: 'evil-cdn.example' },
    });
  });

  it('an answer for a listed question lists its addresses without a second DNS alert; they lapse after resolvedSeconds', () => {
    const { d, alerts } = make({ resolvedSeconds: 100 });
    giveDns(d, ...dns(DEV, 'c2.evil.example', [a('c2.evil.example', '198.51.100.90', 30)], true, 0));
    expect(alerts).toHaveLength(0);
    d.onFlowStart!(flow(DEV, '198.51.100.90', 80, 50));
    d.onFlowStart!(flow(DEV, '198.51.100.90', 80, 101));
    expect(alerts.map((x) => [x.evidence.where, x.evidence.resolvedFrom])).toEqual([['address', 'c2.evil.example']]);
  });

  it('unlisted names give nothing: SNI, Host, queries, answers, look-alikes, address literals', () => {
    const { d, alerts } = make();
    const f = flow(DEV, '198.51.100.50', 443);
    for (const n of ['evil.example', 'notc2.evil.example.org', 'bad.example', 'xevil-cdn.example']) give(d, hello(n, 1), f, 1);
    give(d, hello(null, 1), f, 1);
    give(d, request('203.0.113.9', 1), flow(DEV, '198.51.100.51', 80), 1); // a listed address as Host text is the flow's business
    give(d, request('www.example.com', 1), flow(DEV, '198.51.100.52', 80), 1);
    giveDns(d, ...dns(DEV, 'www.example.com', [cname('www.example.com', 'edge.example.net'), a('edge.example.net', '198.51.100.53')], true));
    d.onFlowStart!(flow(DEV, '198.51.100.53', 443, 2));
    expect(alerts).toEqual([]);
  });

  it('hostName: Host and SNI text to list form', () => {
    expect(['Example.COM:8080', 'example.com.', '10.1.2.3:80', '[2001:db8::1]:80', '2001:db8::1', '', null].map(hostName)).toEqual(['example.com', 'example.com', null, null, null, null, null]);
  });
});
