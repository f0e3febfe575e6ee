// edgeward's daemon as a child process, for the live benchmark: `edgeward start` with a config file
// and a data directory of its own, the API on a free port of 127.0.0.1 (read from the `started` log
// line), and the first admin token (read from stderr, where the first start prints it once).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HealthView } from '../server/api-context.js';

/** How to start one daemon. */
export interface DaemonChildOptions {
  /** `dist/gateway/cli/main.js`. */
  cli: string;
  /** Node flags before the script (the ones `npm start` uses). */
  nodeArgs: string[];
  /** The config, written to `dir/edgeward.json`. */
  config: Record<string, unknown>;
  /** Where the config goes (storage.dataDir is the caller's to set). */
  dir: string;
  /** Rejects when the daemon has not logged `started` by then, ms. */
  startTimeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Variables that would override the config file (`EDGEWARD_*`) are left out of the child's environment. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EDGEWARD_')));
}

export class DaemonChild {
  /** The daemon's log lines, parsed. */
  readonly events: Record<string, unknown>[] = [];
  stderr = '';
  url = '';
  token = '';

  private constructor(readonly proc: ChildProcess) {}

  /** Starts the daemon and waits for its `started` line and its admin token. */
  static async start(o: DaemonChildOptions): Promise<DaemonChild> {
    const cfgFile = join(o.dir, 'edgeward.json');
    writeFileSync(cfgFile, JSON.stringify(o.config, null, 1));
    const proc = spawn(process.execPath, [...o.nodeArgs, o.cli, 'start', '--config', cfgFile], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
    const d = new DaemonChild(proc);
    let buf = '';
    proc.stdout.on('data', (x: Buffer) => {
      buf += x.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          d.events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          d.events.push({ event: '(not JSON)', line });
        }
      }
    });
    proc.stderr.on('data', (x: Buffer) => { d.stderr += x.toString(); });
    const end = Date.now() + o.startTimeoutMs;
    for (;;) {
      const started = d.events.find((e) => e.event === 'started');
      const token = /created the first admin token[^\n]*\n\s*\n\s+(\S+)\s*\n/.exec(d.stderr);
      if (started !== undefined && token !== null) {
        d.url = String(started.url);
        d.token = token[1]!;
        return d;
      }
      if (d.exited || Date.now() > end) {
        await d.stop();
        throw new Error(`edgeward did not start ${d.exited ? `(exit ${proc.exitCode ?? proc.signalCode})` : `within ${o.startTimeoutMs} ms`}: ${d.stderr.trim().slice(-800)}`);
      }
      await sleep(25);
    }
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** GET `path` with the admin token, as JSON; throws on a status other than 200. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  health(): Promise<HealthView> {
    return this.get<HealthView>('/api/v1/health');
  }

  /** SIGTERM (a clean stop), SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs = 10_000): Promise<void> {
    const p = this.proc;
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
      p.once('exit', () => { clearTimeout(timer); resolve(); });
      p.kill('SIGTERM');
    });
  }
}
