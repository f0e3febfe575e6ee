// /api/v1/flows: live flows from the flow table and ended flows from SQLite, with filters.
import { QueryReader, type Route } from '../route.js';

const PARAMS = ['state', 'device', 'proto', 'host', 'port', 'since', 'until', 'before', 'limit'];

export const flowRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/flows', permission: 'flows:read', tag: 'flows',
    summary: 'Flows (metadata only: addresses, ports, counters, SNI, HTTP host), live or ended, newest first.',
    query: [
      { name: 'state', type: 'string', enum: ['live', 'ended'], description: 'live: in the flow table now; ended (default): stored.' },
      { name: 'device', type: 'string', description: 'MAC on either side.' },
      { name: 'proto', type: 'string', description: 'tcp, udp, icmp, icmpv6 or a number.' },
      { name: 'host', type: 'string', description: 'IP address on either side.' },
      { name: 'port', type: 'integer', description: 'Port on either side.' },
      { name: 'since', type: 'string', description: 'ISO-8601: last packet at or after.' },
      { name: 'until', type: 'string', description: 'ISO-8601: last packet before.' },
      { name: 'before', type: 'integer', description: 'Cursor of ended flows (the `next` of the previous page).' },
      { name: 'limit', type: 'integer', description: '1 to 1000, default 100.' },
    ],
    responses: { 200: '{ items: Flow[], next }' },
    handle(req, ctx) {
      const q = new QueryReader(req.query, PARAMS);
      const state = q.choice('state', ['live', 'ended'] as const) ?? 'ended';
      const f = {
        device: q.mac('device'), proto: q.string('proto'), host: q.string('host'), port: q.int('port', 0, 65535),
        since: q.time('since'), until: q.time('until'), before: q.int('before', 0, Number.MAX_SAFE_INTEGER), limit: q.int('limit', 1, 1000),
      };
      q.done();
      if (state === 'live') return { body: { items: ctx.liveFlows(f), next: null } };
      return { body: ctx.endedFlows(f) };
    },
  },
];
