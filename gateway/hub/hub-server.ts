// The hub's REST API (express, as the gateway's): the sites it hears from and their alerts, with the
// gateway's bearer tokens, roles and failed-auth limiter, and errors as `{code, message}` from the
// gateway's registry. Read-only so far; the dashboard and the response commands come later.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { AuthError } from '../auth/auth-errors.js';
import type { AuthLimiter } from '../auth/auth-limiter.js';
import type { Permission } from '../auth/roles.js';
import type { TokenStore } from '../auth/token-store.js';
import type { EventLog } from '../common/event-log.js';
import { isSiteId } from '../fleet/fleet-stream.js';
import { ApiError } from '../server/api-errors.js';
import { QueryReader } from '../server/route.js';
import { hubAuthorize, requestToken } from './hub-auth.js';
import { addHubDataRoutes } from './hub-routes-data.js';
import { siteView } from './hub-sites.js';
import { serveHubDashboard } from './hub-static.js';
import type { HubStore } from './hub-store.js';

/** What GET /api/v1/health says (no token needed, nothing secret). */
export interface HubHealth {
  status: 'ok' | 'degraded';
  nats: { connected: boolean; server: string | null };
  consumer: Record<string, unknown>;
  sites: number;
}

/** What the API reads. */
export interface HubApiDeps {
  store: HubStore;
  tokens: TokenStore;
  limiter: AuthLimiter;
  health: () => HubHealth;
  /**
   * Records of `site` in the stream the hub has not stored yet: the outbox sequence of the site's
   * last record in the stream minus the hub's; null when it cannot be told (NATS down).
   */
  lag: (site: string, hubLastSeq: number) => Promise<number | null>;
  log: EventLog;
  /** Built dashboard served at `/` (hub-static.ts); null or missing: a placeholder page. */
  dashboardDir?: string | null;
  /** More routes, added before the /api 404 (the fleet commands of hub-commands-routes.ts). Default none. */
  routes?: (app: express.Express) => void;
}

/** Bearer token and permission, as the gateway's API checks them. */
const authorize = (deps: HubApiDeps, permission: Permission | undefined) => hubAuthorize(deps, permission);

const bad = (name: string, message: string) => new ApiError('request.invalid', `${name}: ${message}`, [{ path: `/query/${name}`, message }]);

/** Builds the hub's express app. */
export function createHubApp(deps: HubApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(helmet());
  // `role: 'hub'` tells the dashboard it talks to a hub (sites, search) rather than a gateway.
  app.get('/api/v1/health', (_req, res) => { res.json({ ...deps.health(), role: 'hub' }); });
  // Any valid token: its public id, role and name (the dashboard picks its views by role), as on a gateway.
  app.get('/api/v1/whoami', authorize(deps, undefined), (_req, res) => {
    const t = requestToken(res);
    res.json({ tokenId: t.id, role: t.role, vendor: t.vendor, device: t.device, name: t.name });
  });
  app.get('/api/v1/sites', authorize(deps, 'alerts:read'), async (_req, res) => {
    const sites = deps.store.sites();
    const lags = await Promise.all(sites.map((s) => deps.lag(s.site, s.lastSeq).catch(() => null)));
    const counts = deps.store.alertCounts();
    const states = deps.store.siteStates();
    const now = Date.now();
    res.json({ items: sites.map((s, i) => siteView(s, counts.get(s.site), states.get(s.site), lags[i] ?? null, now)) });
  });
  app.get('/api/v1/alerts', authorize(deps, 'alerts:read'), (req, res) => {
    const q = new QueryReader(req.query, ['site', 'rule', 'severity', 'status', 'limit', 'before']);
    const filter = {
      site: q.string('site'), rule: q.string('rule'), severity: q.string('severity'), status: q.string('status'),
      limit: q.int('limit', 1, 1000), before: q.string('before'),
    };
    q.done();
    if (filter.site !== undefined && !isSiteId(filter.site)) throw bad('site', 'not a site id');
    try {
      res.json(deps.store.alerts(filter));
    } catch (e) {
      if (e instanceof RangeError) throw bad('before', 'not a cursor of this API (give the `next` of a page)');
      throw e;
    }
  });
  addHubDataRoutes(app, deps.store, (p) => authorize(deps, p));
  deps.routes?.(app);
  app.use('/api', (_req, _res, next) => next(new ApiError('route.not-found')));
  serveHubDashboard(app, deps.dashboardDir ?? null);
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err instanceof ApiError ? err : err instanceof AuthError ? new ApiError(err.code, err.message) : new ApiError('internal');
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
