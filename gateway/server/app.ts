// The express 5 application: security headers (helmet), bearer-token auth with roles and a
// failed-auth limiter, the routes of the route table, the OpenAPI document, the dashboard's static
// files, and errors as `{code, message}` from one registry. Auth runs before a body is read, so an
// unauthenticated client cannot make the server parse a megabyte. Every write route's answer,
// refusals included, is one row of the audit log (audit-hook.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { authenticateRequest } from '../auth/request-auth.js';
import type { EventLog } from '../common/event-log.js';
import type { ApiContext, AuthInfo } from './api-context.js';
import { ApiError } from './api-errors.js';
import { auditWrite, type AuditLocals } from './audit-hook.js';
import { openApiDocument } from './openapi.js';
import { requireBody, sendApiResponse, toApiError } from './route-http.js';
import { isWrite, type ApiRequest, type Route } from './route.js';
import { ROUTES } from './route-table.js';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthInfo | null;
  }
}

/** Options of the app beyond the context. */
export interface AppOptions {
  /** Built dashboard (index.html and assets); null or missing: a placeholder page. */
  dashboardDir: string | null;
  version: string;
  log: EventLog;
  /** Routes to serve (default: all of ROUTES). */
  routes?: readonly Route[];
}

const clientIp = (req: Request) => req.socket.remoteAddress ?? '';

/** Express middleware: the limiter, the token (never from the query string), the permission. */
function authorize(route: Route, ctx: ApiContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    req.auth = null;
    const publicMetrics = route.path === '/metrics' && ctx.server.metricsPublic;
    if (route.permission === null || publicMetrics) return next();
    const perm = route.permission === 'authenticated' ? undefined : route.permission;
    const out = authenticateRequest({ ip: clientIp(req), authorization: req.headers.authorization, url: req.originalUrl }, ctx.auth, perm);
    if (!out.ok) {
      const headers: Record<string, string> = {};
      if (out.retryAfterS !== undefined) headers['Retry-After'] = String(out.retryAfterS);
      if (out.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="edgeward"';
      // A token refused for its role is still named in the audit row (audit-hook.ts).
      if (out.token !== undefined) (res.locals as AuditLocals).auditToken = { tokenId: out.token.id, role: out.token.role, vendor: out.token.vendor, device: out.token.device, name: out.token.name };
      throw new ApiError(out.code, undefined, undefined, headers);
    }
    const t = out.token;
    req.auth = { tokenId: t.id, role: t.role, vendor: t.vendor, device: t.device, name: t.name };
    next();
  };
}

/** Builds the express app over a context. */
export function createApp(ctx: ApiContext, opts: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(helmet({
    // The dashboard connects its WebSocket to the same origin; helmet's default CSP allows nothing else.
    contentSecurityPolicy: { directives: { 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:'] } },
  }));
  const limit = ctx.server.maxBodyBytes;
  const json = express.json({ limit, type: 'application/json', strict: false });
  const raw = express.raw({ limit, type: ['application/mud+json'] });
  const routes = opts.routes ?? ROUTES;
  for (const r of routes) {
    const handlers = [authorize(r, ctx)];
    // Every write route is audited here, refusals included (audit-hook.ts): routes do nothing for it.
    if (isWrite(r)) handlers.unshift((req: Request, res: Response, next: NextFunction) => { Object.assign(res.locals as AuditLocals, { auditRoute: r, auditParams: { ...req.params } }); next(); });
    if (r.body) handlers.push(json, raw, requireBody(r.body));
    app[r.method](r.path, ...handlers, async (req: Request, res: Response) => {
      const areq: ApiRequest = {
        params: req.params as Record<string, string>, query: req.query ?? {},
        body: Buffer.isBuffer(req.body) ? null : req.body, raw: Buffer.isBuffer(req.body) ? req.body : null,
        contentType: req.headers['content-type'] ?? '', headers: req.headers, auth: req.auth ?? null, ip: clientIp(req),
      };
      const out = await r.handle(areq, ctx);
      const status = out.status ?? 200;
      if (isWrite(r)) opts.log('api.write', { method: r.method.toUpperCase(), path: req.path, status, token: req.auth?.tokenId ?? null, role: req.auth?.role ?? null });
      if (isWrite(r)) auditWrite(ctx.audit, req, res.locals as AuditLocals, { status, code: null }, out, opts.log);
      sendApiResponse(res, out);
    });
  }
  const doc = openApiDocument(routes, opts.version);
  app.get('/api/v1/openapi.json', (_req, res) => { res.json(doc); });
  app.use('/api', (_req, _res, next) => next(new ApiError('route.not-found')));
  serveDashboard(app, opts.dashboardDir);
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toApiError(err);
    if (e.code === 'internal') opts.log('api.error', { method: req.method, path: req.path, error: (err as Error)?.message ?? String(err) });
    else if (e.status === 401 || e.status === 403 || e.status === 429) opts.log('api.denied', { method: req.method, path: req.path, code: e.code, ip: clientIp(req) });
    for (const [k, v] of Object.entries(e.headers ?? {})) res.setHeader(k, v);
    auditWrite(ctx.audit, req, res.locals as AuditLocals, { status: e.status, code: e.code }, undefined, opts.log);
    res.status(e.status).json(e.body());
  });
  return app;
}

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>edgeward</title></head>
<body><h1>edgeward</h1><p>The gateway is running. The dashboard is not built in this install
(<code>npm run build</code> builds it); the API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>`;

/** The built dashboard at `/` (a single-page app: unknown paths get index.html), or a placeholder. */
function serveDashboard(app: express.Express, dir: string | null): void {
  if (dir !== null && existsSync(join(dir, 'index.html'))) {
    app.use(express.static(dir, { index: 'index.html', maxAge: '1h' }));
    app.get('/{*any}', (_req, res) => res.sendFile(join(dir, 'index.html')));
    return;
  }
  app.get('/', (_req, res) => { res.type('html').send(PLACEHOLDER); });
}
