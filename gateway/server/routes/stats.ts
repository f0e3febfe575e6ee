// /api/v1/stats: the series behind the dashboard's charts — alerts per minute by severity, edge
// logs per minute by severity, traffic per device over the last hour.
import { QueryReader, type Route } from '../route.js';

export const statsRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/stats/alerts', permission: 'alerts:read', tag: 'stats',
    summary: 'New alerts per time bucket and severity (by first occurrence).',
    query: [
      { name: 'since', type: 'string', description: 'ISO-8601; default one hour ago.' },
      { name: 'bucket', type: 'integer', description: 'Seconds per bucket, 10 to 86400; default 60.' },
    ],
    responses: { 200: '{ bucketSeconds, buckets: [{ t, low, medium, high, critical }] }' },
    handle(req, ctx) {
      const q = new QueryReader(req.query, ['since', 'bucket']);
      const since = q.time('since') ?? new Date(Date.now() - 3600_000).toISOString();
      const bucket = q.int('bucket', 10, 86400) ?? 60;
      q.done();
      return { body: { bucketSeconds: bucket, buckets: ctx.alertSeries(since, bucket) } };
    },
  },
  {
    method: 'get', path: '/api/v1/stats/logs', permission: 'logs:read', tag: 'stats',
    summary: 'Edge log records per time bucket and severity.',
    query: [
      { name: 'since', type: 'string', description: 'ISO-8601; default one hour ago.' },
      { name: 'bucket', type: 'integer', description: 'Seconds per bucket, 10 to 86400; default 60.' },
    ],
    responses: { 200: '{ bucketSeconds, buckets: [{ t, emergency, …, debug, unknown }] }' },
    handle(req, ctx) {
      const q = new QueryReader(req.query, ['since', 'bucket']);
      const since = q.time('since') ?? new Date(Date.now() - 3600_000).toISOString();
      const bucket = q.int('bucket', 10, 86400) ?? 60;
      q.done();
      return { body: { bucketSeconds: bucket, buckets: ctx.logSeries(since, bucket) } };
    },
  },
  {
    method: 'get', path: '/api/v1/stats/traffic', permission: 'devices:read', tag: 'stats',
    summary: 'Bytes and packets each device sent and received per interval, over the last hour.',
    responses: { 200: '{ intervalSeconds, samples: [{ t, devices: { mac: { txBytes, rxBytes, txPackets, rxPackets } } }] }' },
    handle: (_req, ctx) => ({ body: ctx.trafficSeries() }),
  },
];
