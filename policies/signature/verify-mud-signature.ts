// Checks a MUD file against its detached CMS signature (RFC 8520 §13, RFC 5652 §5): the digest,
// the signature value, the signer's chain to configured trust anchors, validity dates, key usage.
import { createHash, webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { dnsNames, hasDigitalSignatureUsage, summarize, validityAt, type SignerSummary } from './certificate-info.js';
import { certificateDers, cmsDer, toArrayBufferView } from './pem.js';
import type { SignatureErrorCode } from './signature-errors.js';

export type { SignerSummary } from './certificate-info.js';
export { SIGNATURE_ERRORS, SIGNATURE_ERROR_CODES, type SignatureErrorCode } from './signature-errors.js';

/** The outcome of a signature check: the signer on success, a stable code otherwise. */
export type SignatureResult =
  | { ok: true; signer: SignerSummary }
  | { ok: false; code: SignatureErrorCode; reason: string };

/** Options of {@link verifyMudSignature}. */
export interface VerifyMudSignatureOptions {
  /** Trusted CA certificates, each a PEM string/bundle or a DER buffer. No system roots are used. */
  trustAnchors: readonly (string | Buffer)[];
  /** The time at which certificates must be valid. Default: now (wall clock). */
  at?: Date;
  /**
   * Certificates trusted as signers themselves, with no chain (a vendor's own certificate an
   * operator trusted with `edgeward trust add`): a signer certificate byte-identical to one of them
   * is trusted; its Key Usage and validity dates are still checked. Default none.
   */
  pinnedSigners?: readonly (string | Buffer)[];
  /** Extra constraints on who signed; every given field must match. */
  expectedSigner?: {
    /** Case-insensitive substring of the signer's subject DN (e.g. "O=Example Corp"). */
    subjectContains?: string;
    /** A SAN dNSName the signer certificate must carry (case-insensitive, exact). */
    dnsName?: string;
  };
}

// pkijs does no cryptography itself; it runs on Node's WebCrypto. An explicit engine, passed to
// every call, keeps us off pkijs's process-wide engine that other modules could replace.
// (pkijs's typings name the DOM Crypto, which this DOM-less project does not declare, so the
// parameter is unchecked; Node's webcrypto is that interface at run time.)
const engine = new pkijs.CryptoEngine({ name: 'edgeward-node-webcrypto', crypto: webcrypto });

const OID_DATA = '1.2.840.113549.1.7.1'; // RFC 5652 §4 id-data
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2'; // RFC 5652 §5.1 id-signedData
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4'; // RFC 5652 §11.2

// Digests we accept for the signed content. SHA-1 is refused: a collision lets a forged file
// reuse a vendor's signature. Names are the WebCrypto ones pkijs maps OIDs to.
const DIGESTS: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

// pkijs SignedDataVerifyError codes (SignedData.verify in pkijs 4) that we translate.
const PKIJS_NO_SIGNER = new Set([1, 2, 3]);
const PKIJS_CHAIN_FAILED = 5;
const PKIJS_UNSUPPORTED_ALGORITHM = 7;
const PKIJS_MALFORMED = new Set([4, 8, 9, 10]);
// CertificateChainValidationEngine result code for "not yet valid or expired".
const PKIJS_CHAIN_BAD_DATES = 8;

const fail = (code: SignatureErrorCode, reason: string): SignatureResult => ({ ok: false, code, reason });

/**
 * Verifies a detached CMS signature over a MUD file.
 * @param content the MUD file bytes exactly as fetched (the signature covers the bytes, not the JSON)
 * @param signature the `.p7s`: DER, or PEM ("-----BEGIN PKCS7-----" or "-----BEGIN CMS-----")
 * @returns the signer on success, or a stable code; it never throws on bad input
 */
export async function verifyMudSignature(
  content: Buffer,
  signature: Buffer,
  opts: VerifyMudSignatureOptions,
): Promise<SignatureResult> {
  const anchors = parseTrustAnchors(opts.trustAnchors);
  if (!Array.isArray(anchors)) return anchors;
  const pinned = parseTrustAnchors(opts.pinnedSigners ?? []);
  if (!Array.isArray(pinned)) return pinned;
  const parsed = parseSignedData(signature);
  if (!(parsed instanceof pkijs.SignedData)) return parsed;
  if (content.length === 0) return fail('signature.malformed', 'empty MUD file: nothing to check the signature against');
  if (parsed.signerInfos.length === 0) return fail('signature.no-signer', 'SignedData has no SignerInfo');

  const at = opts.at ?? new Date();
  // A .p7s may carry several signers (e.g. during a key roll-over); one good signer is enough,
  // but every check applies to that one signer. Report the first signer's failure otherwise.
  let firstFailure: SignatureResult | undefined;
  for (let i = 0; i < parsed.signerInfos.length; i++) {
    const result = await checkSigner(parsed, i, content, { anchors, pinned }, at, opts.expectedSigner);
    if (result.ok) return result;
    firstFailure ??= result;
  }
  return firstFailure ?? fail('signature.no-signer', 'no signer could be checked');
}

/** Parses the trust anchors; a bad one is a configuration error reported by code, not thrown. */
export function parseTrustAnchors(
  inputs: readonly (string | Buffer)[],
): pkijs.Certificate[] | { ok: false; code: SignatureErrorCode; reason: string } {
  const certs: pkijs.Certificate[] = [];
  for (const [index, input] of inputs.entries()) {
    const ders = certificateDers(input);
    if (ders.length === 0) return { ok: false, code: 'signature.trust-anchor-invalid', reason: `trust anchor #${index}: no certificate found` };
    for (const der of ders) {
      try {
        certs.push(pkijs.Certificate.fromBER(der));
      } catch (err) {
        return { ok: false, code: 'signature.trust-anchor-invalid', reason: `trust anchor #${index}: ${errorText(err)}` };
      }
    }
  }
  return certs;
}

/**
 * Who the signature says signed it (the certificates its SignerInfos name), without checking
 * anything: for messages that must name the signer of a refused file. Empty when unparseable.
 */
export function claimedSigners(signature: Buffer): SignerSummary[] {
  const parsed = parseSignedData(signature);
  if (!(parsed instanceof pkijs.SignedData)) return [];
  return parsed.signerInfos.flatMap((info) => {
    const cert = findSignerCertificate(parsed, info);
    return cert ? [summarize(cert)] : [];
  });
}

function parseSignedData(signature: Buffer): pkijs.SignedData | SignatureResult {
  const der = cmsDer(signature);
  if (!der || der.length === 0) return fail('signature.malformed', 'no CMS data in signature (expected DER or PEM PKCS7/CMS)');
  let signed: pkijs.SignedData;
  try {
    const info = pkijs.ContentInfo.fromBER(der);
    if (info.contentType !== OID_SIGNED_DATA) return fail('signature.malformed', `CMS content type ${info.contentType} is not signedData`);
    signed = new pkijs.SignedData({ schema: info.content });
  } catch (err) {
    return fail('signature.malformed', `not a CMS SignedData: ${errorText(err)}`);
  }
  // RFC 8520 §13.1 signs the MUD file as id-data, detached. An attached eContent would make pkijs
  // check the embedded copy instead of the file we fetched, so refuse it outright.
  if (signed.encapContentInfo.eContentType !== OID_DATA) {
    return fail('signature.malformed', `encapsulated content type ${signed.encapContentInfo.eContentType} is not id-data`);
  }
  if (signed.encapContentInfo.eContent) return fail('signature.malformed', 'signature has attached content; MUD signatures are detached');
  return signed;
}

async function checkSigner(
  signed: pkijs.SignedData,
  index: number,
  content: Buffer,
  trust: { anchors: pkijs.Certificate[]; pinned: pkijs.Certificate[] },
  at: Date,
  expected: VerifyMudSignatureOptions['expectedSigner'],
): Promise<SignatureResult> {
  const anchors = trust.anchors;
  const info = signed.signerInfos[index];
  const signerCert = info ? findSignerCertificate(signed, info) : undefined;
  if (!info || !signerCert) return fail('signature.no-signer', `signer #${index}: its certificate is not in the signature`);

  // RFC 8520 §13.2: the signing certificate MUST have Key Usage with digitalSignature(0) set.
  if (!hasDigitalSignatureUsage(signerCert)) {
    return fail('signature.key-usage', `signer #${index}: certificate lacks Key Usage digitalSignature`);
  }

  const digestName = algorithmName(info.digestAlgorithm.algorithmId);
  const nodeDigest = digestName ? DIGESTS[digestName] : undefined;
  if (!nodeDigest) return fail('signature.unsupported-algorithm', `signer #${index}: digest ${info.digestAlgorithm.algorithmId} not accepted`);

  // Compare the message-digest attribute ourselves first (RFC 5652 §5.4): pkijs reports a
  // mismatch only under its catch-all code, and "the file was changed" deserves its own.
  if (info.signedAttrs) {
    const attr = info.signedAttrs.attributes.find((a) => a.type === OID_MESSAGE_DIGEST);
    const value = attr?.values[0] as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
    const signedDigest = value?.valueBlock?.valueHexView;
    if (!signedDigest) return fail('signature.malformed', `signer #${index}: signed attributes lack message-digest`);
    const actual = createHash(nodeDigest).update(content).digest();
    if (!actual.equals(Buffer.from(signedDigest))) {
      return fail('signature.digest-mismatch', `signer #${index}: ${digestName} of the MUD file differs from the signed message-digest`);
    }
  }

  // A pinned signer is its own trust: no chain to build, so its dates are checked here instead.
  const pinnedSigner = trust.pinned.some((c) => sameCertificate(c, signerCert));
  if (pinnedSigner) {
    const state = validityAt(signerCert, at);
    if (state === 'expired') return fail('signature.expired', `signer #${index}: certificate expired ${signerCert.notAfter.value.toISOString()}`);
    if (state === 'not-yet-valid') return fail('signature.not-yet-valid', `signer #${index}: certificate valid from ${signerCert.notBefore.value.toISOString()}`);
  }

  let verified: boolean;
  try {
    const result = await signed.verify(
      { signer: index, data: toArrayBufferView(content).buffer, trustedCerts: anchors, checkDate: at, checkChain: !pinnedSigner, extendedMode: true },
      engine,
    );
    verified = result.signatureVerified === true;
  } catch (err) {
    return translatePkijsError(err, signed, signerCert, anchors, at, index);
  }
  if (!verified) return fail('signature.bad-signature', `signer #${index}: signature value does not verify`);

  const mismatch = signerMismatch(signerCert, expected);
  if (mismatch) return fail('signature.signer-mismatch', `signer #${index}: ${mismatch}`);
  return { ok: true, signer: summarize(signerCert) };
}

/** Whether two parsed certificates are the same certificate (their DER encodings are equal). */
function sameCertificate(a: pkijs.Certificate, b: pkijs.Certificate): boolean {
  return Buffer.from(a.toSchema(true).toBER(false)).equals(Buffer.from(b.toSchema(true).toBER(false)));
}

/** The certificate named by the SignerInfo's sid (RFC 5652 §5.3): issuer+serial or SKI. */
function findSignerCertificate(signed: pkijs.SignedData, info: pkijs.SignerInfo): pkijs.Certificate | undefined {
  const certs = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  if (info.sid instanceof pkijs.IssuerAndSerialNumber) {
    const sid = info.sid;
    return certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
  }
  // subjectKeyIdentifier [0]: pkijs matches it against SHA-1 of the public key bits (RFC 5280
  // §4.2.1.2 method 1); do the same so both of us agree on which certificate signed.
  const sid = info.sid as { idBlock?: { isConstructed?: boolean }; valueBlock?: { value?: { valueBlock: { valueHexView: Uint8Array } }[]; valueHexView?: Uint8Array } };
  const keyId = sid.idBlock?.isConstructed ? sid.valueBlock?.value?.[0]?.valueBlock.valueHexView : sid.valueBlock?.valueHexView;
  if (!keyId) return undefined;
  return certs.find((c) =>
    createHash('sha1').update(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest().equals(Buffer.from(keyId)),
  );
}

async function translatePkijsError(
  err: unknown,
  signed: pkijs.SignedData,
  signerCert: pkijs.Certificate,
  anchors: pkijs.Certificate[],
  at: Date,
  index: number,
): Promise<SignatureResult> {
  const message = `signer #${index}: ${errorText(err)}`;
  if (!(err instanceof pkijs.SignedDataVerifyError)) return fail('signature.bad-signature', message);
  if (PKIJS_NO_SIGNER.has(err.code)) return fail('signature.no-signer', message);
  if (PKIJS_MALFORMED.has(err.code)) return fail('signature.malformed', message);
  if (err.code === PKIJS_UNSUPPORTED_ALGORITHM) return fail('signature.unsupported-algorithm', message);
  if (err.code === PKIJS_CHAIN_FAILED) return diagnoseChain(signed, signerCert, anchors, at, message);
  return fail('signature.bad-signature', message);
}

/**
 * pkijs folds every chain failure into one code; rerun its chain engine to learn whether dates
 * were the cause (RFC 5280 §6.1.3 (a)(2)), so that "expired" is told apart from "untrusted".
 */
async function diagnoseChain(
  signed: pkijs.SignedData,
  signerCert: pkijs.Certificate,
  anchors: pkijs.Certificate[],
  at: Date,
  message: string,
): Promise<SignatureResult> {
  const bag = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate && c !== signerCert);
  const chain = new pkijs.CertificateChainValidationEngine({ trustedCerts: anchors, certs: [...bag, signerCert], checkDate: at });
  const result = await chain.verify({}, engine).catch(() => null);
  if (result?.resultCode === PKIJS_CHAIN_BAD_DATES) {
    // The engine does not say which certificate: the signer is the likely one, then its issuers.
    for (const cert of [signerCert, ...bag, ...anchors]) {
      const state = validityAt(cert, at);
      if (state === 'expired') return fail('signature.expired', `${message} (expired ${cert.notAfter.value.toISOString()})`);
      if (state === 'not-yet-valid') return fail('signature.not-yet-valid', `${message} (valid from ${cert.notBefore.value.toISOString()})`);
    }
  }
  return fail('signature.untrusted-chain', message);
}

function signerMismatch(cert: pkijs.Certificate, expected: VerifyMudSignatureOptions['expectedSigner']): string | null {
  if (!expected) return null;
  if (expected.subjectContains !== undefined) {
    const subject = summarize(cert).subject;
    if (!subject.toLowerCase().includes(expected.subjectContains.toLowerCase())) {
      return `subject "${subject}" does not contain "${expected.subjectContains}"`;
    }
  }
  if (expected.dnsName !== undefined) {
    const want = expected.dnsName.toLowerCase();
    const names = dnsNames(cert);
    if (!names.some((n) => n.toLowerCase() === want)) return `dNSName ${expected.dnsName} not in [${names.join(', ')}]`;
  }
  return null;
}

function algorithmName(oid: string): string | undefined {
  // Typed with the DOM Algorithm, which is not declared here: check the shape instead.
  const algorithm: unknown = engine.getAlgorithmByOID(oid);
  return typeof algorithm === 'object' && algorithm !== null && 'name' in algorithm && typeof algorithm.name === 'string'
    ? algorithm.name.toUpperCase()
    : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
