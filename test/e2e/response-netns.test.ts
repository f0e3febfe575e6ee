// Response actions enforced in the kernel (issue 17, must-show): edgeward in enforce mode as the
// gateway between a device and the internet, in network namespaces the test builds (the topology
// of gateway-netns.test.ts: device — gateway — upstream). Through the REST API (called from inside
// the gateway namespace, where the daemon listens): a quarantine stops the device's forwarded
// traffic while a gateway service still answers, and its release lets it pass again; a block stops
// traffic to that peer alone (one set element, no table reload) and its release restores it; the
// emergency address and a network holding it are refused with 422 and keep passing; an active
// block holds again after a restart, before any request. Needs root, ip, nft, the built capture
// addon and dist/ (npx tsc -p tsconfig.json); skipped otherwise, with the reason in its title.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TokenStore } from '../../gateway/auth/token-store.js';
import { captureUnavailableReason } from '../../gateway/capture/pcap-binding.js';
import type { ResponseAction } from '../../gateway/response/action-store.js';
import { openDatabase } from '../../gateway/store/database.js';
import { ROOT } from '../helpers/fixtures.js';
import { netnsUnavailable, nodeInNs, spawnInNs, stopProcess, Topology, tryInNs, writeNodeScript } from '../helpers/netns.js';
import { until } from '../helpers/wait-until.js';
import { collectEventLines, type LoggedEvent } from '../helpers/event-lines.js';

const skipReason = netnsUnavailable() ?? captureUnavailableReason();

const CLI = join(ROOT, 'dist/gateway/cli/main.js');
/** The upstream servers and the device's actions (their headers say what each does). */
const UPSTREAM_SCRIPT = fileURLToPath(new URL('./netns-upstream.mjs', import.meta.url));
const DEVICE_SCRIPT = fileURLToPath(new URL('./netns-device.mjs', import.meta.url));
/** Client connect timeout, ms: a dropped SYN shows as a timeout after this. */
const CONNECT_TIMEOUT = 1000;
/** The emergency address (policy.emergency), an upstream address like the others. */
const EMERGENCY = '10.77.2.9';
/** The daemon's API inside the gateway namespace. */
const API = 'http://127.0.0.1:8080';

interface Connect { result: 'ok' | 'timeout' | 'error'; line?: string }
type Ev = LoggedEvent;
interface Daemon { proc: ChildProcess; events: Ev[]; stderr: string }

describe.skipIf(skipReason !== null)(`response actions in network namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const topo = new Topology();
  let dir = '';
  let token = '';
  let apiScript = '';
  const procs: ChildProcess[] = [];
  let daemon: Daemon | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-response-'));
    topo.create();
    // Upstream: TCP 443, 7000, 7001 on every address, answering `ok ADDR:PORT` (no DNS or HTTPS needed here).
    writeFileSync(join(dir, 'up.json'), JSON.stringify({ name: 'unused.test', dnsFile: join(dir, 'none.json') }));
    const up = spawnInNs(topo.up, [UPSTREAM_SCRIPT, join(dir, 'up.json')]);
    procs.push(up);
    let upOut = '';
    up.stdout!.on('data', (d: Buffer) => { upOut += d.toString(); });
    // A service of the gateway itself (DNS over TCP on its LAN address), which a quarantined device keeps.
    const svc = spawnInNs(topo.gw, ['-e', `require('net').createServer((s) => { s.on('error', () => {}); s.end('ok gateway\\n'); }).listen(53, '${topo.gatewayLanIp}', () => console.log('ready'))`]);
    procs.push(svc);
    let svcOut = '';
    svc.stdout!.on('data', (d: Buffer) => { svcOut += d.toString(); });
    await until(() => upOut.includes('"ready"') && svcOut.includes('ready'), () => `the servers to start: ${upOut} ${svcOut}`, 10_000);
    // The API client, run in the gateway namespace: METHOD PATH TOKENFILE [JSON BODY] → {status, body}.
    writeFileSync(join(dir, 'token'), '');
    apiScript = writeNodeScript(dir, 'api.mjs', `
      import { readFileSync } from 'node:fs';
      const [method, path, tokenFile, body] = process.argv.slice(2);
      const headers = { authorization: 'Bearer ' + readFileSync(tokenFile, 'utf8').trim() };
      if (body) headers['content-type'] = 'application/json';
      const res = await fetch(${JSON.stringify(API)} + path, { method, headers, body });
      console.log(JSON.stringify({ status: res.status, body: await res.json() }));`);
  });

  afterAll(async () => {
    await Promise.all([...(daemon ? [stopProcess(daemon.proc, 'SIGKILL')] : []), ...procs.map((p) => stopProcess(p, 'SIGKILL'))]);
    topo.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function device(args: string[]): Promise<Record<string, unknown>> {
    const r = await nodeInNs(topo.dev, DEVICE_SCRIPT, args, 6000);
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (!line.startsWith('{')) throw new Error(`device ${args.join(' ')}: exit ${r.status}, ${r.stdout} ${r.stderr}`);
    return JSON.parse(line) as Record<string, unknown>;
  }
  const connect = async (host: string, port = 7000) => (await device(['connect', host, String(port), String(CONNECT_TIMEOUT)])) as unknown as Connect;

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = await nodeInNs(topo.gw, apiScript, [method, path, join(dir, 'token'), ...(body === undefined ? [] : [JSON.stringify(body)])], 10_000);
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (!line.startsWith('{')) throw new Error(`api ${method} ${path}: exit ${r.status}, ${r.stdout} ${r.stderr}`);
    return JSON.parse(line) as { status: number; body: Record<string, unknown> };
  }

  /** The elements of a set of the gateway's table, as nft lists them. */
  function setText(name: string): string {
    const r = tryInNs(topo.gw, 'nft', ['list', 'set', 'inet', 'edgeward', name]);
    return r.status === 0 ? r.stdout : '';
  }

  /** Starts edgeward in the gateway namespace on the test's data directory; waits for `started`. */
  async function startDaemon(): Promise<Daemon> {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
    const dataDir = join(dir, 'data');
    const cfg = join(dir, 'edgeward.json');
    writeFileSync(cfg, JSON.stringify({
      capture: { interface: topo.lan },
      policy: { mode: 'enforce', gatewayAddresses: [topo.gatewayLanIp], emergency: [`${EMERGENCY}/32`], noProfile: 'allow' },
      enforce: { failMode: 'open', aliveTimeoutSeconds: 2, heartbeatSeconds: 0.5 },
      server: { host: '127.0.0.1', port: 8080 },
      storage: { dataDir },
    }, null, 1));
    if (token === '') {
      // An analyst token, written to the database the daemon will open (as `edgeward token create` does).
      const db = openDatabase(join(dataDir, 'edgeward.sqlite'));
      token = new TokenStore(db).create({ role: 'analyst', name: 'e2e analyst' }).token;
      db.close();
      writeFileSync(join(dir, 'token'), token);
    }
    const d: Daemon = { proc: spawnInNs(topo.gw, [CLI, 'start', '--config', cfg]), events: [], stderr: '' };
    daemon = d;
    onTestFailed(() => { process.stderr.write(`--- edgeward events:\n${d.events.map((e) => JSON.stringify(e)).join('\n')}\n--- stderr:\n${d.stderr}\n`); });
    collectEventLines(d.proc.stdout!, d.events);
    d.proc.stderr!.on('data', (x: Buffer) => { d.stderr += x.toString(); });
    await until(() => d.events.some((e) => e.event === 'started') || d.proc.exitCode !== null, () => `edgeward to start: ${d.stderr}`, 10_000);
    expect(d.events.some((e) => e.event === 'started'), d.stderr).toBe(true);
    return d;
  }

  const applied = (d: Daemon) => d.events.filter((e) => e.event === 'enforce.applied').length;

  it('quarantine stops the device\'s forwarded traffic (a gateway service still answers) until release; a block stops one peer until release; the emergency list is refused and passes; a block holds again after a restart', async () => {
    const d = await startDaemon();
    // Before any action: the device reaches the internet side, the emergency address and the gateway's service.
    expect(await connect('10.77.2.2')).toMatchObject({ result: 'ok', line: 'ok 10.77.2.2:7000' });
    expect(await connect(topo.gatewayLanIp, 53)).toMatchObject({ result: 'ok', line: 'ok gateway' });

    // Quarantine: enforced at once (the POST answers after the table is in the kernel).
    const q = await api('POST', '/api/v1/actions', { kind: 'quarantine', device: topo.deviceMac, incident: 'inc-e2e', note: 'mirai chain' });
    expect(q.status).toBe(201);
    const qa = q.body.action as ResponseAction;
    expect(qa).toMatchObject({ kind: 'quarantine', device: topo.deviceMac, incident: 'inc-e2e', state: 'active', enforced: true });
    expect((await connect('10.77.2.2')).result).toBe('timeout');
    expect((await connect(EMERGENCY)).result).toBe('ok'); // the emergency list is never cut, quarantined or not
    expect(await connect(topo.gatewayLanIp, 53)).toMatchObject({ result: 'ok', line: 'ok gateway' });
    const inv = await api('GET', '/api/v1/devices');
    expect((inv.body.items as { mac: string; compliance: string }[]).find((x) => x.mac === topo.deviceMac)?.compliance).toBe('quarantined');

    // Release: the device's traffic passes again.
    const rel = await api('POST', `/api/v1/actions/${qa.id}/release`);
    expect(rel.status).toBe(200);
    expect(rel.body.action).toMatchObject({ id: qa.id, state: 'released', releasedBy: expect.stringMatching(/^e2e analyst/) as string });
    expect(await connect('10.77.2.2')).toMatchObject({ result: 'ok', line: 'ok 10.77.2.2:7000' });

    // Block one peer: an element of the block set, not a table reload; other peers still pass.
    const tables = applied(d);
    const b = await api('POST', '/api/v1/actions', { kind: 'block', peer: '10.77.2.3', incident: 'inc-e2e' });
    expect([b.status, (b.body.action as ResponseAction).enforced]).toEqual([201, true]);
    expect(setText('block_v4')).toContain('10.77.2.3');
    expect((await connect('10.77.2.3')).result).toBe('timeout');
    expect(await connect('10.77.2.2')).toMatchObject({ result: 'ok', line: 'ok 10.77.2.2:7000' });
    expect(applied(d)).toBe(tables);
    const br = await api('POST', `/api/v1/actions/${(b.body.action as ResponseAction).id}/release`);
    expect(br.status).toBe(200);
    expect(setText('block_v4')).not.toContain('10.77.2.3');
    expect(await connect('10.77.2.3')).toMatchObject({ result: 'ok', line: 'ok 10.77.2.3:7000' });

    // The emergency address, and a network holding it: refused, nothing written, traffic passes.
    for (const peer of [EMERGENCY, '10.77.2.0/24']) {
      const r = await api('POST', '/api/v1/actions', { kind: 'block', peer });
      expect([r.status, r.body.code], peer).toEqual([422, 'action.emergency']);
    }
    expect(setText('block_v4')).not.toMatch(/elements/);
    expect(await connect(EMERGENCY)).toMatchObject({ result: 'ok', line: `ok ${EMERGENCY}:7000` });
    expect((await api('GET', '/api/v1/actions?incident=inc-e2e')).body.items).toHaveLength(2);

    // An active block survives a restart: the new daemon writes it with its first table.
    const kept = await api('POST', '/api/v1/actions', { kind: 'block', peer: '10.77.2.4/32' });
    expect(kept.status).toBe(201);
    expect((await connect('10.77.2.4')).result).toBe('timeout');
    await stopProcess(d.proc, 'SIGTERM');
    expect(d.events.at(-1)?.event).toBe('stopped');
    // Fail-open on a clean stop: the table is gone and the peer passes while no gateway runs.
    expect(await connect('10.77.2.4')).toMatchObject({ result: 'ok' });
    const d2 = await startDaemon();
    expect(d2.events.find((e) => e.event === 'actions.restored')).toMatchObject({ actions: 1 });
    expect((await connect('10.77.2.4')).result).toBe('timeout');
    expect(await connect('10.77.2.2')).toMatchObject({ result: 'ok' });
    expect((await api('POST', `/api/v1/actions/${(kept.body.action as ResponseAction).id}/release`)).status).toBe(200);
    expect(await connect('10.77.2.4')).toMatchObject({ result: 'ok', line: 'ok 10.77.2.4:7000' });
    await stopProcess(d2.proc, 'SIGTERM');
    expect(d2.events.at(-1)?.event).toBe('stopped');
  });
});
