// Checks a MUD signature against two kinds of trust: trust anchors that may sign for any MUD URL
// (the config's fetch.trustAnchors), and trusted signers that may sign only for one vendor domain
// (`edgeward trust add CERT --vendor DOMAIN`), so a refusal can say which of the two failed and why.
import { claimedSigners, verifyMudSignature, type SignatureResult } from './verify-mud-signature.js';

/** A certificate trusted for one vendor domain: a CA the vendor's signers chain to, or the signer itself. */
export interface ScopedSigner {
  /** Its id in the trust list, named in refusals. */
  id: string;
  /** The vendor domain (canonical, lower case) the certificate may sign MUD files for. */
  vendor: string;
  /** The certificate, PEM or DER. */
  certificate: string | Buffer;
}

/** Options of {@link verifyMudSignatureScoped}. */
export interface ScopedVerifyOptions {
  /** Trusted for every MUD URL. Default none. */
  trustAnchors?: readonly (string | Buffer)[];
  /** Trusted only for the MUD URLs `owns` gives their vendor domain. */
  signers: readonly ScopedSigner[];
  /** The MUD URL of the file being checked (from the file itself). */
  mudUrl: string;
  /** Whether `vendor` may sign the MUD file at `mudUrl` (host is the domain or under it). */
  owns: (vendor: string, mudUrl: string) => boolean;
  /** Validity time; default now. */
  at?: Date;
}

/** A success names the trusted signer it chained to (null: a config trust anchor). */
export type ScopedSignatureResult =
  | { ok: true; signer: Extract<SignatureResult, { ok: true }>['signer']; trustedSigner: { id: string; vendor: string } | null }
  | Extract<SignatureResult, { ok: false }>;

/** The code that means "not trusted by this set", where another set may still trust the signer. */
const TRY_NEXT = 'signature.untrusted-chain';

/**
 * Verifies `signature` over `content`: first against the unrestricted trust anchors, then against
 * the trusted signers of the MUD URL's domain. When only a signer of another domain trusts it, the
 * answer is `signature.wrong-domain`, naming that signer and its domain; when none does,
 * `signature.untrusted-chain`. Faults of the signature itself (bad value, changed file, expired
 * certificate) are reported as soon as they are found.
 */
export async function verifyMudSignatureScoped(content: Buffer, signature: Buffer, opts: ScopedVerifyOptions): Promise<ScopedSignatureResult> {
  const at = opts.at ?? new Date();
  const anchors = opts.trustAnchors ?? [];
  const own = opts.signers.filter((s) => opts.owns(s.vendor, opts.mudUrl));
  const others = opts.signers.filter((s) => !opts.owns(s.vendor, opts.mudUrl));

  let first: Extract<SignatureResult, { ok: false }> | undefined;
  if (anchors.length > 0 || own.length === 0) {
    const r = await verifyMudSignature(content, signature, { trustAnchors: anchors, at });
    if (r.ok) return { ...r, trustedSigner: null };
    if (r.code !== TRY_NEXT) return r;
    first = r;
  }
  // Each trusted signer on its own: the one that vouches for the signature is the one reported.
  for (const s of own) {
    const r = await verifyMudSignature(content, signature, { trustAnchors: [s.certificate], pinnedSigners: [s.certificate], at });
    if (r.ok) return { ...r, trustedSigner: { id: s.id, vendor: s.vendor } };
    if (r.code !== TRY_NEXT) return r;
    first ??= r;
  }
  for (const s of others) {
    const r = await verifyMudSignature(content, signature, { trustAnchors: [s.certificate], pinnedSigners: [s.certificate], at });
    if (r.ok) {
      return {
        ok: false, code: 'signature.wrong-domain',
        reason: `signed by ${r.signer.subject}, trusted only for ${s.vendor} (trusted signer ${s.id}), not for ${hostOf(opts.mudUrl)}`,
      };
    }
  }
  const claimed = claimedSigners(signature)[0];
  const who = claimed ? `the signer ${claimed.subject} (issued by ${claimed.issuer})` : 'the signer';
  const host = hostOf(opts.mudUrl);
  const where = own.length > 0
    ? `${anchors.length > 0 ? 'a trust anchor or ' : ''}the certificate${own.length === 1 ? '' : 's'} trusted for ${host} (${own.map((s) => s.id).join(', ')})`
    : `${anchors.length > 0 ? 'a trust anchor' : 'any trust anchor (none is configured)'}, and no certificate is trusted for ${host}`;
  return {
    ok: false, code: 'signature.untrusted-chain',
    reason: `${who} does not chain to ${where}; the gateway's operator can trust the vendor's CA or signing certificate for its domain ` +
      `with edgeward trust add CERT --vendor DOMAIN${first ? ` [${first.reason}]` : ''}`,
  };
}

function hostOf(mudUrl: string): string {
  try {
    return new URL(mudUrl).hostname;
  } catch {
    return mudUrl;
  }
}
