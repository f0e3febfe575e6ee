// Network namespaces for end-to-end tests: a device, a gateway and an upstream host joined by veth
// pairs on 10.77.0.0/16, all made and removed by the test itself (nothing outside them is touched).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Runs a command, throwing with its stderr on failure. */
export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
}

/** Runs a command inside a namespace. */
export function inNs(ns: string, cmd: string, args: string[]): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args]);
}

/** Runs a node script in a namespace to completion; returns its exit status and output. */
export function nodeInNs(ns: string, script: string, args: string[], timeoutMs = 10_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, script, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running node process in a namespace. */
export function spawnInNs(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** True when this process may build namespaces (root, ip and nft present). */
export function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  return !spawnSync('ip', ['-V'], { stdio: 'ignore' }).error && !spawnSync('nft', ['--version'], { stdio: 'ignore' }).error;
}

/** device (10.77.1.10) — gateway (10.77.1.1 | 10.77.2.1, forwarding) — upstream (10.77.2.2, .3, .4, .9). */
export class Topology {
  readonly id = randomBytes(3).toString('hex');
  readonly dev = `ew-${this.id}-dev`;
  readonly gw = `ew-${this.id}-gw`;
  readonly up = `ew-${this.id}-up`;
  /** The gateway's LAN-side interface, where edgeward captures. */
  readonly lan = 'gwl';
  deviceMac = '';

  create(): void {
    for (const ns of [this.dev, this.gw, this.up]) run('ip', ['netns', 'add', ns]);
    const link = (a: string, nsA: string, b: string, nsB: string) => {
      run('ip', ['link', 'add', `t${this.id}a`, 'type', 'veth', 'peer', 'name', `t${this.id}b`]);
      run('ip', ['link', 'set', `t${this.id}a`, 'netns', nsA]);
      run('ip', ['link', 'set', `t${this.id}b`, 'netns', nsB]);
      inNs(nsA, 'ip', ['link', 'set', `t${this.id}a`, 'name', a]);
      inNs(nsB, 'ip', ['link', 'set', `t${this.id}b`, 'name', b]);
    };
    link('dev0', this.dev, this.lan, this.gw);
    link('gww', this.gw, 'up0', this.up);
    const addr = (ns: string, ifc: string, ...cidrs: string[]) => {
      for (const c of cidrs) inNs(ns, 'ip', ['addr', 'add', c, 'dev', ifc]);
      inNs(ns, 'ip', ['link', 'set', ifc, 'up']);
      inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
    };
    addr(this.dev, 'dev0', '10.77.1.10/24');
    addr(this.gw, this.lan, '10.77.1.1/24');
    addr(this.gw, 'gww', '10.77.2.1/24');
    addr(this.up, 'up0', '10.77.2.2/24', '10.77.2.3/24', '10.77.2.4/24', '10.77.2.9/24');
    inNs(this.dev, 'ip', ['route', 'add', 'default', 'via', '10.77.1.1']);
    inNs(this.up, 'ip', ['route', 'add', 'default', 'via', '10.77.2.1']);
    // Forwarding on in the gateway namespace (its own /proc/sys/net; no procps needed).
    inNs(this.gw, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    this.deviceMac = inNs(this.dev, 'cat', ['/sys/class/net/dev0/address']).trim();
  }

  destroy(): void {
    for (const ns of [this.dev, this.gw, this.up]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
}
