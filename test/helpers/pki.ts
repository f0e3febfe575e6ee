// A throw-away PKI built at test time (no committed keys): CAs, MUD signer and TLS server
// certificates, and detached CMS signatures (RFC 5652 §5) made the way `openssl cms -sign` does.
import { createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

// pkijs's typings name the DOM Crypto and CryptoKey, which the tests (no DOM lib) do not declare,
// so those parameters are unchecked; Node's webcrypto and its keys are those at run time.
const engine = new pkijs.CryptoEngine({ name: 'test-pki', crypto: webcrypto });

/** Fixed dates so that tests never depend on the wall clock (TLS aside, which uses the real one). */
export const VALID_FROM = new Date('2020-01-01T00:00:00Z');
export const VALID_UNTIL = new Date('2049-12-31T00:00:00Z');
export const EXPIRED_UNTIL = new Date('2021-01-01T00:00:00Z');
export const FUTURE_FROM = new Date('2040-01-01T00:00:00Z');
/** The validity time tests check signatures at. */
export const TEST_NOW = new Date('2025-06-01T00:00:00Z');

export type KeyKind = 'ecdsa' | 'rsa';

/** A certificate with its private key, in the forms tests hand to code under test. */
export interface Issued {
  cert: pkijs.Certificate;
  der: Buffer;
  pem: string;
  privateKey: webcrypto.CryptoKey;
  /** PKCS#8 PEM of the private key (for node:https servers). */
  keyPem: string;
  /** Subject key identifier (SHA-1 of the public key), for AKI in issued certificates. */
  ski: Uint8Array<ArrayBuffer>;
}

export interface CertOptions {
  cn: string;
  org?: string;
  key?: KeyKind;
  notBefore?: Date;
  notAfter?: Date;
  /** 'ca': basicConstraints CA + keyCertSign/cRLSign; 'signer': digitalSignature; 'server' / 'client': TLS server / client. */
  role: 'ca' | 'signer' | 'server' | 'client';
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Leave out Key Usage entirely (to test RFC 8520 §13.2). */
  omitKeyUsage?: boolean;
}

let serialCounter = 1;

/** PEM text of DER bytes under a label (RFC 7468). */
export function toPem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

async function generateKeys(kind: KeyKind): Promise<webcrypto.CryptoKeyPair> {
  const algorithm =
    kind === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
      : { name: 'ECDSA', namedCurve: 'P-256' };
  return await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
}

function name(cn: string, org?: string): pkijs.RelativeDistinguishedNames {
  // One attribute per RDN, as CAs issue them: pkijs's own encoder would make one multi-valued RDN.
  const atv = (type: string, value: string) =>
    new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type, value: new asn1js.Utf8String({ value }) }).toSchema()] });
  const rdns = [...(org ? [atv('2.5.4.10', org)] : []), atv('2.5.4.3', cn)];
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: rdns }).toBER(false));
}

function extension(extnID: string, critical: boolean, value: { toSchema(): asn1js.AsnType } | asn1js.AsnType): pkijs.Extension {
  const schema = 'toBER' in value ? value : value.toSchema();
  return new pkijs.Extension({ extnID, critical, extnValue: schema.toBER(false) });
}

function keyUsage(bits: number): asn1js.BitString {
  // RFC 5280 §4.2.1.3: bit 0 is the high bit; count trailing unused bits of the single byte.
  let unused = 0;
  while (unused < 7 && (bits & (1 << unused)) === 0) unused++;
  return new asn1js.BitString({ valueHex: new Uint8Array([bits]).buffer, unusedBits: unused });
}

function ipBytes(ip: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(ip.split('.').map(Number));
}

/** Makes a certificate signed by `issuer`, or self-signed when `issuer` is omitted. */
export async function issue(opts: CertOptions, issuer?: Issued): Promise<Issued> {
  const keys = await generateKeys(opts.key ?? 'ecdsa');
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serialCounter++ });
  cert.subject = name(opts.cn, opts.org);
  cert.issuer = issuer ? issuer.cert.subject : cert.subject;
  cert.notBefore.value = opts.notBefore ?? VALID_FROM;
  cert.notAfter.value = opts.notAfter ?? VALID_UNTIL;
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, engine);
  const ski = new Uint8Array(createHash('sha1').update(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest());

  const extensions: pkijs.Extension[] = [];
  if (opts.role === 'ca') {
    extensions.push(extension('2.5.29.19', true, new pkijs.BasicConstraints({ cA: true })));
    extensions.push(extension('2.5.29.15', true, keyUsage(0x06))); // keyCertSign | cRLSign
  } else {
    extensions.push(extension('2.5.29.19', true, new pkijs.BasicConstraints({ cA: false })));
    const usage = opts.role === 'server' && opts.key === 'rsa' ? 0xa0 : 0x80; // digitalSignature (+keyEncipherment)
    if (!opts.omitKeyUsage) extensions.push(extension('2.5.29.15', true, keyUsage(usage)));
    if (opts.role === 'server') extensions.push(extension('2.5.29.37', false, new pkijs.ExtKeyUsage({ keyPurposes: ['1.3.6.1.5.5.7.3.1'] })));
    if (opts.role === 'client') extensions.push(extension('2.5.29.37', false, new pkijs.ExtKeyUsage({ keyPurposes: ['1.3.6.1.5.5.7.3.2'] })));
  }
  const altNames = [
    ...(opts.dnsNames ?? []).map((value) => new pkijs.GeneralName({ type: 2, value })),
    ...(opts.ipAddresses ?? []).map((ip) => new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: ipBytes(ip).buffer }) })),
  ];
  if (altNames.length > 0) extensions.push(extension('2.5.29.17', false, new pkijs.AltName({ altNames })));
  extensions.push(extension('2.5.29.14', false, new asn1js.OctetString({ valueHex: ski.buffer })));
  if (issuer) {
    const aki = new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: issuer.ski.buffer }) });
    extensions.push(extension('2.5.29.35', false, aki));
  }
  cert.extensions = extensions;

  await cert.sign(issuer?.privateKey ?? keys.privateKey, 'SHA-256', engine);
  const der = Buffer.from(cert.toSchema(true).toBER(false));
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  // Re-parse so that the object carries its encoded form, as a received certificate would.
  const parsed = pkijs.Certificate.fromBER(new Uint8Array(der));
  return { cert: parsed, der, pem: toPem('CERTIFICATE', der), privateKey: keys.privateKey, keyPem: toPem('PRIVATE KEY', pkcs8), ski };
}

export interface SignOptions {
  /** Certificates to carry besides the signer's (e.g. intermediates). */
  extraCerts?: Issued[];
  /** Leave the signer certificate out of the signature. */
  omitSignerCert?: boolean;
  hash?: 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA-1';
  /** Embed the content (an attached signature, which MUD does not use). */
  attach?: boolean;
}

/**
 * A detached CMS SignedData over `content`, DER-encoded, with content-type and message-digest
 * signed attributes — the shape of `openssl cms -sign -binary -outform DER` (RFC 8520 §13.1).
 */
export async function signDetached(content: Uint8Array, signer: Issued, opts: SignOptions = {}): Promise<Buffer> {
  const hash = opts.hash ?? 'SHA-256';
  const digest = await webcrypto.subtle.digest(hash, content);
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: '1.2.840.113549.1.7.1',
      ...(opts.attach ? { eContent: new asn1js.OctetString({ valueHex: new Uint8Array(content).buffer }) } : {}),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.cert.issuer, serialNumber: signer.cert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.1' })] }),
            new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: digest })] }),
          ],
        }),
      }),
    ],
    certificates: [...(opts.omitSignerCert ? [] : [signer.cert]), ...(opts.extraCerts ?? []).map((c) => c.cert)],
  });
  const data = new Uint8Array(content);
  await signedData.sign(signer.privateKey, 0, hash, data, engine);
  const contentInfo = new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.2', content: signedData.toSchema(true) });
  return Buffer.from(contentInfo.toSchema().toBER(false));
}

/** The standard cast of the signature and fetch tests. */
export interface TestPki {
  ca: Issued;
  /** ECDSA P-256 vendor signer, issued by `ca`, SAN dNSName mud.example.com. */
  vendor: Issued;
  /** RSA-2048 vendor signer, issued by `ca`. */
  vendorRsa: Issued;
  /** Issued by `ca`, expired at {@link EXPIRED_UNTIL}. */
  expiredVendor: Issued;
  /** Issued by `ca`, valid only from {@link FUTURE_FROM}. */
  futureVendor: Issued;
  /** Issued by `ca` without a Key Usage extension. */
  noUsageVendor: Issued;
  otherCa: Issued;
  /** Issued by `otherCa`, which the tests do not trust. */
  otherSigner: Issued;
}

export async function makeTestPki(): Promise<TestPki> {
  const ca = await issue({ cn: 'Edgeward Test Root CA', org: 'Edgeward Test', role: 'ca' });
  const otherCa = await issue({ cn: 'Unrelated Root CA', org: 'Someone Else', role: 'ca' });
  return {
    ca,
    otherCa,
    vendor: await issue({ cn: 'mud.example.com', org: 'Example Devices', role: 'signer', dnsNames: ['mud.example.com'] }, ca),
    vendorRsa: await issue({ cn: 'rsa-signer.example.com', org: 'Example Devices', role: 'signer', key: 'rsa' }, ca),
    expiredVendor: await issue({ cn: 'old.example.com', org: 'Example Devices', role: 'signer', notAfter: EXPIRED_UNTIL }, ca),
    futureVendor: await issue({ cn: 'future.example.com', org: 'Example Devices', role: 'signer', notBefore: FUTURE_FROM }, ca),
    noUsageVendor: await issue({ cn: 'nousage.example.com', org: 'Example Devices', role: 'signer', omitKeyUsage: true }, ca),
    otherSigner: await issue({ cn: 'mud.example.com', org: 'Example Devices', role: 'signer', dnsNames: ['mud.example.com'] }, otherCa),
  };
}

/** A TLS server certificate for 127.0.0.1 (SAN IP and "localhost"), issued by `ca`. */
export function issueServerCert(ca: Issued): Promise<Issued> {
  return issue({ cn: 'localhost', role: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, ca);
}

/** A TLS client certificate (extended key usage clientAuth) for `cn`, issued by `ca`. */
export function issueClientCert(ca: Issued, cn: string): Promise<Issued> {
  return issue({ cn, role: 'client' }, ca);
}
