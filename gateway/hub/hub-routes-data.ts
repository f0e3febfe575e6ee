// The hub's read routes over every site's devices, incidents, edge logs and the cross-site search,
// each behind the gateway's permission for the same data (devices:read, alerts:read, logs:read),
// each with an optional `site` filter. hub-server.ts mounts them with its token check.
import type express from 'express';
import type { RequestHandler } from 'express';
import type { Permission } from '../auth/roles.js';
import { isSiteId } from '../fleet/fleet-stream.js';
import { ApiError } from '../server/api-errors.js';
import { QueryReader } from '../server/route.js';
import { MAX_QUERY, search } from './hub-search.js';
import type { HubStore } from './hub-store.js';

const bad = (name: string, message: string) => new ApiError('request.invalid', `${name}: ${message}`, [{ path: `/query/${name}`, message }]);

/** The site filter of a query, checked. */
function siteOf(q: QueryReader): string | undefined {
  const site = q.string('site');
  if (site !== undefined && !isSiteId(site)) throw bad('site', 'not a site id');
  return site;
}

/**
 * Mounts GET /api/v1/devices, /incidents, /logs (`?site=&limit=`) and /search (`?q=`) on `app`.
 * `authorize(permission)` is the hub's bearer-token check.
 */
export function addHubDataRoutes(app: express.Express, store: HubStore, authorize: (p: Permission) => RequestHandler): void {
  const listRoute = (path: string, permission: Permission, maxLimit: number, list: (f: { site?: string; limit?: number }) => unknown[]) => {
    app.get(path, authorize(permission), (req, res) => {
      const q = new QueryReader(req.query, ['site', 'limit']);
      const site = siteOf(q);
      const limit = q.int('limit', 1, maxLimit);
      q.done();
      res.json({ items: list({ site, limit }) });
    });
  };
  listRoute('/api/v1/devices', 'devices:read', 10_000, (f) => store.devices(f));
  listRoute('/api/v1/incidents', 'alerts:read', 1000, (f) => store.incidents(f));
  listRoute('/api/v1/logs', 'logs:read', 1000, (f) => store.logs(f));
  app.get('/api/v1/search', authorize('alerts:read'), (req, res) => {
    const q = new QueryReader(req.query, ['q']);
    const text = q.string('q');
    q.done();
    if (text === undefined || text.trim() === '') throw bad('q', 'give the text to search for');
    if (text.length > MAX_QUERY) throw bad('q', `at most ${MAX_QUERY} characters`);
    res.json(search(store.terms, text));
  });
}
