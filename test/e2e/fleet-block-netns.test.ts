// A hub's block command enforced in the kernel (issue 18, must-show): edgeward in enforce mode as
// the gateway between a device and the internet, in network namespaces (the topology of
// response-netns.test.ts), linked to a real nats-server on the root namespace's loopback and a hub in
// this process. Before the command the device reaches the peer; once the gateway has acked the
// hub's block the peer's traffic stops (other peers pass); the hub's release restores it. A domain
// block cuts the address a DNS answer the gateway sees gives for a name under it, until released.
// The daemon runs in the gateway namespace, whose loopback is its own: it reaches the server
// through a relay, TCP in the gateway namespace to a Unix socket (file system paths are shared by
// namespaces) that this process pipes to the server, so no interface is made in the host's
// namespace. Needs root, ip, nft, nats-server, the capture addon and dist/ (npx tsc -p tsconfig.json).
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { captureUnavailableReason } from '../../gateway/capture/pcap-binding.js';
import type { HubCommand } from '../../gateway/hub/hub-commands-store.js';
import { validateHubConfig } from '../../gateway/hub/hub-config.js';
import { Hub } from '../../gateway/hub/hub.js';
import { collectEventLines, type LoggedEvent } from '../helpers/event-lines.js';
import { ROOT } from '../helpers/fixtures.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { netnsUnavailable, nodeInNs, spawnInNs, stopProcess, Topology, tryInNs } from '../helpers/netns.js';
import { until } from '../helpers/wait-until.js';

const skipReason = netnsUnavailable() ?? natsServerUnavailable() ?? captureUnavailableReason();

const CLI = join(ROOT, 'dist/gateway/cli/main.js');
const UPSTREAM_SCRIPT = fileURLToPath(new URL('./netns-upstream.mjs', import.meta.url));
const DEVICE_SCRIPT = fileURLToPath(new URL('./netns-device.mjs', import.meta.url));
/** Client connect timeout, ms: a dropped SYN shows as a timeout after this. */
const CONNECT_TIMEOUT = 1000;
const SITE = 'edge';
/** Where the relay listens inside the gateway namespace (a fresh namespace: the port is free). */
const RELAY_PORT = 4222;
/** The peer the hub blocks, and one it leaves alone (upstream addresses). */
const PEER = '10.77.2.3';
const OTHER = '10.77.2.2';
/** A name under the blocked domain, answered by the upstream's DNS (10.77.2.2) with DOMAIN_ADDR. */
const DOMAIN = 'bad-c2.test';
const DOMAIN_NAME = `cdn.${DOMAIN}`;
const DOMAIN_ADDR = '10.77.2.4';

interface Connect { result: 'ok' | 'timeout' | 'error'; line?: string }

describe.skipIf(skipReason !== null)(`fleet block command in network namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const topo = new Topology();
  let dir = '';
  let nats: TestNats;
  let hub: Hub;
  let analyst = '';
  let relayOut: Server | null = null;
  const sockets = new Set<Socket>();
  const procs: ChildProcess[] = [];
  const events: LoggedEvent[] = [];
  let stderr = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-fleet-netns-'));
    topo.create();
    // The upstream's DNS answers DOMAIN_NAME with DOMAIN_ADDR (the domain block's part).
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ addr: DOMAIN_ADDR, ttl: 60 }));
    writeFileSync(join(dir, 'up.json'), JSON.stringify({ name: DOMAIN_NAME, dnsFile: join(dir, 'dns.json') }));
    const up = spawnInNs(topo.up, [UPSTREAM_SCRIPT, join(dir, 'up.json')]);
    procs.push(up);
    let upOut = '';
    up.stdout!.on('data', (d: Buffer) => { upOut += d.toString(); });

    nats = await startNatsServer({ sites: [SITE] });
    // Root side of the relay: the Unix socket, piped to the server's loopback port.
    const sock = join(dir, 'nats.sock');
    relayOut = createServer((u) => {
      const t = createConnection(nats.port, '127.0.0.1');
      for (const s of [u, t]) { sockets.add(s); s.on('error', () => { u.destroy(); t.destroy(); }); s.on('close', () => sockets.delete(s)); }
      u.pipe(t).pipe(u);
    });
    await new Promise<void>((r) => relayOut!.listen(sock, r));
    // Gateway side: TCP on the namespace's loopback, piped to the Unix socket.
    const relayIn = spawnInNs(topo.gw, ['-e', `const net = require('net');
      net.createServer((c) => { const u = net.connect(${JSON.stringify(sock)}); const end = () => { c.destroy(); u.destroy(); };
        c.on('error', end); u.on('error', end); c.pipe(u).pipe(c); }).listen(${RELAY_PORT}, '127.0.0.1', () => console.log('ready'));`]);
    procs.push(relayIn);
    let relayReady = '';
    relayIn.stdout!.on('data', (d: Buffer) => { relayReady += d.toString(); });
    await until(() => upOut.includes('"ready"') && relayReady.includes('ready'), () => `the servers and the relay to start: ${upOut} ${relayReady}`, 10_000);

    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'hub-command.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'hub-command.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    hub = new Hub(validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass }, api: { port: 0 }, storage: { dataDir: join(dir, 'hub') },
      consumer: { batch: 64, flushMs: 20 }, commands: { signingKeyFile: join(dir, 'hub-command.key'), resendMs: 500 },
    }), () => {});
    await hub.start();
    analyst = hub.tokens.create({ role: 'analyst', name: 'soc analyst' }).token;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProcess(p, 'SIGKILL')));
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => (relayOut === null ? r() : relayOut.close(() => r())));
    await hub?.stop();
    await nats?.close();
    topo.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function connect(host: string): Promise<Connect> {
    const r = await nodeInNs(topo.dev, DEVICE_SCRIPT, ['connect', host, '7000', String(CONNECT_TIMEOUT)], 6000);
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (!line.startsWith('{')) throw new Error(`device connect ${host}: exit ${r.status}, ${r.stdout} ${r.stderr}`);
    return JSON.parse(line) as Connect;
  }

  /** Posts a command to the hub for this site and waits for the site's answer. */
  async function command(action: string, peer: string, kind: 'peer' | 'domain' = 'peer'): Promise<HubCommand['sites'][number]> {
    const res = await fetch(`${hub.url}/api/v1/commands`, {
      method: 'POST', headers: { authorization: `Bearer ${analyst}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action, target: { [kind]: peer }, sites: [SITE], note: 'e2e' }),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as HubCommand).id;
    let c: HubCommand | null = null;
    await until(() => { c = hub.commands.store.get(id); return c !== null && c.sites[0]!.status !== 'pending'; },
      () => `the site to answer ${action} ${peer}: ${JSON.stringify(c)}`, 20_000);
    return c!.sites[0]!;
  }

  it('before the hub\'s block the device reaches the peer; after the gateway acks it the peer is cut (others pass); the release restores it; a domain block cuts what its DNS answers give', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
    const c = nats.site(SITE);
    writeFileSync(join(dir, 'nats-password'), c.pass, { mode: 0o600 });
    const cfg = join(dir, 'edgeward.json');
    writeFileSync(cfg, JSON.stringify({
      capture: { interface: topo.lan },
      policy: { mode: 'enforce', gatewayAddresses: [topo.gatewayLanIp], noProfile: 'allow' },
      enforce: { failMode: 'open', aliveTimeoutSeconds: 2, heartbeatSeconds: 0.5 },
      server: { host: '127.0.0.1', port: 8080 },
      storage: { dataDir: join(dir, 'data') },
      fleet: {
        enabled: true, servers: [`nats://127.0.0.1:${RELAY_PORT}`], site: SITE, user: c.user, passwordFile: join(dir, 'nats-password'),
        commandKeys: [join(dir, 'hub-command.pub')],
      },
    }, null, 1));
    const proc = spawnInNs(topo.gw, [CLI, 'start', '--config', cfg]);
    procs.push(proc);
    onTestFailed(() => { process.stderr.write(`--- edgeward events:\n${events.map((e) => JSON.stringify(e)).join('\n')}\n--- stderr:\n${stderr}\n`); });
    collectEventLines(proc.stdout!, events);
    proc.stderr!.on('data', (x: Buffer) => { stderr += x.toString(); });
    await until(() => events.some((e) => e.event === 'fleet.connected') || proc.exitCode !== null, () => `edgeward to start and reach NATS: ${stderr}`, 15_000);
    expect(events.some((e) => e.event === 'fleet.connected'), stderr).toBe(true);

    expect(await connect(PEER)).toMatchObject({ result: 'ok', line: `ok ${PEER}:7000` });

    const blocked = await command('block', PEER);
    expect(blocked).toMatchObject({ status: 'applied', code: null });
    expect(events.find((e) => e.event === 'fleet.command_applied')).toMatchObject({ actionId: blocked.actionId });
    expect(tryInNs(topo.gw, 'nft', ['list', 'set', 'inet', 'edgeward', 'block_v4']).stdout).toContain(PEER);
    expect((await connect(PEER)).result).toBe('timeout');
    expect(await connect(OTHER)).toMatchObject({ result: 'ok', line: `ok ${OTHER}:7000` });

    const released = await command('release', PEER);
    expect(released).toMatchObject({ status: 'applied', actionId: blocked.actionId });
    expect(await connect(PEER)).toMatchObject({ result: 'ok', line: `ok ${PEER}:7000` });

    // A domain: its addresses are blocked as the gateway sees DNS answers for names under it.
    expect(await connect(DOMAIN_ADDR)).toMatchObject({ result: 'ok' });
    expect(await command('block', DOMAIN, 'domain')).toMatchObject({ status: 'applied', code: null });
    const looked = await nodeInNs(topo.dev, DEVICE_SCRIPT, ['dns', DOMAIN_NAME, OTHER], 6000);
    expect(looked.stdout).toContain(DOMAIN_ADDR);
    const blockSet = () => tryInNs(topo.gw, 'nft', ['list', 'set', 'inet', 'edgeward', 'block_v4']).stdout;
    await until(() => blockSet().includes(DOMAIN_ADDR), () => `${DOMAIN_ADDR} in the block set: ${blockSet()}`, 10_000);
    expect((await connect(DOMAIN_ADDR)).result).toBe('timeout');
    expect(await connect(OTHER)).toMatchObject({ result: 'ok' });
    expect(await command('release', DOMAIN, 'domain')).toMatchObject({ status: 'applied' });
    expect(blockSet()).not.toContain(DOMAIN_ADDR);
    expect(await connect(DOMAIN_ADDR)).toMatchObject({ result: 'ok', line: `ok ${DOMAIN_ADDR}:7000` });

    await stopProcess(proc, 'SIGTERM');
    expect(events.at(-1)?.event).toBe('stopped');
  }, 90_000);
});
