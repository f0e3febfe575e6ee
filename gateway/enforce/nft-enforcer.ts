// Puts MUD policies into the kernel with nftables: edgeward's own table (`inet edgeward`), replaced
// whole in one `nft -f -` transaction, device and DNS-answer addresses written to its sets in batches,
// and a liveness element that keeps the drops in force only while the gateway is alive (fail-open).
//
// nft behaviour relied on (nft(8) SETS and ELEMENTS; nftables wiki "Element timeouts", "Atomic rule
// replacement"; checked with nftables 1.0.6 on Linux 6.18, see test/enforce/):
// - one `nft -f` run is one netlink batch: every line of it is applied, or none is;
// - `table inet T` then `delete table inet T` deletes the table whether or not it exists (1.0.6 has
//   no `destroy`), so a script starting that way replaces the table atomically;
// - a set with `flags timeout` takes elements with `timeout Ns` (the kernel removes them when it
//   runs out) and elements without one (permanent); `timeout 0s` means permanent, so we never write it;
// - `add element` of an element that already exists is not an error; whether it resets the timeout
//   depends on the kernel (6.18 does; the wiki says an element must be recreated to reset it), so a
//   refresh is written `add; delete; add` in one batch: the first add makes the delete safe when
//   the element has already expired, the last add gives it the new timeout, no packet sees the gap;
// - `add element` of an address inside an existing prefix of an interval set fails ("interval
//   overlaps"), and the error names the script line (`<file>:LINE:COL: Error:`), which is how a
//   refused element is told from a refused table.
import type { CompiledPolicy } from '../../policies/compile/compiled-policy.js';
import { formatIpv4, formatIpv6, formatPrefix, parseIpAddress, parsePrefix, type IpPrefix } from '../../policies/net/ip-address.js';
import { deviceNames, dnsSetName, NFT_TABLE } from '../../policies/nft/nft-names.js';
import { minimalPrefixes, NFT_ALIVE_SET, NFT_BLOCK_SET_V4, NFT_BLOCK_SET_V6, renderNftTable } from '../../policies/nft/render-nft.js';
import { ElementMemory } from './element-memory.js';
import { NftError } from './nft-errors.js';
import { refusedLines, runNft } from './nft-process.js';

export { ENFORCE_ERRORS, NftError, type EnforceErrorCode } from './nft-errors.js';

/** Options of {@link NftEnforcer}. All fixed at construction. */
export interface NftEnforcerOptions {
  /**
   * `open`: the drops hold only while the liveness element lives, so a crashed gateway (SIGKILL,
   * power loss of the daemon alone) stops dropping within `aliveTimeoutSeconds`, and stop() deletes
   * the table. `closed`: the liveness element is permanent; the drops stay after a crash and after
   * stop(), until the next apply. Required.
   */
  readonly failMode: 'open' | 'closed';
  /** Table name (family inet): letters, digits, underscore, 1–32 characters. Default `edgeward`. */
  readonly table?: string;
  /** Seconds the liveness element lives without a heartbeat (failMode open only); > 0, whole milliseconds. Default 3. */
  readonly aliveTimeoutSeconds?: number;
  /** Seconds between heartbeats (failMode open only); > 0 and below aliveTimeoutSeconds. Default 1. */
  readonly heartbeatSeconds?: number;
  /** Emergency allow-list (addresses or prefixes), accepted before anything else. Default none. */
  readonly emergency?: readonly string[];
  /** Gateway service addresses quarantined devices may use besides the gateway's own (see renderNft). Default none. */
  readonly gatewayAddresses?: readonly string[];
  /** The nft binary (name looked up in PATH, or a path). Default `nft`. */
  readonly nft?: string;
  /**
   * Run nft inside this network namespace, as `ip netns exec NS nft -f -` (iproute2 `ip` from
   * PATH). Meant for tests, which must not touch the host's ruleset. Default none: nft runs here.
   */
  readonly netns?: string;
  /** Milliseconds an element change may wait in the queue, batched with others. Default 100. */
  readonly flushDelayMs?: number;
  /** Queued element changes that force a flush before flushDelayMs. Default 1000. */
  readonly maxBatch?: number;
  /** Most addresses remembered (device and DNS) for re-applies; past it new ones are dropped and counted. Default 65536. */
  readonly maxElements?: number;
  /** Milliseconds one nft run may take before it is killed (the batch then is not applied). Default 10000. */
  readonly nftTimeoutMs?: number;
  /** Called with errors of background work (timer flushes, heartbeats) that no caller awaits. Default none. */
  readonly onError?: (e: NftError) => void;
}

/** Defaults of the optional {@link NftEnforcerOptions}. */
export const NFT_ENFORCER_DEFAULTS = Object.freeze({
  table: NFT_TABLE,
  aliveTimeoutSeconds: 3,
  heartbeatSeconds: 1,
  flushDelayMs: 100,
  maxBatch: 1000,
  maxElements: 65536,
  nftTimeoutMs: 10_000,
});

/** Counters for logs and metrics. */
export interface NftEnforcerStats {
  /** nft runs, and the ones that failed. */
  transactions: number;
  failures: number;
  /** Elements nft refused (dropped), and addresses refused before nft (not an address of that family). */
  elementsRefused: number;
  invalidAddresses: number;
  /** Addresses not remembered because maxElements was reached. */
  elementsDropped: number;
}

/** One line group of a script: the element it writes, or none for table/liveness lines. */
interface Group {
  readonly lines: readonly string[];
  readonly set?: string;
  readonly address?: string;
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
/** Rounds of dropping refused elements and retrying, per transaction (nft names one or a few bad lines a run). */
const MAX_RETRIES = 8;
/** The liveness element: the guard's key, the packet mark masked to zero (render-nft NFT_GUARD). */
const ALIVE_ELEMENT = '0x00000000';

/** An nft duration: whole seconds as `Ns`, else `Nms`. */
function nftDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Keeps edgeward's nftables table in step with the compiled policies. `apply()` replaces the table;
 * `addDeviceAddress()` / `addDnsAddress()` queue set elements, written in batches; `start()` runs
 * the heartbeat (fail-open); `stop()` leaves the kernel as failMode says. nft runs one at a time,
 * in call order.
 */
export class NftEnforcer {
  /** Counters since construction. */
  readonly stats: NftEnforcerStats = { transactions: 0, failures: 0, elementsRefused: 0, invalidAddresses: 0, elementsDropped: 0 };
  /** The last error, background or not. */
  lastError: NftError | null = null;

  private readonly table: string;
  private readonly aliveMs: number;
  private readonly heartbeatMs: number;
  private readonly cfg: Required<Omit<NftEnforcerOptions, 'netns' | 'onError' | 'emergency' | 'gatewayAddresses'>>;
  /** Addresses written or to write, kept for re-applies. */
  private readonly memory: ElementMemory;
  /** Element changes not yet written: set name → addresses. */
  private pending = new Map<string, Set<string>>();
  private pendingCount = 0;
  /** Sets of the table in the kernel (written by the last successful apply), empty when none. */
  private kernelSets = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatBusy = false;
  /** The tail of the nft runs, which go one at a time in call order. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Blocked peers wanted (canonical, none inside another), rendered by every apply. */
  private blocked: readonly string[] = [];
  /** Blocked peers in the kernel's block sets (written by the last apply or setBlockedPeers). */
  private kernelBlocked = new Set<string>();

  /** Throws NftError `enforce.bad_options` on options that cannot work. */
  constructor(private readonly opts: NftEnforcerOptions) {
    const d = NFT_ENFORCER_DEFAULTS;
    this.cfg = {
      failMode: opts.failMode, table: opts.table ?? d.table, nft: opts.nft ?? 'nft',
      aliveTimeoutSeconds: opts.aliveTimeoutSeconds ?? d.aliveTimeoutSeconds, heartbeatSeconds: opts.heartbeatSeconds ?? d.heartbeatSeconds,
      flushDelayMs: opts.flushDelayMs ?? d.flushDelayMs, maxBatch: opts.maxBatch ?? d.maxBatch,
      maxElements: opts.maxElements ?? d.maxElements, nftTimeoutMs: opts.nftTimeoutMs ?? d.nftTimeoutMs,
    };
    this.table = this.cfg.table;
    this.memory = new ElementMemory(this.cfg.maxElements);
    this.aliveMs = Math.round(this.cfg.aliveTimeoutSeconds * 1000);
    this.heartbeatMs = Math.round(this.cfg.heartbeatSeconds * 1000);
    const bad = (why: string): never => { throw new NftError('enforce.bad_options', why); };
    if (opts.failMode !== 'open' && opts.failMode !== 'closed') bad(`failMode must be open or closed, not ${String(opts.failMode)}`);
    if (!TABLE_NAME.test(this.table)) bad(`table '${this.table}' is not an nft identifier`);
    if (!(this.aliveMs >= 1)) bad('aliveTimeoutSeconds must be positive');
    if (!(this.heartbeatMs >= 1)) bad('heartbeatSeconds must be positive');
    // A heartbeat as slow as the timeout would let the element lapse between two beats: fail-open while alive.
    if (opts.failMode === 'open' && this.heartbeatMs >= this.aliveMs) bad('heartbeatSeconds must be below aliveTimeoutSeconds');
    for (const [what, list] of [['emergency', opts.emergency], ['gatewayAddresses', opts.gatewayAddresses]] as const) {
      for (const a of list ?? []) if (parsePrefix(a.trim()) === null) bad(`${what}: '${a}' is not an IP address or prefix`);
    }
    for (const [k, v] of [['flushDelayMs', this.cfg.flushDelayMs], ['maxBatch', this.cfg.maxBatch], ['maxElements', this.cfg.maxElements], ['nftTimeoutMs', this.cfg.nftTimeoutMs]] as const) {
      if (!Number.isFinite(v) || v < 0) bad(`${k} must be a non-negative number`);
    }
  }

  /**
   * Replaces the table with these policies and quarantined MACs (48-bit), with the liveness guard
   * on every drop, and writes back the device and DNS addresses it remembers, all in one
   * transaction: a re-apply after a profile change (or a restart that re-adds what it learned)
   * loses nothing, and a refused script leaves the previous table as it was. Elements nft refuses
   * are dropped and the rest retried (reported through onError, code `enforce.element_refused`).
   * Rejects with NftError `enforce.nft_failed` when the table itself is refused (the previous
   * table stays), and with the renderer's error on policies it cannot render (two for one MAC).
   */
  async apply(policies: readonly CompiledPolicy[], quarantined: readonly number[] = []): Promise<void> {
    const blocked = this.blocked;
    const rendered = renderNftTable(policies, {
      table: this.table, replace: true, guard: true, quarantine: quarantined,
      emergency: this.opts.emergency, gatewayAddresses: this.opts.gatewayAddresses, blocked,
    });
    const sets = new Set(rendered.sets);
    const table: Group = { lines: [rendered.script.trimEnd(), this.aliveLine()] };
    const refused = await this.enqueue(async () => {
      // Everything pending is in memory and is written below; the list is built when the run
      // starts, so that nothing added while earlier runs were busy is missed.
      this.clearPending();
      const now = Date.now();
      this.memory.prune(now);
      const groups: Group[] = [table];
      for (const set of sets) {
        for (const [address, expires] of this.memory.entries(set)) groups.push({ set, address, lines: [this.elementLine('add', set, address, expires, now)] });
      }
      let r: NftError | null;
      try {
        r = await this.runGroups(groups);
      } catch (e) {
        if (groups.length === 1) throw e;
        // The policies must not wait for elements nft will not take: the table alone, elements
        // kept in memory for the next apply.
        await this.runGroups([table]);
        r = new NftError('enforce.element_refused', `table applied without its ${groups.length - 1} remembered elements: ${(e as Error).message}`, (e as NftError).stderr);
      }
      this.kernelSets = sets;
      this.kernelBlocked = new Set(blocked);
      return r;
    });
    if (refused) this.report(this.fail(refused));
  }

  /**
   * Adds an address of a device (MAC as a 48-bit integer) to its address set, which sends traffic
   * toward the device through its `_to` chain. Remembered for re-applies; written within
   * flushDelayMs if the device is in the table. An address not of that family is counted and ignored.
   */
  addDeviceAddress(mac: number, family: 4 | 6, address: string): void {
    const n = deviceNames(mac);
    this.remember(family === 4 ? n.v4 : n.v6, family, address, 0);
  }

  /** Forgets an address a device no longer holds and removes it from the table (within flushDelayMs). */
  removeDeviceAddress(mac: number, family: 4 | 6, address: string): void {
    const n = deviceNames(mac);
    const set = family === 4 ? n.v4 : n.v6;
    const text = this.normalise(family, address);
    if (text !== undefined && this.memory.forget(set, text)) this.queue(set, text);
  }

  /**
   * Adds an address `name` resolved to, allowed for `ttlSeconds` (rounded up, at least 1 s): the
   * element carries that timeout and the kernel removes it when the answer expires (RFC 8520
   * ietf-acldns: a dnsname ACE stands for the addresses the name currently resolves to). A newer answer for the same address
   * extends it, never shortens it. Only names some applied policy uses have a set; answers for other
   * names are remembered until their TTL (a policy applied meanwhile gets them) but never written.
   */
  addDnsAddress(name: string, family: 4 | 6, address: string, ttlSeconds: number): void {
    const ttl = Math.max(1, Math.ceil(Number.isFinite(ttlSeconds) ? ttlSeconds : 1));
    this.remember(dnsSetName(name, family), family, address, Date.now() + ttl * 1000);
  }

  /**
   * Sets the external peers (addresses or prefixes, either family) whose traffic to and from every
   * device is dropped — the whole list, as response actions hold it. Written at once as element
   * changes of the block sets (deletes first, then adds, in one transaction: an interval set refuses
   * an element overlapping one still there), never as a table reload; a peer inside another listed
   * one is covered by it and not written. Every later apply() renders the list too. Before the first
   * apply the list is only kept. Texts that are not an address or prefix are counted
   * (invalidAddresses) and ignored. Rejects with NftError `enforce.nft_failed` when nft refused the
   * change (the kernel keeps the previous list; the next apply writes this one).
   */
  setBlockedPeers(peers: readonly string[]): Promise<void> {
    const parsed: IpPrefix[] = [];
    for (const t of peers) {
      const p = parsePrefix(t.trim());
      if (p === null) this.stats.invalidAddresses++;
      else parsed.push(p);
    }
    const want = minimalPrefixes(parsed).map(formatPrefix);
    this.blocked = want;
    return this.enqueue(async () => {
      if (!this.kernelSets.has(NFT_BLOCK_SET_V4)) return;
      const setOf = (p: string): string => (p.includes(':') ? NFT_BLOCK_SET_V6 : NFT_BLOCK_SET_V4);
      const t = `inet ${this.table}`;
      const wanted = new Set(want);
      const lines = [
        ...[...this.kernelBlocked].filter((p) => !wanted.has(p)).map((p) => `delete element ${t} ${setOf(p)} { ${p} }`),
        ...want.filter((p) => !this.kernelBlocked.has(p)).map((p) => `add element ${t} ${setOf(p)} { ${p} }`),
      ];
      if (lines.length > 0) await this.runGroups([{ lines }]);
      this.kernelBlocked = wanted;
    });
  }

  /** Starts the heartbeat that keeps the liveness element alive (failMode open; nothing to do when closed). */
  start(): void {
    if (this.heartbeatTimer !== null || this.cfg.failMode === 'closed') return;
    this.heartbeatTimer = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  /**
   * Writes the queued element changes now, in one transaction. Rejects with NftError: code
   * `enforce.element_refused` when nft refused some elements (the others are written), or
   * `enforce.nft_failed` when nothing could be written (the changes stay remembered for the next apply).
   */
  flush(): Promise<void> {
    if (this.flushTimer !== null) { clearTimeout(this.flushTimer); this.flushTimer = null; }
    return this.enqueue(async () => {
      if (this.pendingCount === 0) return;
      const pending = this.pending;
      this.clearPending();
      const now = Date.now();
      const groups: Group[] = [];
      for (const [set, addresses] of pending) {
        if (!this.kernelSets.has(set)) continue; // no such set in the table: a name no policy uses
        for (const address of addresses) {
          const expires = this.memory.expiry(set, address);
          if (expires === undefined) {
            groups.push({ set, lines: [this.elementLine('add', set, address, 0, now), this.elementLine('delete', set, address, 0, now)] });
          } else if (expires === 0) {
            groups.push({ set, address, lines: [this.elementLine('add', set, address, 0, now)] });
          } else if (expires > now) {
            // add; delete; add — a timeout refresh that works on every kernel (see the file header).
            const add = this.elementLine('add', set, address, expires, now);
            groups.push({ set, address, lines: [add, this.elementLine('delete', set, address, 0, now), add] });
          }
        }
      }
      if (groups.length === 0) return;
      const refused = await this.runGroups(groups);
      if (refused) throw this.fail(refused);
    });
  }

  /**
   * Graceful stop: ends the heartbeat and writes what is queued; then failMode open deletes the
   * table (nothing is dropped any more), closed makes the liveness element permanent (the drops
   * stay until the next apply). Rejects with the first NftError met, after doing all it can.
   */
  async stop(): Promise<void> {
    if (this.heartbeatTimer !== null) { clearInterval(this.heartbeatTimer); this.heartbeatTimer = null; }
    const errors: unknown[] = [];
    await this.flush().catch((e: unknown) => { errors.push(e); });
    const t = `inet ${this.table}`;
    const last = this.enqueue(async () => {
      if (this.cfg.failMode === 'open') {
        await this.runGroups([{ lines: [`table ${t}`, `delete table ${t}`] }]);
        this.kernelSets = new Set();
      } else if (this.kernelSets.has(NFT_ALIVE_SET)) {
        // Fail-closed: a permanent element, whatever the kernel did with the timed one.
        await this.runGroups([{ lines: [`flush set ${t} ${NFT_ALIVE_SET}`, `add element ${t} ${NFT_ALIVE_SET} { ${ALIVE_ELEMENT} }`] }]);
      }
    });
    await last.catch((e: unknown) => { errors.push(e); });
    if (errors.length > 0) throw errors[0];
  }

  /** Addresses remembered for re-applies (device and DNS, expired ones included until pruned). */
  get rememberedElements(): number {
    return this.memory.size;
  }

  private beat(): void {
    if (this.heartbeatBusy || !this.kernelSets.has(NFT_ALIVE_SET)) return;
    this.heartbeatBusy = true;
    const add = this.aliveLine();
    const del = `delete element inet ${this.table} ${NFT_ALIVE_SET} { ${ALIVE_ELEMENT} }`;
    this.enqueue(() => this.runGroups([{ lines: [add, del, add] }]))
      .catch((e: unknown) => this.report(e))
      .finally(() => { this.heartbeatBusy = false; });
  }

  /** The liveness element: with the alive timeout in fail-open, permanent in fail-closed. */
  private aliveLine(): string {
    const timeout = this.cfg.failMode === 'open' ? ` timeout ${nftDuration(this.aliveMs)}` : '';
    return `add element inet ${this.table} ${NFT_ALIVE_SET} { ${ALIVE_ELEMENT}${timeout} }`;
  }

  private elementLine(verb: 'add' | 'delete', set: string, address: string, expires: number, now: number): string {
    // Never `timeout 0s`: that would make the element permanent.
    const t = verb === 'add' && expires !== 0 ? ` timeout ${Math.max(1, Math.ceil((expires - now) / 1000))}s` : '';
    return `${verb} element inet ${this.table} ${set} { ${address}${t} }`;
  }

  /** The canonical text of an address of that family, or undefined. */
  private normalise(family: 4 | 6, address: string): string | undefined {
    const a = parseIpAddress(address.trim());
    if (a === null || a.family !== family) return undefined;
    return family === 4 ? formatIpv4(a.words[0]) : formatIpv6(a.words);
  }

  private remember(set: string, family: 4 | 6, address: string, expires: number): void {
    const text = this.normalise(family, address);
    if (text === undefined) { this.stats.invalidAddresses++; return; }
    const r = this.memory.remember(set, text, expires, Date.now());
    if (r === 'full') this.stats.elementsDropped++;
    else if (r !== 'unchanged') this.queue(set, text);
  }

  private queue(set: string, address: string): void {
    let s = this.pending.get(set);
    if (!s) this.pending.set(set, (s = new Set()));
    if (!s.has(address)) { s.add(address); this.pendingCount++; }
    if (this.pendingCount >= this.cfg.maxBatch) void this.flush().catch((e: unknown) => this.report(e));
    else if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => { this.flushTimer = null; void this.flush().catch((e: unknown) => this.report(e)); }, this.cfg.flushDelayMs);
      this.flushTimer.unref();
    }
  }

  private clearPending(): void {
    this.pending = new Map();
    this.pendingCount = 0;
  }

  private report(e: unknown): void {
    if (e instanceof NftError) this.opts.onError?.(e);
  }

  /** Runs `job` after every run queued before it. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job);
    this.tail = next.catch(() => {});
    return next;
  }

  /**
   * Runs the groups as one transaction. When nft names lines of element groups, those elements
   * are dropped and the rest retried (at most MAX_RETRIES rounds); resolves to the
   * `enforce.element_refused` error then, else null. Anything else fails the whole transaction:
   * rejects with `enforce.nft_failed`.
   */
  private async runGroups(groups: Group[]): Promise<NftError | null> {
    let refused: NftError | null = null;
    for (let round = 0; ; round++) {
      const lineOf: Group[] = [];
      const lines: string[] = [];
      for (const g of groups) {
        for (const l of g.lines) for (let i = 0; i < l.split('\n').length; i++) lineOf.push(g);
        lines.push(...g.lines);
      }
      this.stats.transactions++;
      const err = await runNft(lines.join('\n') + '\n', { nft: this.cfg.nft, netns: this.opts.netns, timeoutMs: this.cfg.nftTimeoutMs });
      if (err === null) break;
      this.stats.failures++;
      const bad = new Set<Group>();
      for (const n of refusedLines(err.stderr)) {
        const g = lineOf[n - 1];
        if (g) bad.add(g);
      }
      const onlyElements = bad.size > 0 && [...bad].every((g) => g.set !== undefined);
      if (!onlyElements || round >= MAX_RETRIES) throw this.fail(err);
      for (const g of bad) {
        this.stats.elementsRefused++;
        if (g.address !== undefined) this.memory.forget(g.set!, g.address);
      }
      refused ??= new NftError('enforce.element_refused', `nft refused set elements: ${err.message}`, err.stderr);
      groups = groups.filter((g) => !bad.has(g));
      if (groups.length === 0) break;
    }
    return refused;
  }

  private fail(e: NftError): NftError {
    this.lastError = e;
    return e;
  }
}
