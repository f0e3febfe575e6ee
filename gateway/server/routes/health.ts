// /api/v1/health (no token: load balancers and `docker healthcheck` ask it), the OpenAPI document,
// and /metrics (Prometheus text; a token with metrics:read unless server.metricsPublic).
import type { Route } from '../route.js';

export const healthRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/health', permission: null, tag: 'health',
    summary: 'Liveness and the state of each part (capture with its kernel, interface and ring drops, sensor plug-ins, store, InfluxDB, syslog); "degraded" while a plug-in is off, capture loss is rising or the disk refuses writes; no token needed, nothing secret.',
    responses: { 200: '{ status: "ok" | "degraded", sensor, packets, devices, flows, alerts, syslog, influx, capture: { interface, received, kernelDropped, ifDropped, ringDropped, captured, lossPercent, lossRising } | null, storage: { status: "ok" | "full" | "error", failedWrites, lastError, lastErrorCode, resumedAt }, ... }' },
    handle: (_req, ctx) => {
      const h = ctx.health();
      return { body: h };
    },
  },
  {
    method: 'get', path: '/api/v1/whoami', permission: 'authenticated', tag: 'health',
    summary: 'The calling token\'s public id, role, vendor domain, device and name (the dashboard picks its views by role).',
    responses: { 200: '{ tokenId, role, vendor, device, name }' },
    handle: (req) => ({ body: req.auth }),
  },
  {
    method: 'get', path: '/api/v1/check', permission: 'posture:read', tag: 'health',
    summary: 'The home-router checklist run now on the gateway: WAN default-drop firewall, NAT, DNS filtering, UPnP off, remote admin closed, edgeward not root; each pass, fail or unknown with evidence and the fix.',
    responses: { 200: '{ wan, lan, items: [{ id, title, status, evidence, fix }], counts }' }, errors: ['check.unavailable'],
    async handle(_req, ctx) {
      return { body: await ctx.check() };
    },
  },
  {
    method: 'get', path: '/metrics', permission: 'metrics:read', tag: 'metrics',
    summary: 'Prometheus text exposition (packets, flows, devices, alerts per rule, logs per severity, per-device traffic, live capture counters and drops).',
    responses: { 200: 'text/plain; version=0.0.4' },
    async handle(_req, ctx) {
      const m = await ctx.metrics();
      return { text: m.text, contentType: m.contentType };
    },
  },
];
