// The one authentication decision for an HTTP request or a WebSocket upgrade: the credential
// (header, else subprotocol; never the query string), the failed-auth limiter (per source and
// credential prefix before the lookup, per source after a failed one), then the role's permission.
// Returns a stable code and status instead of throwing, so both the REST middleware and the
// upgrade handler answer the same way.
import { AUTH_ERRORS, type AuthErrorCode } from './auth-errors.js';
import type { AuthLimiter } from './auth-limiter.js';
import { hasQueryCredential, parseBearer, tokenFromSubprotocols } from './bearer.js';
import { credentialKey, QUERY_KEY } from './credential-key.js';
import { can, type Permission } from './roles.js';
import type { TokenInfo } from './token-store.js';

/** What a request offers for authentication. */
export interface AuthRequest {
  /** Client address (the limiter's key). */
  ip: string;
  /** The `Authorization` header, if any. */
  authorization?: string;
  /** Offered WebSocket subprotocols, if any (only an upgrade has them). */
  subprotocols?: readonly string[];
  /** The request target (path and query), to refuse query-string tokens. */
  url?: string;
}

/** Who answers for tokens and counts failures. */
export interface AuthDeps {
  /** The token's info, or null when unknown or revoked (TokenStore.verify). */
  authenticate: (token: string) => TokenInfo | null;
  limiter: AuthLimiter;
}

/** The decision: the token's info, or a refusal with its code and HTTP status. */
export type AuthOutcome =
  | { ok: true; token: TokenInfo }
  | {
    ok: false; code: AuthErrorCode; status: number;
    /** Seconds, for a 429's Retry-After. */ retryAfterS?: number;
    /** auth.forbidden: the token that verified but lacks the permission (for the audit row). */ token?: TokenInfo;
  };

const refuse = (code: AuthErrorCode, retryAfterS?: number): AuthOutcome =>
  retryAfterS === undefined ? { ok: false, code, status: AUTH_ERRORS[code].status } : { ok: false, code, status: AUTH_ERRORS[code].status, retryAfterS };

/**
 * Authenticates `req` and checks `permission` (when given). In order:
 * 1. A credential in the query string is refused (and counted under its own key).
 * 2. No credential: auth.missing, not counted, so a dashboard opened before sign-in does not lock
 *    its operator out.
 * 3. A credential whose (source, prefix) pair is blocked: 429 without a lookup, so even a right
 *    guess of a token's ending is refused during the block.
 * 4. The lookup (one SHA-256 and an indexed read). A token that verifies passes whatever other
 *    credentials from its address did. One that does not: 429 while its source is over the
 *    per-source limit, else 401 and one failure counted for the pair and the source.
 * 5. The permission: a refusal there is not a failure, the token was good.
 */
export function authenticateRequest(req: AuthRequest, deps: AuthDeps, permission?: Permission): AuthOutcome {
  const { limiter } = deps;
  const limitedFor = (s: { retryAfterMs: number }): AuthOutcome => refuse('auth.rate-limited', Math.ceil(s.retryAfterMs / 1000));
  if (hasQueryCredential(req.url)) {
    const pair = limiter.check(req.ip, QUERY_KEY);
    if (pair.blocked) return limitedFor(pair);
    const source = limiter.checkSource(req.ip);
    if (source.blocked) return limitedFor(source);
    limiter.fail(req.ip, QUERY_KEY);
    return refuse('auth.token-in-query');
  }
  const token = parseBearer(req.authorization) ?? tokenFromSubprotocols(req.subprotocols ?? []);
  if (token === null) return refuse('auth.missing');
  const key = credentialKey(token);
  const pair = limiter.check(req.ip, key);
  if (pair.blocked) return limitedFor(pair);
  const info = deps.authenticate(token);
  if (info === null) {
    // Over the per-source limit a failure is answered 429 and not counted again: the block stands,
    // and a guesser rotating prefixes does not fill the pair table.
    const source = limiter.checkSource(req.ip);
    if (source.blocked) return limitedFor(source);
    limiter.fail(req.ip, key);
    return refuse('auth.invalid');
  }
  if (permission !== undefined && !can(info.role, permission)) return { ok: false, code: 'auth.forbidden', status: AUTH_ERRORS['auth.forbidden'].status, token: info };
  return { ok: true, token: info };
}
