// Applies MUD policies to nftables: edgeward's own table `inet edgeward`, replaced whole in one
// `nft -f` transaction whenever the policies change, DNS-name sets filled as answers arrive with
// the answer's TTL as element timeout (the kernel drops an address when its answer expires), device
// address sets, and a liveness element the daemon refreshes so that, in fail-open mode, a crashed
// gateway stops dropping within `aliveTimeoutSeconds` (nft(8): set element timeouts).
import { spawn } from 'node:child_process';
import { renderNft, type CompiledPolicy } from '../../policies/index.js';
import { deviceNames, dnsSetName, NFT_TABLE } from '../../policies/nft/nft-names.js';
import { NFT_ALIVE_SET } from '../../policies/nft/render-nft.js';

/** Options of the enforcer. */
export interface NftEnforcerOptions {
  /** `open`: stop() removes the table and a crash lets traffic through after aliveTimeoutSeconds; `closed`: the drops stay. */
  failMode: 'open' | 'closed';
  /** Seconds the liveness element lives without a refresh (fail-open only). Default 3. */
  aliveTimeoutSeconds?: number;
  /** Seconds between refreshes of the liveness element. Default 1. */
  heartbeatSeconds?: number;
  /** Emergency allow-list prefixes, accepted before anything else. Default none. */
  emergency?: readonly string[];
  /** Table name (family inet). Default `edgeward`. */
  table?: string;
  /** The nft binary. Default `nft`. */
  nft?: string;
  /** Run nft inside this network namespace (`ip netns exec NS nft`), for tests. Default none. */
  netns?: string;
  /** Most queued element changes before a flush is forced. Default 1000. */
  maxQueued?: number;
}

/** An nft run that failed: stable code, nft's own words. */
export class NftError extends Error {
  readonly code = 'enforce.nft_failed';
  constructor(message: string, readonly stderr: string) {
    super(message);
    this.name = 'NftError';
  }
}

/** Addresses added at run time, kept so a re-apply (or restart) loses nothing. */
interface Element {
  set: string;
  address: string;
  /** Expiry, ms since the epoch; 0 for none. */
  expires: number;
}

export class NftEnforcer {
  private readonly table: string;
  private readonly aliveTimeout: number;
  private readonly heartbeat: number;
  private readonly elements = new Map<string, Element>();
  private queue: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** Set names that exist in the applied table (element changes to others are skipped). */
  private liveSets = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  /** Transactions run, and the last error (the daemon logs it). */
  transactions = 0;
  lastError: NftError | null = null;

  constructor(private readonly opts: NftEnforcerOptions) {
    this.table = opts.table ?? NFT_TABLE;
    this.aliveTimeout = Math.max(1, opts.aliveTimeoutSeconds ?? 3);
    this.heartbeat = opts.heartbeatSeconds ?? 1;
  }

  /** Replaces the table with these policies and quarantined MACs, and re-adds the live elements, in one transaction. */
  apply(policies: readonly CompiledPolicy[], quarantined: readonly number[] = []): Promise<void> {
    const script = renderNft(policies, { emergency: this.opts.emergency, table: this.table, replace: true, guard: true, quarantine: quarantined });
    const sets = new Set<string>([...script.matchAll(/^\s*set (\S+) \{/gm)].map((m) => m[1]!));
    const now = Date.now();
    const lines = [script, this.aliveLine('add')];
    for (const [key, e] of this.elements) {
      if (e.expires !== 0 && e.expires <= now) { this.elements.delete(key); continue; }
      if (!sets.has(e.set)) continue;
      lines.push(this.elementLine('add', e, now));
    }
    this.queue = [];
    return this.run(lines.join('\n') + '\n').then(() => { this.liveSets = sets; });
  }

  /** Adds an address of a device to its address set (to-device dispatch). */
  addDeviceAddress(mac: number, family: 4 | 6, address: string): void {
    const n = deviceNames(mac);
    this.element({ set: family === 4 ? n.v4 : n.v6, address, expires: 0 });
  }

  /** Adds (or refreshes) an address a DNS name resolved to, for `ttlSeconds`. Names no policy uses have no set and are skipped. */
  addDnsAddress(name: string, family: 4 | 6, address: string, ttlSeconds: number): void {
    this.element({ set: dnsSetName(name, family), address, expires: Date.now() + Math.max(1, Math.round(ttlSeconds)) * 1000 });
  }

  /** Starts refreshing the liveness element. */
  start(): void {
    if (this.heartbeatTimer || this.opts.failMode === 'closed') return;
    this.heartbeatTimer = setInterval(() => {
      // add + delete + add in one transaction: refreshes the timeout, and works when it expired.
      void this.run(`${this.aliveLine('add')}\ndelete element inet ${this.table} ${NFT_ALIVE_SET} { 0x00000000 }\n${this.aliveLine('add')}\n`).catch(() => {});
    }, this.heartbeat * 1000);
    this.heartbeatTimer.unref();
  }

  /** Writes queued element changes now. */
  flush(): Promise<void> {
    if (this.flushTimer) { clearTimeout(this.flushTimer); this.flushTimer = null; }
    if (this.queue.length === 0) return this.chain;
    const script = this.queue.join('\n') + '\n';
    this.queue = [];
    return this.run(script);
  }

  /** Graceful stop: fail-open removes the table; fail-closed keeps it, its drops made permanent. */
  async stop(): Promise<void> {
    if (this.heartbeatTimer) { clearInterval(this.heartbeatTimer); this.heartbeatTimer = null; }
    await this.flush().catch(() => {});
    if (this.opts.failMode === 'open') await this.run(`delete table inet ${this.table}\n`).catch(() => {});
    else await this.run(`flush set inet ${this.table} ${NFT_ALIVE_SET}\nadd element inet ${this.table} ${NFT_ALIVE_SET} { 0x00000000 }\n`).catch(() => {});
  }

  private aliveLine(verb: 'add'): string {
    const timeout = this.opts.failMode === 'open' ? ` timeout ${this.aliveTimeout}s` : '';
    return `${verb} element inet ${this.table} ${NFT_ALIVE_SET} { 0x00000000${timeout} }`;
  }

  private elementLine(verb: 'add' | 'delete', e: Element, now: number): string {
    const t = e.expires !== 0 && verb === 'add' ? ` timeout ${Math.max(1, Math.ceil((e.expires - now) / 1000))}s` : '';
    return `${verb} element inet ${this.table} ${e.set} { ${e.address}${t} }`;
  }

  private element(e: Element): void {
    const key = `${e.set} ${e.address}`;
    this.elements.set(key, e);
    if (!this.liveSets.has(e.set)) return;
    const now = Date.now();
    // A timed element is refreshed the same way as the liveness one: add, delete, add.
    if (e.expires !== 0) this.queue.push(this.elementLine('add', e, now), this.elementLine('delete', e, now));
    this.queue.push(this.elementLine('add', e, now));
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) void this.flush().catch(() => {});
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => { this.flushTimer = null; void this.flush().catch(() => {}); }, 100);
  }

  /** Runs one nft transaction (stdin), after the ones before it. */
  private run(script: string): Promise<void> {
    const next = this.chain.then(() => this.exec(script));
    this.chain = next.catch(() => {});
    return next;
  }

  private exec(script: string): Promise<void> {
    const nft = this.opts.nft ?? 'nft';
    const [cmd, args] = this.opts.netns ? ['ip', ['netns', 'exec', this.opts.netns, nft, '-f', '-']] : [nft, ['-f', '-']];
    return new Promise((resolve, reject) => {
      const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => { if (err.length < 8192) err += d.toString(); });
      p.on('error', (e) => reject((this.lastError = new NftError(`cannot run ${nft}: ${e.message}`, ''))));
      p.on('close', (code) => {
        this.transactions++;
        if (code === 0) resolve();
        else reject((this.lastError = new NftError(`nft -f failed (exit ${code}): ${err.trim().split('\n')[0] ?? ''}`, err)));
      });
      p.stdin.end(script);
    });
  }
}
