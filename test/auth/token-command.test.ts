// `edgeward token create|list|revoke` (gateway/cli/token-command.ts) run in-process against a real
// SQLite file found through --config: the token is printed once and verifies, lists carry no
// secret, refusals exit 1 with their stable code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../gateway/auth/token-store.js';
import { UsageError } from '../../gateway/cli/cli-io.js';
import { runToken } from '../../gateway/cli/token-command.js';
import { openDatabase } from '../../gateway/store/database.js';

let dir: string;
let cfg: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeward-token-cli-'));
  cfg = join(dir, 'edgeward.json');
  writeFileSync(cfg, JSON.stringify({ storage: { dataDir: join(dir, 'data') } }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runToken([...args, '--config', cfg], { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, stderrIsTTY: false });
  return { code, out, err };
}

function verify(token: string): ReturnType<TokenStore['verify']> {
  const db = openDatabase(join(dir, 'data', 'edgeward.sqlite'));
  try {
    return new TokenStore(db).verify(token);
  } finally {
    db.close();
  }
}

describe('edgeward token', () => {
  it('creates a vendor token, printed once on stdout, that verifies with its scope; list has no secret; revoke', async () => {
    const r = await run('create', '--role', 'vendor', '--vendor', 'Example.com');
    expect(r.code).toBe(0);
    const token = r.out.trim();
    expect(token).toMatch(/^ew_[A-Za-z0-9_-]{43}$/);
    expect(r.err).not.toContain(token.slice(3));
    expect(verify(token)).toMatchObject({ role: 'vendor', vendor: 'example.com' });

    const list = await run('list');
    const items = list.out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; role: string });
    expect(items.map((t) => t.role)).toEqual(['vendor']);
    expect(list.out).not.toContain(token.slice(3));

    expect((await run('revoke', items[0]!.id)).code).toBe(0);
    expect(verify(token)).toBeNull();
  });

  it('exits 1 with the stable code when refused, and throws UsageError on bad usage', async () => {
    const noVendor = await run('create', '--role', 'vendor');
    expect([noVendor.code, noVendor.err.includes('token.vendor-required')]).toEqual([1, true]);
    const badVendor = await run('create', '--role', 'vendor', '--vendor', 'com');
    expect([badVendor.code, badVendor.err.includes('token.bad-vendor')]).toEqual([1, true]);
    const unknown = await run('revoke', 'ffffffffffff');
    expect([unknown.code, unknown.err.includes('token.not-found')]).toEqual([1, true]);
    await expect(run('create')).rejects.toBeInstanceOf(UsageError);
    await expect(run('frobnicate')).rejects.toBeInstanceOf(UsageError);
  });
});
