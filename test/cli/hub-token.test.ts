// `edgeward token … --hub-config FILE` manages the hub's tokens in the hub's own SQLite file, with the
// gateway's roles: an analyst token made there verifies against the hub's store (and not a gateway's),
// and revoking it takes effect.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenStore } from '../../gateway/auth/token-store.js';
import { main } from '../../gateway/cli/main.js';
import { hubDatabasePath, loadHubConfig } from '../../gateway/hub/hub-config.js';
import { openDatabase } from '../../gateway/store/database.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, stderrIsTTY: false });
  return { code, out, err };
}

describe('edgeward token --hub-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-hub-token-'));
  const hubConf = join(dir, 'hub.yaml');
  const gwConf = join(dir, 'gateway.yaml');
  writeFileSync(hubConf, `storage: { dataDir: ${JSON.stringify(join(dir, 'hub'))} }\n`);
  writeFileSync(gwConf, `storage: { dataDir: ${JSON.stringify(join(dir, 'gw'))} }\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const verifyIn = (file: string, token: string) => {
    const db = openDatabase(file);
    try {
      return new TokenStore(db).verify(token);
    } finally {
      db.close();
    }
  };

  it('creates, lists and revokes the hub\'s tokens in the hub\'s file', async () => {
    const made = await run(['token', 'create', '--role', 'analyst', '--name', 'soc night shift', '--hub-config', hubConf, '--json']);
    expect(made.code, made.err).toBe(0);
    const t = JSON.parse(made.out) as { token: string; id: string; role: string };
    expect(t.role).toBe('analyst');
    const hubDb = hubDatabasePath(loadHubConfig(hubConf));
    expect(verifyIn(hubDb, t.token)?.role).toBe('analyst');
    // Not a gateway token: the gateway's file does not know it.
    expect(await run(['token', 'list', '--config', gwConf])).toMatchObject({ code: 0, out: '' });
    const listed = await run(['token', 'list', '--hub-config', hubConf]);
    expect(listed.out).toContain(t.id);
    expect(listed.out).not.toContain(t.token);
    expect((await run(['token', 'revoke', t.id, '--hub-config', hubConf])).code).toBe(0);
    expect(verifyIn(hubDb, t.token)).toBeNull();
    expect((await run(['token', 'list', '--config', gwConf, '--hub-config', hubConf])).code).toBe(2);
  });
});
