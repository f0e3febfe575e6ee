// `edgeward token create|revoke` (run in-process against a real SQLite file found through --config)
// write audit rows in the daemon's table: actor `cli` with the OS user, the command as path, the new
// token's id as target, refusals with their code; never the token. `list` writes none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditStore } from '../../gateway/audit/audit-store.js';
import { runToken } from '../../gateway/cli/token-command.js';
import { openDatabase } from '../../gateway/store/database.js';

let dir: string;
let cfg: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeward-token-audit-'));
  cfg = join(dir, 'edgeward.json');
  writeFileSync(cfg, JSON.stringify({ storage: { dataDir: join(dir, 'data') } }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runToken([...args, '--config', cfg], { stdout: (s) => { out += s; }, stderr: () => undefined, stderrIsTTY: false });
  return { code, out };
}

function audit<T>(read: (s: AuditStore, dump: string) => T): T {
  const db = openDatabase(join(dir, 'data', 'edgeward.sqlite'));
  try {
    return read(new AuditStore(db), JSON.stringify(db.prepare('SELECT * FROM audit_log').all()));
  } finally {
    db.close();
  }
}

describe('token CLI audit rows', () => {
  it('records create, revoke and their refusals as actor cli with the OS user', async () => {
    const made = await run('create', '--role', 'vendor', '--vendor', 'example.com', '--name', 'ACME', '--json');
    expect(made.code).toBe(0);
    const { token, id } = JSON.parse(made.out) as { token: string; id: string };
    expect((await run('list')).code).toBe(0);
    expect((await run('create', '--role', 'vendor')).code).toBe(1);
    expect((await run('revoke', id)).code).toBe(0);
    expect((await run('revoke', 'ffffffffffff')).code).toBe(1);

    const cli = { kind: 'cli', tokenId: null, name: userInfo().username, role: null };
    audit((s, dump) => {
      expect(s.query({}).items.reverse()).toMatchObject([
        { actor: cli, client: null, method: 'CLI', path: 'token create', target: id, outcome: { status: 201, code: null }, detail: 'role=vendor vendor=example.com name=ACME' },
        { actor: cli, path: 'token create', target: null, outcome: { status: 400, code: 'token.vendor-required' }, detail: 'role=vendor' },
        { actor: cli, path: 'token revoke', target: id, outcome: { status: 200, code: null }, detail: null },
        { actor: cli, path: 'token revoke', target: 'ffffffffffff', outcome: { status: 404, code: 'token.not-found' } },
      ]);
      expect(s.count()).toBe(4);
      expect(dump).not.toContain(token.slice(3, 20));
    });
  });
});
