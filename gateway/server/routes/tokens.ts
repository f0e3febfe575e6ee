// /api/v1/tokens: admins create, list and revoke API tokens. The secret is in the creation
// response only; lists show public ids, roles and use times.
import { isRole } from '../../auth/roles.js';
import { ApiError } from '../api-errors.js';
import type { Route } from '../route.js';

export const tokenRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/tokens', permission: 'tokens:admin', tag: 'tokens', summary: 'Tokens (no secrets).',
    responses: { 200: '{ items: Token[] }' },
    handle: (_req, ctx) => ({ body: { items: ctx.tokens() } }),
  },
  {
    method: 'post', path: '/api/v1/tokens', permission: 'tokens:admin', tag: 'tokens',
    summary: 'Creates a token; the response carries the secret, once.',
    body: { types: ['application/json'], description: '{ role: admin|analyst|vendor|device, vendor?: domain (vendor role), device?: MAC, name? }' },
    responses: { 201: '{ token, ...Token }' }, errors: ['request.invalid', 'token.bad-role', 'token.vendor-required', 'token.bad-vendor', 'token.bad-device', 'token.scope-mismatch', 'token.bad-name'],
    handle(req, ctx) {
      const b = req.body as Record<string, unknown> | null;
      if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new ApiError('request.invalid', undefined, [{ path: '', message: 'must be an object' }]);
      const problems = Object.keys(b).filter((k) => !['role', 'vendor', 'device', 'name'].includes(k)).map((k) => ({ path: `/${k}`, code: 'unknown', message: 'unknown member' }));
      if (!isRole(b.role)) problems.push({ path: '/role', code: 'enum', message: 'must be admin, analyst, vendor or device' });
      for (const k of ['vendor', 'device', 'name']) if (b[k] !== undefined && typeof b[k] !== 'string') problems.push({ path: `/${k}`, code: 'type', message: 'must be a string' });
      if (problems.length > 0) throw new ApiError('request.invalid', undefined, problems);
      // The store refuses a bad vendor domain, device MAC or name with its own codes (AuthError).
      const r = ctx.createToken({ role: b.role as never, vendor: b.vendor as string | undefined, device: b.device as string | undefined, name: b.name as string | undefined });
      return { status: 201, body: { token: r.token, ...r.info } };
    },
  },
  {
    method: 'delete', path: '/api/v1/tokens/:id', permission: 'tokens:admin', tag: 'tokens', summary: 'Revokes a token.',
    responses: { 204: 'Revoked' }, errors: ['token.not-found'],
    handle(req, ctx) {
      if (!ctx.revokeToken(req.params.id ?? '')) throw new ApiError('token.not-found');
      return { status: 204 };
    },
  },
];
