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
