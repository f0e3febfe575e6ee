// Real captures through the whole sensor (every registered detector, pipeline defaults), for the
// rules that follow protocols by content and names: bruteforce.*, cleartext.telnet,
// malware.mining, c2.http, intel.blocklist. Each attack capture gives exactly its alerts of these
// rules; no benign capture gives any of them at high or critical, nor any c2.http at all.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../gateway/alerts/alert.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { benignCaptures, FIXTURES, fixture } from '../helpers/fixtures.js';

const RULES = new Set(['bruteforce.ssh', 'bruteforce.telnet', 'cleartext.telnet', 'malware.mining', 'c2.http', 'intel.blocklist']);
const ATT = 'pcap/attacks/';

/** capture → { 'rule/severity': alert objects } of RULES. */
const ATTACKS: Record<string, Record<string, number>> = {
  [`${ATT}zeek__zeek/testing/btest/Traces/ssh/sshguess.pcap`]: { 'bruteforce.ssh/critical': 1 },
  'pcap/ndpi/telnet.pcap': { 'cleartext.telnet/medium': 1 },
  'pcap/ndpi/ssh.pcap': {},
  [`${ATT}nesfit__DI-cryptominingdetection/PCAPs/xmr-eu1.nanopool.org.pcapng`]: { 'malware.mining/high': 1 },
  [`${ATT}nesfit__DI-cryptominingdetection/PCAPs/zec-eu1.nanopool.org.pcapng`]: { 'malware.mining/high': 1 },
  [`${ATT}DanieleDeSensi__peafowl/test/pcaps/stratum.pcap`]: { 'malware.mining/high': 2 },
  [`${ATT}chrissanders__packets/cryptowall4_c2.pcapng`]: { 'c2.http/medium': 1 },
  [`${ATT}OISF__suricata-verify/tests/bug-4953/file76.pcap`]: { 'c2.http/medium': 1 },
};


const BENIGN = benignCaptures(['dns_exfiltration.pcap', 'synscan.pcap', 'tcp_scan.pcapng', 'telnet.pcap']).map((f) => relative(FIXTURES, f));

async function mine(rel: string, config: Record<string, Record<string, unknown>> = {}): Promise<Alert[]> {
  const { summary } = await replayCapture(fixture(rel), { config: PIPELINE_DEFAULTS, topFlows: 0, detect: { config } });
  return summary.alerts.filter((a) => RULES.has(a.rule));
}

function counts(alerts: readonly Alert[]): Record<string, number> {
  const got: Record<string, number> = {};
  for (const a of alerts) got[`${a.rule}/${a.severity}`] = (got[`${a.rule}/${a.severity}`] ?? 0) + 1;
  return got;
}

describe('attack captures: the alerts of the content, intel, mining and C&C rules', () => {
  it.each(Object.entries(ATTACKS))('%s', async (rel, want) => {
    expect(counts(await mine(rel))).toEqual(want);
  });

  it('sshguess: the brute force is the one client to the one server, SSH found by content', async () => {
    const [a] = await mine(`${ATT}zeek__zeek/testing/btest/Traces/ssh/sshguess.pcap`);
    expect(a).toMatchObject({ src: '192.168.56.1', dst: '192.168.56.103', dport: 22, evidence: { service: 'ssh', app: 'ssh', portMismatch: false } });
    expect(a!.evidence.sessions).toBeGreaterThanOrEqual(10);
  });

  it('nanopool captures: the Monero login (agent xmr/1.0) on 14444 and Zcash mining.subscribe on 6666, miner → pool', async () => {
    const [xmr] = await mine(`${ATT}nesfit__DI-cryptominingdetection/PCAPs/xmr-eu1.nanopool.org.pcapng`);
    expect(xmr).toMatchObject({ src: '147.229.13.222', dst: '185.71.66.20', dport: 14444, evidence: { method: 'login', agent: 'xmr/1.0', sentBy: 'miner' } });
    const [zec] = await mine(`${ATT}nesfit__DI-cryptominingdetection/PCAPs/zec-eu1.nanopool.org.pcapng`);
    expect(zec).toMatchObject({ src: '147.229.13.222', dst: '185.71.66.20', dport: 6666, evidence: { method: 'mining.subscribe', agent: 'equihashminer', portMismatch: true } });
  });

  it('C&C over HTTP: CryptoWall\'s three check-ins fold into one alert; file76\'s two uploads to a bare IP into one', async () => {
    const [cw] = await mine(`${ATT}chrissanders__packets/cryptowall4_c2.pcapng`);
    expect(cw).toMatchObject({ device: '00:22:19:e2:4b:86', dst: '184.170.149.44', dport: 80, count: 3, evidence: { host: 'homealldaylong.com', method: 'POST', path: '/76N1Lm.php' } });
    const [f76] = await mine(`${ATT}OISF__suricata-verify/tests/bug-4953/file76.pcap`);
    expect(f76).toMatchObject({ src: '172.16.10.101', dst: '74.120.55.163', count: 2, evidence: { host: '74.120.55.163' } });
    expect((f76!.evidence.marks as { mark: string }[]).map((m) => m.mark)).toEqual(expect.arrayContaining(['ip-host', 'ua-forged', 'path-random', 'multipart']));
  });

  it('intel on names in a real capture (Tapo P115): a listed CNAME target and a listed SNI, one alert each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-intel-att-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const list = join(dir, 'names.txt');
    writeFileSync(list, 'euw1-wap-eks-v2-firewall.i.tplinknbu.com\naps1-openapi.i.tplinknbu.com\n');
    const alerts = await mine('mud-pairs/tapo-p115/G06-tapo-p115.pcap', { intel: { lists: [list] } });
    expect(alerts.map((a) => [a.rule, a.severity, a.device, a.evidence.entry])).toEqual([
      ['intel.blocklist', 'high', '40:ae:30:46:6e:a8', 'euw1-wap-eks-v2-firewall.i.tplinknbu.com'],
      ['intel.blocklist', 'high', '40:ae:30:46:6e:a8', 'aps1-openapi.i.tplinknbu.com'],
    ]);
    // The chain's first sighting is the DNS answer; the device's connection to its address folds in.
    // The device is named by the host name it gave in DHCP (P115), its address beside it.
    expect(alerts[0]!.message).toBe('P115 (10.42.0.205) got a DNS answer for security.iot.i.tplinknbu.com that is an alias of '
      + 'euw1-wap-eks-v2-firewall.i.tplinknbu.com, on blocklist names.txt (domain euw1-wap-eks-v2-firewall.i.tplinknbu.com)');
    expect(alerts[0]!.count).toBe(2);
  });
});

describe('benign captures: none of these rules at high or critical, no c2.http at all', () => {
  it('lists the benign captures', () => {
    expect(BENIGN.length).toBeGreaterThan(40);
  });

  it.each(BENIGN)('%s', async (rel) => {
    const alerts = await mine(rel);
    expect(alerts.filter((a) => a.rule === 'c2.http')).toEqual([]);
    expect(alerts.filter((a) => a.severity === 'high' || a.severity === 'critical')).toEqual([]);
  });
});
