// `npm start` as a new user runs it: no config, the bundled demo. It listens on 127.0.0.1:8080,
// prints the first admin token once (on stderr, never in the JSON log), the demo's first 30 s raise
// the alerts GET /api/v1/alerts lists, and its devices carry the right compliance state. The 30 s
// are the demo's own (packet time, from its schedule), not the machine's: how long a loaded machine
// takes to start and to pace the demo only bounds the wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import { ROOT } from '../helpers/fixtures.js';

const URL8080 = 'http://127.0.0.1:8080';
/** Seconds of the demo within which its alerts are raised. */
const DEMO_SECONDS = 30;
/** Wall-clock deadline of the whole wait (start-up included): a slow machine only makes it slower. */
const WAIT_MS = 90_000;

/** Whether something already listens on 127.0.0.1:8080 (then this test cannot own the port). */
const portTaken = () => new Promise<boolean>((resolve) => {
  const s = createConnection({ host: '127.0.0.1', port: 8080 });
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

const built = existsSync(join(ROOT, 'dist', 'gateway', 'cli', 'main.js'));

describe.skipIf(!built)('npm start', () => {
  let proc: ChildProcess | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'edgeward-start-'));
  afterAll(() => {
    if (proc && proc.exitCode === null) {
      process.kill(-proc.pid!, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the demo on 127.0.0.1:8080 and lists the alerts of its first 30 s', async () => {
    expect(await portTaken(), 'something else listens on 127.0.0.1:8080').toBe(false);
    const started = Date.now();
    // The only setting given is where the data goes, so the test leaves ./data of the checkout alone.
    proc = spawn('npm', ['start', '--silent'], { cwd: ROOT, detached: true, env: { ...process.env, EDGEWARD_STORAGE_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
    proc.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });

    let token: string | null = null;
    let alerts: { rule: string; device: string | null; firstTs: string }[] = [];
    let devices: { mac: string; compliance: string; profile: string | null }[] = [];
    // The camera's chain ends with the loader's download (ATTACK_TIMES.loader into the loop).
    const want = () => alerts.some((a) => a.rule === 'malware.download') && devices.some((d) => d.mac === DEMO_HOSTS.camera.mac && d.compliance === 'violating');
    while (Date.now() - started < WAIT_MS && !want()) {
      await new Promise((r) => setTimeout(r, 500));
      token ??= /\b(ew_[A-Za-z0-9_-]{40,})\b/.exec(stderr)?.[1] ?? null;
      if (token === null || proc.exitCode !== null) continue;
      try {
        const h = { authorization: `Bearer ${token}` };
        alerts = ((await (await fetch(`${URL8080}/api/v1/alerts?limit=1000`, { headers: h })).json()) as { items: typeof alerts }).items;
        devices = ((await (await fetch(`${URL8080}/api/v1/devices`, { headers: h })).json()) as { items: typeof devices }).items;
      } catch {
        // not listening yet
      }
    }
    expect(proc.exitCode, stderr).toBeNull();
    expect(token, stderr).not.toBeNull();
    expect(want(), `alerts and compliance after ${Date.now() - started} ms: ${JSON.stringify({ alerts: alerts.length, devices })}`).toBe(true);
    const rules = new Set(alerts.map((a) => a.rule));
    const wanted = ['mud.violation', 'mud.no-profile', 'scan.port', 'bruteforce.telnet', 'malware.download'];
    for (const r of wanted) expect(rules, r).toContain(r);
    // Each within the demo's first 30 s: packet time runs from when the demo started (its log line).
    const demoStarted = stdout.split('\n').map((l) => { try { return JSON.parse(l) as { ts: string; event: string }; } catch { return null; } })
      .find((e) => e?.event === 'demo.started');
    expect(demoStarted, stdout).toBeDefined();
    const t0 = Date.parse(demoStarted!.ts);
    for (const r of wanted) {
      const first = Math.min(...alerts.filter((a) => a.rule === r).map((a) => Date.parse(a.firstTs)));
      expect(first - t0, `${r}: first raised ${first - t0} ms into the demo`).toBeLessThan(DEMO_SECONDS * 1000);
    }
    const state = Object.fromEntries(devices.map((d) => [d.mac, d.compliance]));
    expect(state[DEMO_HOSTS.camera.mac]).toBe('violating');
    expect(state[DEMO_HOSTS.laptop.mac]).toBe('no-profile');
    expect(state[DEMO_HOSTS.bulb.mac]).toBe('compliant');
    expect(devices.find((d) => d.mac === DEMO_HOSTS.bulb.mac)?.profile).toBe(DEMO_HOSTS.bulb.mudUrl);
    // The token is shown once on the terminal; the JSON log never carries it.
    expect(stdout).not.toContain(token!);
    expect(stdout.split('\n').filter((l) => l.trim() !== '').every((l) => { JSON.parse(l); return true; })).toBe(true);
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(['edgeward.sqlite', 'demo.pcap']));

    // SIGTERM to the process group, as a terminal's Ctrl-C or a service manager does (npm's shell
    // does not pass signals on): the daemon stops cleanly and says what it saw.
    const closed = new Promise<void>((resolve) => proc!.once('close', () => resolve()));
    process.kill(-proc.pid!, 'SIGTERM');
    await closed;
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as { event: string; packets: number };
    expect(last.event).toBe('stopped');
    expect(last.packets).toBeGreaterThan(0);
  }, WAIT_MS + 30_000);
});
