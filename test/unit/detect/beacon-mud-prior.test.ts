// beacon.c2 with the device's MUD profile as the prior, through the whole sensor: a thermostat
// announces its MUD URL in DHCP option 161, resolves api.vendor.example, and checks in every 20 s.
// To the endpoint its profile declares: no alert. To an address its profile does not allow: the
// beacon escalates to high (bare address + undeclared), next to the policy's mud.violation; the
// same check-ins from a device with no profile are medium (bare address alone).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { beacon } from '../../../gateway/detect/detectors/beacon.js';
import { POLICY_DEFAULTS } from '../../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../../gateway/policy/profile-store.js';
import type { ReplaySummary } from '../../../gateway/replay/summary.js';
import { dnsMessage } from '../../helpers/dns-wire.js';
import { ether, frame, ipv4, PROTO, tcp, udp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';
import { dhcpRequestWithMud } from '../../helpers/dhcp-mud.js';

const DEV = '02:11:22:33:44:55';
const GW = '02:00:00:00:00:01';
const DEV_IP = '192.168.1.20';
const CLOUD_IP = '203.0.113.10';
const OTHER_IP = '198.51.100.7';
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
        { name: 'dns', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'destination-port': { operator: 'eq', port: 53 } } }, actions: { forwarding: 'accept' } },
      ] } },
      { name: 'to', type: 'ipv4-acl-type', aces: { ace: [
        { name: 'cloud-back', matches: { ipv4: { protocol: 6, 'ietf-acldns:src-dnsname': 'api.vendor.example' }, tcp: { 'source-port': { operator: 'eq', port: 443 } } }, actions: { forwarding: 'accept' } },
        { name: 'dns-back', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'source-port': { operator: 'eq', port: 53 } } }, actions: { forwarding: 'accept' } },
      ] } },
    ],
  },
};

const dir = mkdtempSync(join(tmpdir(), 'edgeward-beacon-mud-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'thermo.json'), JSON.stringify(PROFILE));

/** A DHCP REQUEST carrying option 161 with the MUD URL (RFC 8520 §10). */
const dhcpRequest = (): Buffer => dhcpRequestWithMud(DEV, MUD_URL);

const up = (t: number, dst: string, sport: number, dport: number, flags: string, seq: number, ack: number, payload?: Buffer, proto: number = PROTO.TCP): TimedFrame => ({
  t, data: frame(ether({ dst: GW, src: DEV, type: 0x0800 }), ipv4({ src: DEV_IP, dst, proto, payload: proto === PROTO.TCP ? tcp({ sport, dport, flags, seq, ack, payload }) : udp({ sport, dport, payload }) })),
});
const down = (t: number, src: string, sport: number, dport: number, flags: string, seq: number, ack: number, payload?: Buffer, proto: number = PROTO.TCP): TimedFrame => ({
  t, data: frame(ether({ dst: DEV, src: GW, type: 0x0800 }), ipv4({ src, dst: DEV_IP, proto, payload: proto === PROTO.TCP ? tcp({ sport, dport, flags, seq, ack, payload }) : udp({ sport, dport, payload }) })),
});

/** One short TCP check-in: handshake, 100 bytes up, 200 down, close. */
function checkIn(t: number, dst: string, sport: number): TimedFrame[] {
  return [
    up(t, dst, sport, 443, 'S', 1000, 0), down(t + 0.03, dst, 443, sport, 'SA', 5000, 1001), up(t + 0.031, dst, sport, 443, 'A', 1001, 5001),
    up(t + 0.032, dst, sport, 443, 'PA', 1001, 5001, Buffer.alloc(100, 0x41)), down(t + 0.08, dst, 443, sport, 'PA', 5001, 1101, Buffer.alloc(200, 0x42)),
    up(t + 0.081, dst, sport, 443, 'FA', 1101, 5201), down(t + 0.11, dst, 443, sport, 'FA', 5201, 1102), up(t + 0.111, dst, sport, 443, 'A', 1102, 5202),
  ];
}

/** DHCP with the MUD URL, a DNS answer for the vendor's name, then 13 check-ins to `dst` every 20 s. */
function scene(dst: string): TimedFrame[] {
  const out: TimedFrame[] = [
    { t: 0, data: frame(ether({ dst: 'ff:ff:ff:ff:ff:ff', src: DEV, type: 0x0800 }), ipv4({ src: '0.0.0.0', dst: '255.255.255.255', proto: PROTO.UDP, payload: udp({ sport: 68, dport: 67, payload: dhcpRequest() }) })) },
    up(1, '192.168.1.1', 40010, 53, '', 0, 0, dnsMessage({ id: 7, name: 'api.vendor.example' }), PROTO.UDP),
    down(1.01, '192.168.1.1', 53, 40010, '', 0, 0, dnsMessage({ id: 7, name: 'api.vendor.example', response: true, answers: [CLOUD_IP] }), PROTO.UDP),
  ];
  for (let i = 0; i < 13; i++) out.push(...checkIn(2 + 20 * i, dst, 41000 + i));
  return out;
}

async function run(dst: string, withProfile: boolean, declaredSeverity: 'none' | 'low' = 'none'): Promise<ReplaySummary> {
  const store = new ProfileStore();
  store.loadDir(dir);
  const policy = withProfile ? { config: { ...POLICY_DEFAULTS, gatewayAddresses: ['192.168.1.1'] }, store } : undefined;
  const { summary } = await replayFrames(scene(dst), { detect: { detectors: [beacon], policy, config: { beacon: { declaredSeverity } } } });
  return summary;
}

const beacons = (s: ReplaySummary) => s.alerts.filter((a) => a.rule === 'beacon.c2');

describe('beacon.c2 with the MUD profile as prior', () => {
  it('raises nothing for a heartbeat to the endpoint the profile declares', async () => {
    const s = await run(CLOUD_IP, true);
    expect(s.devices.find((d) => d.mac === DEV)!.profile).toBe(MUD_URL);
    expect(s.alerts.filter((a) => a.rule === 'mud.violation' && a.dst === CLOUD_IP)).toEqual([]);
    expect(beacons(s)).toEqual([]);
    // The pair was found periodic and matched to the profile: with declaredSeverity low it says so.
    const low = await run(CLOUD_IP, true, 'low');
    expect(beacons(low).map((a) => [a.severity, a.evidence.profile, a.evidence.signs])).toEqual([['low', 'declared', []]]);
  });

  it('escalates the same heartbeat to an address the profile does not allow to high', async () => {
    const s = await run(OTHER_IP, true);
    expect(beacons(s).map((a) => [a.severity, a.dst, a.evidence.profile, a.evidence.signs])).toEqual([['high', OTHER_IP, 'undeclared', ['bare-address', 'undeclared']]]);
    expect(s.alerts.some((a) => a.rule === 'mud.violation' && a.dst === OTHER_IP)).toBe(true);
  });

  it('calls it medium from a device with no profile (bare address alone)', async () => {
    const s = await run(OTHER_IP, false);
    expect(beacons(s).map((a) => [a.severity, a.evidence.profile, a.evidence.signs])).toEqual([['medium', 'none', ['bare-address']]]);
  });
});
