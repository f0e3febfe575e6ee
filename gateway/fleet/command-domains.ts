// Domain blocks from fleet commands: the response layer blocks addresses and networks, so a blocked
// domain (and every name under it) is enforced by blocking the addresses the DNS answers the gateway
// sees give for it, one response action per address, as they are seen. Kept in table
// `fleet_domain_blocks` (the domains) and `fleet_domain_actions` (the actions each one made), so a
// release lifts exactly those and a restart keeps the domain blocked.
import type { Statement } from 'better-sqlite3';
import { ipv4ToString } from '../common/address-text.js';
import type { EventLog } from '../common/event-log.js';
import type { Db } from '../store/database.js';
import type { ResponseActions } from '../response/response-actions.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fleet_domain_blocks (
  domain     TEXT PRIMARY KEY,         -- lower case, no trailing dot
  command_id TEXT NOT NULL,            -- the block command
  "by"       TEXT NOT NULL,
  note       TEXT,
  "at"       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fleet_domain_actions (
  domain    TEXT NOT NULL,
  address   TEXT NOT NULL,             -- the address a DNS answer gave
  action_id TEXT NOT NULL,             -- the response action blocking it
  PRIMARY KEY (domain, address)
) WITHOUT ROWID;
`;

/** Addresses blocked for one domain at most: a name with more (a CDN) stops adding, with a log line. */
export const MAX_DOMAIN_ADDRESSES = 256;

/** A DNS name: labels of letters, digits, '-' and '_', 1–253 characters (RFC 1035 §2.3.4, lower-cased). */
const NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** The canonical form of a domain (lower case, no trailing dot), or null when it is not a DNS name. */
export function canonicalDomain(s: string): string | null {
  const d = s.trim().toLowerCase().replace(/\.$/, '');
  return NAME.test(d) && d.includes('.') ? d : null;
}

/** Options of {@link DomainBlocks}. */
export interface DomainBlocksOptions {
  db: Db;
  responses: ResponseActions;
  /** fleet.domain_address_blocked, fleet.domain_address_refused. Default silent. */
  log?: EventLog;
  /** Clock, ms. Default Date.now. */
  now?: () => number;
}

/** The domains blocked by fleet commands, and the address blocks their DNS answers made. */
export class DomainBlocks {
  private readonly active = new Map<string, { by: string; note: string | null }>();
  /** `<domain> <address>` pairs taken or being taken: an answer seen again does nothing. */
  private readonly seen = new Set<string>();
  private readonly counts = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private readonly log: EventLog;
  private readonly now: () => number;
  private readonly addStmt: Statement;
  private readonly delStmt: Statement;
  private readonly mapStmt: Statement;
  private readonly actionsOf: Statement;
  private readonly unmapStmt: Statement;

  constructor(private readonly opts: DomainBlocksOptions) {
    opts.db.exec(SCHEMA);
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
    this.addStmt = opts.db.prepare('INSERT OR IGNORE INTO fleet_domain_blocks (domain, command_id, "by", note, "at") VALUES (?, ?, ?, ?, ?)');
    this.delStmt = opts.db.prepare('DELETE FROM fleet_domain_blocks WHERE domain = ?');
    this.mapStmt = opts.db.prepare('INSERT OR IGNORE INTO fleet_domain_actions (domain, address, action_id) VALUES (?, ?, ?)');
    this.actionsOf = opts.db.prepare('SELECT address, action_id AS actionId FROM fleet_domain_actions WHERE domain = ?');
    this.unmapStmt = opts.db.prepare('DELETE FROM fleet_domain_actions WHERE domain = ?');
    // A restart keeps the domains blocked; the address actions are restored by the response layer.
    for (const r of opts.db.prepare('SELECT domain, "by", note FROM fleet_domain_blocks').all() as { domain: string; by: string; note: string | null }[]) {
      this.active.set(r.domain, { by: r.by, note: r.note });
      const made = this.actionsOf.all(r.domain) as { address: string }[];
      for (const a of made) this.seen.add(`${r.domain} ${a.address}`);
      this.counts.set(r.domain, made.length);
    }
  }

  /** Blocks `domain` (canonical) and the names under it from now on. Returns false when it was blocked already. */
  block(domain: string, commandId: string, by: string, note: string | null): boolean {
    if (this.active.has(domain)) return false;
    this.addStmt.run(domain, commandId, by, note, new Date(this.now()).toISOString());
    this.active.set(domain, { by, note });
    return true;
  }

  /** Lifts a domain block and releases every address block it made. Returns how many were released, or null when the domain was not blocked. */
  async release(domain: string, by: string): Promise<number | null> {
    if (!this.active.has(domain)) return null;
    this.active.delete(domain);
    await this.chain; // an address being blocked for it now is recorded first
    const rows = this.actionsOf.all(domain) as { address: string; actionId: string }[];
    this.delStmt.run(domain);
    this.unmapStmt.run(domain);
    this.counts.delete(domain);
    for (const k of [...this.seen]) if (k.startsWith(`${domain} `)) this.seen.delete(k);
    let released = 0;
    for (const r of rows) {
      // Only this domain's actions; one an analyst released already is answered as it is.
      const a = this.opts.responses.get(r.actionId);
      if (a !== null && a.state === 'active') { await this.opts.responses.release(r.actionId, by); released++; }
    }
    return released;
  }

  /** Whether `domain` is blocked now. */
  has(domain: string): boolean {
    return this.active.has(domain);
  }

  /**
   * A DNS answer the gateway saw (the DNS cache's listener): when the name is a blocked domain or
   * under one, its address is blocked through the response layer (emergency and gateway
   * addresses are refused there and logged here).
   */
  onDnsAnswer(name: string, addr: number | string, family: 4 | 6): void {
    if (this.active.size === 0) return;
    const n = name.toLowerCase().replace(/\.$/, '');
    let domain: string | null = null;
    for (let d = n; ; ) {
      if (this.active.has(d)) { domain = d; break; }
      const dot = d.indexOf('.');
      if (dot < 0) break;
      d = d.slice(dot + 1);
    }
    if (domain === null) return;
    // The DNS cache keys IPv4 as a 32-bit number and IPv6 as its text.
    const address = typeof addr === 'number' ? ipv4ToString(addr) : family === 6 ? addr : String(addr);
    const key = `${domain} ${address}`;
    if (this.seen.has(key)) return;
    const count = this.counts.get(domain) ?? 0;
    if (count >= MAX_DOMAIN_ADDRESSES) {
      if (count === MAX_DOMAIN_ADDRESSES) this.log('fleet.domain_address_refused', { domain, address, reason: `more than ${MAX_DOMAIN_ADDRESSES} addresses` });
      this.counts.set(domain, count + 1);
      return;
    }
    this.seen.add(key);
    this.counts.set(domain, count + 1);
    const meta = this.active.get(domain)!;
    this.chain = this.chain.then(async () => {
      if (!this.active.has(domain)) return;
      try {
        const { action, created } = await this.opts.responses.take({ kind: 'block', peer: address }, { by: meta.by, note: `domain ${domain}${meta.note !== null ? `: ${meta.note}` : ''}` });
        // A block someone made before stays theirs: the domain's release does not lift it.
        if (created) this.mapStmt.run(domain, address, action.id);
        this.log('fleet.domain_address_blocked', { domain, name: n, address, actionId: action.id, created });
      } catch (e) {
        this.log('fleet.domain_address_refused', { domain, name: n, address, error: (e as Error).message });
      }
    });
  }

  /** Resolves when the address blocks started so far are taken (tests, stop). */
  settled(): Promise<void> {
    return this.chain;
  }
}
