// A home router in network namespaces for the `edgeward check` tests: `router` with a WAN veth
// (peer in `inet`, the internet side, 10.88.0.0/24) and a LAN veth (peer in `lan`, 10.88.1.0/24),
// a default route out of the WAN, forwarding on. Names are random per instance; destroy() removes
// everything, and the links are born inside the namespaces so the host never sees them.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { inNs, nodeInNs, run, stopProcess, tryRun } from '../helpers/netns.js';

const LISTEN_SCRIPT = fileURLToPath(new URL('./netns-listen.mjs', import.meta.url));
const CONNECT_SCRIPT = fileURLToPath(new URL('./netns-connect.mjs', import.meta.url));

/** What a TCP connect from the internet side ended with. */
export interface ConnectResult { result: 'ok' | 'timeout' | 'error'; ms: number; code?: string }

export class RouterNetns {
  readonly id = randomBytes(3).toString('hex');
  readonly router: string;
  readonly inet: string;
  readonly lan: string;
  readonly wanIf = 'wan0';
  readonly lanIf = 'lan0';
  readonly wanIp = '10.88.0.1';
  readonly inetIp = '10.88.0.2';
  readonly lanIp = '10.88.1.1';
  readonly lanHostIp = '10.88.1.10';
  private readonly procs: ChildProcess[] = [];

  constructor(tag: string) {
    this.router = `ewc-${this.id}-${tag}-rt`;
    this.inet = `ewc-${this.id}-${tag}-in`;
    this.lan = `ewc-${this.id}-${tag}-ln`;
  }

  /** Builds the three namespaces. On failure, call {@link destroy}. */
  create(): void {
    for (const ns of [this.router, this.inet, this.lan]) run('ip', ['netns', 'add', ns]);
    run('ip', ['-n', this.router, 'link', 'add', this.wanIf, 'type', 'veth', 'peer', 'name', 'up0', 'netns', this.inet]);
    run('ip', ['-n', this.router, 'link', 'add', this.lanIf, 'type', 'veth', 'peer', 'name', 'dev0', 'netns', this.lan]);
    const addr = (ns: string, ifc: string, cidr: string) => {
      run('ip', ['-n', ns, 'addr', 'add', cidr, 'dev', ifc]);
      run('ip', ['-n', ns, 'link', 'set', ifc, 'up']);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    };
    addr(this.router, this.wanIf, `${this.wanIp}/24`);
    addr(this.router, this.lanIf, `${this.lanIp}/24`);
    addr(this.inet, 'up0', `${this.inetIp}/24`);
    addr(this.lan, 'dev0', `${this.lanHostIp}/24`);
    run('ip', ['-n', this.router, 'route', 'add', 'default', 'via', this.inetIp, 'dev', this.wanIf]);
    run('ip', ['-n', this.lan, 'route', 'add', 'default', 'via', this.lanIp]);
    inNs(this.router, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  }

  /** Loads an nftables script into the router (`nft -f -`). */
  nft(script: string): void {
    const r = tryRun('ip', ['netns', 'exec', this.router, 'sh', '-c', `printf '%s' "$0" | nft -f -`, script]);
    if (r.status !== 0) throw new Error(`nft -f failed: ${r.stderr}`);
  }

  /**
   * Starts a listener process in the router on the given sockets (`tcp:ADDR:PORT`…); resolves once
   * they are bound. `exe` runs it under another file name (a symlink to node named like a daemon).
   */
  listen(sockets: string[], exe = process.execPath): Promise<ChildProcess> {
    const p = spawn('ip', ['netns', 'exec', this.router, exe, LISTEN_SCRIPT, ...sockets], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.push(p);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`listener not ready: ${err}`)), 10_000);
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) { clearTimeout(timer); resolve(p); }
      });
      p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      p.once('exit', (code) => { clearTimeout(timer); reject(new Error(`listener exited ${code}: ${err}`)); });
    });
  }

  /** A TCP connect from the internet side to the router's WAN address. */
  async connectFromInternet(port: number, timeoutMs = 1500): Promise<ConnectResult> {
    const r = await nodeInNs(this.inet, CONNECT_SCRIPT, [this.wanIp, String(port), String(timeoutMs)], timeoutMs + 8000);
    if (r.status !== 0) throw new Error(`connect script failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as ConnectResult;
  }

  /** Stops its processes and removes the namespaces; idempotent. */
  async destroy(): Promise<void> {
    await Promise.all(this.procs.map((p) => stopProcess(p, 'SIGKILL', 2000)));
    for (const ns of [this.router, this.inet, this.lan]) tryRun('ip', ['netns', 'del', ns]);
  }
}
