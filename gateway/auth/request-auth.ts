// The one authentication decision for an HTTP request or a WebSocket upgrade: limiter first, then
// the credential (header, else subprotocol; never the query string), then the role's permission.
// Returns a stable code and status instead of throwing, so both the REST middleware and the
// upgrade handler answer the same way.
import { AUTH_ERRORS, type AuthErrorCode } from './auth-errors.js';
import type { AuthLimiter } from './auth-limiter.js';
import { hasQueryCredential, parseBearer, tokenFromSubprotocols } from './bearer.js';
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
  | { ok: false; code: AuthErrorCode; status: number; /** Seconds, for a 429's Retry-After. */ retryAfterS?: number };

const refuse = (code: AuthErrorCode, retryAfterS?: number): AuthOutcome =>
  retryAfterS === undefined ? { ok: false, code, status: AUTH_ERRORS[code].status } : { ok: false, code, status: AUTH_ERRORS[code].status, retryAfterS };

/**
 * Authenticates `req` and checks `permission` (when given). A refused credential (invalid, or
 * sent in the query string) counts as a failure in the limiter; a missing one does not, so a
 * dashboard opened before login does not lock its operator out. A refusal for the permission is
 * not a failure either: the token was good.
 */
export function authenticateRequest(req: AuthRequest, deps: AuthDeps, permission?: Permission): AuthOutcome {
  const limited = deps.limiter.check(req.ip);
  if (limited.blocked) return refuse('auth.rate-limited', Math.ceil(limited.retryAfterMs / 1000));
  if (hasQueryCredential(req.url)) {
    deps.limiter.fail(req.ip);
    return refuse('auth.token-in-query');
  }
  const token = parseBearer(req.authorization) ?? tokenFromSubprotocols(req.subprotocols ?? []);
  if (token === null) return refuse('auth.missing');
  const info = deps.authenticate(token);
  if (info === null) {
    deps.limiter.fail(req.ip);
    return refuse('auth.invalid');
  }
  if (permission !== undefined && !can(info.role, permission)) return refuse('auth.forbidden');
  return { ok: true, token: info };
}
