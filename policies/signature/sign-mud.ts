// Makes the detached CMS signature of a MUD file (RFC 8520 §13.1, RFC 5652 §5): DER SignedData over
// id-data without the content, the signer's certificate (and any chain given) included, SHA-256.
// It is what `openssl cms -sign -binary -outform DER -nosmimecap` writes, done in Node with pkijs.
import { createHash, createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { hasDigitalSignatureUsage, summarize, validityAt, type SignerSummary } from './certificate-info.js';
import { certificateDers, looksLikePem, toArrayBufferView } from './pem.js';

// pkijs runs on Node's WebCrypto; an explicit engine keeps us off its process-wide one (as the verifier does).
const engine = new pkijs.CryptoEngine({ name: 'edgeward-node-webcrypto-sign', crypto: webcrypto });

const OID_DATA = '1.2.840.113549.1.7.1'; // RFC 5652 §4 id-data
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2'; // RFC 5652 §5.1 id-signedData
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3'; // RFC 5652 §11.1
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4'; // RFC 5652 §11.2
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5'; // RFC 5652 §11.3

/** The digest every signature made here uses; the verifier accepts SHA-256/384/512 only. */
const HASH = 'SHA-256';

// Node's curve names → WebCrypto's. Other curves (and Ed25519, RSA-PSS) the verifier does not take.
const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Why a signature could not be made; `code` is stable, the message names the file or the fault. */
export class MudSignError extends Error {
  constructor(
    readonly code: 'sign.certificate' | 'sign.key' | 'sign.key-mismatch' | 'sign.key-usage' | 'sign.chain',
    message: string,
  ) {
    super(message);
    this.name = 'MudSignError';
  }
}

/** What to sign with. PEM text or DER bytes for each. */
export interface MudSigningInput {
  /** The signer certificate (the first certificate of a PEM bundle is taken). */
  certificate: string | Buffer;
  /** Its private key: PKCS#8, SEC1 ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"), unencrypted. */
  privateKey: string | Buffer;
  /** Intermediate CA certificates to carry in the signature, so a gateway trusting only the root can build the chain. */
  chain?: string | Buffer;
  /** signingTime attribute; default now. */
  at?: Date;
}

/** A made signature and what an operator is told about it. */
export interface MudSignature {
  /** The DER ContentInfo (the `.p7s` file's bytes). */
  der: Buffer;
  signer: SignerSummary;
  /** Certificates carried besides the signer's. */
  chainCertificates: number;
  /** Set when the signer certificate is outside its validity at `at` (the file is still signed: the operator decides). */
  validity: 'valid' | 'expired' | 'not-yet-valid';
}

function parseCertificates(input: string | Buffer, what: string): pkijs.Certificate[] {
  const ders = certificateDers(input);
  if (ders.length === 0) throw new MudSignError(what === 'certificate' ? 'sign.certificate' : 'sign.chain', `no certificate found in the ${what} (expected PEM "BEGIN CERTIFICATE" or DER)`);
  return ders.map((der, i) => {
    try {
      return pkijs.Certificate.fromBER(der);
    } catch (e) {
      throw new MudSignError(what === 'certificate' ? 'sign.certificate' : 'sign.chain', `${what} #${i}: not an X.509 certificate: ${(e as Error).message}`);
    }
  });
}

function loadKey(input: string | Buffer): KeyObject {
  try {
    return createPrivateKey(typeof input === 'string' ? input : { key: input, format: looksLikePem(input) ? 'pem' : 'der', type: 'pkcs8' });
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /passphrase|encrypted/i.test(msg) ? ' (the key is encrypted: write a decrypted copy with `openssl pkey -in KEY -out PLAIN.key`)' : '';
    throw new MudSignError('sign.key', `the private key cannot be read: ${msg}${hint}`);
  }
}

/** The WebCrypto algorithm of a Node private key, or a refusal naming what is not supported. */
function webAlgorithm(key: KeyObject): { name: string; namedCurve?: string; hash?: string } {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: HASH };
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (curve) return { name: 'ECDSA', namedCurve: curve };
    throw new MudSignError('sign.key', `EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'} is not supported (P-256, P-384 or P-521)`);
  }
  throw new MudSignError('sign.key', `${key.asymmetricKeyType ?? 'this'} keys are not supported: MUD signatures here are RSA (PKCS #1 v1.5) or ECDSA`);
}

/**
 * Signs `content` (the MUD file's exact bytes) as RFC 8520 §13 asks. Refuses, with a
 * {@link MudSignError}, a key that is not the certificate's or a certificate without Key Usage
 * digitalSignature (RFC 8520 §13.2: every gateway would refuse the signature).
 */
export async function signMud(content: Uint8Array, input: MudSigningInput): Promise<MudSignature> {
  const [cert] = parseCertificates(input.certificate, 'certificate');
  const chain = input.chain === undefined ? [] : parseCertificates(input.chain, 'chain');
  const key = loadKey(input.privateKey);
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  const certSpki = Buffer.from(cert!.subjectPublicKeyInfo.toSchema().toBER(false));
  if (!spki(createPublicKey(key)).equals(certSpki)) {
    throw new MudSignError('sign.key-mismatch', `the private key does not belong to the certificate of ${summarize(cert!).subject}`);
  }
  if (!hasDigitalSignatureUsage(cert!)) {
    throw new MudSignError('sign.key-usage', `the certificate of ${summarize(cert!).subject} lacks Key Usage digitalSignature (RFC 8520 §13.2); gateways would refuse the signature`);
  }
  const algorithm = webAlgorithm(key);
  const cryptoKey = await webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), algorithm, false, ['sign']);
  const at = input.at ?? new Date();
  const digest = createHash('sha256').update(content).digest();

  const signedData = new pkijs.SignedData({
    version: 1,
    // Detached: no eContent, the MUD file is published beside the signature (RFC 8520 §13.1).
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID_DATA }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert!.issuer, serialNumber: cert!.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID_DATA })] }),
            new pkijs.Attribute({ type: OID_SIGNING_TIME, values: [new asn1js.UTCTime({ valueDate: at })] }),
            new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: toArrayBufferView(digest).buffer })] }),
          ],
        }),
      }),
    ],
    certificates: [cert!, ...chain],
  });
  // pkijs's typings name the DOM CryptoKey; Node's webcrypto key is that at run time.
  await signedData.sign(cryptoKey as Parameters<pkijs.SignedData['sign']>[0], 0, HASH, new Uint8Array(content), engine);
  const info = new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: signedData.toSchema(true) });
  return {
    der: Buffer.from(info.toSchema().toBER(false)),
    signer: summarize(cert!),
    chainCertificates: chain.length,
    validity: validityAt(cert!, at),
  };
}
