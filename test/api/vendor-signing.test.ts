// The vendor signing journey of issue 17, end to end with the built CLI and a real daemon running the
// demo: the demo vendor signs a profile with `edgeward mud sign` and uploads it with its vendor
// token (201, the signer shown); a profile signed by a certificate nobody trusts is refused with 422
// naming why; an operator's `edgeward trust add|list|remove` changes that on the running daemon; a
// certificate trusted for another domain is refused as such; expired and changed files too.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';
import { makeTestPki, signDetached } from '../helpers/pki.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const CLI = join(ROOT, 'dist/gateway/cli/main.js');
const PROFILES = join(ROOT, 'policies', 'profiles');
const PKI = join(PROFILES, 'demo-pki');
const DEMO_SIGNER = 'O=Example Home (edgeward DEMO ONLY), CN=mud.example.com';
const openssl = spawnSync('openssl', ['version']).status === 0;

interface Cli { code: number; out: string; err: string }
interface ProfileItem { mudUrl: string; source: string; signature: string; signer: string | null }
interface Refusal { code: string; details: { code: string; message: string }[] }

/** Runs the built `edgeward` as a person would. */
function edgeward(...args: string[]): Cli {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe.skipIf(!openssl)('vendor signing journey (edgeward mud sign, trust, upload)', () => {
  let t: TestDaemon;
  let work: string;
  let config: string;

  /** A self-signed signing certificate and key made with openssl, as a vendor without a CA would. */
  function selfSigned(name: string, cn: string): { cert: string; key: string } {
    const cert = join(work, `${name}.pem`);
    const key = join(work, `${name}.key`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
      '-days', '30', '-subj', `/O=${name}/CN=${cn}`, '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'basicConstraints=critical,CA:FALSE'], { stdio: 'ignore' });
    return { cert, key };
  }

  /** Signs a copy of a bundled profile with the CLI; returns the MUD text and the signature's base64. */
  function signWithCli(profile: string, cert: string, key: string): { mud: string; signature: string } {
    const file = join(work, `${profile}.json`);
    copyFileSync(join(PROFILES, `${profile}.json`), file);
    const r = edgeward('mud', 'sign', file, '--cert', cert, '--key', key);
    expect(r.code, r.err).toBe(0);
    return { mud: readFileSync(file, 'utf8'), signature: readFileSync(join(work, `${profile}.p7s`)).toString('base64') };
  }

  async function upload(body: unknown, token = t.tokens.vendor) {
    const res = await t.api('/api/v1/profiles', { method: 'POST', token, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: res.status, body: (await res.json()) as ProfileItem & Refusal };
  }
  const profile = async (name: string) =>
    ((await (await t.api('/api/v1/profiles', { token: t.tokens.vendor })).json()) as { items: ProfileItem[] }).items
      .find((p) => p.mudUrl === `https://mud.example.com/edgeward-demo/${name}.json`);

  beforeAll(async () => {
    // The daemon as `npm start` runs it without an interface: the demo, which trusts the demo vendor CA.
    t = await startTestDaemon({}, { source: 'demo' });
    work = mkdtempSync(join(tmpdir(), 'edgeward-vendor-'));
    config = join(work, 'edgeward.yaml');
    writeFileSync(config, `storage:\n  dataDir: ${JSON.stringify(t.dir)}\n`);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the demo vendor signs a profile with `edgeward mud sign` and uploads it with its token: 201, the signer shown', async () => {
    expect((await profile('camera'))).toMatchObject({ source: 'bundled', signature: 'local' });
    const signed = signWithCli('camera', join(PKI, 'demo-vendor.pem'), join(PKI, 'demo-vendor.key'));
    const r = await upload(signed);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ source: 'uploaded', signature: 'signed', signer: DEMO_SIGNER });
    expect(await profile('camera')).toMatchObject({ source: 'uploaded', signature: 'signed', signer: DEMO_SIGNER });
    // The signatures the demo ships (made by make.sh with openssl) upload the same way.
    const plug = await upload({ mud: readFileSync(join(PROFILES, 'plug.json'), 'utf8'), signature: readFileSync(join(PROFILES, 'plug.p7s')).toString('base64') });
    expect(plug.status, JSON.stringify(plug.body)).toBe(201);
    expect(plug.body.signer).toBe(DEMO_SIGNER);
  });

  it('refuses a profile signed by an untrusted certificate with 422 naming why, and changes nothing', async () => {
    const rogue = selfSigned('Rogue Signer', 'rogue.example.com');
    const r = await upload(signWithCli('bulb', rogue.cert, rogue.key));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('profile.bad-signature');
    expect(r.body.details[0]!.code).toBe('signature.untrusted-chain');
    expect(r.body.details[0]!.message).toContain('O=Rogue Signer, CN=rogue.example.com');
    expect(r.body.details[0]!.message).toContain('edgeward trust add');
    expect(await profile('bulb')).toMatchObject({ source: 'bundled', signature: 'local' });
  });

  it('trust add, list and remove: the running daemon takes a trusted vendor certificate at once, and drops it again', async () => {
    const own = selfSigned('Example Home Build', 'mud.example.com');
    const signed = signWithCli('bulb', own.cert, own.key);
    expect((await upload(signed)).body.details[0]!.code).toBe('signature.untrusted-chain');

    const add = edgeward('trust', 'add', own.cert, '--vendor', 'mud.example.com', '--config', config);
    expect(add.code, add.err).toBe(0);
    const id = add.out.trim();
    expect(id).toMatch(/^ts-[0-9a-f]{8}$/);
    expect(add.err).toContain('to sign MUD files for mud.example.com');
    const list = edgeward('trust', 'list', '--config', config, '--json');
    const entries = list.out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; vendor: string; kind: string; subject: string; fingerprint: string });
    expect(entries).toEqual([expect.objectContaining({ id, vendor: 'mud.example.com', kind: 'signer', subject: 'O=Example Home Build, CN=mud.example.com' })]);
    // The demo CA is trusted by the demo run only, never written to the database.
    expect(list.out).not.toContain('demo-vendor-ca');
    const table = edgeward('trust', 'list', '--config', config);
    expect(table.out, table.err).toContain(id);

    const ok = await upload(signed);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.signer).toBe('O=Example Home Build, CN=mud.example.com');

    // Removed by its SHA-256 fingerprint as openssl prints it (AB:CD:…).
    const fp = execFileSync('openssl', ['x509', '-in', own.cert, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).split('=')[1]!.trim();
    expect(fp.replace(/:/g, '').toLowerCase()).toBe(entries[0]!.fingerprint);
    const rm = edgeward('trust', 'remove', fp, '--config', config);
    expect(rm.code, rm.err).toBe(0);
    expect(rm.err).toContain(`no longer trusting O=Example Home Build, CN=mud.example.com for mud.example.com (id ${id})`);
    expect(edgeward('trust', 'list', '--config', config, '--json').out).toBe('');
    const again = await upload(signed);
    expect(again.status).toBe(422);
    expect(again.body.details[0]!.code).toBe('signature.untrusted-chain');
    const missing = edgeward('trust', 'remove', id, '--config', config);
    expect([missing.code, missing.err.includes('trust.not-found')]).toEqual([1, true]);
    // Each change is a row of the audit log, with the OS user who ran the command.
    const audit = (await (await t.api('/api/v1/audit?path=trust', { token: t.tokens.admin })).json()) as { items: { path: string; target: string | null; actor: { kind: string }; outcome: { status: number; code: string | null } }[] };
    expect(audit.items.map((r) => [r.path, r.target, r.actor.kind, r.outcome.status, r.outcome.code])).toEqual([
      ['trust remove', id, 'cli', 404, 'trust.not-found'],
      ['trust remove', entries[0]!.fingerprint, 'cli', 200, null],
      ['trust add', entries[0]!.fingerprint, 'cli', 201, null],
    ]);
  });

  it('refuses a signer trusted only for another vendor domain, naming that domain', async () => {
    const other = selfSigned('Other Vendor', 'mud.other.example.net');
    const add = edgeward('trust', 'add', other.cert, '--vendor', 'other.example.net', '--config', config);
    expect(add.code, add.err).toBe(0);
    const r = await upload(signWithCli('speaker', other.cert, other.key));
    expect(r.status).toBe(422);
    expect(r.body.details[0]!.code).toBe('signature.wrong-domain');
    expect(r.body.details[0]!.message).toMatch(/trusted only for other\.example\.net \(trusted signer ts-[0-9a-f]{8}\), not for mud\.example\.com/);
    expect(await profile('speaker')).toMatchObject({ source: 'bundled' });
  });

  it('refuses an expired signer and a signature of other bytes, each by its code', async () => {
    const pki = await makeTestPki();
    const ca = join(work, 'test-ca.pem');
    writeFileSync(ca, pki.ca.pem);
    expect(edgeward('trust', 'add', ca, '--vendor', 'example.com', '--config', config).code).toBe(0);
    const text = readFileSync(join(PROFILES, 'speaker.json'), 'utf8');
    const expired = await upload({ mud: text, signature: (await signDetached(Buffer.from(text), pki.expiredVendor)).toString('base64') });
    expect([expired.status, expired.body.details[0]!.code]).toEqual([422, 'signature.expired']);
    const good = await upload({ mud: text, signature: (await signDetached(Buffer.from(text), pki.vendor)).toString('base64') });
    expect(good.status, JSON.stringify(good.body)).toBe(201);
    const other = await upload({ mud: text.replace('"cache-validity": 48', '"cache-validity": 24'), signature: (await signDetached(Buffer.from(text), pki.vendor)).toString('base64') });
    expect([other.status, other.body.details[0]!.code]).toEqual([422, 'signature.digest-mismatch']);
  });
});

describe.skipIf(!openssl)('outside the demo', () => {
  it('the demo vendor CA is not trusted (its keys are public)', async () => {
    const t = await startTestDaemon({ policy: { profilesDir: PROFILES } });
    try {
      const res = await t.api('/api/v1/profiles', {
        method: 'POST', token: t.tokens.vendor, headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mud: readFileSync(join(PROFILES, 'camera.json'), 'utf8'), signature: readFileSync(join(PROFILES, 'camera.p7s')).toString('base64') }),
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as Refusal).details[0]!.code).toBe('signature.untrusted-chain');
    } finally {
      await t.close();
    }
  });
});
