// /api/v1/devices: the inventory with compliance, and one device's detail (profile, ACEs, flows,
// alerts, edge logs).
import { ApiError } from '../api-errors.js';
import { macParam, type Route } from '../route.js';

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
];
