// Which credential a failed attempt is counted under, next to its source address: a token's
// public-ish prefix (its first characters after `ew_`), or one shared key for credentials that are
// not token-shaped and one for tokens sent in the query string. Counting per prefix is what lets a
// valid token keep working while another token fails over and over from the same address.
import { isTokenShape, TOKEN_PREFIX } from './token-secret.js';

/**
 * Characters of the secret after `ew_` that form the key: 8 base64url characters (48 bits), so two
 * tokens of one gateway practically never share a key, while the key alone is useless for guessing
 * (208 bits remain). Not stored anywhere: the limiter keeps it in memory for the window only.
 */
export const CREDENTIAL_KEY_CHARS = 8;

/** The key of every credential that is not token-shaped (`Bearer undefined`, a truncated paste). */
export const ILL_SHAPED_KEY = '(ill-shaped)';

/** The key of tokens sent in the query string (refused even when valid). */
export const QUERY_KEY = '(query)';

/** The limiter key of a credential: `ew_` and its first {@link CREDENTIAL_KEY_CHARS}, or {@link ILL_SHAPED_KEY}. */
export function credentialKey(credential: string): string {
  return isTokenShape(credential) ? credential.slice(0, TOKEN_PREFIX.length + CREDENTIAL_KEY_CHARS) : ILL_SHAPED_KEY;
}
