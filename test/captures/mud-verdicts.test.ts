// MUD verdicts on flows through the whole pipeline. Built cases: a device announces its MUD URL
// in DHCP option 161, the profile is found in a profiles directory, and each new flow is allowed
// by the ACE that matches or raises mud.violation naming the ACL and the nearest ACE. Then the
// real Tapo P115 capture against the profile generated from it, whose violations are explained.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS, type PolicyConfig } from '../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../gateway/policy/profile-store.js';
import type { ReplaySummary } from '../../gateway/replay/summary.js';
import { dnsMessage } from '../helpers/dns-wire.js';
import { ether, frame, ipv4, PROTO, tcp, udp } from '../helpers/frames.js';
import { fixture, ROOT } from '../helpers/fixtures.js';
import { replayFrames, type TimedFrame } from '../helpers/replay-frames.js';
import { dhcpRequestWithMud } from '../helpers/dhcp-mud.js';

const DEV = '02:11:22:33:44:55';
const GW = '02:00:00:00:00:01';
const LAN_PEER = '02:00:00:00:00:09';
const DEV_IP = '192.168.1.20';
const MUD_URL = 'https://vendor.example/.well-known/mud/v1/thermo';

const PROFILE = {
  'ietf-mud:mud': {
    'mud-version': 1, 'mud-url': MUD_URL, 'last-update': '2026-01-01T00:00:00Z', 'cache-validity': 48, 'is-supported': true,
    systeminfo: 'test thermostat',
    'from-device-policy': { 'access-lists': { 'access-list': [{ name: 'from' }] } },
    'to-device-policy': { 'access-lists': { 'access-list': [{ name: 'to' }] } },
  },
  'ietf-access-control-list:acls': {
    acl: [
      { name: 'from', type: 'ipv4-acl-type', aces: { ace: [
        { name: 'cloud', matches: { ipv4: { protocol: 6, 'ietf-acldns:dst-dnsname': 'api.vendor.example' }, tcp: { 'destination-port': { operator: 'eq', port: 443 }, 'ietf-mud:direction-initiated': 'from-device' } }, actions: { forwarding: 'accept' } },
        { name: 'lan-ui', matches: { 'ietf-mud:mud': { 'local-networks': [null] }, ipv4: { protocol: 6 }, tcp: { 'destination-port': { operator: 'eq', port: 8080 } } }, actions: { forwarding: 'accept' } },
        { name: 'dns', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'destination-port': { operator: 'eq', port: 53 } } }, actions: { forwarding: 'accept' } },
      ] } },
      { name: 'to', type: 'ipv4-acl-type', aces: { ace: [
        { name: 'cloud-back', matches: { ipv4: { protocol: 6, 'ietf-acldns:src-dnsname': 'api.vendor.example' }, tcp: { 'source-port': { operator: 'eq', port: 443 } } }, actions: { forwarding: 'accept' } },
        { name: 'dns-back', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'source-port': { operator: 'eq', port: 53 } } }, actions: { forwarding: 'accept' } },
      ] } },
    ],
  },
};

const dir = mkdtempSync(join(tmpdir(), 'edgeward-mud-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'thermo.json'), JSON.stringify(PROFILE));

/** A DHCP REQUEST carrying option 161 with the MUD URL (RFC 8520 §10). */
const dhcpRequest = (): Buffer => dhcpRequestWithMud(DEV, MUD_URL);

const from = (t: number, src: string, dst: string, dstMac: string, sport: number, dport: number, flags = 'S', proto: typeof PROTO.TCP | typeof PROTO.UDP = PROTO.TCP, payload?: Buffer): TimedFrame => ({
  t, data: frame(ether({ dst: dstMac, src: DEV, type: 0x0800 }), ipv4({ src, dst, proto, payload: proto === PROTO.TCP ? tcp({ sport, dport, flags }) : udp({ sport, dport, payload }) })),
});
const toDev = (t: number, src: string, sport: number, dport: number, flags = 'S'): TimedFrame => ({
  t, data: frame(ether({ dst: DEV, src: GW, type: 0x0800 }), ipv4({ src, dst: DEV_IP, proto: PROTO.TCP, payload: tcp({ sport, dport, flags }) })),
});

async function run(cfg: Partial<PolicyConfig> = {}): Promise<ReplaySummary> {
  const store = new ProfileStore();
  store.loadDir(dir);
  const policy = { config: { ...POLICY_DEFAULTS, gatewayAddresses: ['192.168.1.1'], ...cfg }, store };
  const answer = dnsMessage({ id: 7, name: 'api.vendor.example', response: true, answers: ['203.0.113.10'] });
  const { summary } = await replayFrames([
    { t: 0, data: frame(ether({ dst: 'ff:ff:ff:ff:ff:ff', src: DEV, type: 0x0800 }), ipv4({ src: '0.0.0.0', dst: '255.255.255.255', proto: PROTO.UDP, payload: udp({ sport: 68, dport: 67, payload: dhcpRequest() }) })) },
    from(1, DEV_IP, '192.168.1.1', GW, 40010, 53, '', PROTO.UDP, dnsMessage({ id: 7, name: 'api.vendor.example' })),
    { t: 1.01, data: frame(ether({ dst: DEV, src: GW, type: 0x0800 }), ipv4({ src: '192.168.1.1', dst: DEV_IP, proto: PROTO.UDP, payload: udp({ sport: 53, dport: 40010, payload: answer }) })) },
    from(2, DEV_IP, '203.0.113.10', GW, 40000, 443), // cloud: allowed
    from(3, DEV_IP, '203.0.113.10', GW, 40001, 80), // right host, wrong port: denied
    from(4, DEV_IP, '198.51.100.7', GW, 40002, 443), // never resolved: denied
    from(5, DEV_IP, '192.168.1.50', LAN_PEER, 40003, 8080), // local-networks: allowed
    toDev(6, '198.51.100.66', 55555, 22), // inbound SSH from the internet: denied
    from(7, DEV_IP, '198.51.100.99', GW, 40004, 443), // denied by the profile, but on the emergency list when configured
  ], { detect: { policy } });
  return summary;
}

describe('MUD verdicts through the pipeline', () => {
  it('binds the profile announced in DHCP option 161 and alerts exactly on the flows outside it', async () => {
    const s = await run();
    expect(s.devices.find((d) => d.mac === DEV)).toMatchObject({ mudUrl: MUD_URL, mudUrlSource: 'dhcpv4', profile: MUD_URL });
    const v = s.alerts.filter((a) => a.rule === 'mud.violation').map((a) => [a.dst, a.dport, a.evidence.direction, a.evidence.acl, a.evidence.nearestAce]);
    expect(v).toEqual([
      // The profile has no ACE for DHCP: the DISCOVER that announced it is outside it.
      ['255.255.255.255', 67, 'from-device', 'from', 'lan-ui'],
      ['203.0.113.10', 80, 'from-device', 'from', 'cloud'],
      ['198.51.100.7', 443, 'from-device', 'from', 'cloud'],
      [DEV_IP, 22, 'to-device', 'to', expect.any(String)],
      ['198.51.100.99', 443, 'from-device', 'from', 'cloud'],
    ]);
    expect(s.alerts.filter((a) => a.rule === 'mud.violation').every((a) => a.device === DEV && a.severity === 'high' && a.evidence.mode === 'monitor')).toBe(true);
  });

  it('never alerts on the emergency allow-list, and says drop in enforce mode', async () => {
    const s = await run({ emergency: ['198.51.100.99/32'], mode: 'enforce' });
    const v = s.alerts.filter((a) => a.rule === 'mud.violation');
    expect(v.map((a) => a.dst)).toEqual(['255.255.255.255', '203.0.113.10', '198.51.100.7', DEV_IP]);
    expect(v.every((a) => a.evidence.action === 'drop')).toBe(true);
  });
});

describe('Tapo P115 against the profile generated from its own traffic', () => {
  const cli = join(ROOT, 'dist/gateway/cli/main.js');
  const replay = (...extra: string[]): ReplaySummary => JSON.parse(execFileSync(process.execPath, [cli, 'replay', fixture('mud-pairs/tapo-p115/G06-tapo-p115.pcap'),
    '--bind', `40:ae:30:46:6e:a8=${fixture('mud-pairs/tapo-p115/G06-tapo-p115.mud')}`, '--json', '--no-progress', ...extra], { encoding: 'utf8' })) as ReplaySummary;
  const violations = (s: ReplaySummary) => s.alerts.filter((a) => a.rule === 'mud.violation').map((a) => `${String(a.evidence.direction)} ${a.src}:${a.sport} ${a.dst}:${a.dport} x${a.count}`);

  it('gives the plug its profile; with the gateway mapped, four violations remain, each explained', () => {
    const cfg = join(dir, 'tapo.json');
    writeFileSync(cfg, JSON.stringify({ policy: { gatewayAddresses: ['10.42.0.1'] } }));
    const s = replay('--config', cfg);
    expect(s.devices.find((d) => d.mac === '40:ae:30:46:6e:a8')!.profile).toBe('https://tapo-p115.com/tapo-p115');
    expect(violations(s)).toEqual([
      // The profile has no from-device ACE for DHCP: the generator listed only the server's replies.
      'from-device 0.0.0.0:68 255.255.255.255:67 x1',
      // Tail of a TLS connection opened before the capture began (server data, then the plug's RST):
      // the DNS answer for euw1-device-cloudgateway that explains 54.170.92.104 came 0.5 s later.
      'to-device 10.42.0.205:52433 54.170.92.104:443 x1',
      // The profile has no ACE for DNS to the gateway (no urn:ietf:params:mud:dns rule).
      'from-device 10.42.0.205:15272 10.42.0.1:53 x5',
      // Another pre-capture connection's tail; 54.169.114.238 is never resolved within the capture.
      'to-device 10.42.0.205:52435 54.169.114.238:443 x1',
    ]);
  });

  it('without the gateway address, the DHCP reply from the gateway controller class is a violation too', () => {
    const s = replay();
    expect(violations(s)).toContain('to-device 10.42.0.1:67 10.42.0.205:68 x1');
    expect(violations(s)).toHaveLength(5);
  });
});
