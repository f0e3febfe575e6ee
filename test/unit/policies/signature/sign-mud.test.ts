// `signMud` makes the detached CMS signature of RFC 8520 §13 that the project's own verifier and
// `openssl cms -verify` both accept; the scoped check trusts a signer only for its vendor domain and
// says why it refuses (untrusted chain naming the signer, wrong domain naming the trusted one,
// expired); the demo's shipped signatures verify against the demo vendor CA.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { vendorOwns } from '../../../../gateway/auth/vendor-domain.js';
import { demoPkiDir, demoTrustedSigners } from '../../../../gateway/demo/demo-vendor-pki.js';
import { MudSignError, signMud } from '../../../../policies/signature/sign-mud.js';
import { verifyMudSignature } from '../../../../policies/signature/verify-mud-signature.js';
import { verifyMudSignatureScoped, type ScopedSigner } from '../../../../policies/signature/verify-scoped.js';
import { ROOT } from '../../../helpers/fixtures.js';
import { makeTestPki, signDetached, TEST_NOW, type TestPki } from '../../../helpers/pki.js';

const PKI = demoPkiDir(ROOT);
const PROFILES = join(ROOT, 'policies', 'profiles');
const demoCa = readFileSync(join(PKI, 'demo-vendor-ca.pem'), 'utf8');
const demoCert = readFileSync(join(PKI, 'demo-vendor.pem'), 'utf8');
const demoKey = readFileSync(join(PKI, 'demo-vendor.key'), 'utf8');
const camera = readFileSync(join(PROFILES, 'camera.json'));
const CAMERA_URL = 'https://mud.example.com/edgeward-demo/camera.json';
const openssl = spawnSync('openssl', ['version']).status === 0;

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});

const codeOf = (r: { ok: boolean; code?: string }): string => (r.ok ? 'ok' : r.code!);
const scoped = (signers: ScopedSigner[], content: Buffer, sig: Buffer, mudUrl = CAMERA_URL, at?: Date) =>
  verifyMudSignatureScoped(content, sig, { signers, mudUrl, owns: vendorOwns, ...(at && { at }) });

describe('signMud', () => {
  it('signs detached, DER, with the signer certificate: the project verifier accepts it against the CA', async () => {
    const s = await signMud(camera, { certificate: demoCert, privateKey: demoKey });
    expect(s.der[0]).toBe(0x30); // DER SEQUENCE, not PEM text
    expect(s.signer.subject).toBe('O=Example Home (edgeward DEMO ONLY), CN=mud.example.com');
    expect(s.validity).toBe('valid');
    const r = await verifyMudSignature(camera, s.der, { trustAnchors: [demoCa] });
    expect(codeOf(r)).toBe('ok');
    // The signature covers the bytes: one byte changed is a different file.
    const changed = Buffer.from(camera);
    changed[changed.length - 2] ^= 0x20;
    expect(codeOf(await verifyMudSignature(changed, s.der, { trustAnchors: [demoCa] }))).toBe('signature.digest-mismatch');
  });

  it('signs with an RSA key too, and carries a given chain', async () => {
    const s = await signMud(camera, { certificate: pki.vendorRsa.pem, privateKey: pki.vendorRsa.keyPem, chain: pki.ca.pem, at: TEST_NOW });
    expect(s.chainCertificates).toBe(1);
    expect(codeOf(await verifyMudSignature(camera, s.der, { trustAnchors: [pki.ca.pem], at: TEST_NOW }))).toBe('ok');
  });

  it.skipIf(!openssl)('makes what `openssl cms -verify -binary -inform DER` accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-sign-'));
    writeFileSync(join(dir, 'camera.p7s'), (await signMud(camera, { certificate: demoCert, privateKey: demoKey })).der);
    const run = (ca: string) => spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'camera.p7s'),
      '-content', join(PROFILES, 'camera.json'), '-CAfile', ca, '-purpose', 'any', '-out', '/dev/null'], { encoding: 'utf8' });
    const ok = run(join(PKI, 'demo-vendor-ca.pem'));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('Verification successful');
    // And openssl refuses it against another CA: the check above can fail.
    writeFileSync(join(dir, 'other-ca.pem'), pki.otherCa.pem);
    expect(run(join(dir, 'other-ca.pem')).status).not.toBe(0);
  });

  it('refuses a key that is not the certificate\'s, and a certificate without digitalSignature, by code', async () => {
    const refusal = (p: Promise<unknown>) => p.then(() => 'signed', (e: unknown) => (e instanceof MudSignError ? e.code : String(e)));
    expect(await refusal(signMud(camera, { certificate: demoCert, privateKey: pki.vendor.keyPem }))).toBe('sign.key-mismatch');
    expect(await refusal(signMud(camera, { certificate: demoCa, privateKey: readFileSync(join(PKI, 'demo-vendor-ca.key')) }))).toBe('sign.key-usage');
    expect(await refusal(signMud(camera, { certificate: demoCert, privateKey: 'not a key' }))).toBe('sign.key');
    expect(await refusal(signMud(camera, { certificate: 'no certificate', privateKey: demoKey }))).toBe('sign.certificate');
  });
});

describe('the demo\'s shipped signatures', () => {
  it.each(['camera', 'plug', 'bulb', 'speaker'])('%s.p7s verifies against the demo vendor CA, trusted for mud.example.com', async (name) => {
    const content = readFileSync(join(PROFILES, `${name}.json`));
    const sig = readFileSync(join(PROFILES, `${name}.p7s`));
    const url = `https://mud.example.com/edgeward-demo/${name}.json`;
    const r = await scoped(demoTrustedSigners(ROOT), content, sig, url);
    expect(r).toMatchObject({ ok: true, trustedSigner: { id: 'demo-vendor-ca', vendor: 'mud.example.com' } });
    if (openssl) {
      const v = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(PROFILES, `${name}.p7s`), '-content',
        join(PROFILES, `${name}.json`), '-CAfile', join(PKI, 'demo-vendor-ca.pem'), '-out', '/dev/null'], { encoding: 'utf8' });
      expect(v.status, v.stderr).toBe(0);
    }
  });

  it.skipIf(!openssl)('the demo vendor certificate is what make.sh says: issued by the demo CA, digitalSignature, for mud.example.com', () => {
    const text = execFileSync('openssl', ['x509', '-in', join(PKI, 'demo-vendor.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('CN = Example Home Demo MUD CA');
    expect(text).toContain('DNS:mud.example.com');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
  });
});

describe('verifyMudSignatureScoped', () => {
  const trusted = (vendor: string, certificate: string, id = 'ts-test'): ScopedSigner => ({ id, vendor, certificate });

  it('trusts a vendor CA for its domain and the names under it', async () => {
    const sig = await signDetached(camera, pki.vendor);
    expect(await scoped([trusted('example.com', pki.ca.pem)], camera, sig, CAMERA_URL, TEST_NOW)).toMatchObject({ ok: true, trustedSigner: { vendor: 'example.com' } });
  });

  it('trusts a vendor\'s own signing certificate (no CA), with its dates still checked', async () => {
    const sig = await signDetached(camera, pki.vendor);
    expect(codeOf(await scoped([trusted('mud.example.com', pki.vendor.pem)], camera, sig, CAMERA_URL, TEST_NOW))).toBe('ok');
    const old = await signDetached(camera, pki.expiredVendor);
    expect(codeOf(await scoped([trusted('mud.example.com', pki.expiredVendor.pem)], camera, old, CAMERA_URL, TEST_NOW))).toBe('signature.expired');
  });

  it('refuses a signer trusted only for another domain, naming that domain and entry', async () => {
    const sig = await signDetached(camera, pki.vendor);
    const r = await scoped([trusted('example.net', pki.ca.pem, 'ts-net')], camera, sig, CAMERA_URL, TEST_NOW);
    expect(codeOf(r)).toBe('signature.wrong-domain');
    expect(!r.ok && r.reason).toMatch(/trusted only for example\.net \(trusted signer ts-net\), not for mud\.example\.com/);
    // evil-example.com is not under example.com.
    const evil = await scoped([trusted('example.com', pki.ca.pem)], camera, sig, 'https://mud.evil-example.com/x.json', TEST_NOW);
    expect(codeOf(evil)).toBe('signature.wrong-domain');
  });

  it('refuses an untrusted signer naming it, and an expired one as expired', async () => {
    const sig = await signDetached(camera, pki.otherSigner);
    const r = await scoped([trusted('mud.example.com', pki.ca.pem, 'ts-ca')], camera, sig, CAMERA_URL, TEST_NOW);
    expect(codeOf(r)).toBe('signature.untrusted-chain');
    expect(!r.ok && r.reason).toContain('O=Example Devices, CN=mud.example.com (issued by O=Someone Else, CN=Unrelated Root CA)');
    expect(!r.ok && r.reason).toContain('ts-ca');
    const none = await scoped([], camera, sig, CAMERA_URL, TEST_NOW);
    expect(!none.ok && none.reason).toContain('edgeward trust add');
    const old = await signDetached(camera, pki.expiredVendor);
    expect(codeOf(await scoped([trusted('mud.example.com', pki.ca.pem)], camera, old, CAMERA_URL, TEST_NOW))).toBe('signature.expired');
  });

  it('still trusts the config anchors for every domain', async () => {
    const sig = await signDetached(camera, pki.vendor);
    const r = await verifyMudSignatureScoped(camera, sig, { trustAnchors: [pki.ca.pem], signers: [], mudUrl: 'https://mud.anything.example/x.json', owns: vendorOwns, at: TEST_NOW });
    expect(r).toMatchObject({ ok: true, trustedSigner: null });
  });
});
