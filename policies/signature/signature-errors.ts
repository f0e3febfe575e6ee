// The closed list of reasons a MUD signature is refused (RFC 8520 §13, RFC 5652 §5).
// Codes are stable: callers and tests match on them, never on the message text. Add, never rename.

/** Every signature error code, each with the one-line meaning an operator reads in a log. */
export const SIGNATURE_ERRORS = {
  'signature.malformed':
    'The signature is not a DER or PEM CMS SignedData over id-data, carries attached rather than detached content, or lacks a mandatory signed attribute.',
  'signature.no-signer':
    'The SignedData has no SignerInfo, or none of its SignerInfos names a certificate carried in the signature.',
  'signature.unsupported-algorithm':
    'The signer used a digest or signature algorithm edgeward does not accept (SHA-256/384/512 with RSA or ECDSA only).',
  'signature.digest-mismatch':
    'The message-digest signed attribute does not match the MUD file: the file was changed after signing.',
  'signature.bad-signature':
    'The signature value does not verify with the signer certificate public key.',
  'signature.untrusted-chain':
    'The signer certificate does not chain to a configured trust anchor (or the chain is not a valid CA chain).',
  'signature.expired':
    'The signer certificate, or a certificate in its chain, expired before the validity time.',
  'signature.not-yet-valid':
    'The signer certificate, or a certificate in its chain, is not yet valid at the validity time.',
  'signature.key-usage':
    'The signer certificate lacks the Key Usage extension with digitalSignature set (RFC 8520 §13.2).',
  'signature.signer-mismatch':
    'The signature is valid but the signer is not the one expected (subject or dNSName).',
  'signature.trust-anchor-invalid':
    'A configured trust anchor is not a parseable X.509 certificate (PEM or DER): a configuration error.',
  'signature.wrong-domain':
    'The signer chains to a trusted signer certificate (edgeward trust add), but that certificate may sign only for another vendor domain than the MUD URL\'s host.',
} as const satisfies Record<string, string>;

/** A stable signature error code; see {@link SIGNATURE_ERRORS} for what each one means. */
export type SignatureErrorCode = keyof typeof SIGNATURE_ERRORS;

/** Every code in registry order, for tests and documentation generators. */
export const SIGNATURE_ERROR_CODES = Object.freeze(Object.keys(SIGNATURE_ERRORS)) as readonly SignatureErrorCode[];
