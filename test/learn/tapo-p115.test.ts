// `edgeward mud learn` on the TP-Link Tapo P115 capture of ../shared/fixtures/mud-pairs: the
// learned profile validates without a warning (our parser and the built CLI), replaying the same
// capture with it bound raises no mud.violation, and set beside the profile published with the
// capture it has every cloud ACE of it, by meaning.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMud, type MudProfile } from '../../policies/index.js';
import { runMudLearn } from '../../gateway/cli/mud-learn-command.js';
import type { CliIo } from '../../gateway/cli/cli-io.js';
import { compareProfiles, comparisonTable, meaningKey } from '../../gateway/learn/compare-profiles.js';
import type { LearnReport } from '../../gateway/learn/learn-report.js';
import type { ReplaySummary } from '../../gateway/replay/summary.js';
import { fixture, ROOT } from '../helpers/fixtures.js';

const DIR = fixture('mud-pairs/tapo-p115');
const CAPTURE = join(DIR, 'G06-tapo-p115.pcap');
const VENDOR = join(DIR, 'G06-tapo-p115.mud');
const MAC = readFileSync(join(DIR, 'device-mac.txt'), 'utf8').trim();
const CLI = join(ROOT, 'dist/gateway/cli/main.js');

/** Runs `mud learn` in-process; returns exit code, stdout and stderr. */
async function learn(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const io: CliIo = { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stderrIsTTY: false };
  const code = await runMudLearn(args, io);
  return { code, stdout, stderr };
}

let dir: string;
let mudFile: string;
let cfgFile: string;
let report: LearnReport;
let learned: MudProfile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeward-tapo-'));
  mudFile = join(dir, 'tapo-learned.json');
  cfgFile = join(dir, 'policy.json');
  const r = await learn(CAPTURE, '--device', MAC, '--out', mudFile, '--config-out', cfgFile, '--report', join(dir, 'report.json'), '--json');
  expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as LearnReport;
  const p = parseMud(readFileSync(mudFile, 'utf8'));
  if (!p.ok) throw new Error('learned profile refused');
  learned = p.profile;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mud learn: Tapo P115', () => {
  it('the learned profile is accepted with zero warnings, by parseMud and by the built `edgeward mud validate`', () => {
    const r = parseMud(readFileSync(mudFile, 'utf8'));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    const v = spawnSync(process.execPath, [CLI, 'mud', 'validate', mudFile], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stderr).toBe('');
    expect(v.stdout).toBe(`${mudFile}: accepted (0 warnings)\n`);
  });

  it('learns the 14 flows the plug opened or received: DHCP, DNS to the gateway, NTP and four cloud services by name, two addresses joined mid-flow', () => {
    expect(report.flows).toEqual({ learned: 14, inProfile: 14, rareLeftOut: 0, afterWindow: 0, overCap: 0 });
    expect(report.entries.map((e) => [e.aces[0], e.flows, e.text])).toEqual([
      ['dhcp0-frdev', 2, 'udp to local networks port 67 device port 68: accept'],
      ['dns0-frdev', 5, 'udp to controller urn:ietf:params:mud:dns port 53: accept'],
      ['cl0-frdev', 1, 'tcp to aps1-openapi.i.tplinknbu.com port 443 initiated by the device: accept'],
      ['cl1-frdev', 1, 'tcp to euw1-device-cloudgateway.iot.i.tplinknbu.com port 443 initiated by the device: accept'],
      ['cl2-frdev', 1, 'tcp to n-euw1-device-api.tplinkcloud.com port 443 initiated by the device: accept'],
      ['cl3-frdev', 1, 'udp to pool.ntp.org port 123: accept'],
      ['cl4-frdev', 1, 'tcp to security.iot.i.tplinknbu.com port 443 initiated by the device: accept'],
      ['cl5-frdev', 1, 'tcp to 54.169.114.238 port 443: accept'],
      ['cl6-frdev', 1, 'tcp to 54.170.92.104 port 443: accept'],
    ]);
    // 54.170.92.104 is answered for euw1-device-cloudgateway, but only after its flow was seen:
    // at that flow's first packet no answer named it, so a dnsname ACE would not have matched it.
    expect(report.unnamed.map((u) => u.address)).toEqual(['54.169.114.238', '54.170.92.104']);
    expect(report.services).toEqual({ dhcp: ['10.42.0.1'], dns: ['10.42.0.1'], ntp: [] });
    expect(JSON.parse(readFileSync(cfgFile, 'utf8'))).toEqual({ policy: { gatewayAddresses: ['10.42.0.1'] } });
    expect(report.mudUrlSource).toBe('placeholder');
  });

  it('replaying the capture with it bound (built CLI, replay --bind --config) raises no mud.violation', () => {
    const out = execFileSync(process.execPath, [CLI, 'replay', CAPTURE, '--bind', `${MAC}=${mudFile}`, '--config', cfgFile, '--json', '--no-progress'], { encoding: 'utf8' });
    const s = JSON.parse(out) as ReplaySummary;
    expect(s.devices.find((d) => d.mac === MAC)?.profile).toBe(report.mudUrl);
    expect(s.alerts.filter((a) => a.rule === 'mud.violation')).toEqual([]);
    // The check can fail: the vendor's own profile, bound the same way, does raise violations here.
    const vendor = JSON.parse(execFileSync(process.execPath, [CLI, 'replay', CAPTURE, '--bind', `${MAC}=${VENDOR}`, '--config', cfgFile, '--json', '--no-progress'], { encoding: 'utf8' })) as ReplaySummary;
    expect(vendor.alerts.filter((a) => a.rule === 'mud.violation').length).toBeGreaterThan(0);
  });

  it('side by side with the vendor profile: every vendor cloud and NTP ACE is in both; DHCP is a gateway rule there, local-networks here', () => {
    const vendor = parseMud(readFileSync(VENDOR, 'utf8'));
    if (!vendor.ok) throw new Error('vendor profile refused');
    const c = compareProfiles(learned, vendor.profile);
    expect(c.both.map((b) => [b.learned.ace, b.reference.ace])).toEqual([
      ['cl0-frdev', 'from-ipv4-tapo-p115-1'], ['cl1-frdev', 'from-ipv4-tapo-p115-2'], ['cl2-frdev', 'from-ipv4-tapo-p115-3'],
      ['cl3-frdev', 'from-ipv4-tapo-p115-0'], ['cl4-frdev', 'from-ipv4-tapo-p115-4'],
      ['cl0-todev', 'to-ipv4-tapo-p115-0'], ['cl1-todev', 'to-ipv4-tapo-p115-1'], ['cl2-todev', 'to-ipv4-tapo-p115-3'],
      ['cl3-todev', 'to-ipv4-tapo-p115-5'], ['cl4-todev', 'to-ipv4-tapo-p115-2'],
    ]);
    expect(c.onlyLearned.map((a) => [a.direction, a.protocol, a.peer, a.ports])).toEqual([
      ['from-device', 'udp', 'local-networks', 'peer 67, device 68'],
      ['from-device', 'udp', 'controller urn:ietf:params:mud:dns', 'peer 53'],
      ['from-device', 'tcp', '54.169.114.238', 'peer 443'],
      ['from-device', 'tcp', '54.170.92.104', 'peer 443'],
      ['to-device', 'udp', 'local-networks', 'peer 67, device 68'],
      ['to-device', 'udp', 'controller urn:ietf:params:mud:dns', 'peer 53'],
      ['to-device', 'tcp', '54.169.114.238', 'peer 443'],
      ['to-device', 'tcp', '54.170.92.104', 'peer 443'],
    ]);
    expect(c.onlyReference.map((a) => [a.direction, a.protocol, a.peer, a.ports, a.ace])).toEqual([
      ['to-device', 'udp', 'controller urn:ietf:params:mud:gateway', 'peer 67', 'to-ipv4-tapo-p115-4'],
    ]);
    // Both sides put direction-initiated on the device's outgoing cloud connections.
    expect(c.both.filter((b) => b.learned.protocol === 'tcp' && b.learned.direction === 'from-device').every((b) => b.learned.initiated === 'from-device' && b.reference.initiated === 'from-device')).toBe(true);
    const table = comparisonTable(c);
    expect(table.split('\n')[0]).toBe('| in | direction | family | protocol | peer | ports | initiated | learned ACE | vendor ACE |');
    expect(table).toContain('| vendor only | to-device | ipv4 | udp | controller urn:ietf:params:mud:gateway | peer 67 |  |  | to-ipv4-tapo-p115-4 |');
    expect(table.trim().split('\n')).toHaveLength(2 + 10 + 8 + 1);
  });

  it('a profile compared with itself is all "both"; the comparison is by meaning, not by ACE names', () => {
    const c = compareProfiles(learned, learned);
    expect(c.onlyLearned).toEqual([]);
    expect(c.onlyReference).toEqual([]);
    expect(new Set(c.both.map((b) => meaningKey(b.learned))).size).toBe(18);
  });
});

describe('mud learn: command line', () => {
  it('prints the profile on stdout and the text report on stderr by default', async () => {
    const r = await learn(CAPTURE, '--device', MAC, '--mud-url', 'https://tapo-p115.example/mud/p115.json');
    expect(r.code).toBe(0);
    const mud = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(mud['ietf-mud:mud']!['mud-url']).toBe('https://tapo-p115.example/mud/p115.json');
    expect(r.stderr).toContain('flows: 14 learned, 14 in the profile');
    expect(r.stderr).toContain('54.170.92.104  1 flows  tcp/443');
  });

  it('--window 1s keeps the first second of the plug\'s traffic', async () => {
    const r = await learn(CAPTURE, '--device', MAC, '--window', '1s', '--report', join(dir, 'w.json'), '--json', '--out', join(dir, 'w-mud.json'));
    expect(r.code).toBe(0);
    const w = JSON.parse(readFileSync(join(dir, 'w.json'), 'utf8')) as LearnReport;
    // DHCP at 23.003 s; within the second: the DNS lookups, NTP and the first two cloud connections.
    expect(w.flows.learned + w.flows.afterWindow).toBe(14);
    expect(w.flows.learned).toBe(7);
    expect(w.window.limitSeconds).toBe(1);
  });

  it('usage errors: no --device, a bad MAC, a bad window, a non-https mud-url, two captures', async () => {
    await expect(learn(CAPTURE)).rejects.toMatchObject({ code: 'cli.usage' });
    await expect(learn(CAPTURE, '--device', 'zz:00')).rejects.toMatchObject({ code: 'cli.usage' });
    await expect(learn(CAPTURE, '--device', MAC, '--window', 'soon')).rejects.toMatchObject({ code: 'cli.usage' });
    await expect(learn(CAPTURE, '--device', MAC, '--mud-url', 'http://vendor.example/x.json')).rejects.toMatchObject({ code: 'cli.usage' });
    await expect(learn(CAPTURE, CAPTURE, '--device', MAC)).rejects.toMatchObject({ code: 'cli.usage' });
  });

  it('a device with no flows in the capture: exit 1, and the devices it did see', async () => {
    const r = await learn(CAPTURE, '--device', '02:00:00:00:00:99');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no flows of 02:00:00:00:00:99`);
    expect(r.stderr).toContain(MAC);
  });
});
