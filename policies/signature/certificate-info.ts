// Reads what the MUD signature check needs out of a parsed X.509 certificate (RFC 5280 §4):
// printable names, serial, validity, SAN dNSNames and the Key Usage bits.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** Who signed a MUD file, as reported to operators and stored with the cached profile. */
export interface SignerSummary {
  /** Subject DN, e.g. "C=JP, O=Example Corp, CN=mud-signer.example.com". */
  subject: string;
  /** Issuer DN, same format. */
  issuer: string;
  /** Serial number, lower-case hex without separators. */
  serial: string;
  /** Start of validity, ISO-8601 UTC. */
  notBefore: string;
  /** End of validity, ISO-8601 UTC. */
  notAfter: string;
}

// Short names for the DN attributes vendors use (RFC 4514 §3); others print as dotted OIDs.
const DN_SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

const OID_KEY_USAGE = '2.5.29.15';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const GENERAL_NAME_DNS = 2; // RFC 5280 §4.2.1.6: dNSName [2] IA5String

/** A distinguished name as "TYPE=value" pairs in certificate order, joined by ", ". */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => {
      const block = tv.value.valueBlock as { value?: unknown };
      const value = typeof block.value === 'string' ? block.value : Buffer.from(tv.value.valueBeforeDecodeView).toString('hex');
      return `${DN_SHORT_NAMES[tv.type] ?? tv.type}=${value}`;
    })
    .join(', ');
}

/** The printable summary of a signer certificate. */
export function summarize(cert: pkijs.Certificate): SignerSummary {
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    serial: Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex'),
    notBefore: cert.notBefore.value.toISOString(),
    notAfter: cert.notAfter.value.toISOString(),
  };
}

/** The SAN dNSName entries of a certificate (empty when it has no SAN). */
export function dnsNames(cert: pkijs.Certificate): string[] {
  const ext = cert.extensions?.find((e) => e.extnID === OID_SUBJECT_ALT_NAME);
  if (!ext || !(ext.parsedValue instanceof pkijs.AltName)) return [];
  return ext.parsedValue.altNames
    .filter((n) => n.type === GENERAL_NAME_DNS && typeof n.value === 'string')
    .map((n) => String(n.value));
}

/**
 * Whether the certificate has a Key Usage extension with digitalSignature(0) set.
 * RFC 8520 §13.2 requires both for the certificate that signs a MUD file.
 */
export function hasDigitalSignatureUsage(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((e) => e.extnID === OID_KEY_USAGE);
  if (!ext || !(ext.parsedValue instanceof asn1js.BitString)) return false;
  const bits = ext.parsedValue.valueBlock.valueHexView;
  return bits.length > 0 && ((bits[0] ?? 0) & 0x80) !== 0; // bit 0 is the high bit of the first byte
}

/** Whether `at` falls outside the certificate's validity, and on which side. */
export function validityAt(cert: pkijs.Certificate, at: Date): 'valid' | 'expired' | 'not-yet-valid' {
  if (cert.notAfter.value.getTime() < at.getTime()) return 'expired';
  if (cert.notBefore.value.getTime() > at.getTime()) return 'not-yet-valid';
  return 'valid';
}
