// A route (route.ts) over express, as the gateway's app and the hub's both serve them: the check of
// its body's type, its answer onto the response, and any error as one of the registry's.
import type { NextFunction, Request, Response } from 'express';
import { AuthError } from '../auth/auth-errors.js';
import { storageFault } from '../store/storage-guard.js';
import { ApiError } from './api-errors.js';
import type { ApiResponse, Route } from './route.js';

/** A route's answer onto express's response: headers, then text, no body, or JSON. */
export function sendApiResponse(res: Response, out: ApiResponse): void {
  const status = out.status ?? 200;
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  if (out.text !== undefined) res.status(status).type(out.contentType ?? 'text/plain').send(out.text);
  else if (out.body === undefined) res.status(status).end();
  else res.status(status).json(out.body);
}

/** Middleware after the body parsers: the body is one of the route's types (or left out, when it may be). */
export function requireBody(body: NonNullable<Route['body']>) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (body.optional === true && type === '' && !(Number(req.headers['content-length'] ?? 0) > 0)) { next(); return; }
    if (!body.types.includes(type)) throw new ApiError('request.unsupported-type', `send ${body.types.join(' or ')}`);
    next();
  };
}

/** Body-parser and unexpected errors as registry errors. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof AuthError) return new ApiError(err.code, err.message);
  const t = (err as { type?: string; status?: number }).type;
  if (t === 'entity.too.large') return new ApiError('request.too-large');
  if (t === 'entity.parse.failed') return new ApiError('request.bad-json', `the body is not valid JSON: ${(err as Error).message}`);
  if (t === 'encoding.unsupported' || t === 'charset.unsupported') return new ApiError('request.unsupported-type', (err as Error).message);
  // A write the disk had no room for (triage, a token, an upload): said as such, not as a bug.
  if (storageFault(err) !== null) return new ApiError('storage.full');
  return new ApiError('internal');
}
