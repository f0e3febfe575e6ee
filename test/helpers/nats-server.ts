// A throw-away nats-server with JetStream for the fleet tests: Debian's `nats-server` on a free
// loopback port with a temporary store, configured by gateway/fleet/nats-server-config.ts (so the
// tests run the permissions operators run), stopped and started again on the same port and store.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nkeyAuthenticator } from 'nats';
import { HUB_USER, NKEYS, renderNatsServerConfig, siteUser, type NatsServerTls } from '../../gateway/fleet/nats-server-config.js';
import { freePorts, ServerProcess } from '../../gateway/common/server-process.js';

/** Where Debian's `nats-server` package puts the server. */
export const NATS_SERVER = '/usr/sbin/nats-server';
/** How long a start may take before it counts as failed, ms. */
const START_TIMEOUT_MS = 20_000;

/** A user name and its password. */
export interface NatsCredentials {
  user: string;
  pass: string;
}

/** PEM files a client speaks TLS with (the nats client's `tls` option). */
export interface ClientTlsFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

/** A running (or stopped) test server; see {@link startNatsServer}. */
export interface TestNats {
  /** `nats://127.0.0.1:<port>`, `tls://…` with TLS. */
  url: string;
  /** With TLS: what the helper's own clients connect with (hand it to a test's client as `tls`). */
  clientTls?: ClientTlsFiles;
  port: number;
  /** JetStream store directory (kept across stop/start, removed by close). */
  storeDir: string;
  /** The `hub` user: every right in the account. */
  hub: NatsCredentials;
  /** The `site-<site>` user of one of the sites given at start; throws for another. */
  site(site: string): NatsCredentials;
  /** SIGTERM, then SIGKILL after a grace; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGSTOP: the server answers nothing from this call until it is stopped (see ServerProcess.freeze). */
  freeze(): void;
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

/** Whether `hub` can connect and JetStream answers an account-info request. */
async function jetStreamAnswers(port: number, hub: NatsCredentials, hubSeed?: string, tls?: ClientTlsFiles): Promise<boolean> {
  try {
    const auth = hubSeed !== undefined ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(hubSeed)) } : { user: hub.user, pass: hub.pass };
    const nc = await connect({ servers: `127.0.0.1:${port}`, ...auth, reconnect: false, timeout: 1000, ...(tls !== undefined ? { tls } : {}) });
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

/** The public key (`U…`) of an NKey user seed. */
const publicOf = (seed: string): string => NKEYS.fromSeed(new TextEncoder().encode(seed)).getPublicKey();

/** A random password: 18 random bytes, base64url (no character the config format must escape). */
const randomPassword = (): string => randomBytes(18).toString('base64url');

/**
 * Starts nats-server with JetStream on a free loopback port, a temporary store and the fleet
 * configuration for `sites` (users `hub` and `site-<site>`, random passwords unless `passwords`
 * names one by user). `nkeySeeds` (by `hub` or site id: an NKey user seed, `SU…`) signs those in
 * by NKey instead (the config holds the public key; their `pass` is then ''). `tls` puts TLS on the
 * client port (`server`, as the fleet config renders it) and says what the helper's own readiness
 * check connects with (`client`). Resolves once JetStream answers the hub.
 */
export async function startNatsServer(opts: {
  sites: string[]; passwords?: Record<string, string>; nkeySeeds?: Record<string, string>; tls?: { server: NatsServerTls; client: ClientTlsFiles };
}): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-nats-'));
  const storeDir = join(dir, 'store');
  const confFile = join(dir, 'nats-server.conf');
  const seeds = opts.nkeySeeds ?? {};
  const pass = (user: string): string => opts.passwords?.[user] ?? randomPassword();
  const hub = { user: HUB_USER, pass: pass(HUB_USER) };
  const sites = new Map(opts.sites.map((s) => [s, { user: siteUser(s), pass: pass(siteUser(s)) }]));
  let port: number;
  try {
    [port] = (await freePorts(1)) as [number];
    writeFileSync(confFile, renderNatsServerConfig({
      host: '127.0.0.1', port, serverName: 'edgeward-test', storeDir,
      maxMemoryStore: 16 * 1024 * 1024, maxFileStore: 256 * 1024 * 1024,
      ...(seeds[HUB_USER] !== undefined ? { hubNkey: publicOf(seeds[HUB_USER]) } : { hubPassword: hub.pass }),
      sites: [...sites].map(([site, c]) => (seeds[site] !== undefined ? { site, nkey: publicOf(seeds[site]) } : { site, password: c.pass })),
      ...(opts.tls !== undefined ? { tls: opts.tls.server } : {}),
    }), { mode: 0o600 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const server = new ServerProcess('nats-server', NATS_SERVER, ['-c', confFile], () => jetStreamAnswers(port, hub, seeds[HUB_USER], opts.tls?.client), START_TIMEOUT_MS);
  const start = async (): Promise<void> => { await server.start(); };
  const stop = (): Promise<void> => server.stop();

  try {
    await start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `${opts.tls !== undefined ? 'tls' : 'nats'}://127.0.0.1:${port}`,
    ...(opts.tls !== undefined ? { clientTls: opts.tls.client } : {}),
    port,
    storeDir,
    hub,
    site(site: string): NatsCredentials {
      const c = sites.get(site);
      if (c === undefined) throw new Error(`nats-server: no user for site ${site}`);
      return c;
    },
    stop,
    freeze: () => { server.freeze(); },
    start,
    async close(): Promise<void> {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
