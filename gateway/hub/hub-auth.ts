// The hub's bearer-token check for its REST routes: the gateway's rules (gateway/auth/request-auth.ts:
// roles, the failed-auth limiter, no token in a query string), as express middleware. The token that
// passed is left in `res.locals.token` for the route (who issued a command, whoami).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthLimiter } from '../auth/auth-limiter.js';
import { authenticateRequest } from '../auth/request-auth.js';
import type { Permission } from '../auth/roles.js';
import type { TokenInfo, TokenStore } from '../auth/token-store.js';
import { ApiError } from '../server/api-errors.js';

/** What the check reads. */
export interface HubAuthDeps {
  tokens: TokenStore;
  limiter: AuthLimiter;
}

/** Middleware: a valid bearer token with `permission` (undefined: any valid token), or the registry's auth.* error. */
export function hubAuthorize(deps: HubAuthDeps, permission: Permission | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const out = authenticateRequest({ ip: req.socket.remoteAddress ?? '', authorization: req.headers.authorization, url: req.originalUrl },
      { authenticate: (t) => deps.tokens.verify(t), limiter: deps.limiter }, permission);
    if (!out.ok) {
      const headers: Record<string, string> = {};
      if (out.retryAfterS !== undefined) headers['Retry-After'] = String(out.retryAfterS);
      if (out.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="edgeward-hub"';
      throw new ApiError(out.code, undefined, undefined, headers);
    }
    res.locals.token = out.token;
    next();
  };
}

/** The token {@link hubAuthorize} let through. */
export const requestToken = (res: Response): TokenInfo => res.locals.token as TokenInfo;
