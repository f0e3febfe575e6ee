// Network namespaces for end-to-end tests: a device, a gateway and an upstream host joined by veth
// pairs on 10.77.0.0/16, all made and removed by the test itself. Every link is created inside the
// namespaces (`ip -n NS link add … peer … netns NS2`), so nothing ever appears in the host's.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Deadline of a short command (ip, nft, sysctl), milliseconds. */
export const COMMAND_TIMEOUT_MS = 10_000;

/** What a finished command said. `status` is null when it was killed (timeout) or could not start. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command, throwing with its stderr on failure or after `timeoutMs`. */
export function run(cmd: string, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
}

/** Runs a command and reports how it ended; never throws. */
export function tryRun(cmd: string, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? r.error.message : '') };
}

/** Runs a command inside a namespace, throwing on failure. */
export function inNs(ns: string, cmd: string, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], timeoutMs);
}

/** Runs a command inside a namespace; never throws. */
export function tryInNs(ns: string, cmd: string, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): RunResult {
  return tryRun('ip', ['netns', 'exec', ns, cmd, ...args], timeoutMs);
}

/** Writes a node ES module to `dir/name` and returns its path (to run with {@link nodeInNs} or {@link spawnInNs}). */
export function writeNodeScript(dir: string, name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

/**
 * Runs a node script in a namespace to completion, without blocking the test's event loop (the
 * daemon's output keeps flowing meanwhile). Killed with SIGKILL after `timeoutMs`. `ip netns exec`
 * execs the command, so the child's pid is node's own.
 */
export function nodeInNs(ns: string, script: string, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => { clearTimeout(timer); resolve({ status: null, stdout, stderr: stderr + e.message }); });
    p.on('close', (code) => { clearTimeout(timer); resolve({ status: code, stdout, stderr }); });
  });
}

/** Starts a long-running node process in a namespace, stdout and stderr piped. */
export function spawnInNs(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. Resolves at once if it already ended. */
export function stopProcess(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => { clearTimeout(timer); resolve(); });
    p.kill(signal);
  });
}

/** Why this process cannot build namespaces (not root, no ip, no nft), or null when it can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).error) return 'the ip command (iproute2) is missing';
  if (spawnSync('nft', ['--version'], { stdio: 'ignore' }).error) return 'the nft command (nftables) is missing';
  return null;
}

/** True when this process may build namespaces (root, ip and nft present). */
export function canUseNetns(): boolean {
  return netnsUnavailable() === null;
}

/**
 * device (10.77.1.10, MAC {@link Topology.deviceMac}) — gateway (LAN 10.77.1.1 on `gwl`, WAN
 * 10.77.2.1, forwarding) — upstream (10.77.2.2, .3, .4, .9 on one interface). Namespace names are
 * `ew-<6 hex>-dev|gw|up`, random per instance.
 */
export class Topology {
  readonly id = randomBytes(3).toString('hex');
  readonly dev = `ew-${this.id}-dev`;
  readonly gw = `ew-${this.id}-gw`;
  readonly up = `ew-${this.id}-up`;
  /** The gateway's LAN-side interface, where edgeward captures. */
  readonly lan = 'gwl';
  /** The device's MAC (locally administered, fixed). */
  readonly deviceMac = '02:77:01:00:00:0a';
  readonly deviceIp = '10.77.1.10';
  readonly gatewayLanIp = '10.77.1.1';
  readonly gatewayWanIp = '10.77.2.1';

  /** Builds the three namespaces. On failure, call {@link destroy} (it removes whatever was made). */
  create(): void {
    for (const ns of [this.dev, this.gw, this.up]) run('ip', ['netns', 'add', ns]);
    // Both ends are born inside the namespaces: no interface is ever made in the host's.
    const link = (nsA: string, a: string, nsB: string, b: string) =>
      run('ip', ['-n', nsA, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', nsB]);
    link(this.dev, 'dev0', this.gw, this.lan);
    link(this.gw, 'gww', this.up, 'up0');
    run('ip', ['-n', this.dev, 'link', 'set', 'dev0', 'address', this.deviceMac]);
    const addr = (ns: string, ifc: string, ...cidrs: string[]) => {
      for (const c of cidrs) run('ip', ['-n', ns, 'addr', 'add', c, 'dev', ifc]);
      run('ip', ['-n', ns, 'link', 'set', ifc, 'up']);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    };
    addr(this.dev, 'dev0', `${this.deviceIp}/24`);
    addr(this.gw, this.lan, `${this.gatewayLanIp}/24`);
    addr(this.gw, 'gww', `${this.gatewayWanIp}/24`);
    addr(this.up, 'up0', '10.77.2.2/24', '10.77.2.3/24', '10.77.2.4/24', '10.77.2.9/24');
    run('ip', ['-n', this.dev, 'route', 'add', 'default', 'via', this.gatewayLanIp]);
    run('ip', ['-n', this.up, 'route', 'add', 'default', 'via', this.gatewayWanIp]);
    // Forwarding on in the gateway namespace only (its own /proc/sys/net; no procps needed).
    inNs(this.gw, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    const mac = inNs(this.dev, 'cat', ['/sys/class/net/dev0/address']).trim();
    if (mac !== this.deviceMac) throw new Error(`device MAC is ${mac}, expected ${this.deviceMac}`);
  }

  /** Removes the namespaces (and with them their links, addresses and nftables); idempotent. */
  destroy(): void {
    for (const ns of [this.dev, this.gw, this.up]) tryRun('ip', ['netns', 'del', ns]);
  }
}
