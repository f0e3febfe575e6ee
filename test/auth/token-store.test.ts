// The token store: only the hash is kept (read back from the SQLite row), verification, revocation,
// scope validation with stable codes, and last_used_at written at most once a minute.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../gateway/auth/auth-errors.js';
import { TokenStore } from '../../gateway/auth/token-store.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';

let db: Db;
let now: number;
let store: TokenStore;
beforeEach(() => {
  db = openDatabase(':memory:');
  now = Date.UTC(2026, 0, 1);
  store = new TokenStore(db, { now: () => now });
});

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return (e as AuthError).code;
  }
  return undefined;
};

describe('TokenStore', () => {
  it('stores the SHA-256 of the token, never the token, and returns the token once', () => {
    const { id, token, info } = store.create({ role: 'analyst', name: 'SOC desk' });
    expect(token).toMatch(/^ew_[A-Za-z0-9_-]{43}$/);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(info).toEqual({ id, role: 'analyst', vendor: null, device: null, name: 'SOC desk', createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null, revokedAt: null });
    const row = db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Record<string, unknown>;
    expect(row.hash).toBe(createHash('sha256').update(token).digest('hex'));
    const secret = token.slice(3);
    for (const v of Object.values(row)) expect(String(v)).not.toContain(secret);
    expect(store.list()).toEqual([info]);
    expect(JSON.stringify(store.list())).not.toContain(secret);
  });

  it('verifies tokens, and refuses unknown, malformed and revoked ones', () => {
    const a = store.create({ role: 'admin' });
    const b = store.create({ role: 'device', device: 'AA-BB-CC-DD-EE-0F' });
    expect(store.verify(a.token)?.id).toBe(a.id);
    expect(store.verify(b.token)).toMatchObject({ role: 'device', device: 'aa:bb:cc:dd:ee:0f' });
    expect(store.verify(a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(store.verify('')).toBeNull();
    expect(store.verify('Bearer ' + a.token)).toBeNull();
    expect(store.count()).toBe(2);
    expect(store.revoke(a.id)).toBe(true);
    expect(store.verify(a.token)).toBeNull();
    expect(store.revoke(a.id)).toBe(false);
    expect(store.get(a.id)?.revokedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(codeOf(() => store.revoke('000000000000'))).toBe('token.not-found');
    expect([store.count(), store.count('admin'), store.count('device')]).toEqual([1, 0, 1]);
  });

  it('validates the role, the vendor domain, the device and the name with stable codes', () => {
    expect(codeOf(() => store.create({ role: 'root' }))).toBe('token.bad-role');
    expect(codeOf(() => store.create({ role: 'vendor' }))).toBe('token.vendor-required');
    expect(codeOf(() => store.create({ role: 'vendor', vendor: '  ' }))).toBe('token.vendor-required');
    for (const bad of ['com', 'exa mple.com', '-example.com', 'example-.com', '192.0.2.1', 'example.123', '[::1]', 'a..b', 'x'.repeat(64) + '.com']) {
      expect(codeOf(() => store.create({ role: 'vendor', vendor: bad })), bad).toBe('token.bad-vendor');
    }
    expect(store.create({ role: 'vendor', vendor: 'Example.COM.' }).info.vendor).toBe('example.com');
    expect(store.create({ role: 'vendor', vendor: 'bücher.example' }).info.vendor).toBe('xn--bcher-kva.example');
    expect(codeOf(() => store.create({ role: 'analyst', vendor: 'example.com' }))).toBe('token.scope-mismatch');
    expect(codeOf(() => store.create({ role: 'admin', device: 'aa:bb:cc:dd:ee:ff' }))).toBe('token.scope-mismatch');
    expect(codeOf(() => store.create({ role: 'device', device: 'aa:bb:cc:dd:ee' }))).toBe('token.bad-device');
    expect(store.create({ role: 'device' }).info.device).toBeNull();
    expect(codeOf(() => store.create({ role: 'analyst', name: 'a\nb' }))).toBe('token.bad-name');
    expect(codeOf(() => store.create({ role: 'analyst', name: 'x'.repeat(101) }))).toBe('token.bad-name');
    expect(store.count()).toBe(3);
  });

  it('writes last_used_at at most once a minute', () => {
    const { id, token } = store.create({ role: 'analyst' });
    const lastUsed = (): unknown => (db.prepare('SELECT last_used_at FROM api_tokens WHERE id = ?').get(id) as { last_used_at: unknown }).last_used_at;
    now += 1000;
    expect(store.verify(token)?.lastUsedAt).toBe('2026-01-01T00:00:01.000Z');
    now += 60_000 - 1;
    store.verify(token);
    expect(lastUsed()).toBe('2026-01-01T00:00:01.000Z');
    now += 1;
    expect(store.verify(token)?.lastUsedAt).toBe('2026-01-01T00:01:01.000Z');
    expect(lastUsed()).toBe('2026-01-01T00:01:01.000Z');
  });

  it('keeps tokens across reopening the database file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-tokens-'));
    try {
      const file = join(dir, 'gw.sqlite');
      const db1 = openDatabase(file);
      const { token } = new TokenStore(db1).create({ role: 'vendor', vendor: 'example.com' });
      db1.close();
      const db2 = openDatabase(file);
      expect(new TokenStore(db2).verify(token)).toMatchObject({ role: 'vendor', vendor: 'example.com' });
      db2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
