// A throw-away nats-server with JetStream for the fleet tests: Debian's `nats-server` on a free
// loopback port with a temporary store, configured by gateway/fleet/nats-server-config.ts (so the
// tests run the permissions operators run), stopped and started again on the same port and store.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { HUB_USER, renderNatsServerConfig, siteUser } from '../../gateway/fleet/nats-server-config.js';

/** Where Debian's `nats-server` package puts the server. */
export const NATS_SERVER = '/usr/sbin/nats-server';
/** How long a start may take before it counts as failed, ms. */
const START_TIMEOUT_MS = 20_000;
/** Grace between SIGTERM and SIGKILL on stop, ms. */
const STOP_GRACE_MS = 10_000;
/** Bytes of the server's output kept for an error message. */
const OUTPUT_KEPT = 8192;

/** A user name and its password. */
export interface NatsCredentials {
  user: string;
  pass: string;
}

/** A running (or stopped) test server; see {@link startNatsServer}. */
export interface TestNats {
  /** `nats://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** JetStream store directory (kept across stop/start, removed by close). */
  storeDir: string;
  /** The `hub` user: every right in the account. */
  hub: NatsCredentials;
  /** The `site-<site>` user of one of the sites given at start; throws for another. */
  site(site: string): NatsCredentials;
  /** SIGTERM, then SIGKILL after a grace; resolves when the process is gone. */
  stop(): Promise<void>;
  /** Starts again on the same port, store and passwords; resolves once JetStream answers. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/** Why nats-server cannot run here, or null when it can (for describe.skipIf). */
export function natsServerUnavailable(): string | null {
  try {
    accessSync(NATS_SERVER, constants.X_OK);
    return null;
  } catch {
    return `${NATS_SERVER} is missing (apt-get install nats-server)`;
  }
}

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether `hub` can connect and JetStream answers an account-info request. */
async function jetStreamAnswers(port: number, hub: NatsCredentials): Promise<boolean> {
  try {
    const nc = await connect({ servers: `127.0.0.1:${port}`, user: hub.user, pass: hub.pass, reconnect: false, timeout: 1000 });
    try {
      await (await nc.jetstreamManager({ timeout: 1000 })).getAccountInfo();
      return true;
    } finally {
      await nc.close();
    }
  } catch {
    return false;
  }
}

/** A random password: 18 random bytes, base64url (no character the config format must escape). */
const randomPassword = (): string => randomBytes(18).toString('base64url');

/**
 * Starts nats-server with JetStream on a free loopback port, a temporary store and the fleet
 * configuration for `sites` (users `hub` and `site-<site>`, random passwords unless `passwords`
 * names one by user). Resolves once JetStream answers the hub.
 */
export async function startNatsServer(opts: { sites: string[]; passwords?: Record<string, string> }): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-nats-'));
  const storeDir = join(dir, 'store');
  const confFile = join(dir, 'nats-server.conf');
  const pass = (user: string): string => opts.passwords?.[user] ?? randomPassword();
  const hub = { user: HUB_USER, pass: pass(HUB_USER) };
  const sites = new Map(opts.sites.map((s) => [s, { user: siteUser(s), pass: pass(siteUser(s)) }]));
  let port: number;
  try {
    port = await freePort();
    writeFileSync(confFile, renderNatsServerConfig({
      host: '127.0.0.1', port, serverName: 'edgeward-test', storeDir,
      maxMemoryStore: 16 * 1024 * 1024, maxFileStore: 256 * 1024 * 1024,
      hubPassword: hub.pass, sites: [...sites].map(([site, c]) => ({ site, password: c.pass })),
    }), { mode: 0o600 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  let proc: ChildProcess | null = null;
  let output = '';

  const start = async (): Promise<void> => {
    if (proc !== null) throw new Error('nats-server: already running');
    const t0 = performance.now();
    output = '';
    const p = spawn(NATS_SERVER, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    // A test process that dies without its afterAll must not leave the server behind.
    const reap = (): void => { p.kill('SIGKILL'); };
    process.once('exit', reap);
    p.once('exit', () => process.removeListener('exit', reap));
    const keep = (b: Buffer): void => { output = (output + b.toString()).slice(-OUTPUT_KEPT); };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    let exited = false;
    p.once('exit', () => { exited = true; });
    p.once('error', (e) => { exited = true; keep(Buffer.from(String(e))); });
    while (performance.now() - t0 < START_TIMEOUT_MS) {
      if (exited) {
        proc = null;
        throw new Error(`nats-server exited at start:\n${output}`);
      }
      if (await jetStreamAnswers(port, hub)) return;
      await sleep(25);
    }
    await stop();
    throw new Error(`nats-server's JetStream did not answer within ${START_TIMEOUT_MS} ms:\n${output}`);
  };

  const stop = async (): Promise<void> => {
    const p = proc;
    if (p === null) return;
    proc = null;
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), STOP_GRACE_MS);
      p.once('exit', () => { clearTimeout(timer); resolve(); });
      p.kill('SIGTERM');
    });
  };

  try {
    await start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    hub,
    site(site: string): NatsCredentials {
      const c = sites.get(site);
      if (c === undefined) throw new Error(`nats-server: no user for site ${site}`);
      return c;
    },
    stop,
    start,
    async close(): Promise<void> {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
