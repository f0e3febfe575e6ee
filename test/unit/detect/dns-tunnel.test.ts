// dns.tunnel: many unique, data-shaped names (or data-carrying query types) under one domain from
// one LAN device within the window. Driven directly with a fake host and a fake clock, then over
// the nDPI dnscat2 capture and a built browsing-like case.
import { giveDns } from '../../helpers/sensor.js';
import { describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../gateway/alerts/alert.js';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { DnsType, type DnsMessage } from '../../../gateway/app/dns/dns-message.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import { dnsExfiltration } from '../../../gateway/detect/detectors/dns-exfiltration.js';
import { DNS_TUNNEL_DEFAULTS, dnsTunnel, dnsTunnelConfigErrors, type DnsTunnelConfig, type DnsTunnelDetector } from '../../../gateway/detect/detectors/dns-tunnel.js';
import { shannonEntropy } from '../../../gateway/detect/dns-query-score.js';
import { NO_PUBLIC_TLD, registrableDomain } from '../../../gateway/detect/registrable-domain.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { BROWSING_NAMES, dnsFrame, type DnsEndpoints } from '../../helpers/dns-wire.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';
import { prng } from '../../helpers/prng.js';
import { BENIGN_LOOKALIKES, toolNames } from './dns-tool-names.js';

const CLIENT_MAC = '02:00:00:00:00:10';
const CLIENT_IP = '192.168.1.10';
const RESOLVER_MAC = '02:00:00:00:00:01';
const RESOLVER_IP = '192.168.1.1';
const S = 1e6;


function randomString(rnd: () => number, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  return s;
}
const HEX = '0123456789abcdef';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

interface Harness {
  d: DnsTunnelDetector;
  alerts: AlertInput[];
  /** Feeds one query (or response) at `t` seconds. */
  query(t: number, name: string, o?: { type?: number; qr?: boolean; src?: string; dstPort?: number }): void;
}

function harness(over: Partial<DnsTunnelConfig> = {}): Harness {
  const { host, alerts, devices } = fakeHost();
  devices.touch(parseMac(CLIENT_MAC), 0, 0);
  const d = dnsTunnel.create(host, { ...DNS_TUNNEL_DEFAULTS, ...over }) as DnsTunnelDetector;
  const pv = new PacketView();
  return {
    d, alerts,
    query(t, name, o = {}) {
      pv.reset();
      pv.ts = t * S;
      pv.family = 4;
      pv.ipProto = 17;
      pv.srcMac = parseMac(CLIENT_MAC);
      pv.dstMac = parseMac(RESOLVER_MAC);
      pv.src0 = parseIpv4(o.src ?? CLIENT_IP);
      pv.dst0 = parseIpv4(RESOLVER_IP);
      pv.srcPort = 40000;
      pv.dstPort = o.dstPort ?? 53;
      const msg: DnsMessage = {
        id: 1, qr: o.qr ?? false, opcode: 0, rcode: 0, tc: false,
        questions: [{ name, type: o.type ?? DnsType.A, class: 1 }], answers: [], authorities: [], additionals: [],
      };
      giveDns(d, msg, pv);
    },
  };
}

/** `n` unique names under `domain` whose leftmost label is `len` random hex digits. */
function hexNames(n: number, len: number, domain: string, seed = 1): string[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, () => `${randomString(rnd, HEX, len)}.${domain}`);
}

describe('shannonEntropy', () => {
  it('is 0 for one symbol, log2(k) for k equally frequent symbols', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy('abababab')).toBe(1);
    expect(shannonEntropy(BASE32)).toBe(5);
  });
});

describe('dnsTunnel detector', () => {
  it('accepts its defaults and rejects a bad config, naming every bad key', () => {
    expect(dnsTunnelConfigErrors(DNS_TUNNEL_DEFAULTS)).toEqual([]);
    expect(dnsTunnelConfigErrors({ ...DNS_TUNNEL_DEFAULTS, windowSeconds: -1, minTxtShare: 2, maxDomains: 0 })).toHaveLength(3);
    expect(dnsTunnelConfigErrors({ ...DNS_TUNNEL_DEFAULTS, rareQueryTypes: [10, 70000], privateQueryTypes: 0 as unknown as boolean, querySeverity: 'x' as 'low' })).toHaveLength(3);
    expect(() => harness({ minUniqueSubdomains: 0 })).toThrow(RangeError);
  });

  it('raises dns.tunnel at the 50th unique long-label name under one domain, once', () => {
    const h = harness();
    const names = hexNames(120, 50, 't.example.com');
    names.slice(0, 49).forEach((n, i) => h.query(i, n));
    expect(h.alerts).toEqual([]);
    h.query(49, names[49]!);
    expect(h.alerts).toHaveLength(1);
    names.slice(50).forEach((n, i) => h.query(50 + i, n));
    expect(h.alerts).toHaveLength(1);
    const a = h.alerts[0]!;
    expect(a).toMatchObject({ rule: 'dns.tunnel', device: CLIENT_MAC, src: CLIENT_IP, dst: RESOLVER_IP, proto: 'udp', dport: 53, peer: 'example.com', ts: 49 * S });
    expect(a.evidence).toMatchObject({ domain: 'example.com', uniqueSubdomains: 50, queries: 50, maxLabelLength: 50, txtShare: 0, shapedShare: 1, windowSeconds: 300 });
    expect(a.evidence.meanEntropy).toBeGreaterThan(3);
    const samples = a.evidence.sampleNames as string[];
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.length).toBeLessThanOrEqual(5);
    expect(names).toEqual(expect.arrayContaining(samples));
  });

  it('counts repeated names once', () => {
    const h = harness();
    const names = hexNames(49, 50, 'example.com');
    for (let r = 0; r < 4; r++) names.forEach((n, i) => h.query(r * 60 + i, n));
    expect(h.alerts).toEqual([]);
  });

  it('counts within a tumbling window of windowSeconds opened by the first query', () => {
    const names = hexNames(50, 50, 'example.com');
    // The 50th query exactly windowSeconds after the first: still the same window.
    const edge = harness();
    names.slice(0, 49).forEach((n) => edge.query(0, n));
    edge.query(300, names[49]!);
    expect(edge.alerts).toHaveLength(1);
    // One microsecond later the window has rolled over and the count starts again.
    const late = harness();
    names.slice(0, 49).forEach((n) => late.query(0, n));
    late.query(300.000001, names[49]!);
    expect(late.alerts).toEqual([]);
  });

  it('fires on high-entropy names without long labels (base32, 30 characters)', () => {
    const h = harness();
    const rnd = prng(7);
    for (let i = 0; i < 50; i++) h.query(i, `${randomString(rnd, BASE32, 30)}.c2.example.net`);
    expect(h.alerts).toHaveLength(1);
    expect(h.alerts[0]!.evidence).toMatchObject({ domain: 'example.net', maxLabelLength: 30, uniqueSubdomains: 50 });
    expect(h.alerts[0]!.evidence.meanEntropy).toBeGreaterThanOrEqual(3.8);
  });

  it('fires on many unique short names when most queries ask for TXT, NULL, CNAME or MX', () => {
    const types = [DnsType.TXT, DnsType.NULL, DnsType.CNAME, DnsType.MX];
    const h = harness();
    for (let i = 0; i < 50; i++) h.query(i, `s${i}.example.org`, { type: types[i % 4] });
    // The first NULL query (s1) is a one-query finding at medium; the volume alert follows at high.
    expect(h.alerts.map((a) => [a.severity, a.ts])).toEqual([['medium', 1 * S], [undefined, 49 * S]]);
    expect(h.alerts[1]!.evidence).toMatchObject({ mode: 'volume', domain: 'example.org', txtShare: 1, shapedShare: 0 });
  });

  it('stays quiet for many unique short names of ordinary types, or too few data-type queries', () => {
    const h = harness();
    for (let i = 0; i < 200; i++) h.query(i, `img${i}.cdn.example.org`, { type: i % 2 ? DnsType.A : DnsType.AAAA });
    expect(h.alerts).toEqual([]);
    // 51 A then 49 TXT: the share never reaches minTxtShare.
    const t = harness();
    for (let i = 0; i < 100; i++) t.query(i, `k${i}.example.org`, { type: i < 51 ? DnsType.A : DnsType.TXT });
    expect(t.alerts).toEqual([]);
  });

  it('needs a shaped share of minShapedShare: 24 long names among 50 is not enough', () => {
    const h = harness();
    const long = hexNames(24, 50, 'example.com');
    long.forEach((n, i) => h.query(i, n));
    for (let i = 0; i < 26; i++) h.query(100 + i, `www${i}.example.com`);
    expect(h.alerts).toEqual([]);
    h.query(200, hexNames(1, 50, 'example.com', 99)[0]!); // 25 of 51: still under half
    expect(h.alerts).toEqual([]);
    h.query(201, hexNames(1, 50, 'example.com', 98)[0]!); // 26 of 52: half
    expect(h.alerts).toHaveLength(1);
  });

  it('judges names of at least longNameChars as shaped', () => {
    const h = harness({ longLabelChars: 64, entropyBits: 9 });
    // 3 labels of 33 plus the domain: a name of 113 octets, no label of 40.
    const rnd = prng(3);
    for (let i = 0; i < 50; i++) h.query(i, `${randomString(rnd, 'ab', 33)}.${randomString(rnd, 'ab', 33)}.${randomString(rnd, 'ab', 33)}.example.com`);
    expect(h.alerts).toHaveLength(1);
  });

  it('ignores responses, mDNS and LLMNR, queries from outside the LAN, and skipped names', () => {
    const h = harness();
    const names = hexNames(60, 50, 'example.com');
    names.forEach((n, i) => h.query(i, n, { qr: true }));
    names.forEach((n, i) => h.query(i, n, { dstPort: 5353 }));
    names.forEach((n, i) => h.query(i, n, { dstPort: 5355 }));
    names.forEach((n, i) => h.query(i, n, { src: '203.0.113.7' }));
    hexNames(60, 50, 'local').forEach((n, i) => h.query(i, n));
    hexNames(60, 50, 'in-addr.arpa').forEach((n, i) => h.query(i, n));
    hexNames(60, 50, '_http._tcp.example.com').forEach((n, i) => h.query(i, n));
    expect(h.alerts).toEqual([]);
    expect(h.d.stateSize()).toBe(0);
  });

  it('keeps at most maxDomains pairs, evicting the least recently queried, and expires idle pairs', () => {
    const h = harness({ maxDomains: 3 });
    for (let i = 0; i < 10; i++) h.query(i, `www.site${i}.com`);
    expect(h.d.stateSize()).toBe(3);
    expect(h.d.evicted).toBe(7);
    h.d.onTick(100 * S);
    expect(h.d.stateSize()).toBe(3);
    // site7 queried at 7 s, site9 at 9 s: at 308 s only site9's is within the window.
    h.d.onTick(308.5 * S);
    expect(h.d.stateSize()).toBe(1);
    h.d.onTick(400 * S);
    expect(h.d.stateSize()).toBe(0);
  });

  it('counts names past maxUniquePerDomain as unique without remembering them', () => {
    const h = harness({ maxUniquePerDomain: 10 });
    const names = hexNames(50, 50, 'example.com');
    names.forEach((n, i) => h.query(i, n));
    expect(h.alerts).toHaveLength(1);
    expect(h.alerts[0]!.evidence.uniqueSubdomains).toBe(50);
  });
});

describe('dnsTunnel: one query of a type only tunnels ask for', () => {
  it('raises one medium alert for a single NULL query, with the name and its labels', () => {
    const h = harness();
    h.query(2, 'vaaaakaxj2u.t1.biillpi.com', { type: DnsType.NULL });
    expect(h.alerts).toHaveLength(1);
    const a = h.alerts[0]!;
    expect(a).toMatchObject({
      rule: 'dns.tunnel', severity: 'medium', ts: 2 * S, device: CLIENT_MAC, src: CLIENT_IP, dst: RESOLVER_IP, proto: 'udp', dport: 53,
      peer: 'biillpi.com (one query)',
    });
    expect(a.evidence).toMatchObject({
      mode: 'query', domain: 'biillpi.com', name: 'vaaaakaxj2u.t1.biillpi.com', qtype: 10, qtypeName: 'NULL', labelLengths: [11, 2],
      encoding: 'none', payloadBits: 0, windowSeconds: 300,
    });
    expect(a.evidence.entropy).toBeGreaterThan(2);
    expect(a.message).toContain('NULL');
  });

  it('raises it for a private-use type (iodine PRIVATE = 65399), unless privateQueryTypes is off', () => {
    const h = harness();
    h.query(0, 'paaaa.t.example.com', { type: 65399 });
    expect(h.alerts.map((a) => [a.severity, a.evidence.qtypeName])).toEqual([['medium', 'TYPE65399']]);
    const off = harness({ privateQueryTypes: false });
    off.query(0, 'paaaa.t.example.com', { type: 65399 });
    off.query(0, 'paaaa.t.example.com', { type: 65535 }); // reserved, not private use
    expect(off.alerts).toEqual([]);
  });

  it('follows rareQueryTypes and querySeverity', () => {
    const none = harness({ rareQueryTypes: [] });
    none.query(0, 'a.example.com', { type: DnsType.NULL });
    expect(none.alerts).toEqual([]);
    const hinfo = harness({ rareQueryTypes: [13], querySeverity: 'high' });
    hinfo.query(0, 'a.example.com', { type: 13 });
    expect(hinfo.alerts.map((a) => a.severity)).toEqual(['high']);
  });

  it('raises it once per (device, domain) and window, and not for a name with nothing in front of the domain', () => {
    const h = harness();
    h.query(0, 'example.com', { type: DnsType.NULL });
    expect(h.alerts).toEqual([]);
    for (let i = 0; i < 10; i++) h.query(1 + i, `q${i}.example.com`, { type: DnsType.NULL });
    h.query(20, 'q.example.net', { type: DnsType.NULL });
    expect(h.alerts.map((a) => a.evidence.domain)).toEqual(['example.com', 'example.net']);
    h.query(301.5, 'q99.example.com', { type: DnsType.NULL }); // the window opened at 0 s has rolled over
    expect(h.alerts).toHaveLength(3);
  });

  it('leaves encoded names of ordinary types to dns.exfiltration: no one-query dns.tunnel', () => {
    const h = harness();
    for (const [i, name] of Object.values(toolNames(2)).entries()) {
      for (const type of [DnsType.A, DnsType.AAAA, DnsType.TXT, DnsType.CNAME, DnsType.MX, DnsType.HTTPS]) h.query(i, name, { type });
    }
    expect(h.alerts).toEqual([]);
  });

  it('keeps the high volume alert after the medium one, and raises no medium in the next window', () => {
    const h = harness();
    const names = hexNames(120, 50, 't.example.com');
    names.slice(0, 60).forEach((n, i) => h.query(i, n, { type: DnsType.NULL }));
    expect(h.alerts.map((a) => [a.severity, a.evidence.mode, a.ts])).toEqual([['medium', 'query', 0], [undefined, 'volume', 49 * S]]);
    names.slice(60, 70).forEach((n, i) => h.query(301 + i, n, { type: DnsType.NULL }));
    expect(h.alerts).toHaveLength(2);
  });

  it('stays quiet for benign look-alikes of ordinary types', () => {
    const h = harness();
    BENIGN_LOOKALIKES.forEach((n, i) => {
      for (const type of [DnsType.A, DnsType.AAAA, DnsType.TXT, DnsType.HTTPS, DnsType.SRV, DnsType.PTR]) h.query(i, n, { type });
    });
    expect(h.alerts).toEqual([]);
  });
});

describe('dnsTunnel over captures', () => {
  it('flags the dnscat2 session of ndpi/dns_exfiltration.pcap', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/dns_exfiltration.pcap'), {
      config: pipelineConfig(), detect: { detectors: [dnsTunnel] },
    });
    const tunnel = summary.alerts.filter((a) => a.rule === 'dns.tunnel');
    expect(tunnel).toHaveLength(1);
    expect(tunnel[0]).toMatchObject({ src: '192.168.220.56', dst: '192.168.203.167', proto: 'udp', dport: 53 });
    expect(tunnel[0]!.evidence).toMatchObject({ domain: NO_PUBLIC_TLD, uniqueSubdomains: 50 });
    expect(tunnel[0]!.evidence.maxLabelLength).toBeGreaterThanOrEqual(40);
    expect(tunnel[0]!.evidence.txtShare).toBeGreaterThan(0.9);
    for (const n of tunnel[0]!.evidence.sampleNames as string[]) expect(n).toMatch(/^dnscat\./);
  });

  it('stays quiet (with dnsExfiltration) for browsing-like lookups', async () => {
    const e: DnsEndpoints = { clientMac: CLIENT_MAC, clientIp: CLIENT_IP, resolverMac: RESOLVER_MAC, resolverIp: RESOLVER_IP };
    const frames: TimedFrame[] = [];
    let t = 0;
    for (let round = 0; round < 3; round++) {
      for (const [i, name] of BROWSING_NAMES.entries()) {
        for (const type of [DnsType.A, DnsType.AAAA, DnsType.HTTPS]) {
          const id = round * 1000 + i * 4 + type;
          const sport = 40000 + (id % 20000);
          frames.push({ t, data: dnsFrame({ ...e, sport }, { id, name, type }) });
          frames.push({ t: t + 0.02, data: dnsFrame({ ...e, sport }, { id, name, type, response: true, answers: type === DnsType.A ? ['198.51.100.' + (i + 1)] : [] }) });
          t += 0.7;
        }
      }
    }
    const { summary, sensor: engine } = await replayFrames(frames, { detect: { detectors: [dnsTunnel, dnsExfiltration] } });
    expect(summary.alerts).toEqual([]);
    // The queries did reach the detectors: one pair per registrable domain is still held.
    // (The exposure inventory holds the LAN resolver's one service: DNS, udp/53, that answered.)
    expect(engine.stateSizes()).toEqual({ dnsTunnel: new Set(BROWSING_NAMES.map(registrableDomain)).size, dnsExfiltration: expect.any(Number) as unknown, exposureTracker: 1 });
  });
});
