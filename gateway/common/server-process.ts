// A server run as a child process (the tests' influxd and nats-server, bench:fleet's nats-server):
// free loopback ports, the process started and waited for until it answers, its output kept for an
// error message, reaped if this process dies first, stopped with SIGTERM then SIGKILL after a grace.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Bytes of the server's output kept for an error message. */
const OUTPUT_KEPT = 8192;
/** Grace between SIGTERM and SIGKILL on stop, ms. */
const STOP_GRACE_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Free TCP ports on 127.0.0.1, held all at once while chosen so they differ. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** One server process, started again at will with the same command. */
export class ServerProcess {
  private proc: ChildProcess | null = null;
  private kept = '';

  /** `name` for messages; `ready` answers true once the server serves. */
  constructor(private readonly name: string, private readonly command: string, private readonly args: readonly string[], private readonly ready: () => Promise<boolean>, private readonly startTimeoutMs = 20_000) {}

  /** The tail of the server's output (stdout and stderr). */
  get output(): string {
    return this.kept;
  }

  get running(): boolean {
    return this.proc !== null;
  }

  /** Starts the server and waits until `ready`; returns how long that took, ms. Throws (with the output) if it exits or times out. */
  async start(): Promise<number> {
    if (this.proc !== null) throw new Error(`${this.name}: already running`);
    const t0 = performance.now();
    this.kept = '';
    const p = spawn(this.command, [...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    // A test process that dies without its afterAll must not leave the server behind.
    const reap = (): void => { p.kill('SIGKILL'); };
    process.once('exit', reap);
    p.once('exit', () => process.removeListener('exit', reap));
    const keep = (b: Buffer): void => { this.kept = (this.kept + b.toString()).slice(-OUTPUT_KEPT); };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    let exited = false;
    p.once('exit', () => { exited = true; });
    p.once('error', (e) => { exited = true; keep(Buffer.from(String(e))); });
    while (performance.now() - t0 < this.startTimeoutMs) {
      if (exited) {
        this.proc = null;
        throw new Error(`${this.name} exited at start:\n${this.kept}`);
      }
      if (await this.ready()) return performance.now() - t0;
      await sleep(25);
    }
    await this.stop();
    throw new Error(`${this.name} did not answer within ${this.startTimeoutMs} ms:\n${this.kept}`);
  }

  /**
   * Freezes the server (SIGSTOP): from this call on it answers nothing, so a test can stop it at
   * a chosen point of a client's work (a graceful stop goes on serving while it shuts down).
   * {@link stop} ends a frozen server too.
   */
  freeze(): void {
    this.proc?.kill('SIGSTOP');
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
      // A frozen server takes its SIGTERM once it runs again (a no-op for one that runs).
      p.kill('SIGCONT');
    });
  }
}
