// MUD signature checks (RFC 8520 §13) against a PKI made at test time: good signatures pass, and
// each way a signature goes wrong gives its own stable code.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SIGNATURE_ERRORS,
  SIGNATURE_ERROR_CODES,
  verifyMudSignature,
  type SignatureResult,
} from '../../../../policies/signature/verify-mud-signature.js';
import { TEST_NOW, makeTestPki, signDetached, toPem, type TestPki } from '../../../helpers/pki.js';

const PROFILE = Buffer.from(
  JSON.stringify({
    'ietf-mud:mud': {
      'mud-version': 1,
      'mud-url': 'https://mud.example.com/lightbulb.json',
      'last-update': '2025-01-01T00:00:00+00:00',
      'cache-validity': 48,
      'is-supported': true,
      systeminfo: 'Example light bulb',
    },
  }),
);

let pki: TestPki;
let good: Buffer;

beforeAll(async () => {
  pki = await makeTestPki();
  good = await signDetached(PROFILE, pki.vendor);
});

const anchors = (): string[] => [pki.ca.pem];
const codeOf = (r: SignatureResult): string => (r.ok ? 'ok' : r.code);

describe('verifyMudSignature', () => {
  it('accepts a good ECDSA signature and reports the signer', async () => {
    const r = await verifyMudSignature(PROFILE, good, { trustAnchors: anchors(), at: TEST_NOW });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.signer.subject).toBe('O=Example Devices, CN=mud.example.com');
    expect(r.signer.issuer).toBe('O=Edgeward Test, CN=Edgeward Test Root CA');
    expect(r.signer.serial).toMatch(/^[0-9a-f]+$/);
    expect(r.signer.notBefore).toBe('2020-01-01T00:00:00.000Z');
    expect(r.signer.notAfter).toBe('2049-12-31T00:00:00.000Z');
  });

  it('accepts a good RSA signature', async () => {
    const sig = await signDetached(PROFILE, pki.vendorRsa);
    const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('ok');
  });

  it('accepts PEM and DER for both the signature and the trust anchor', async () => {
    for (const label of ['PKCS7', 'CMS']) {
      const pem = Buffer.from(toPem(label, good));
      expect(codeOf(await verifyMudSignature(PROFILE, pem, { trustAnchors: anchors(), at: TEST_NOW }))).toBe('ok');
    }
    expect(codeOf(await verifyMudSignature(PROFILE, good, { trustAnchors: [pki.ca.der], at: TEST_NOW }))).toBe('ok');
    expect(codeOf(await verifyMudSignature(PROFILE, good, { trustAnchors: [Buffer.from(pki.ca.pem)], at: TEST_NOW }))).toBe('ok');
    // A bundle with an unrelated anchor first still finds the right one.
    const bundle = pki.otherCa.pem + pki.ca.pem;
    expect(codeOf(await verifyMudSignature(PROFILE, good, { trustAnchors: [bundle], at: TEST_NOW }))).toBe('ok');
  });

  it('refuses a profile with one changed byte (digest mismatch)', async () => {
    const changed = Buffer.from(PROFILE);
    changed[changed.length - 3] ^= 0x01;
    const r = await verifyMudSignature(changed, good, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.digest-mismatch');
  });

  it('refuses a signature whose value was tampered with', async () => {
    const tampered = Buffer.from(good);
    // The signature value is the last thing in the SignerInfo, hence near the end of the DER.
    tampered[tampered.length - 5] ^= 0xff;
    const r = await verifyMudSignature(PROFILE, tampered, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.bad-signature');
  });

  it("refuses another CA's signer, even with the same subject (untrusted chain)", async () => {
    const sig = await signDetached(PROFILE, pki.otherSigner);
    const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.untrusted-chain');
  });

  it('refuses everything when no trust anchor is configured', async () => {
    const r = await verifyMudSignature(PROFILE, good, { trustAnchors: [], at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.untrusted-chain');
  });

  it('refuses an expired signer certificate', async () => {
    const sig = await signDetached(PROFILE, pki.expiredVendor);
    const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.expired');
  });

  it('refuses a signer certificate that is not yet valid', async () => {
    const sig = await signDetached(PROFILE, pki.futureVendor);
    const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.not-yet-valid');
  });

  it('checks validity at the given time', async () => {
    const r = await verifyMudSignature(PROFILE, good, { trustAnchors: anchors(), at: new Date('2051-01-01T00:00:00Z') });
    expect(codeOf(r)).toBe('signature.expired');
  });

  it('refuses a signer without Key Usage digitalSignature (RFC 8520 §13.2)', async () => {
    const sig = await signDetached(PROFILE, pki.noUsageVendor);
    const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.key-usage');
  });

  it('refuses garbage, empty and non-CMS input as malformed', async () => {
    for (const sig of [Buffer.from('not a signature'), Buffer.alloc(0), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), Buffer.from('-----BEGIN PKCS7-----\n!!\n-----END PKCS7-----\n')]) {
      const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
      expect(codeOf(r)).toBe('signature.malformed');
    }
  });

  it('refuses an attached signature, even over the same bytes (MUD signatures are detached)', async () => {
    const sig = await signDetached(PROFILE, pki.vendor, { attach: true });
    const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.malformed');
  });

  it('never throws on truncated signatures', async () => {
    for (let len = 0; len < good.length; len += 7) {
      const r = await verifyMudSignature(PROFILE, good.subarray(0, len), { trustAnchors: anchors(), at: TEST_NOW });
      expect(r.ok).toBe(false);
    }
  });

  it('refuses a signature that does not carry its signer certificate', async () => {
    const sig = await signDetached(PROFILE, pki.vendor, { omitSignerCert: true });
    const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.no-signer');
  });

  it('refuses a SHA-1 digest', async () => {
    const sig = await signDetached(PROFILE, pki.vendorRsa, { hash: 'SHA-1' });
    const r = await verifyMudSignature(PROFILE, sig, { trustAnchors: anchors(), at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.unsupported-algorithm');
  });

  it('checks the expected signer', async () => {
    const at = TEST_NOW;
    const ok = await verifyMudSignature(PROFILE, good, { trustAnchors: anchors(), at, expectedSigner: { subjectContains: 'o=example devices', dnsName: 'MUD.example.com' } });
    expect(codeOf(ok)).toBe('ok');
    const bySubject = await verifyMudSignature(PROFILE, good, { trustAnchors: anchors(), at, expectedSigner: { subjectContains: 'O=Other Vendor' } });
    expect(codeOf(bySubject)).toBe('signature.signer-mismatch');
    const byName = await verifyMudSignature(PROFILE, good, { trustAnchors: anchors(), at, expectedSigner: { dnsName: 'evil.example.net' } });
    expect(codeOf(byName)).toBe('signature.signer-mismatch');
  });

  it('reports a broken trust anchor as a configuration error', async () => {
    const r = await verifyMudSignature(PROFILE, good, { trustAnchors: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'], at: TEST_NOW });
    expect(codeOf(r)).toBe('signature.trust-anchor-invalid');
    const none = await verifyMudSignature(PROFILE, good, { trustAnchors: ['no pem here'], at: TEST_NOW });
    expect(codeOf(none)).toBe('signature.trust-anchor-invalid');
  });
});

describe('signature error registry', () => {
  it('documents every code', () => {
    for (const code of SIGNATURE_ERROR_CODES) {
      expect(code).toMatch(/^signature\.[a-z-]+$/);
      expect(SIGNATURE_ERRORS[code].length).toBeGreaterThan(20);
    }
  });

  it('has an entry for every code the verifier can return', () => {
    const dir = new URL('../../../../policies/signature/', import.meta.url);
    const source = ['verify-mud-signature.ts', 'certificate-info.ts', 'pem.ts'].map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
    const used = new Set([...source.matchAll(/'(signature\.[a-z-]+)'/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(5);
    for (const code of used) expect(SIGNATURE_ERROR_CODES).toContain(code);
  });
});
