// dns.exfiltration: octets of unique subdomain text per (device, registrable domain) within the
// window, or many unique long names. Driven directly with a fake host and a fake clock, then over
// the nDPI dnscat2 capture and a built browsing-like case.
import { giveDns } from '../../helpers/sensor.js';
import { describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../gateway/alerts/alert.js';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import { DnsType, type DnsMessage } from '../../../gateway/app/dns/dns-message.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import {
  DNS_EXFILTRATION_DEFAULTS, dnsExfiltration, dnsExfiltrationConfigErrors, type DnsExfiltrationConfig, type DnsExfiltrationDetector,
} from '../../../gateway/detect/detectors/dns-exfiltration.js';
import { NO_PUBLIC_TLD } from '../../../gateway/detect/registrable-domain.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { BROWSING_NAMES, dnsFrame, type DnsEndpoints } from '../../helpers/dns-wire.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';
import { BENIGN_LOOKALIKES, base32, bytes, dotify, toolNames } from './dns-tool-names.js';

const CLIENT_MAC = '02:00:00:00:00:10';
const CLIENT_IP = '192.168.1.10';
const RESOLVER_MAC = '02:00:00:00:00:01';
const RESOLVER_IP = '192.168.1.1';
const S = 1e6;

interface Harness {
  d: DnsExfiltrationDetector;
  alerts: AlertInput[];
  query(t: number, name: string, o?: { qr?: boolean; src?: string; dstPort?: number; type?: number }): void;
}

function harness(over: Partial<DnsExfiltrationConfig> = {}): Harness {
  const { host, alerts, devices } = fakeHost();
  devices.touch(parseMac(CLIENT_MAC), 0, 0);
  const d = dnsExfiltration.create(host, { ...DNS_EXFILTRATION_DEFAULTS, ...over }) as DnsExfiltrationDetector;
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

/** A unique subdomain part of exactly `len` octets for index `i` (digits, padded with 'x'). */
function sub(i: number, len: number): string {
  const id = String(i);
  return id + 'x'.repeat(len - id.length);
}

describe('dnsExfiltration detector', () => {
  it('accepts its defaults and rejects a bad config, naming every bad key', () => {
    expect(dnsExfiltrationConfigErrors(DNS_EXFILTRATION_DEFAULTS)).toEqual([]);
    expect(dnsExfiltrationConfigErrors({ ...DNS_EXFILTRATION_DEFAULTS, windowSeconds: 0, minBytes: 0.5, maxUniquePerDomain: -1 })).toHaveLength(3);
    expect(dnsExfiltrationConfigErrors({ ...DNS_EXFILTRATION_DEFAULTS, minPayloadBits: 0, querySeverity: 'urgent' as 'high', perQuery: 1 as unknown as boolean })).toHaveLength(3);
    expect(() => harness({ maxDomains: 0 })).toThrow(RangeError);
    expect(() => harness({ maxVowelShare: 1.5 })).toThrow(/maxVowelShare/);
  });

  it('fires when the unique subdomain octets reach minBytes (256 names of 40 octets = 10240)', () => {
    const h = harness();
    for (let i = 0; i < 255; i++) h.query(i, `${sub(i, 40)}.example.com`);
    expect(h.alerts).toEqual([]);
    h.query(255, `${sub(255, 40)}.example.com`);
    expect(h.alerts).toHaveLength(1);
    const a = h.alerts[0]!;
    expect(a).toMatchObject({ rule: 'dns.exfiltration', device: CLIENT_MAC, src: CLIENT_IP, dst: RESOLVER_IP, proto: 'udp', dport: 53, peer: 'example.com', ts: 255 * S });
    expect(a.evidence).toMatchObject({ domain: 'example.com', bytes: 10240, queries: 256, uniqueQueries: 256, longQueries: 0, windowSeconds: 600 });
    // Once per window.
    for (let i = 256; i < 600; i++) h.query(i, `${sub(i, 40)}.example.com`);
    expect(h.alerts).toHaveLength(1);
  });

  it('counts the dots between subdomain labels, not the registrable part', () => {
    const h = harness({ minBytes: 100 });
    // "a.b" is 3 octets; the domain (example.co.uk) does not count.
    for (let i = 0; i < 33; i++) h.query(i, `a${i % 10}.b${Math.floor(i / 10)}.example.co.uk`);
    // 33 names of 5 octets = 165 ≥ 100, crossed at the 20th (100 octets).
    expect(h.alerts).toHaveLength(1);
    expect(h.alerts[0]!.evidence).toMatchObject({ domain: 'example.co.uk', bytes: 100, uniqueQueries: 20 });
  });

  it('fires at minLongQueries unique names of at least longQueryChars octets', () => {
    const h = harness();
    for (let i = 0; i < 99; i++) h.query(i, `${sub(i, 50)}.example.com`);
    expect(h.alerts).toEqual([]);
    h.query(99, `${sub(99, 49)}.example.com`); // one octet short: not long
    expect(h.alerts).toEqual([]);
    h.query(100, `${sub(100, 50)}.example.com`);
    expect(h.alerts).toHaveLength(1);
    expect(h.alerts[0]!.evidence).toMatchObject({ longQueries: 100, uniqueQueries: 101, bytes: 100 * 50 + 49 });
  });

  it('counts a repeated name once', () => {
    const h = harness();
    for (let i = 0; i < 2000; i++) h.query(i * 0.1, `${sub(i % 200, 40)}.example.com`);
    expect(h.alerts).toEqual([]);
  });

  it('counts within a tumbling window opened by the first query', () => {
    const edge = harness();
    for (let i = 0; i < 255; i++) edge.query(0, `${sub(i, 40)}.example.com`);
    edge.query(600, `${sub(255, 40)}.example.com`);
    expect(edge.alerts).toHaveLength(1);
    const late = harness();
    for (let i = 0; i < 255; i++) late.query(0, `${sub(i, 40)}.example.com`);
    late.query(600.000001, `${sub(255, 40)}.example.com`);
    expect(late.alerts).toEqual([]);
  });

  it('keeps devices and domains apart', () => {
    const h = harness();
    for (let i = 0; i < 200; i++) h.query(i, `${sub(i, 40)}.example.com`);
    for (let i = 0; i < 200; i++) h.query(i, `${sub(i, 40)}.example.net`);
    expect(h.alerts).toEqual([]);
  });

  it('ignores responses, mDNS and LLMNR, queries from outside the LAN, apex names and skipped names', () => {
    const h = harness({ minBytes: 50 });
    for (let i = 0; i < 20; i++) {
      h.query(i, `${sub(i, 40)}.example.com`, { qr: true });
      h.query(i, `${sub(i, 40)}.example.com`, { dstPort: 5353 });
      h.query(i, `${sub(i, 40)}.example.com`, { dstPort: 5355 });
      h.query(i, `${sub(i, 40)}.example.com`, { src: '198.51.100.9' });
      h.query(i, `${sub(i, 40)}.local`);
      h.query(i, `${sub(i, 40)}.ip6.arpa`);
      h.query(i, `${sub(i, 40)}._tcp.example.com`);
      h.query(i, 'example.com');
    }
    expect(h.alerts).toEqual([]);
    expect(h.d.stateSize()).toBe(0);
  });

  it('keeps at most maxDomains pairs, evicting the least recently queried, and expires idle pairs', () => {
    const h = harness({ maxDomains: 4 });
    for (let i = 0; i < 10; i++) h.query(i, `www.site${i}.org`);
    expect(h.d.stateSize()).toBe(4);
    expect(h.d.evicted).toBe(6);
    h.d.onTick(607.5 * S); // site6..9 queried at 6..9 s: 8 and 9 remain
    expect(h.d.stateSize()).toBe(2);
    h.d.onTick(700 * S);
    expect(h.d.stateSize()).toBe(0);
  });
});

/** `n` unique names of 3 base32 labels of 52 characters (97.5 random octets) under `domain`. */
function encodedNames(n: number, domain: string, seed = 1): string[] {
  return Array.from({ length: n }, (_, i) => `${dotify(base32(bytes(seed * 100000 + i, 100)).slice(0, 156), 52)}.${domain}`);
}

describe('dnsExfiltration: one query carrying encoded data', () => {
  it('raises one medium alert for a single base32-encoded name, with what made it data', () => {
    const h = harness();
    const name = encodedNames(1, 'x.example.com')[0]!;
    h.query(3, name, { type: DnsType.TXT });
    expect(h.alerts).toHaveLength(1);
    const a = h.alerts[0]!;
    expect(a).toMatchObject({
      rule: 'dns.exfiltration', severity: 'medium', ts: 3 * S, device: CLIENT_MAC, src: CLIENT_IP, dst: RESOLVER_IP, proto: 'udp', dport: 53,
      peer: 'example.com (one query)',
    });
    expect(a.evidence).toMatchObject({
      mode: 'query', domain: 'example.com', name, qtype: DnsType.TXT, labelLengths: [52, 52, 52, 1], subOctets: 157, longestRun: 52,
      encoding: 'base32', nonHostnameOctets: 0, windowSeconds: 600,
    });
    expect(a.evidence.payloadBits).toBeGreaterThanOrEqual(700);
    expect(a.evidence.entropy).toBeGreaterThan(4.5);
    expect(a.message).toContain('base32');
  });

  it.each(Object.entries(toolNames(3)))('raises it for one %s name', (_tool, name) => {
    const h = harness();
    h.query(0, name);
    expect(h.alerts.map((a) => [a.rule, a.severity])).toEqual([['dns.exfiltration', 'medium']]);
  });

  it('raises it once per (device, domain) and window; another domain or a new window raises again', () => {
    const h = harness();
    const names = encodedNames(20, 'example.com');
    names.slice(0, 10).forEach((n, i) => h.query(i, n));
    expect(h.alerts).toHaveLength(1);
    h.query(20, encodedNames(1, 'example.net', 2)[0]!);
    expect(h.alerts.map((a) => a.evidence.domain)).toEqual(['example.com', 'example.net']);
    h.query(600.000001, names[10]!); // example.com's window opened at 0 s has rolled over
    expect(h.alerts.map((a) => [a.evidence.domain, a.ts])).toEqual([['example.com', 0], ['example.net', 20 * S], ['example.com', 600.000001 * S]]);
  });

  it('judges a repeated name once', () => {
    const h = harness();
    h.query(0, 'www.example.com');
    for (let i = 0; i < 5; i++) h.query(1 + i, 'www.example.com');
    expect(h.alerts).toEqual([]);
  });

  it('keeps the high volume alert: medium at the first encoded name, high at minBytes', () => {
    const h = harness();
    // Each name puts 157 octets and 3 dots in front of the domain: 64 names reach 10240.
    encodedNames(150, 'x.example.com').forEach((n, i) => h.query(i, n));
    expect(h.alerts.map((a) => [a.severity, a.evidence.mode, a.ts, a.peer])).toEqual([
      ['medium', 'query', 0, 'example.com (one query)'],
      [undefined, 'volume', 63 * S, 'example.com'],
    ]);
    expect(h.alerts[1]!.evidence).toMatchObject({ bytes: 10240, uniqueQueries: 64 });
  });

  it('raises no medium alert in the window after one that raised the high alert', () => {
    const h = harness();
    const names = encodedNames(300, 'x.example.com');
    names.slice(0, 100).forEach((n, i) => h.query(i, n)); // medium at 0 s, high at 63 s
    expect(h.alerts).toHaveLength(2);
    names.slice(100, 150).forEach((n, i) => h.query(601 + i, n)); // next window, under the volume bar
    expect(h.alerts).toHaveLength(2);
    // A window with no high alert behind it: the one after that starts clean.
    names.slice(150, 151).forEach((n) => h.query(1300, n));
    expect(h.alerts.map((a) => [a.severity, a.ts])).toEqual([['medium', 0], [undefined, 63 * S], ['medium', 1300 * S]]);
  });

  it('stays quiet for benign look-alikes, one query each', () => {
    const h = harness();
    BENIGN_LOOKALIKES.forEach((n, i) => {
      h.query(i, n, { type: DnsType.A });
      h.query(i, n, { type: DnsType.TXT });
    });
    BROWSING_NAMES.forEach((n, i) => h.query(100 + i, n));
    expect(h.alerts).toEqual([]);
  });

  it('is off with perQuery false, and follows querySeverity and minPayloadBits', () => {
    const name = encodedNames(1, 'example.com')[0]!;
    const off = harness({ perQuery: false });
    off.query(0, name);
    expect(off.alerts).toEqual([]);
    const low = harness({ querySeverity: 'low' });
    low.query(0, name);
    expect(low.alerts[0]!.severity).toBe('low');
    const strict = harness({ minPayloadBits: 10000, longRunChars: 63 });
    strict.query(0, name);
    expect(strict.alerts).toEqual([]);
  });
});

describe('dnsExfiltration over captures', () => {
  it('flags the dnscat2 session of ndpi/dns_exfiltration.pcap', async () => {
    const { summary } = await replayCapture(fixture('pcap/ndpi/dns_exfiltration.pcap'), {
      config: pipelineConfig(), detect: { detectors: [dnsExfiltration] },
    });
    // The first dnscat2 name (four hex labels) is a one-query finding at medium; the volume follows at high.
    const ex = summary.alerts.filter((a) => a.rule === 'dns.exfiltration');
    expect(ex.map((a) => [a.severity, a.evidence.mode])).toEqual([['medium', 'query'], ['high', 'volume']]);
    for (const a of ex) expect(a).toMatchObject({ src: '192.168.220.56', dst: '192.168.203.167', proto: 'udp', dport: 53 });
    expect(ex[0]!.evidence).toMatchObject({ domain: NO_PUBLIC_TLD, encoding: 'hex', windowSeconds: 600 });
    expect(ex[1]!.evidence).toMatchObject({ domain: NO_PUBLIC_TLD, windowSeconds: 600 });
    expect(ex[1]!.evidence.bytes).toBeGreaterThanOrEqual(10240);
  });

  it('stays quiet for browsing-like lookups repeated over an hour', async () => {
    const e: DnsEndpoints = { clientMac: CLIENT_MAC, clientIp: CLIENT_IP, resolverMac: RESOLVER_MAC, resolverIp: RESOLVER_IP };
    const frames: TimedFrame[] = [];
    let id = 1;
    for (let minute = 0; minute < 60; minute += 5) {
      for (const [i, name] of BROWSING_NAMES.entries()) {
        const t = minute * 60 + i * 2;
        frames.push({ t, data: dnsFrame({ ...e, sport: 40000 + (id % 20000) }, { id, name }) });
        frames.push({ t: t + 0.03, data: dnsFrame({ ...e, sport: 40000 + (id % 20000) }, { id, name, response: true, answers: ['198.51.100.7'] }) });
        id++;
      }
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [dnsExfiltration] } });
    expect(summary.alerts).toEqual([]);
  });
});
