// DNS tunnels and exfiltration in real captures nobody here made, through the whole pipeline with
// every registered detector: the short iodine, dns2tcp and DNSExfiltrator sessions of
// dmachard/datasets-malicious-dns (12–22 queries each, far under any volume threshold) must be
// caught by the one-query paths at medium; the long dnscat2 sessions (nDPI) keep their high
// volume alerts, now preceded by the medium one-query alert of their first data-carrying name.
// Every benign capture raises no dns.* alert at all.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../gateway/alerts/alert.js';
import { dnsExfiltration } from '../../gateway/detect/detectors/dns-exfiltration.js';
import { dnsTunnel } from '../../gateway/detect/detectors/dns-tunnel.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { BROWSING_NAMES, dnsFrame, type DnsEndpoints } from '../helpers/dns-wire.js';
import { benignCaptures, fixture } from '../helpers/fixtures.js';
import { replayFrames, type TimedFrame } from '../helpers/replay-frames.js';
import { BENIGN_LOOKALIKES, toolNames } from '../unit/detect/dns-tool-names.js';

const MALICIOUS_DNS = 'pcap/attacks/dmachard__datasets-malicious-dns';

/** dns.* alerts of a capture replayed with every detector, as 'rule/severity' → count. */
async function dnsAlerts(rel: string): Promise<{ counts: Record<string, number>; alerts: Alert[] }> {
  const { summary } = await replayCapture(fixture(rel), { config: PIPELINE_DEFAULTS, topFlows: 0 });
  const alerts = summary.alerts.filter((a) => a.rule.startsWith('dns.'));
  const counts: Record<string, number> = {};
  for (const a of alerts) counts[`${a.rule}/${a.severity}`] = (counts[`${a.rule}/${a.severity}`] ?? 0) + 1;
  return { counts, alerts };
}

const find = (alerts: Alert[], rule: string, severity: string): Alert => {
  const a = alerts.find((x) => x.rule === rule && x.severity === severity);
  expect(a, `${rule}/${severity}`).toBeDefined();
  return a!;
};

describe('DNS tunnels in real captures', () => {
  it('iodine handshake (12 NULL queries): dns.tunnel/medium for the NULL type, dns.exfiltration/medium for the binary labels', async () => {
    const { counts, alerts } = await dnsAlerts(`${MALICIOUS_DNS}/iodine.pcap`);
    // One of each: the NULL queries (all 12) are one finding per (device, domain), and so are the
    // codec-probe names carrying raw 8-bit octets.
    expect(counts).toEqual({ 'dns.tunnel/medium': 1, 'dns.exfiltration/medium': 1 });
    const t = find(alerts, 'dns.tunnel', 'medium');
    expect(t).toMatchObject({ src: '192.168.1.17', dst: '192.168.1.210', dport: 53, count: 1 });
    expect(t.evidence).toMatchObject({ mode: 'query', domain: 'biillpi.com', qtype: 10, qtypeName: 'NULL', name: 'yrb0pe.t1.biillpi.com' });
    const x = find(alerts, 'dns.exfiltration', 'medium');
    expect(x.evidence).toMatchObject({ mode: 'query', domain: 'biillpi.com', qtype: 10 });
    // The first name that carries payload is the alphabet probe "z0pkaAbBcC…" (56 octets), then
    // the binary ones; either way a label of 50+ octets, judged as data.
    expect(Math.max(...(x.evidence.labelLengths as number[]))).toBeGreaterThanOrEqual(50);
    expect(x.evidence.payloadBits as number).toBeGreaterThanOrEqual(200);
  });

  it('dns2tcp (22 TXT queries, base64 labels): one dns.exfiltration/medium', async () => {
    const { counts, alerts } = await dnsAlerts(`${MALICIOUS_DNS}/dns2tcp.pcap`);
    // TXT is not a rare type (SPF, DKIM, ACME clients ask for it), so no one-query dns.tunnel;
    // 22 names are far under the volume paths.
    expect(counts).toEqual({ 'dns.exfiltration/medium': 1 });
    const x = find(alerts, 'dns.exfiltration', 'medium');
    expect(x).toMatchObject({ src: '192.168.1.17', dst: '192.168.1.210', dport: 53 });
    expect(x.evidence).toMatchObject({ mode: 'query', domain: 'hsc.fr', qtype: 16 });
    expect(x.evidence.name as string).toMatch(/\.dns2tcp\.hsc\.fr$/);
    expect(x.evidence.longestRun as number).toBeGreaterThanOrEqual(48);
  });

  it('DNSExfiltrator (init then 13 chunks of four base64url labels): one dns.exfiltration/medium', async () => {
    const { counts, alerts } = await dnsAlerts(`${MALICIOUS_DNS}/dnsextrator.pcap`);
    expect(counts).toEqual({ 'dns.exfiltration/medium': 1 });
    const x = find(alerts, 'dns.exfiltration', 'medium');
    expect(x).toMatchObject({ src: '192.168.1.102', dst: '192.168.1.210', dport: 53 });
    // The init name (29 base32 characters, 145 bits) is under the bar; the first chunk is not.
    expect(x.evidence).toMatchObject({ mode: 'query', domain: 'hsc.fr', qtype: 16, labelLengths: [1, 63, 63, 63, 44] });
    expect(x.evidence.name as string).toMatch(/^0\./);
    expect(x.evidence.payloadBits as number).toBeGreaterThan(800);
  });

  it.each([
    ['pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap/bad-dns-traffic.pcap', '192.168.43.91', 'skullseclabs.org'],
    ['pcap/ndpi/dns_exfiltration.pcap', '192.168.220.56', '(no-public-tld)'],
  ])('dnscat2 %s keeps its high alerts, after one medium at the first hex-encoded name', async (rel, src, domain) => {
    const { counts, alerts } = await dnsAlerts(rel);
    expect(counts).toEqual({ 'dns.tunnel/high': 1, 'dns.exfiltration/high': 1, 'dns.exfiltration/medium': 1 });
    const med = find(alerts, 'dns.exfiltration', 'medium');
    const high = find(alerts, 'dns.exfiltration', 'high');
    expect(med).toMatchObject({ src, evidence: { mode: 'query', domain, encoding: 'hex' } });
    expect(high).toMatchObject({ src, evidence: { mode: 'volume', domain } });
    expect(find(alerts, 'dns.tunnel', 'high').evidence).toMatchObject({ mode: 'volume', domain });
    // The one-query alert comes first: it needs no volume.
    expect(Date.parse(med.ts)).toBeLessThan(Date.parse(high.ts));
  });
});

const E: DnsEndpoints = { clientMac: '02:00:00:00:00:10', clientIp: '192.168.1.10', resolverMac: '02:00:00:00:00:01', resolverIp: '192.168.1.1' };

/** dns.* alerts, as 'rule/severity', of queries (each answered) through the whole sensor with every detector. */
async function builtDnsAlerts(queries: readonly { name: string; type: number }[]): Promise<string[]> {
  const frames: TimedFrame[] = [];
  queries.forEach((q, i) => {
    const e = { ...E, sport: 40000 + i };
    frames.push({ t: i, data: dnsFrame(e, { id: i + 1, name: q.name, type: q.type }) });
    frames.push({ t: i + 0.02, data: dnsFrame(e, { id: i + 1, name: q.name, type: q.type, response: true }) });
  });
  const { summary } = await replayFrames(frames);
  return summary.alerts.filter((a) => a.rule.startsWith('dns.')).map((a) => `${a.rule}/${a.severity}`);
}

describe('one built query through the whole sensor', () => {
  // The iodine base128 name holds raw octets the wire helper cannot write; the scorer tests cover it.
  const tools = Object.entries(toolNames(9)).filter(([, n]) => !n.includes('\\'));

  it.each(tools)('%s: one A query raises dns.exfiltration/medium and nothing else', async (_tool, name) => {
    expect(await builtDnsAlerts([{ name, type: 1 }])).toEqual(['dns.exfiltration/medium']);
  });

  it('an iodine NULL query with base32 data raises dns.tunnel/medium and dns.exfiltration/medium', async () => {
    const got = await builtDnsAlerts([{ name: toolNames(9)['iodine base32']!, type: 10 }]);
    expect(got.sort()).toEqual(['dns.exfiltration/medium', 'dns.tunnel/medium']);
  });

  it('benign look-alikes and browsing names (A, AAAA, TXT) raise nothing', async () => {
    const names = [...BENIGN_LOOKALIKES, ...BROWSING_NAMES];
    expect(await builtDnsAlerts(names.flatMap((name) => [1, 28, 16].map((type) => ({ name, type }))))).toEqual([]);
  });
});

/** Every benign capture named in the project rules. */
const BENIGN = benignCaptures(['dns_exfiltration.pcap']);

describe('no dns.* alert on benign captures', () => {
  it('finds them', () => {
    expect(BENIGN.length).toBeGreaterThanOrEqual(45);
  });

  it.each(BENIGN.map((f) => [f.slice(fixture('').length), f]))('%s', async (_rel, file) => {
    const { summary } = await replayCapture(file, { config: PIPELINE_DEFAULTS, topFlows: 0, detect: { detectors: [dnsTunnel, dnsExfiltration] } });
    expect(summary.packets).toBeGreaterThan(0);
    expect(summary.alerts).toEqual([]);
  });
});
