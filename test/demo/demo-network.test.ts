// The bundled demo capture against the bundled profiles, through the whole pipeline as `npm start`
// runs it: the devices and the profiles they are bound to, every benign flow allowed by its
// profile, exactly the alerts of the attacks (and early in the loop), and profiles that
// `edgeward mud validate` accepts without a warning.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../gateway/alerts/alert.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { ATTACK_TIMES, BRUTEFORCE_SESSIONS, CAMERA_OPEN_PORTS, SCAN_PORTS, TUNNEL_QUERIES, BEACON_PERIOD } from '../../gateway/demo/demo-attacks.js';
import { ATTACKERS, DEMO_EPOCH_US, DEMO_HOSTS, DEMO_LOOP_SECONDS, ROUTER } from '../../gateway/demo/demo-devices.js';
import { DEMO_GATEWAY_ADDRESSES, demoFrames, writeDemoCapture } from '../../gateway/demo/demo-network.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import type { ReplaySummary } from '../../gateway/replay/summary.js';
import type { MudPolicy } from '../../gateway/policy/mud-policy.js';
import { POLICY_DEFAULTS } from '../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../gateway/policy/profile-store.js';
import { ROOT } from '../helpers/fixtures.js';

const PROFILES = join(ROOT, 'policies/profiles');
const { camera, plug, bulb, speaker, laptop } = DEMO_HOSTS;

const dir = mkdtempSync(join(tmpdir(), 'edgeward-demo-'));
const file = join(dir, 'demo.pcap');
let s: ReplaySummary;
let policy: MudPolicy;

beforeAll(async () => {
  writeDemoCapture(file);
  const store = new ProfileStore();
  store.loadDir(PROFILES);
  expect(store.refused).toEqual([]);
  const r = await replayCapture(file, {
    config: PIPELINE_DEFAULTS, topFlows: 1000,
    detect: { policy: { config: { ...POLICY_DEFAULTS, gatewayAddresses: [...DEMO_GATEWAY_ADDRESSES] }, store } },
  });
  s = r.summary;
  policy = r.sensor.plugin<MudPolicy>('mudPolicy')!;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Seconds from the capture's first frame. */
const since = (iso: string) => (Date.parse(iso) * 1000 - Date.parse(s.firstTs!) * 1000) / 1e6;
const sum = (as: Alert[]) => as.reduce((n, a) => n + a.count, 0);

describe('the demo capture', () => {
  it('is the same bytes on every call, in time order, clean to decode, and one loop minus the replay gap long', () => {
    const a = demoFrames();
    const b = demoFrames();
    expect(b.frames).toHaveLength(a.frames.length);
    expect(a.frames.every((f, i) => f.ts === b.frames[i]!.ts && f.data.equals(b.frames[i]!.data))).toBe(true);
    expect(a.frames.every((f, i) => i === 0 || f.ts >= a.frames[i - 1]!.ts)).toBe(true);
    expect(a.loopUs).toBe(DEMO_LOOP_SECONDS * 1e6);
    expect(a.frames.at(-1)!.ts - a.frames[0]!.ts).toBe(a.loopUs - 1e6);
    expect(a.frames[0]!.ts).toBeGreaterThanOrEqual(DEMO_EPOCH_US);
    expect(s.packets).toBe(a.frames.length);
    expect(s.capture.warnings).toEqual([]);
    expect(s.decodeErrors).toBe(0);
    expect(s.decodeEvents).toEqual({});
    expect(s.flows.evicted).toBe(0);
  });

  it('holds the router, the four devices with their DHCP hostnames and MUD URLs, each bound to its profile, and the laptop without one', () => {
    const devices = s.devices.map((d) => ({ mac: d.mac, ips: d.ips, hostname: d.hostname, mudUrl: d.mudUrl, mudUrlSource: d.mudUrlSource, profile: d.profile }));
    const host = (h: typeof camera) => ({ mac: h.mac, ips: [h.ip], hostname: h.hostname, mudUrl: h.mudUrl, mudUrlSource: h.mudUrl ? 'dhcpv4' : null, profile: h.mudUrl });
    expect(devices.sort((x, y) => (x.mac < y.mac ? -1 : 1))).toEqual([
      { mac: ROUTER.mac, ips: [ROUTER.ip], hostname: null, mudUrl: null, mudUrlSource: null, profile: null },
      host(camera), host(plug), host(bulb), host(speaker), host(laptop),
    ]);
    expect(laptop.mudUrl).toBeNull();
    // Each device's MUD URL is the mud-url of the profile file of its role.
    for (const h of [camera, plug, bulb, speaker]) {
      const doc = JSON.parse(readFileSync(join(PROFILES, `${h.role}.json`), 'utf8')) as { 'ietf-mud:mud': { 'mud-url': string } };
      expect(doc['ietf-mud:mud']['mud-url']).toBe(h.mudUrl);
    }
    expect(s.devices.find((d) => d.mac === camera.mac)).toMatchObject({ dhcpVendorClass: 'ExampleHome HC-1', dhcpFingerprint: '1,3,6,12,15,28,42' });
  });

  it('every benign flow is allowed by its profile: the only violations are the attacks, each naming the ACL that denied it', () => {
    const v = s.alerts.filter((a) => a.rule === 'mud.violation');
    // Grouped by what was denied (outbound: the destination and port; inbound: who came in), flows
    // summed, so how the policy layer keys its dedup does not change the picture.
    const counts: Record<string, number> = {};
    for (const a of v) {
      const k = `${a.device} ${String(a.evidence.direction)} ${String(a.evidence.acl)} ${a.src} -> ${a.dst}${a.evidence.direction === 'from-device' ? `:${a.dport}` : ''}`;
      counts[k] = (counts[k] ?? 0) + a.count;
    }
    // Counts are flows: one per C&C check-in, per telnet session of the brute force, per port probed
    // (the camera's profile lets the LAN open RTSP, so that probe of the scan is allowed).
    const checkIns = s.flows.top.filter((f) => f.dst === ATTACKERS.c2 && f.dport === ATTACKERS.c2Port).length;
    expect(counts).toEqual({
      [`${camera.mac} from-device camera-v4-from-device ${camera.ip} -> ${ATTACKERS.c2}:80`]: 1,
      [`${camera.mac} from-device camera-v4-from-device ${camera.ip} -> ${ATTACKERS.c2}:${ATTACKERS.c2Port}`]: checkIns,
      [`${camera.mac} to-device camera-v4-to-device ${laptop.ip} -> ${camera.ip}`]: SCAN_PORTS.length - 1,
      [`${camera.mac} to-device camera-v4-to-device ${ATTACKERS.telnetBruteforcer} -> ${camera.ip}`]: BRUTEFORCE_SESSIONS,
    });
    // A check-in every BEACON_PERIOD s from ATTACK_TIMES.beacon until the loop ends (5 s, 15 s … 235 s).
    expect(checkIns).toBe(Math.ceil((DEMO_LOOP_SECONDS - ATTACK_TIMES.beacon) / BEACON_PERIOD));
    expect(CAMERA_OPEN_PORTS.filter((p) => SCAN_PORTS.includes(p))).toEqual([23, 80, 554]);
    expect(v.every((a) => a.severity === 'high' && a.evidence.mode === 'monitor' && a.evidence.action === 'alert')).toBe(true);
    // Every flow was judged against the profile of each device it has on either end (the DHCP
    // broadcast flow, from 0.0.0.0, against the camera's: the first to join), so the benign ones
    // were checked and allowed, not skipped.
    const bound = new Set([camera.ip, plug.ip, bulb.ip, speaker.ip]);
    const ends = s.flows.top.reduce((n, f) => n + (bound.has(f.src) ? 1 : 0) + (bound.has(f.dst) ? 1 : 0) + (f.src === '0.0.0.0' ? 1 : 0), 0);
    expect(s.flows.top).toHaveLength(s.flows.total);
    expect(policy.verdicts).toBe(ends);
    expect(policy.violations).toBe(sum(v));
  });

  it('raises exactly the alerts of the attacks, all but the beacon within the first 15 s of the loop', () => {
    const other = s.alerts.filter((a) => a.rule !== 'mud.violation' && a.rule !== 'device.new');
    expect(other.map((a) => [a.rule, a.device, a.src, a.dst, a.dport, a.count])).toEqual([
      ['mud.no-profile', laptop.mac, laptop.ip, ROUTER.ip, 53, 1],
      // The laptop's scan finds the camera's telnet open (its SYN-ACK is a telnet server answering).
      ['cleartext.telnet', camera.mac, laptop.ip, camera.ip, 23, 1],
      ['scan.port', laptop.mac, laptop.ip, camera.ip, null, 1],
      // The speaker's first tunnel query alone carries 52 base32 characters a label: one query is enough.
      ['dns.exfiltration', speaker.mac, speaker.ip, ROUTER.ip, 53, 1],
      // The camera's infection, in order: the telnet logins, the brute force, the bot's download.
      ['cleartext.telnet', camera.mac, ATTACKERS.telnetBruteforcer, camera.ip, 23, BRUTEFORCE_SESSIONS],
      ['bruteforce.telnet', camera.mac, ATTACKERS.telnetBruteforcer, camera.ip, 23, 1],
      ['malware.download', camera.mac, camera.ip, ATTACKERS.c2, 80, 1],
      ['dns.tunnel', speaker.mac, speaker.ip, ROUTER.ip, 53, 1],
      ['beacon.c2', camera.mac, camera.ip, ATTACKERS.c2, ATTACKERS.c2Port, 1],
    ]);
    expect(other.find((a) => a.rule === 'dns.tunnel')!.evidence).toMatchObject({ domain: ATTACKERS.tunnelDomain, uniqueSubdomains: 50 });
    expect(TUNNEL_QUERIES).toBeGreaterThan(50);
    expect(other.find((a) => a.rule === 'malware.download')!.severity).toBe('critical');
    // Every login but the last failed: the last one got the camera's shell.
    expect(other.find((a) => a.rule === 'bruteforce.telnet')!.evidence).toMatchObject({ service: 'telnet', trigger: 'failures', failures: BRUTEFORCE_SESSIONS - 1, sessions: BRUTEFORCE_SESSIONS });
    // The chain's order: brute force, then the download, then the first check-in (a denied flow to the C&C).
    const firstOf = (pred: (a: Alert) => boolean) => since(s.alerts.find(pred)!.firstTs);
    const checkIn = firstOf((a) => a.rule === 'mud.violation' && a.dport === ATTACKERS.c2Port);
    expect(firstOf((a) => a.rule === 'bruteforce.telnet')).toBeLessThan(firstOf((a) => a.rule === 'malware.download'));
    expect(firstOf((a) => a.rule === 'malware.download')).toBeLessThan(checkIn);
    const chain = [ATTACK_TIMES.scan, ATTACK_TIMES.bruteforce, ATTACK_TIMES.loader, ATTACK_TIMES.beacon];
    expect(chain).toEqual([...chain].sort((x, y) => x - y));
    expect(other.filter((a) => a.rule !== 'beacon.c2').every((a) => since(a.firstTs) < 15)).toBe(true);
    // The camera's check-ins every BEACON_PERIOD s to an address on an odd port its profile denies:
    // periodic after a dozen of them, with two signs (undeclared, unusual port), so high within the loop.
    const beacon = other.find((a) => a.rule === 'beacon.c2')!;
    expect(beacon.severity).toBe('high');
    expect(beacon.evidence.medianSeconds as number).toBeCloseTo(BEACON_PERIOD, 0);
    expect(s.alerts.filter((a) => a.rule === 'mud.violation').every((a) => since(a.firstTs) < 15)).toBe(true);
    const fresh = s.alerts.filter((a) => a.rule === 'device.new');
    expect(fresh.map((a) => a.device).sort()).toEqual([ROUTER.mac, camera.mac, plug.mac, bulb.mac, speaker.mac, laptop.mac].sort());
  });
});

describe('the bundled profiles', () => {
  it('edgeward mud validate accepts all four with no warning', () => {
    const files = readdirSync(PROFILES).filter((f) => f.endsWith('.json')).sort().map((f) => join(PROFILES, f));
    expect(files.map((f) => f.slice(PROFILES.length + 1))).toEqual(['bulb.json', 'camera.json', 'plug.json', 'speaker.json']);
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/gateway/cli/main.js'), 'mud', 'validate', ...files], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(files.map((f) => `${f}: accepted (0 warnings)`));
  });
});
