// The hub's REST API (express, as the gateway's): the routes of hub-routes.ts behind the gateway's
// bearer tokens, roles and failed-auth limiter, their OpenAPI document, errors as `{code, message}`
// from the gateway's registry, and the hub's dashboard.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import type { AuthLimiter } from '../auth/auth-limiter.js';
import type { TokenStore } from '../auth/token-store.js';
import type { EventLog } from '../common/event-log.js';
import type { AuthInfo } from '../server/api-context.js';
import { ApiError } from '../server/api-errors.js';
import { openApiDocument } from '../server/openapi.js';
import { requireBody, sendApiResponse, toApiError } from '../server/route-http.js';
import { hubAuthorize, requestToken } from './hub-auth.js';
import type { HubContext, HubRoute } from './hub-route.js';
import { HUB_API, HUB_ROUTES } from './hub-routes.js';
import { serveHubDashboard } from './hub-static.js';

/** What the API reads. */
export interface HubApiDeps extends HubContext {
  tokens: TokenStore;
  limiter: AuthLimiter;
  log: EventLog;
  /** Built dashboard served at `/` (hub-static.ts); null or missing: a placeholder page. */
  dashboardDir?: string | null;
  /** The API's version (the package's) in its OpenAPI document. */
  version: string;
}

/** Largest request body, bytes (a command is well under 1 KiB). */
const MAX_BODY = 16 * 1024;

/** JSON bodies; a wrong type, bad JSON or too large a body are the registry's request.* errors (route-http.ts). */
const json = express.json({ limit: MAX_BODY, type: 'application/json', strict: false });

/** The token a route's check let through, as a handler reads it; null on a public route. */
function authOf(r: HubRoute, res: Response): AuthInfo | null {
  if (r.permission === null) return null;
  const t = requestToken(res);
  return { tokenId: t.id, role: t.role, vendor: t.vendor, device: t.device, name: t.name };
}

/** Builds the hub's express app: every route of {@link HUB_ROUTES}, its OpenAPI document, the dashboard. */
export function createHubApp(deps: HubApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(helmet());
  for (const r of HUB_ROUTES) {
    // Auth first: an unauthenticated client gets 401 whatever its body.
    const handlers: RequestHandler[] = r.permission === null ? [] : [hubAuthorize(deps, r.permission === 'authenticated' ? undefined : r.permission)];
    if (r.body) handlers.push(json, requireBody(r.body));
    app[r.method](r.path, ...handlers, async (req: Request, res: Response) => {
      const out = await r.handle({
        params: req.params as Record<string, string>, query: req.query ?? {}, body: req.body as unknown, raw: null,
        contentType: req.headers['content-type'] ?? '', headers: req.headers, auth: authOf(r, res), ip: req.socket.remoteAddress ?? '',
      }, deps);
      sendApiResponse(res, out);
    });
  }
  const doc = openApiDocument(HUB_ROUTES, deps.version, HUB_API);
  app.get('/api/v1/openapi.json', (_req, res) => { res.json(doc); });
  app.use('/api', (_req, _res, next) => next(new ApiError('route.not-found')));
  serveHubDashboard(app, deps.dashboardDir ?? null);
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toApiError(err);
    if (e.code === 'internal') deps.log('api.error', { method: req.method, path: req.path, error: (err as Error)?.message ?? String(err) });
    for (const [k, v] of Object.entries(e.headers ?? {})) res.setHeader(k, v);
    res.status(e.status).json(e.body());
  });
  return app;
}

/** Starts listening; resolves with the server and its base URL. */
export function listenHub(app: express.Express, host: string, port: number): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const a = server.address() as AddressInfo;
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({ server, url: `http://${h}:${a.port}` });
    });
  });
}
