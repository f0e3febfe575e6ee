// A throw-away InfluxDB 1.x server for tests: Debian's `influxd` on free loopback ports with a
// temporary data directory, stopped and started again on the same port and data at will.
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, ServerProcess } from '../../gateway/common/server-process.js';

/** Where Debian's `influxdb` package puts the server. */
export const INFLUXD = '/usr/bin/influxd';
/** How long a start may take before it counts as failed, ms. */
const START_TIMEOUT_MS = 20_000;

/** Why influxd cannot run here, or null when it can (for describe.skipIf). */
export function influxdUnavailable(): string | null {
  try {
    accessSync(INFLUXD, constants.X_OK);
    return null;
  } catch {
    return `${INFLUXD} is missing (apt-get install influxdb)`;
  }
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

/** One influxd with its own directory and ports. */
export class Influxd {
  private readonly server: ServerProcess;
  /** Milliseconds the last start() took until /ping answered 204. */
  lastStartMs = 0;

  private constructor(readonly dir: string, readonly port: number, readonly rpcPort: number) {
    this.server = new ServerProcess('influxd', INFLUXD, ['-config', join(dir, 'influxdb.conf')], async () => (await ping(port)) === 204, START_TIMEOUT_MS);
  }

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
    this.lastStartMs = await this.server.start();
    return this.lastStartMs;
  }

  /** SIGTERM, then SIGKILL after a grace; resolves when the process is gone. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
