// Every REST route of the hub, as data (gateway/server/route.ts, as the gateway's): hub-server.ts
// registers each with its token check, the OpenAPI document at /api/v1/openapi.json is written
// from them, and test/fleet/hub-routes-auth.test.ts walks them with every role.
import { isSiteId } from '../fleet/fleet-stream.js';
import type { ApiAbout } from '../server/openapi.js';
import { QueryReader } from '../server/route.js';
import { commandRoutes } from './hub-commands-routes.js';
import { badQuery, SITE_PARAM, type HubRoute } from './hub-route.js';
import { dataRoutes } from './hub-routes-data.js';
import { siteView } from './hub-sites.js';

const baseRoutes: HubRoute[] = [
  {
    method: 'get', path: '/api/v1/health', permission: null, tag: 'health',
    summary: 'The hub\'s health: its NATS connection, its consumer\'s counters, how many sites it heard from; `role: "hub"` tells a dashboard it talks to a hub.',
    responses: { 200: 'Health' },
    handle: (_req, ctx) => ({ body: { ...ctx.health(), role: 'hub' } }),
  },
  {
    method: 'get', path: '/api/v1/whoami', permission: 'authenticated', tag: 'health',
    summary: 'The token\'s public id, role and name (the dashboard picks its views by role).',
    responses: { 200: '{tokenId, role, vendor, device, name}' },
    handle: (req) => {
      const a = req.auth!;
      return { body: { tokenId: a.tokenId, role: a.role, vendor: a.vendor, device: a.device, name: a.name } };
    },
  },
  {
    method: 'get', path: '/api/v1/sites', permission: 'alerts:read', tag: 'sites',
    summary: 'Every site the hub heard from: when, how many records, its alerts by severity, its gateway\'s state from its latest traffic summary (`silent` after 3 min) and the records still in the stream for it (`lag`).',
    responses: { 200: '{items: Site[]}' },
    handle: async (_req, ctx) => {
      const sites = ctx.store.sites();
      const lags = await Promise.all(sites.map((s) => ctx.lag(s.site, s.lastSeq).catch(() => null)));
      const counts = ctx.store.alertCounts();
      const states = ctx.store.siteStates();
      const now = Date.now();
      return { body: { items: sites.map((s, i) => siteView(s, counts.get(s.site), states.get(s.site), lags[i] ?? null, now)) } };
    },
  },
  {
    method: 'get', path: '/api/v1/alerts', permission: 'alerts:read', tag: 'alerts',
    summary: 'Alerts of every site, newest last seen first, each with its site; a page and the cursor of the next (`next`).',
    query: [
      SITE_PARAM,
      { name: 'rule', description: 'Only this rule id.', type: 'string' },
      { name: 'severity', description: 'Only this severity (as the alerts carry it).', type: 'string' },
      { name: 'status', description: 'Only this triage status (as the alerts carry it).', type: 'string' },
      { name: 'limit', description: 'Alerts a page (1–1000).', type: 'integer' },
      { name: 'before', description: 'The `next` of the page before.', type: 'string' },
    ],
    responses: { 200: '{items: (Alert & {site})[], next}' },
    errors: ['request.invalid'],
    handle: (req, ctx) => {
      const q = new QueryReader(req.query, ['site', 'rule', 'severity', 'status', 'limit', 'before']);
      const filter = {
        site: q.string('site'), rule: q.string('rule'), severity: q.string('severity'), status: q.string('status'),
        limit: q.int('limit', 1, 1000), before: q.string('before'),
      };
      q.done();
      if (filter.site !== undefined && !isSiteId(filter.site)) throw badQuery('site', 'not a site id');
      try {
        return { body: ctx.store.alerts(filter) };
      } catch (e) {
        if (e instanceof RangeError) throw badQuery('before', 'not a cursor of this API (give the `next` of a page)');
        throw e;
      }
    },
  },
];

/** Every route of the hub's REST API. */
export const HUB_ROUTES: readonly HubRoute[] = Object.freeze([...baseRoutes, ...dataRoutes, ...commandRoutes]);

/** What the hub's OpenAPI document says of its API. */
export const HUB_API: ApiAbout = Object.freeze({
  title: 'edgeward hub API',
  description: 'Every site\'s alerts, devices, incidents and edge logs as the gateways of a fleet sent them over NATS JetStream, a cross-site search, and signed response commands to the gateways. Tokens and roles as on a gateway. Errors are { code, message, details? } with codes from the registry below.',
  stream: 'WebSocket upgrade. Token in Authorization: Bearer or as the subprotocol "bearer.<token>" next to "edgeward.v1"; never in the query string. Topics alert, device, incident, log (as a gateway\'s), site and command; every event\'s data carries its site. Messages: subscribe {topics, since}; hello, event {id, topic, data}, gap, error.',
});
