// A throw-away InfluxDB 1.x server for tests: Debian's `influxd` on free loopback ports with a
// temporary data directory, stopped and started again on the same port and data at will.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `influxdb` package puts the server. */
export const INFLUXD = '/usr/bin/influxd';
/** How long a start may take before it counts as failed, ms. */
const START_TIMEOUT_MS = 20_000;
/** Grace between SIGTERM and SIGKILL on stop, ms. */
const STOP_GRACE_MS = 10_000;
/** Bytes of the server's output kept for an error message. */
const OUTPUT_KEPT = 8192;

/** Why influxd cannot run here, or null when it can (for describe.skipIf). */
export function influxdUnavailable(): string | null {
  try {
    accessSync(INFLUXD, constants.X_OK);
    return null;
  } catch {
    return `${INFLUXD} is missing (apt-get install influxdb)`;
  }
}

/** Free TCP ports on 127.0.0.1, held all at once while chosen so they differ. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** GET /ping's status, or 0 when nothing answers. */
function ping(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One influxd with its own directory and ports. */
export class Influxd {
  private proc: ChildProcess | null = null;
  private output = '';
  /** Milliseconds the last start() took until /ping answered 204. */
  lastStartMs = 0;

  private constructor(readonly dir: string, readonly port: number, readonly rpcPort: number) {}

  /** Base URL of the HTTP API. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Makes the directory and config, then starts the server. */
  static async launch(): Promise<Influxd> {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-influxd-'));
    const [port, rpcPort] = (await freePorts(2)) as [number, number];
    const s = new Influxd(dir, port, rpcPort);
    s.writeConfig();
    try {
      await s.start();
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return s;
  }

  private writeConfig(): void {
    const d = this.dir;
    // Everything on loopback; no usage reporting (Debian spells it reporting-enabled, upstream
    // reporting-disabled; each ignores the other's key), no _internal monitor database, quiet logs.
    writeFileSync(join(d, 'influxdb.conf'), `reporting-disabled = true
reporting-enabled = false
bind-address = "127.0.0.1:${this.rpcPort}"

[meta]
  dir = "${join(d, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(d, 'data')}"
  wal-dir = "${join(d, 'wal')}"
  query-log-enabled = false

[coordinator]
  log-queries-after = "0s"

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${this.port}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`);
  }

  /** Starts influxd and waits until GET /ping answers 204; returns how long that took, ms. */
  async start(): Promise<number> {
    if (this.proc !== null) throw new Error('influxd: already running');
    const t0 = performance.now();
    this.output = '';
    const p = spawn(INFLUXD, ['-config', join(this.dir, 'influxdb.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    // A test process that dies without its afterAll must not leave the server behind.
    const reap = (): void => { p.kill('SIGKILL'); };
    process.once('exit', reap);
    p.once('exit', () => process.removeListener('exit', reap));
    const keep = (b: Buffer): void => { this.output = (this.output + b.toString()).slice(-OUTPUT_KEPT); };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    let exited = false;
    p.once('exit', () => { exited = true; });
    p.once('error', (e) => { exited = true; keep(Buffer.from(String(e))); });
    while (performance.now() - t0 < START_TIMEOUT_MS) {
      if (exited) {
        this.proc = null;
        throw new Error(`influxd exited at start:\n${this.output}`);
      }
      if ((await ping(this.port)) === 204) {
        this.lastStartMs = performance.now() - t0;
        return this.lastStartMs;
      }
      await sleep(25);
    }
    await this.stop();
    throw new Error(`influxd did not answer /ping within ${START_TIMEOUT_MS} ms:\n${this.output}`);
  }

  /** SIGTERM, then SIGKILL after a grace; resolves when the process is gone. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (p === null) return;
    this.proc = null;
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), STOP_GRACE_MS);
      p.once('exit', () => { clearTimeout(timer); resolve(); });
      p.kill('SIGTERM');
    });
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
