// A real daemon for API, stream and end-to-end tests: its own temporary data directory, port 0 on
// 127.0.0.1, no frame source unless asked (frames come in through ingestCapture), a token per role.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../gateway/auth/roles.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';
import type { EventLog } from '../../gateway/common/event-log.js';
import { GatewayDaemon, type DaemonOptions } from '../../gateway/daemon/gateway-daemon.js';

export interface TestDaemon {
  daemon: GatewayDaemon;
  url: string;
  dir: string;
  /** A token of each role (the vendor one for example.com). */
  tokens: Record<Role, string>;
  /** Every event the daemon logged, as `{event, ...fields}`. */
  events: Record<string, unknown>[];
  /** fetch against the daemon with a bearer token (or none). */
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Stops the daemon (the data directory stays), then starts a new one on the same port and data: a restart. */
  restart(): Promise<void>;
  /** Stops the daemon only; `start()` brings a new one up on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a daemon with `config` merged over test defaults (no demo, no syslog unless asked). */
export async function startTestDaemon(config: Record<string, unknown> = {}, opts: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-daemon-'));
  const sections = config as Record<string, Record<string, unknown>>;
  const cfg = validateConfig({
    ...config,
    storage: { dataDir: dir, ...sections.storage },
    server: { port: 0, ...sections.server },
    demo: { enabled: false, ...sections.demo },
    edgeLogs: { udp: false, tcp: false, ...sections.edgeLogs },
  }, 'test');
  const events: Record<string, unknown>[] = [];
  const log: EventLog = (event, fields = {}) => { events.push({ event, ...fields }); };
  let daemon = new GatewayDaemon(cfg, log, opts);
  const tokens = {} as Record<Role, string>;
  tokens.admin = daemon.tokens.create({ role: 'admin', name: 'test admin' }).token;
  tokens.analyst = daemon.tokens.create({ role: 'analyst', name: 'test analyst' }).token;
  tokens.vendor = daemon.tokens.create({ role: 'vendor', vendor: 'example.com' }).token;
  tokens.device = daemon.tokens.create({ role: 'device' }).token;
  await daemon.start();
  const url = daemon.url;
  const port = Number(new URL(url).port);
  let running = true;
  const t: TestDaemon = {
    daemon, url, dir, tokens, events,
    api(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      const go = () => fetch(`${url}${path}`, { ...rest, headers });
      // After a restart the client's pooled keep-alive socket is one the old server closed: a read
      // is retried once on a fresh socket (a write is not: it may have been applied).
      if ((rest.method ?? 'GET').toUpperCase() !== 'GET') return go();
      return go().catch((e: unknown) => ((e as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET' ? go() : Promise.reject(e)));
    },
    async stop() {
      if (running) await t.daemon.stop();
      running = false;
    },
    async start() {
      // The same port, so clients reconnect to the address they knew.
      daemon = new GatewayDaemon(Object.freeze({ ...cfg, server: Object.freeze({ ...cfg.server, port }) }), log, opts);
      await daemon.start();
      t.daemon = daemon;
      running = true;
    },
    async restart() {
      await t.stop();
      await t.start();
    },
    async close() {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}
