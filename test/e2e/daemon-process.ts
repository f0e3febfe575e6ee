// The built daemon (`node dist/gateway/cli/main.js start`) as a child process the test owns: its
// JSON log lines and stderr collected, the first admin token read from stderr, and the node process
// itself to signal (SIGKILL for a crash, SIGTERM for a clean stop), with no shell or npm between.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures.js';

/** The built CLI; `npm run build` makes it. */
export const DAEMON_MAIN = join(ROOT, 'dist', 'gateway', 'cli', 'main.js');

/** The admin token the first start prints on stderr. */
const TOKEN_RE = /\b(ew_[A-Za-z0-9_-]{40,})\b/;

/** One line of the daemon's JSON log. */
export interface LogLine {
  ts: string;
  event: string;
  [field: string]: unknown;
}

/** How the process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The environment of a daemon: the test's own, minus any EDGEWARD_* variable (the daemon refuses
 * unknown ones, and a developer's settings must not leak in), plus `settings`.
 */
export function daemonEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('EDGEWARD_')) env[k] = v;
  return { ...env, ...settings };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A running `edgeward start` (or another command of the CLI: `args`, named `name` in errors). */
export class DaemonProcess {
  readonly proc: ChildProcess;
  /** Every JSON line of stdout, in order (a line that is not JSON is kept as event `(text)`). */
  readonly log: LogLine[] = [];
  stderr = '';
  /** Settles when the process has exited and its pipes are drained. */
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;
  private partial = '';

  constructor(env: NodeJS.ProcessEnv, args: readonly string[] = ['start'], readonly name = 'the daemon') {
    this.proc = spawn(process.execPath, [DAEMON_MAIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    this.proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => { this.stderr += chunk; });
    this.exited = new Promise((resolve) => {
      this.proc.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** The node process id: the daemon itself, not a wrapper. */
  get pid(): number {
    return this.proc.pid!;
  }

  /** Whether the process has not exited yet. */
  get running(): boolean {
    return this.exit === null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The admin token printed on stderr at first start, or null. */
  token(): string | null {
    return TOKEN_RE.exec(this.stderr)?.[1] ?? null;
  }

  /** The first log line of `event`, or undefined. */
  logged(event: string): LogLine | undefined {
    return this.log.find((l) => l.event === event);
  }

  /** Throws with the process's stderr when it has exited: for wait conditions. */
  assertRunning(): void {
    if (!this.running) throw new Error(`${this.name} exited (${JSON.stringify(this.exit ?? { code: this.proc.exitCode, signal: this.proc.signalCode })}): ${this.stderr}`);
  }

  /** Sends `signal` to the daemon's process, unless it has exited already (`exited` says how). */
  kill(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
  }

  private onStdout(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        this.log.push(JSON.parse(line) as LogLine);
      } catch {
        this.log.push({ ts: '', event: '(text)', text: line });
      }
    }
  }
}
