// `edgeward mud explain` run in-process: the --json shape, the text report, the window and the
// listing cap, and the exit codes — 0; 2 for bad usage; 1 for a refused MUD file (each fault named
// by its JSON path), an unreadable file or capture.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUD_EXPLAIN_ERRORS, runMudExplain } from '../../gateway/cli/mud-explain-command.js';
import { DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import { writeDemoCapture } from '../../gateway/demo/demo-network.js';
import { fixture, ROOT } from '../helpers/fixtures.js';

const TAPO = fixture('mud-pairs/tapo-p115/G06-tapo-p115.pcap');
const TAPO_MUD = fixture('mud-pairs/tapo-p115/G06-tapo-p115.mud');
const TAPO_MAC = readFileSync(fixture('mud-pairs/tapo-p115/device-mac.txt'), 'utf8').trim();

const dir = mkdtempSync(join(tmpdir(), 'edgeward-explain-cli-'));
const GW_CONFIG = join(dir, 'gw.json');
const DEMO = join(dir, 'demo.pcap');
beforeAll(() => {
  writeFileSync(GW_CONFIG, JSON.stringify({ policy: { gatewayAddresses: ['10.42.0.1'] } }));
  writeDemoCapture(DEMO);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runMudExplain(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, stderrIsTTY: false });
  return { code, out, err };
}
const bind = `${TAPO_MAC}=${TAPO_MUD}`;
const keys = (o: object) => Object.keys(o).sort();

/** What these tests read of the `--json` report (its whole shape is checked key by key). */
interface ExplainJson {
  capture: string;
  window: { from: string | null; to: string | null };
  span: { first: string };
  devices: DeviceJson[];
}
interface DeviceJson {
  mac: string;
  totals: { flows: number; denied: { flows: number } };
  aces: object[];
  unused: { ace: string }[];
  denied: { peer: string; peerPort: number; flow: object; differences: { code: string }[] }[];
  deniedOmitted: number;
  unjudged: object;
}
/** The `--json` output of a run that failed. */
interface ErrorJson {
  error: { code: string; issues?: unknown[] };
}
const report = (out: string) => JSON.parse(out) as ExplainJson;
const failure = (out: string) => JSON.parse(out) as ErrorJson;

describe('edgeward mud explain --json', () => {
  it('prints one object: capture, window, span, and per device totals, ACEs, unused, denied, unjudged', async () => {
    const { code, out, err } = await run(TAPO, '--bind', bind, '--config', GW_CONFIG, '--json');
    expect(code).toBe(0);
    expect(err).toBe('');
    const r = report(out);
    expect(keys(r)).toEqual(['capture', 'devices', 'span', 'window']);
    expect(r.capture).toBe(TAPO);
    expect(r.window).toEqual({ from: null, to: null });
    expect(r.span.first).toMatch(/^2024-06-16T12:42:23\.\d{3}Z$/);
    expect(r.devices).toHaveLength(1);
    const d = r.devices[0]!;
    expect(keys(d)).toEqual(['aces', 'denied', 'deniedOmitted', 'file', 'mac', 'profile', 'seen', 'totals', 'unjudged', 'unused']);
    expect(d).toMatchObject({ mac: TAPO_MAC, profile: 'https://tapo-p115.com/tapo-p115', file: TAPO_MUD, seen: true, deniedOmitted: 0 });
    expect(d.totals).toEqual({ flows: 14, bytes: 65433, allowed: { flows: 6, bytes: 62211 }, denied: { flows: 8, bytes: 3222 }, unjudged: { flows: 0, bytes: 0 } });
    expect(d.aces).toHaveLength(11);
    expect(keys(d.aces[0]!)).toEqual(['ace', 'acl', 'action', 'bytes', 'deniedFlows', 'direction', 'enabled', 'flows', 'inProfile', 'text']);
    expect(d.unused.map((u: { ace: string }) => u.ace)).toEqual(['to-ipv4-tapo-p115-0', 'to-ipv4-tapo-p115-1', 'to-ipv4-tapo-p115-2', 'to-ipv4-tapo-p115-3', 'to-ipv4-tapo-p115-5']);
    expect(keys(d.denied[0]!)).toEqual(['acl', 'deniedBy', 'differences', 'direction', 'evidenceAt', 'flow', 'nearest', 'peer', 'peerNames', 'peerPort', 'reason']);
    expect(keys(d.denied[0]!.flow)).toEqual(['bytes', 'dport', 'dst', 'firstTs', 'id', 'lastTs', 'packets', 'proto', 'sport', 'src']);
    expect(keys(d.denied[0]!.differences[0]!)).toEqual(['code', 'have', 'text', 'want']);
    expect(keys(d.unjudged)).toEqual(['byReason', 'sample']);
    // DNS to the gateway: the profile has no ACE for it (five flows, nearest the NTP ACE).
    const dns = d.denied.filter((f: { peer: string; peerPort: number }) => f.peer === '10.42.0.1' && f.peerPort === 53);
    expect(dns).toHaveLength(5);
    expect(dns[0]!.differences.map((x: { code: string }) => x.code)).toEqual(['peer-port', 'peer-name']);
  });

  it('--window counts the flows that began in it; --max-denied lists that many and counts the rest', async () => {
    const w = report((await run(TAPO, '--bind', bind, '--window', '10s', '--json')).out);
    expect(Date.parse(w.window.to!) - Date.parse(w.window.from!)).toBe(10_000);
    expect(w.devices[0]!.totals.flows).toBeLessThan(14);
    expect(w.devices[0]!.totals.flows).toBeGreaterThan(0);
    const m = report((await run(TAPO, '--bind', bind, '--max-denied', '2', '--json')).out);
    expect(m.devices[0]!.denied).toHaveLength(2);
    expect(m.devices[0]!.deniedOmitted).toBe(m.devices[0]!.totals.denied.flows - 2);
  });

  it('explains a bound MAC the capture never shows: every ACE unused', async () => {
    const r = report((await run(TAPO, '--bind', bind, '--bind', `02:00:00:00:00:99=${TAPO_MUD}`, '--json')).out);
    const ghost = r.devices.find((d: { mac: string }) => d.mac === '02:00:00:00:00:99');
    expect(ghost).toMatchObject({ seen: false, totals: { flows: 0 } });
    expect(ghost!.unused).toHaveLength(ghost!.aces.length);
  });

  it('--profiles DIR explains each device by the MUD URL it announces', async () => {
    const r = report((await run(DEMO, '--profiles', join(ROOT, 'policies/profiles'), '--json')).out);
    const { camera, plug, bulb, speaker } = DEMO_HOSTS;
    expect(r.devices.map((d: { mac: string }) => d.mac)).toEqual([camera.mac, plug.mac, bulb.mac, speaker.mac].sort());
  });
});

describe('edgeward mud explain (text)', () => {
  it('prints a block per device: totals, the ACE table with never-used marks, the denied flows grouped', async () => {
    const { code, out } = await run(TAPO, '--bind', bind, '--config', GW_CONFIG);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toContain(TAPO);
    expect(lines.some((l) => l.startsWith(`${TAPO_MAC}  https://tapo-p115.com/tapo-p115`))).toBe(true);
    expect(lines.filter((l) => l.includes('[never used]'))).toHaveLength(5);
    // The five DNS queries to the gateway are one line with their count.
    expect(lines.filter((l) => /^\s+\d\d:\d\d:\d\d\.\d{3}\s+5\s+out udp\s+10\.42\.0\.1\s/.test(l))).toHaveLength(1);
  });
});

describe('edgeward mud explain exit codes', () => {
  it.each([
    ['no capture', ['--bind', bind]],
    ['two captures', [TAPO, TAPO, '--bind', bind]],
    ['no profile', [TAPO]],
    ['--bind without =', [TAPO, '--bind', TAPO_MUD]],
    ['--bind with a bad MAC', [TAPO, '--bind', `40:ae:30:46:6e=${TAPO_MUD}`]],
    ['a bad --window', [TAPO, '--bind', bind, '--window', 'soon']],
    ['a bad --max-denied', [TAPO, '--bind', bind, '--max-denied', '-1']],
    ['an unknown option', [TAPO, '--bind', bind, '--frobnicate']],
  ])('2 for bad usage: %s', async (_what, argv) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('usage: edgeward mud explain');
  });

  it('1 for a refused MUD file, naming each fault by its JSON path (also in the --json error)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({
      'ietf-mud:mud': {
        'mud-version': 1, 'mud-url': 'https://example.com/bad', 'last-update': '2024-01-01T00:00:00Z', 'is-supported': true, 'cache-validity': 48, systeminfo: 'x',
        'from-device-policy': { 'access-lists': { 'access-list': [{ name: 'fr' }] } },
      },
      'ietf-access-control-list:acls': { acl: [{ name: 'fr', type: 'ipv4-acl-type', aces: { ace: [
        { name: 'web', matches: { ipv4: { protocol: 6 }, tcp: { 'destination-port': { operator: 'eq', port: '443' } } }, actions: { forwarding: 'accept' } },
      ] } }] },
    }));
    const path = '/ietf-access-control-list:acls/acl/0/aces/ace/0/matches/tcp/destination-port/port';
    const text = await run(TAPO, '--bind', `${TAPO_MAC}=${bad}`);
    expect(text.code).toBe(1);
    expect(text.out).toBe('');
    expect(text.err).toContain(path);
    const json = await run(TAPO, '--bind', `${TAPO_MAC}=${bad}`, '--json');
    expect(json.code).toBe(1);
    const e = failure(json.out).error;
    expect(e).toMatchObject({ code: 'mud.refused', file: bad });
    expect(e.issues).toEqual([{ code: 'value.wrong-type', path, message: expect.any(String) as unknown }]);
  });

  it('1 for a MUD file or capture that cannot be read, with a stable code', async () => {
    const missing = await run(TAPO, '--bind', `${TAPO_MAC}=${join(dir, 'nope.json')}`, '--json');
    expect(missing.code).toBe(1);
    expect(failure(missing.out).error.code).toBe('input.unreadable');
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, 'not a capture at all, just text');
    const bad = await run(junk, '--bind', bind, '--json');
    expect(bad.code).toBe(1);
    expect(failure(bad.out).error).toMatchObject({ code: 'capture.error', captureCode: 'capture.bad_magic' });
    for (const code of ['input.unreadable', 'capture.error', 'mud.refused']) expect(code in MUD_EXPLAIN_ERRORS).toBe(true);
  });
});
