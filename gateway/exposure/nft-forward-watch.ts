// Keeps the exposure inventory's `nft` mappings in step with the gateway's ruleset: reads
// `nft -j list ruleset` now and then (never on the packet path), finds the dnat forwards
// (nft-forwards.ts), names the LAN device of each target address, and replaces the saved ones.
import { execFile } from 'node:child_process';
import { parseNftRuleset } from '../check/nft-ruleset.js';
import type { EventLog } from '../common/event-log.js';
import type { ExposureStore, MappingRow } from './exposure-store.js';
import { nftForwards } from './nft-forwards.js';

/** Watch settings. */
export interface NftForwardWatchOptions {
  store: ExposureStore;
  /** The MAC of the LAN device holding `ip`, or null (a forward to an address no device holds is not listed). */
  macOf: (ip: string) => string | null;
  log: EventLog;
  /** The command that prints the ruleset as JSON. Default ['nft', '-j', 'list', 'ruleset'] (tests run it in a namespace). */
  command?: readonly string[];
  /** The LAN-side interfaces: a forward taking only their packets is no way in from outside. Default none. */
  lanInterfaces?: readonly string[];
  /** Between reads, ms. Default 60000. */
  intervalMs?: number;
  /** Clock, ms. Default Date.now. */
  now?: () => number;
}

const TIMEOUT_MS = 10_000;

/** The watch. */
export class NftForwardWatch {
  private timer: NodeJS.Timeout | null = null;
  /** The last read failed (logged once until one succeeds). */
  private failing = false;
  private readonly command: readonly string[];

  constructor(private readonly o: NftForwardWatchOptions) {
    this.command = o.command ?? ['nft', '-j', 'list', 'ruleset'];
  }

  /** Reads now, then every intervalMs. */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => { void this.refresh(); }, this.o.intervalMs ?? 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads the ruleset and replaces the `nft` mappings. Returns the forwards stored, or null when the ruleset could not be read. */
  async refresh(): Promise<number | null> {
    let json: string;
    try {
      json = await new Promise<string>((resolve, reject) => {
        execFile(this.command[0]!, this.command.slice(1), { timeout: TIMEOUT_MS, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
          if (err !== null) reject(new Error(`${this.command.join(' ')}: ${String(stderr).trim().split('\n')[0] || err.message}`));
          else resolve(stdout);
        });
      });
      const at = new Date((this.o.now ?? Date.now)()).toISOString();
      const rows: MappingRow[] = [];
      for (const f of nftForwards(parseNftRuleset(json), this.o.lanInterfaces ?? [])) {
        const mac = this.o.macOf(f.internalIp);
        if (mac === null) continue;
        rows.push({ key: `nft/${f.proto}/${f.externalPort}/${f.internalIp}/${f.internalPort}/${f.rule}`, mac, via: 'nft', proto: f.proto,
          externalPort: f.externalPort, internalPort: f.internalPort, internalIp: f.internalIp, askedAt: at, expiresAt: null });
      }
      this.o.store.replaceMappings('nft', rows);
      if (this.failing) this.o.log('exposure.nft-readable', {});
      this.failing = false;
      return rows.length;
    } catch (e) {
      if (!this.failing) this.o.log('exposure.nft-unreadable', { error: (e as Error).message });
      this.failing = true;
      return null;
    }
  }
}
