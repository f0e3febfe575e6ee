// Certificates an operator trusts to sign MUD files for one vendor domain (`edgeward trust add`),
// kept in the daemon's SQLite file: a vendor's CA (its signers chain to it) or the signer's own
// certificate. A certificate vouches only for MUD URLs whose host is its domain or under it.
import { createHash, randomBytes } from 'node:crypto';
import * as pkijs from 'pkijs';
import { summarize, hasDigitalSignatureUsage, validityAt, type SignerSummary } from '../../policies/signature/certificate-info.js';
import { certificateDers } from '../../policies/signature/pem.js';
import type { ScopedSigner } from '../../policies/signature/verify-scoped.js';
import { normalizeVendorDomain } from '../auth/vendor-domain.js';
import type { Db } from '../store/database.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trusted_signers (
  id          TEXT PRIMARY KEY,          -- short public id, shown by trust list and in refusals
  fingerprint TEXT NOT NULL,             -- SHA-256 of the certificate DER, lower-case hex
  vendor      TEXT NOT NULL,             -- the vendor domain it may sign for (canonical)
  kind        TEXT NOT NULL CHECK (kind IN ('ca', 'signer')),
  subject     TEXT NOT NULL,
  issuer      TEXT NOT NULL,
  serial      TEXT NOT NULL,
  not_before  TEXT NOT NULL,
  not_after   TEXT NOT NULL,
  certificate TEXT NOT NULL,             -- PEM
  added_by    TEXT NOT NULL,
  added_at    TEXT NOT NULL,
  UNIQUE (fingerprint, vendor)
);
`;

/** A trusted signer as `trust list` and the API show it. Times are ISO-8601. */
export interface TrustedSignerInfo extends SignerSummary {
  id: string;
  /** SHA-256 of the DER, lower-case hex without separators. */
  fingerprint: string;
  vendor: string;
  /** `ca`: a CA the vendor's signing certificates chain to; `signer`: the signing certificate itself. */
  kind: 'ca' | 'signer';
  addedBy: string;
  addedAt: string;
}

/** A trusted signer with its certificate, for the signature check. */
export interface TrustedSigner extends TrustedSignerInfo {
  certificate: string;
}

/** Why a certificate was not added; `code` is stable. */
export class TrustError extends Error {
  constructor(readonly code: 'trust.certificate' | 'trust.vendor' | 'trust.expired' | 'trust.key-usage' | 'trust.not-found', message: string) {
    super(message);
    this.name = 'TrustError';
  }
}

interface Row {
  id: string; fingerprint: string; vendor: string; kind: 'ca' | 'signer'; subject: string; issuer: string; serial: string;
  not_before: string; not_after: string; certificate: string; added_by: string; added_at: string;
}

const toSigner = (r: Row): TrustedSigner => ({
  id: r.id, fingerprint: r.fingerprint, vendor: r.vendor, kind: r.kind, subject: r.subject, issuer: r.issuer, serial: r.serial,
  notBefore: r.not_before, notAfter: r.not_after, certificate: r.certificate, addedBy: r.added_by, addedAt: r.added_at,
});

/** The info of a signer without its certificate text. */
export function signerInfo(s: TrustedSigner): TrustedSignerInfo {
  const { certificate: _certificate, ...info } = s;
  return info;
}

/** A fingerprint as people paste it (`AB:CD:…` from openssl, or hex) in the stored form, or null. */
function normalizeFingerprint(text: string): string | null {
  const hex = text.trim().replace(/^sha256\s*fingerprint\s*=\s*/i, '').replace(/[:\s]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

const OID_BASIC_CONSTRAINTS = '2.5.29.19';

function isCa(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((e) => e.extnID === OID_BASIC_CONSTRAINTS);
  return ext?.parsedValue instanceof pkijs.BasicConstraints && ext.parsedValue.cA === true;
}

function pem(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A certificate parsed for {@link TrustedSigners.add}; throws a {@link TrustError} naming the fault. */
function parseSignerCertificate(input: string | Buffer, at: Date = new Date()): { cert: pkijs.Certificate; der: Uint8Array; kind: 'ca' | 'signer' } {
  const ders = certificateDers(input);
  if (ders.length !== 1) {
    throw new TrustError('trust.certificate', ders.length === 0
      ? 'no certificate found (expected PEM "BEGIN CERTIFICATE" or DER)'
      : `the file holds ${ders.length} certificates; add one at a time (the vendor's CA, or its signing certificate)`);
  }
  let cert: pkijs.Certificate;
  try {
    cert = pkijs.Certificate.fromBER(ders[0]!);
  } catch (e) {
    throw new TrustError('trust.certificate', `not an X.509 certificate: ${(e as Error).message}`);
  }
  const state = validityAt(cert, at);
  if (state === 'expired') throw new TrustError('trust.expired', `the certificate of ${summarize(cert).subject} expired ${cert.notAfter.value.toISOString()}`);
  const kind = isCa(cert) ? 'ca' : 'signer';
  // RFC 8520 §13.2: a signer without digitalSignature could never vouch for a MUD file.
  if (kind === 'signer' && !hasDigitalSignatureUsage(cert)) {
    throw new TrustError('trust.key-usage', `${summarize(cert).subject} is neither a CA nor a signing certificate (Key Usage digitalSignature, RFC 8520 §13.2)`);
  }
  return { cert, der: ders[0]!, kind };
}

/** The `trusted_signers` table. Every call reads the table, so a CLI change reaches a running daemon at its next check. */
export class TrustedSigners {
  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
  }

  /**
   * Trusts `certificate` (PEM or DER, one certificate) for `vendor` and its subdomains. Adding the
   * same certificate for the same domain again changes nothing and returns the existing entry.
   * @param by who added it (an OS user name or a token id; never a secret)
   */
  add(certificate: string | Buffer, vendor: string, by: string, at: Date = new Date()): { signer: TrustedSigner; created: boolean } {
    const domain = normalizeVendorDomain(vendor);
    if (domain === null) throw new TrustError('trust.vendor', `--vendor ${JSON.stringify(vendor)} is not a domain of at least two labels (e.g. example.com)`);
    const { cert, der, kind } = parseSignerCertificate(certificate, at);
    const fingerprint = createHash('sha256').update(der).digest('hex');
    const existing = this.db.prepare('SELECT * FROM trusted_signers WHERE fingerprint = ? AND vendor = ?').get(fingerprint, domain) as Row | undefined;
    if (existing) return { signer: toSigner(existing), created: false };
    const s = summarize(cert);
    const row: Row = {
      id: `ts-${randomBytes(4).toString('hex')}`, fingerprint, vendor: domain, kind, subject: s.subject, issuer: s.issuer, serial: s.serial,
      not_before: s.notBefore, not_after: s.notAfter, certificate: pem(der), added_by: by, added_at: at.toISOString(),
    };
    this.db.prepare(`INSERT INTO trusted_signers (id, fingerprint, vendor, kind, subject, issuer, serial, not_before, not_after, certificate, added_by, added_at)
      VALUES (@id, @fingerprint, @vendor, @kind, @subject, @issuer, @serial, @not_before, @not_after, @certificate, @added_by, @added_at)`).run(row);
    return { signer: toSigner(row), created: true };
  }

  /** Every trusted signer, by vendor then time added. */
  list(): TrustedSigner[] {
    return (this.db.prepare('SELECT * FROM trusted_signers ORDER BY vendor, added_at, id').all() as Row[]).map(toSigner);
  }

  /**
   * Removes the entry of this id, or every entry of this certificate fingerprint (`AB:CD:…` or hex).
   * Returns what was removed; throws `trust.not-found` when nothing matched.
   */
  remove(idOrFingerprint: string): TrustedSigner[] {
    const fp = normalizeFingerprint(idOrFingerprint);
    const rows = (fp !== null
      ? this.db.prepare('SELECT * FROM trusted_signers WHERE fingerprint = ?').all(fp)
      : this.db.prepare('SELECT * FROM trusted_signers WHERE id = ?').all(idOrFingerprint.trim())) as Row[];
    if (rows.length === 0) throw new TrustError('trust.not-found', `no trusted signer has the id or SHA-256 fingerprint ${idOrFingerprint}`);
    const del = this.db.prepare('DELETE FROM trusted_signers WHERE id = ?');
    this.db.transaction(() => { for (const r of rows) del.run(r.id); })();
    return rows.map(toSigner);
  }

  /** The entries in the form the signature check takes. */
  scoped(): ScopedSigner[] {
    return (this.db.prepare('SELECT id, vendor, certificate FROM trusted_signers').all() as Pick<Row, 'id' | 'vendor' | 'certificate'>[])
      .map((r) => ({ id: r.id, vendor: r.vendor, certificate: r.certificate }));
  }
}
