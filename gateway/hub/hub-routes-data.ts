// The hub's read routes over every site's devices, incidents, edge logs and the cross-site search,
// each behind the gateway's permission for the same data (devices:read, alerts:read, logs:read),
// each with an optional `site` filter. Listed in hub-routes.ts.
import type { Permission } from '../auth/roles.js';
import { isSiteId } from '../fleet/fleet-stream.js';
import { QueryReader } from '../server/route.js';
import { badQuery, SITE_PARAM, type HubContext, type HubRoute } from './hub-route.js';
import { MAX_QUERY, search } from './hub-search.js';

/** The site filter of a query, checked. */
function siteOf(q: QueryReader): string | undefined {
  const site = q.string('site');
  if (site !== undefined && !isSiteId(site)) throw badQuery('site', 'not a site id');
  return site;
}

/** GET `path` (`?site=&limit=`): the latest rows of every site, or of one. */
function listRoute(path: string, permission: Permission, tag: string, what: string, maxLimit: number,
  list: (ctx: HubContext, f: { site?: string; limit?: number }) => unknown[]): HubRoute {
  return {
    method: 'get', path, permission, tag, summary: `${what}, each with its site.`,
    query: [SITE_PARAM, { name: 'limit', description: `Rows (1–${maxLimit}).`, type: 'integer' }],
    responses: { 200: '{items}' }, errors: ['request.invalid'],
    handle: (req, ctx) => {
      const q = new QueryReader(req.query, ['site', 'limit']);
      const site = siteOf(q);
      const limit = q.int('limit', 1, maxLimit);
      q.done();
      return { body: { items: list(ctx, { site, limit }) } };
    },
  };
}

export const dataRoutes: readonly HubRoute[] = [
  listRoute('/api/v1/devices', 'devices:read', 'devices', 'The latest view of every device of every site (as its gateway sent it)', 10_000, (ctx, f) => ctx.store.devices(f)),
  listRoute('/api/v1/incidents', 'alerts:read', 'incidents', 'The latest copy of every incident of every site', 1000, (ctx, f) => ctx.store.incidents(f)),
  listRoute('/api/v1/logs', 'logs:read', 'logs', 'The newest edge-log records of every site', 1000, (ctx, f) => ctx.store.logs(f)),
  {
    method: 'get', path: '/api/v1/search', permission: 'alerts:read', tag: 'search',
    summary: 'Search every site at once by address, network, MAC or OUI, TLS fingerprint (JA4), domain, vendor or host name: `kind` says how the text was read, `sites` what each site holds that matches.',
    query: [{ name: 'q', description: `The text to search for (at most ${MAX_QUERY} characters).`, type: 'string' }],
    responses: { 200: '{q, kind, sites}' }, errors: ['request.invalid'],
    handle: (req, ctx) => {
      const q = new QueryReader(req.query, ['q']);
      const text = q.string('q');
      q.done();
      if (text === undefined || text.trim() === '') throw badQuery('q', 'give the text to search for');
      if (text.length > MAX_QUERY) throw badQuery('q', `at most ${MAX_QUERY} characters`);
      return { body: search(ctx.store.terms, text) };
    },
  },
];
