// The hub's search index: one table of (kind, key, site, source, ref) → what was seen and when, so
// "which sites saw this address, network, domain, MAC, vendor or TLS fingerprint" is one indexed
// range read whatever the kind. Alerts, traffic and logs keep one row per value and site (the
// latest sighting), devices one per device. Keys are normalized text that sorts the way the search needs:
// addresses as fixed-width hex (a CIDR network is a key range), domains with their labels reversed
// (a domain and its subdomains are one range), MACs as 12 hex digits (an OUI is a prefix).
import type { Statement } from 'better-sqlite3';
import { parseIpAddress, parsePrefix } from '../../policies/net/ip-address.js';
import type { Db } from '../store/database.js';

/** What a term is. `host` is a device's hostname (searched with vendors as plain text). */
export type TermKind = 'address' | 'domain' | 'mac' | 'fingerprint' | 'vendor' | 'host';

/** Where a term was seen: the match kinds of GET /api/v1/search. */
export type TermSource = 'alert' | 'device' | 'traffic' | 'log';

/** One term to index. */
export interface Term {
  kind: TermKind;
  /** Normalized key (see the *Key functions). */
  key: string;
  site: string;
  source: TermSource;
  /**
   * What makes the row one of many for the same key and site: the device MAC; '' for alerts,
   * traffic and logs (one row per key and site, moved forward by each newer sighting).
   */
  ref: string;
  /** The id a search answer gives for the match (alert id, MAC, `traffic:<minute>`, log record id). */
  item: string;
  /** One line saying what matched. */
  summary: string;
  /** When it was seen, ISO-8601 (the gateway's times: alert lastTs, device lastSeen, traffic minute). */
  lastSeen: string;
}

/** A row found by a lookup. */
export interface TermHit {
  site: string;
  source: TermSource;
  item: string;
  summary: string;
  lastSeen: string;
}

/** A key range to read, both ends inclusive. */
export interface KeyRange {
  kind: TermKind;
  lo: string;
  hi: string;
}

/** Above every ASCII key: the end of a prefix range (keys compare as UTF-8 bytes). */
const AFTER = '\uffff';

/** Longest key indexed, characters: longer values (crafted by a site) are not indexed. */
export const MAX_TERM_KEY = 255;

/**
 * Rows whose last write the index remembers, to skip a write that would change nothing (a scan's
 * thousand alerts from one source address write its row once). Past it the memory starts over.
 */
const WRITTEN_CACHE = 100_000;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Addresses' keys made lately: a fleet's alerts name the same few addresses again and again. Emptied when full. */
const addressKeys = new Map<string, string | null>();
const ADDRESS_KEYS = 10_000;

/** An IP address's key: '4' + 8 hex digits, or '6' + 32; null when `text` is not an address. */
export function addressKey(text: string): string | null {
  let key = addressKeys.get(text);
  if (key !== undefined) return key;
  const a = parseIpAddress(text.trim());
  key = a === null ? null : a.family === 4 ? `4${hex(a.words[0], 8)}` : `6${a.words.map((w) => hex(w, 8)).join('')}`;
  if (addressKeys.size >= ADDRESS_KEYS) addressKeys.clear();
  addressKeys.set(text, key);
  return key;
}

/** The key range of a CIDR network (`10.0.0.0/8`, `2001:db8::/32`), or null. */
export function networkRange(text: string): KeyRange | null {
  if (!text.includes('/')) return null;
  const p = parsePrefix(text.trim());
  if (p === null) return null;
  const words = p.family === 4 ? 1 : 4;
  const lo: string[] = [];
  const hi: string[] = [];
  for (let i = 0; i < words; i++) {
    const bits = Math.min(32, Math.max(0, p.length - i * 32));
    const hostMask = bits >= 32 ? 0 : bits === 0 ? 0xffffffff : (0xffffffff >>> bits);
    lo.push(hex(p.words[i]!, 8));
    hi.push(hex((p.words[i]! | hostMask) >>> 0, 8));
  }
  return { kind: 'address', lo: `${p.family}${lo.join('')}`, hi: `${p.family}${hi.join('')}` };
}

/** A MAC's key: 12 lower-case hex digits; null unless `text` is a whole MAC. */
export function macKey(text: string): string | null {
  const h = macHexDigits(text);
  return h !== null && h.length === 12 ? h : null;
}

/**
 * The hex digits of a MAC or of its first octets (an OUI, `aa:bb:cc`, `AA-BB-CC`, `aabbcc`): 2 to 12
 * digits, whole octets; null otherwise.
 */
export function macHexDigits(text: string): string | null {
  const t = text.trim().toLowerCase();
  if (/^[0-9a-f]{2}([:-][0-9a-f]{2}){1,5}$/.test(t)) return t.replace(/[:-]/g, '');
  if (/^([0-9a-f]{2}){3,6}$/.test(t)) return t;
  return null;
}

/** A domain's key: lower case, no trailing dot, labels reversed (`www.example.com` → `com.example.www`); null when not a name. */
export function domainKey(text: string): string | null {
  const t = text.trim().toLowerCase().replace(/\.$/, '');
  if (t.length === 0 || t.length > 253 || !/^[a-z0-9_*-]+(\.[a-z0-9_-]+)*$/.test(t)) return null;
  return t.split('.').reverse().join('.');
}

/** A JA4 fingerprint's key (lower case), or null when it does not look like one. */
export function fingerprintKey(text: string): string | null {
  const t = text.trim().toLowerCase();
  return /^[a-z0-9_]{1,80}$/.test(t) ? t : null;
}

/** A vendor's or hostname's key: lower case, blanks folded; null when empty. */
export function nameKey(text: string): string | null {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  return t === '' || t.length > MAX_TERM_KEY ? null : t;
}

/** Key range of every key starting with `prefix`. */
export function prefixRange(kind: TermKind, prefix: string): KeyRange {
  return { kind, lo: prefix, hi: prefix + AFTER };
}

/** Key range of one key. */
export function exactRange(kind: TermKind, key: string): KeyRange {
  return { kind, lo: key, hi: key };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_terms (
  kind      TEXT NOT NULL,            -- address, domain, mac, fingerprint, vendor, host
  key       TEXT NOT NULL,            -- normalized (hub-terms.ts)
  site      TEXT NOT NULL,
  source    TEXT NOT NULL,            -- alert, device, traffic, log
  ref       TEXT NOT NULL,            -- the MAC for devices; '' for the others
  item      TEXT NOT NULL,            -- the id a search answer gives (the latest sighting's)
  summary   TEXT NOT NULL,
  last_seen TEXT NOT NULL,            -- ISO-8601, the site's time
  UNIQUE (kind, key, site, source, ref)
);
-- A rowid table, not WITHOUT ROWID: its rows hold a summary line, too wide for a clustered key
-- (inserts measured ~3x slower). Ages are read only to prune traffic and log terms.
CREATE INDEX IF NOT EXISTS hub_terms_traffic_age ON hub_terms (site, last_seen) WHERE source = 'traffic';
CREATE INDEX IF NOT EXISTS hub_terms_log_age ON hub_terms (site, last_seen) WHERE source = 'log';
`;

/** The `hub_terms` table. Writes run inside the store's batch transaction. */
export class HubTerms {
  private readonly upsertStmt: Statement;
  private readonly rangeStmt: Statement;
  private readonly ageStmts: Record<'traffic' | 'log', Statement>;
  /** Row → the last_seen last written to it (never above the stored one): a write at or below it changes nothing. */
  private readonly written = new Map<string, string>();
  /** Row → the newest term staged by the batch under way (written by flush). */
  private readonly staged = new Map<string, Term>();

  constructor(db: Db) {
    db.exec(SCHEMA);
    // The newer sighting wins; the same one again changes nothing (a batch stored twice).
    this.upsertStmt = db.prepare(`INSERT INTO hub_terms (kind, key, site, source, ref, item, summary, last_seen)
      VALUES (@kind, @key, @site, @source, @ref, @item, @summary, @lastSeen)
      ON CONFLICT (kind, key, site, source, ref) DO UPDATE SET item = excluded.item, summary = excluded.summary, last_seen = excluded.last_seen
      WHERE excluded.last_seen > hub_terms.last_seen`);
    this.rangeStmt = db.prepare(`SELECT site, source, item, summary, last_seen AS lastSeen FROM hub_terms
      WHERE kind = ? AND key >= ? AND key <= ? ORDER BY last_seen DESC LIMIT ?`);
    // The source as a literal, so each statement uses its partial index.
    this.ageStmts = {
      traffic: db.prepare("DELETE FROM hub_terms WHERE source = 'traffic' AND site = ? AND last_seen < ?"),
      log: db.prepare("DELETE FROM hub_terms WHERE source = 'log' AND site = ? AND last_seen < ?"),
    };
  }

  /**
   * Stages terms for the batch under way (ignoring those with an empty or over-long key), keeping per
   * row only the newest sighting: a batch of a thousand alerts from one address writes its row once,
   * at {@link flush}.
   */
  put(terms: readonly Term[]): void {
    for (const t of terms) {
      if (t.key === '' || t.key.length > MAX_TERM_KEY) continue;
      const row = `${t.kind}\u0000${t.key}\u0000${t.site}\u0000${t.source}\u0000${t.ref}`;
      const staged = this.staged.get(row);
      // The first of equal sightings stays, as the upsert keeps the stored one on a tie.
      if (staged === undefined || t.lastSeen > staged.lastSeen) this.staged.set(row, t);
    }
  }

  /**
   * Writes the staged rows, each moved to its sighting only when it is newer than the stored one, and
   * empties the stage. Called once at the end of each batch, inside its transaction. Returns rows changed.
   */
  flush(): number {
    let n = 0;
    for (const [row, t] of this.staged) {
      const seen = this.written.get(row);
      if (seen !== undefined && seen >= t.lastSeen) continue;
      n += this.upsertStmt.run({ ...t, summary: t.summary.slice(0, 300) }).changes;
      if (this.written.size >= WRITTEN_CACHE) this.written.clear();
      this.written.set(row, t.lastSeen);
    }
    this.staged.clear();
    return n;
  }

  /** Forgets what was written (the batch transaction rolled back: those writes are gone). */
  forgetWrites(): void {
    this.written.clear();
    this.staged.clear();
  }

  /** Rows of one key range, most recently seen first, at most `limit`. */
  find(r: KeyRange, limit: number): TermHit[] {
    return this.rangeStmt.all(r.kind, r.lo, r.hi, limit) as TermHit[];
  }

  /** Forgets a site's traffic or log terms last seen before `before` (ISO-8601). Returns rows deleted. */
  dropOlder(source: 'traffic' | 'log', site: string, before: string): number {
    const n = this.ageStmts[source].run(site, before).changes;
    if (n > 0) this.written.clear();
    return n;
  }
}
