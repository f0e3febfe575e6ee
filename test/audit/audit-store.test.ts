// The audit log's table (gateway/audit/audit-store.ts) on a real SQLite file with a fake clock:
// rows round-trip, filters (since, until, actor, path prefix) and cursor pages, nothing shaped like
// a token survives in any column, prune by age and by rows keeps the newest and never reuses a seq,
// and the CLI writer names the OS user.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditText } from '../../gateway/audit/audit-entry.js';
import type { NewAuditEntry } from '../../gateway/audit/audit-entry.js';
import { AuditStore } from '../../gateway/audit/audit-store.js';
import { auditCliWrite } from '../../gateway/audit/cli-audit.js';
import { generateToken } from '../../gateway/auth/token-secret.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';

let dir: string;
let db: Db;
let clock: { t: number };
let store: AuditStore;
const T0 = Date.parse('2025-03-01T10:00:00.000Z');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeward-audit-'));
  db = openDatabase(join(dir, 'edgeward.sqlite'));
  clock = { t: T0 };
  store = new AuditStore(db, { now: () => clock.t });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (over: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  actor: { kind: 'token', tokenId: 'a1b2c3d4e5f6', name: 'soc desk', role: 'analyst' },
  client: '192.0.2.5', method: 'POST', path: '/api/v1/alerts/al-1/resolve', target: 'al-1',
  outcome: { status: 200, code: null }, detail: null, ...over,
});

describe('AuditStore', () => {
  it('stores a row and reads it back, newest first, with increasing seq', () => {
    store.record(entry());
    clock.t += 1000;
    store.record(entry({ actor: { kind: 'none', tokenId: null, name: null, role: null }, outcome: { status: 401, code: 'auth.missing' }, target: null }));
    const page = store.query({});
    expect(page.next).toBeNull();
    expect(page.items).toEqual([
      { seq: 2, at: '2025-03-01T10:00:01.000Z', actor: { kind: 'none', tokenId: null, name: null, role: null }, client: '192.0.2.5', method: 'POST', path: '/api/v1/alerts/al-1/resolve', target: null, outcome: { status: 401, code: 'auth.missing' }, detail: null },
      { seq: 1, at: '2025-03-01T10:00:00.000Z', actor: { kind: 'token', tokenId: 'a1b2c3d4e5f6', name: 'soc desk', role: 'analyst' }, client: '192.0.2.5', method: 'POST', path: '/api/v1/alerts/al-1/resolve', target: 'al-1', outcome: { status: 200, code: null }, detail: null },
    ]);
  });

  it('filters by since, until, actor and path prefix, and pages by cursor', () => {
    for (let i = 0; i < 7; i++) {
      store.record(entry({ path: i % 2 === 0 ? `/api/v1/tokens/t${i}` : `/api/v1/alerts/a${i}/resolve`, actor: { kind: 'token', tokenId: `tok${i % 3}`, name: null, role: 'admin' } }));
      clock.t += 60_000;
    }
    auditCliWrite(db, { command: 'token create', target: 'abc', status: 201 }, store);
    expect(store.query({ pathPrefix: '/api/v1/tokens' }).items.map((e) => e.path)).toEqual(['/api/v1/tokens/t6', '/api/v1/tokens/t4', '/api/v1/tokens/t2', '/api/v1/tokens/t0']);
    expect(store.query({ pathPrefix: '/api/v1/tok%' }).items).toEqual([]); // a prefix means itself, not a LIKE pattern
    expect(store.query({ actor: 'tok1' }).items.map((e) => e.seq)).toEqual([5, 2]);
    expect(store.query({ actor: 'cli' }).items.map((e) => e.path)).toEqual(['token create']);
    expect(store.query({ since: '2025-03-01T10:03:00.000Z', until: '2025-03-01T10:05:00.000Z' }).items.map((e) => e.seq)).toEqual([5, 4]);
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const p = store.query({ limit: 3, before });
      seen.push(...p.items.map((e) => e.seq));
      if (p.next === null) break;
      before = p.next;
    }
    expect(seen).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('keeps nothing shaped like a token in any column, plain or percent-encoded', () => {
    const token = generateToken();
    const enc = encodeURIComponent(token).replace('_', '%5F');
    store.record(entry({
      actor: { kind: 'token', tokenId: token, name: `name ${token}`, role: 'admin' },
      path: `/api/v1/tokens/${token}`, target: token, detail: `x=${enc}`, client: token, outcome: { status: 404, code: token },
    }));
    const dump = JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
    expect(dump).not.toContain(token.slice(3, 15));
    expect(dump).not.toMatch(/ew_[A-Za-z0-9_-]{8}/);
    expect(store.query({}).items[0]!.path).toBe('/api/v1/tokens/ew_…');
    expect(auditText('a\nb', 10)).toBe('a b');
    expect(auditText('x'.repeat(20), 10)).toHaveLength(10);
  });

  it('never reuses a seq, even with every row pruned', () => {
    for (let i = 0; i < 10; i++) store.record(entry({ target: `t${i}` }));
    // As the retention pruner leaves it at worst (gateway/store/retention.ts deletes by rowid).
    db.exec('DELETE FROM audit_log');
    store.record(entry({ target: 'new' }));
    expect(store.query({}).items).toMatchObject([{ seq: 11, target: 'new' }]);
  });

  it('writes CLI rows as actor cli with the OS user, no client', () => {
    auditCliWrite(db, { command: 'token revoke', target: 'abcdef012345', status: 404, code: 'token.not-found' }, store);
    expect(store.query({}).items[0]).toMatchObject({
      actor: { kind: 'cli', tokenId: null, name: userInfo().username, role: null }, client: null, method: 'CLI', path: 'token revoke',
      target: 'abcdef012345', outcome: { status: 404, code: 'token.not-found' },
    });
  });
});
