// API tokens in SQLite: only the SHA-256 of each token is stored, with its role and scope (vendor
// domain, device MAC). The plain token is handed back once, by create(), and never kept.
import type { Statement } from 'better-sqlite3';
import { formatMac, parseMac } from '../../policies/net/mac-address.js';
import type { Db } from '../store/database.js';
import { AuthError } from './auth-errors.js';
import { isRole, type Role } from './roles.js';
import { generateToken, generateTokenId, hashToken, isTokenShape } from './token-secret.js';
import { normalizeVendorDomain } from './vendor-domain.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_tokens (
  id           TEXT PRIMARY KEY,          -- short public id, shown in lists and logs
  hash         TEXT NOT NULL UNIQUE,      -- SHA-256 hex of the token; the token itself is never stored
  role         TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'vendor', 'device')),
  vendor       TEXT,                      -- manufacturer domain of a vendor token
  device       TEXT,                      -- MAC of a device token (optional)
  name         TEXT,
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT
);
`;

/** A token as the gateway knows it: everything but the secret. Times are ISO-8601. */
export interface TokenInfo {
  id: string;
  role: Role;
  /** Manufacturer domain of a vendor token, canonical (lower case, A-labels); else null. */
  vendor: string | null;
  /** MAC of a device token, "aa:bb:cc:dd:ee:ff"; null when not bound to one device. */
  device: string | null;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** What to create. */
export interface NewToken {
  role: string;
  /** Required for vendor tokens, refused for the others. */
  vendor?: string;
  /** Optional for device tokens ("aa:bb:…" or "AA-BB-…"), refused for the others. */
  device?: string;
  /** A note for people ("edge logs of the camera", "ACME Corp"). */
  name?: string;
}

/** Store settings. */
export interface TokenStoreOptions {
  /** Clock, milliseconds. Default Date.now. */
  now: () => number;
  /** last_used_at is written at most this often per token, milliseconds. Default 60000. */
  touchIntervalMs: number;
}

interface Row {
  id: string; hash: string; role: Role; vendor: string | null; device: string | null; name: string | null;
  created_at: string; last_used_at: string | null; revoked_at: string | null;
}

const toInfo = (r: Row): TokenInfo => ({
  id: r.id, role: r.role, vendor: r.vendor, device: r.device, name: r.name,
  createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
});

/** The `api_tokens` table of the gateway's database. */
export class TokenStore {
  private readonly opts: TokenStoreOptions;
  private readonly insertStmt: Statement;
  private readonly byHash: Statement;
  private readonly byId: Statement;
  private readonly touchStmt: Statement;
  private readonly revokeStmt: Statement;

  constructor(private readonly db: Db, options: Partial<TokenStoreOptions> = {}) {
    this.opts = { now: Date.now, touchIntervalMs: 60_000, ...options };
    db.exec(SCHEMA);
    this.insertStmt = db.prepare(`INSERT INTO api_tokens (id, hash, role, vendor, device, name, created_at)
      VALUES (@id, @hash, @role, @vendor, @device, @name, @createdAt)`);
    this.byHash = db.prepare('SELECT * FROM api_tokens WHERE hash = ?');
    this.byId = db.prepare('SELECT * FROM api_tokens WHERE id = ?');
    this.touchStmt = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');
    this.revokeStmt = db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  }

  /**
   * Creates a token. Returns its public id, the plain token (shown once: only its hash is kept) and
   * its info. Throws AuthError: token.bad-role, token.vendor-required, token.bad-vendor,
   * token.bad-device, token.scope-mismatch, token.bad-name.
   */
  create(spec: NewToken): { id: string; token: string; info: TokenInfo } {
    if (!isRole(spec.role)) throw new AuthError('token.bad-role');
    const role: Role = spec.role;
    let vendor: string | null = null;
    if (role === 'vendor') {
      if (spec.vendor === undefined || spec.vendor.trim() === '') throw new AuthError('token.vendor-required');
      vendor = normalizeVendorDomain(spec.vendor);
      if (vendor === null) throw new AuthError('token.bad-vendor');
    } else if (spec.vendor !== undefined) {
      throw new AuthError('token.scope-mismatch');
    }
    let device: string | null = null;
    if (spec.device !== undefined) {
      if (role !== 'device') throw new AuthError('token.scope-mismatch');
      const mac = parseMac(spec.device.trim().replace(/-/g, ':').toLowerCase());
      if (mac < 0) throw new AuthError('token.bad-device');
      device = formatMac(mac);
    }
    let name: string | null = null;
    if (spec.name !== undefined) {
      name = spec.name.trim();
      // eslint-disable-next-line no-control-regex -- matching control characters is the point: names must have none
      if (name.length < 1 || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) throw new AuthError('token.bad-name');
    }
    const token = generateToken();
    const createdAt = new Date(this.opts.now()).toISOString();
    // Ids are 48 random bits; a collision is astronomically rare, but the primary key would catch it.
    for (let attempt = 0; ; attempt++) {
      const id = generateTokenId();
      try {
        this.insertStmt.run({ id, hash: hashToken(token), role, vendor, device, name, createdAt });
        return { id, token, info: { id, role, vendor, device, name, createdAt, lastUsedAt: null, revokedAt: null } };
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt >= 3) throw e;
      }
    }
  }

  /**
   * The token's info, or null when it is malformed, unknown or revoked. Looking up by hash leaks
   * nothing through timing: an attacker cannot choose the hash they probe. last_used_at is
   * refreshed at most once per touchIntervalMs, so a busy client does not write on every request.
   */
  verify(token: string): TokenInfo | null {
    if (typeof token !== 'string' || !isTokenShape(token)) return null;
    const row = this.byHash.get(hashToken(token)) as Row | undefined;
    if (row === undefined || row.revoked_at !== null) return null;
    const now = this.opts.now();
    const last = row.last_used_at === null ? -Infinity : Date.parse(row.last_used_at);
    if (now - last >= this.opts.touchIntervalMs) {
      row.last_used_at = new Date(now).toISOString();
      this.touchStmt.run(row.last_used_at, row.id);
    }
    return toInfo(row);
  }

  /** The token with this public id (revoked ones too), or null. */
  get(id: string): TokenInfo | null {
    const row = this.byId.get(id) as Row | undefined;
    return row === undefined ? null : toInfo(row);
  }

  /** Every token, revoked ones included, oldest first. */
  list(): TokenInfo[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as Row[]).map(toInfo);
  }

  /**
   * Revokes the token with this id: it stops verifying at once. Returns true when it was active,
   * false when it was already revoked; throws AuthError token.not-found for an unknown id.
   */
  revoke(id: string): boolean {
    if (this.revokeStmt.run(new Date(this.opts.now()).toISOString(), id).changes === 1) return true;
    if (this.byId.get(id) === undefined) throw new AuthError('token.not-found');
    return false;
  }

  /** Active (not revoked) tokens, of one role or all. */
  count(role?: Role): number {
    const row = (role === undefined
      ? this.db.prepare('SELECT count(*) AS n FROM api_tokens WHERE revoked_at IS NULL').get()
      : this.db.prepare('SELECT count(*) AS n FROM api_tokens WHERE revoked_at IS NULL AND role = ?').get(role)) as { n: number };
    return row.n;
  }
}
