// /api/v1/devices: the inventory with compliance, and one device's detail (profile, ACEs, flows,
// alerts, edge logs).
import { ApiError } from '../api-errors.js';
import { macParam, QueryReader, type Route } from '../route.js';

export const deviceRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/devices', permission: 'devices:read', tag: 'devices',
    summary: 'Every device on the LAN: vendor, hostname, addresses, MUD URL and profile, compliance, alert counts.',
    responses: { 200: '{ items: Device[] }' },
    handle: (_req, ctx) => ({ body: { items: ctx.devices() } }),
  },
  {
    method: 'get', path: '/api/v1/devices/:mac', permission: 'devices:read', tag: 'devices',
    summary: 'One device: its profile and ACEs, compliance, recent flows (live and ended), alerts and edge logs.',
    responses: { 200: 'DeviceDetail' }, errors: ['device.not-found'],
    handle(req, ctx) {
      const d = ctx.device(macParam(req));
      if (d === null) throw new ApiError('device.not-found');
      return { body: d };
    },
  },
  {
    method: 'get', path: '/api/v1/devices/:mac/learned-profile', permission: 'devices:read', tag: 'devices',
    summary: 'The MUD profile learned so far from a device listed in policy.learn, with the report (rules, the long tail of rare destinations).',
    query: [
      { name: 'includeRare', type: 'boolean', description: 'Also add the rare destinations (always listed in the report).' },
      { name: 'mudUrl', type: 'string', description: 'mud-url of the profile (default: the URL the device announced).' },
      { name: 'format', type: 'string', enum: ['report', 'mud'], description: 'report (default): { mud, report }; mud: the MUD file alone, application/mud+json.' },
    ],
    responses: { 200: '{ mud, report } or the MUD file' }, errors: ['device.not-learned'],
    handle(req, ctx) {
      const q = new QueryReader(req.query, ['includeRare', 'mudUrl', 'format']);
      const opts = { includeRare: q.bool('includeRare'), mudUrl: q.string('mudUrl') };
      const format = q.choice('format', ['report', 'mud'] as const) ?? 'report';
      q.done();
      const r = ctx.learnedProfile(macParam(req), opts);
      if (r === null) throw new ApiError('device.not-learned');
      if (format === 'mud') return { text: JSON.stringify(r.mud, null, 2), contentType: 'application/mud+json' };
      return { body: r };
    },
  },
  {
    method: 'get', path: '/api/v1/devices/:mac/explain', permission: 'devices:read', tag: 'devices',
    summary: 'The verdict explainer for a device with a profile: per ACE the flows and bytes it allowed, ACEs never used, every denied flow with the nearest ACE and what differed.',
    query: [
      { name: 'since', type: 'string', description: 'ISO-8601: flows from this time (default: all kept).' },
      { name: 'until', type: 'string', description: 'ISO-8601: flows before this time.' },
    ],
    responses: { 200: 'Explanation' }, errors: ['device.not-found', 'profile.not-found'],
    handle(req, ctx) {
      const q = new QueryReader(req.query, ['since', 'until']);
      const since = q.time('since');
      const until = q.time('until');
      q.done();
      const r = ctx.explain(macParam(req), since, until);
      if (r === 'no-device') throw new ApiError('device.not-found');
      if (r === 'no-profile') throw new ApiError('profile.not-found', 'the device has no profile to explain');
      return { body: r };
    },
  },
];
