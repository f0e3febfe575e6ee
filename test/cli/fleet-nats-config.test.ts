// `edgeward fleet nats-config` writes a configuration a real nats-server runs: each site's password
// file signs in its own user, which may publish under its own subjects only; running the command again
// with one more site keeps every password already issued.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Status } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../gateway/cli/main.js';
import { freePorts, ServerProcess } from '../../gateway/common/server-process.js';
import { fleetSubject } from '../../gateway/fleet/fleet-stream.js';
import { siteInboxPrefix } from '../../gateway/fleet/nats-server-config.js';
import { NATS_SERVER, natsServerUnavailable } from '../helpers/nats-server.js';
import { issue, issueServerCert } from '../helpers/pki.js';
import { until } from '../helpers/wait-until.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, stderrIsTTY: false });
  return { code, out, err };
}

describe('edgeward fleet nats-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-nats-config-'));
  const secrets = join(dir, 'secrets');
  const conf = join(dir, 'nats.conf');
  let server: ServerProcess | null = null;
  const open: NatsConnection[] = [];
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad site id, a relative store and a missing --secrets, naming the fault', async () => {
    const base = ['fleet', 'nats-config', '--store-dir', join(dir, 'store'), '--secrets', secrets];
    const shop = await run([...base, '--site', 'Shop.1']);
    expect([shop.code, shop.err]).toEqual([2, expect.stringContaining('--site "Shop.1"') as unknown]);
    const relative = await run(['fleet', 'nats-config', '--site', 'a', '--store-dir', 'store', '--secrets', secrets]);
    expect([relative.code, relative.err]).toEqual([2, expect.stringContaining('absolute') as unknown]);
    const noSecrets = await run(['fleet', 'nats-config', '--site', 'a', '--store-dir', join(dir, 'store')]);
    expect([noSecrets.code, noSecrets.err]).toEqual([2, expect.stringContaining('--secrets') as unknown]);
  });

  it('puts TLS on the client port from --tls-cert and --tls-key (mutual with --tls-ca --tls-verify); refuses half of it, naming the flag', async () => {
    const ca = await issue({ cn: 'Fleet CA', role: 'ca' });
    const server = await issueServerCert(ca);
    const files = { ca: join(dir, 'tls-ca.pem'), cert: join(dir, 'tls-server.crt'), key: join(dir, 'tls-server.key') };
    writeFileSync(files.ca, ca.pem);
    writeFileSync(files.cert, server.pem);
    writeFileSync(files.key, server.keyPem, { mode: 0o600 });
    // Its own secrets folder: the test below counts the passwords it makes.
    const base = ['fleet', 'nats-config', '--site', 'home', '--store-dir', join(dir, 'store'), '--secrets', join(dir, 'tls-secrets')];
    const refused = async (extra: string[], flag: string): Promise<void> => {
      const r = await run([...base, ...extra]);
      expect([r.code, r.err], extra.join(' ')).toEqual([2, expect.stringContaining(flag) as unknown]);
    };
    await refused(['--tls-cert', files.cert], '--tls-cert and --tls-key go together');
    await refused(['--tls-ca', files.ca], '--tls-ca and --tls-verify need --tls-cert');
    await refused(['--tls-cert', files.cert, '--tls-key', files.key, '--tls-verify'], '--tls-verify needs --tls-ca');
    await refused(['--tls-cert', join(dir, 'nope.crt'), '--tls-key', files.key], `--tls-cert ${join(dir, 'nope.crt')}: no such file`);

    const out = join(dir, 'tls.conf');
    const r = await run([...base, '--out', out, '--tls-cert', files.cert, '--tls-key', files.key, '--tls-ca', files.ca, '--tls-verify']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('TLS on: gateways and hub connect to tls://HOST:PORT');
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`tls {\n  cert_file: "${files.cert}"\n  key_file: "${files.key}"\n  ca_file: "${files.ca}"\n  verify: true\n  timeout: 2\n}`);
    // nats-server reads it (and the files it names) without complaint; fleet-tls.test.ts runs one.
    if (natsServerUnavailable() === null) {
      const t = spawnSync(NATS_SERVER, ['-c', out, '-t'], { encoding: 'utf8' });
      expect(t.status, t.stderr + t.stdout).toBe(0);
    }
  });

  it.skipIf(natsServerUnavailable() !== null)('writes files a real nats-server runs; a site publishes only as itself; passwords are kept on a re-run', async () => {
    const [port] = (await freePorts(1)) as [number];
    const args = ['fleet', 'nats-config', '--store-dir', join(dir, 'store'), '--secrets', secrets, '--out', conf, '--host', '127.0.0.1', '--port', String(port)];
    const first = await run([...args, '--site', 'home', '--site', 'shop']);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain('new: hub, site-home, site-shop');
    const homePass = readFileSync(join(secrets, 'site-home.password'), 'utf8').trim();
    // The secret is in its file only: not printed, and the files are the owner's alone.
    expect(first.err + first.out).not.toContain(homePass);
    for (const f of [conf, join(secrets, 'site-home.password'), join(secrets, 'hub.password')]) expect(statSync(f).mode & 0o077, f).toBe(0);

    const again = await run([...args, '--site', 'home', '--site', 'shop', '--site', 'office']);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('new: site-office');
    expect(readFileSync(join(secrets, 'site-home.password'), 'utf8').trim()).toBe(homePass);

    server = new ServerProcess('nats-server', NATS_SERVER, ['-c', conf], async () => {
      try {
        const nc = await connect({ servers: `127.0.0.1:${port}`, user: 'hub', pass: readFileSync(join(secrets, 'hub.password'), 'utf8').trim(), reconnect: false, timeout: 1000 });
        await nc.close();
        return true;
      } catch {
        return false;
      }
    });
    await server.start();

    const home = await connect({ servers: `127.0.0.1:${port}`, user: 'site-home', pass: homePass, inboxPrefix: siteInboxPrefix('home'), reconnect: false });
    open.push(home);
    const seen: Status[] = [];
    void (async () => { for await (const s of home.status()) seen.push(s); })();
    home.publish(fleetSubject('home', 'alert'), '{}');
    home.publish(fleetSubject('shop', 'alert'), '{}');
    await home.flush();
    await until(() => seen.some((s) => s.data === 'PERMISSIONS_VIOLATION'), () => 'a permissions violation', 5000);
    const refused = seen.filter((s) => s.data === 'PERMISSIONS_VIOLATION').map((s) => s.permissionContext?.subject);
    expect(refused).toEqual([fleetSubject('shop', 'alert')]);
    // A wrong password is refused outright.
    await expect(connect({ servers: `127.0.0.1:${port}`, user: 'site-office', pass: homePass, reconnect: false })).rejects.toThrow(/Authorization/i);
  }, 30_000);
});
