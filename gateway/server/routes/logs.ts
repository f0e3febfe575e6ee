// /api/v1/logs: the edge error logs (devices' own syslog and HTTP records), and the HTTP ingest
// for devices holding a device token.
import { SYSLOG_SEVERITIES } from '../../edge-logs/log-record.js';
import type { ApiContext } from '../api-context.js';
import { ApiError } from '../api-errors.js';
import { QueryReader, type ApiRequest, type Route } from '../route.js';

/** Syslog severities by name (RFC 5424 §6.2.1), worst first: the `severity` filter's values. */
const SEVERITY_NAMES = SYSLOG_SEVERITIES;

export const logRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/logs', permission: 'logs:read', tag: 'logs',
    summary: 'Edge error logs, newest received first, normalized (receive time `ts`, the device\'s own time `deviceTs` and `clockSkewed`, device, host, app, severity, message, structured data, raw line).',
    query: [
      { name: 'device', type: 'string', description: 'MAC of the device.' },
      { name: 'severity', type: 'string', enum: SEVERITY_NAMES, description: 'This severity and worse.' },
      { name: 'since', type: 'string', description: 'ISO-8601.' },
      { name: 'until', type: 'string', description: 'ISO-8601.' },
      { name: 'q', type: 'string', description: 'Text in the message or raw line.' },
      { name: 'before', type: 'integer', description: 'Cursor (the `next` of the previous page).' },
      { name: 'limit', type: 'integer', description: '1 to 1000, default 100.' },
    ],
    responses: { 200: '{ items: LogRecord[], next }' },
    handle(req: ApiRequest, ctx: ApiContext) {
      const q = new QueryReader(req.query, ['device', 'severity', 'since', 'until', 'q', 'before', 'limit']);
      const sev = q.choice('severity', SEVERITY_NAMES);
      const f = {
        device: q.mac('device'), severityAtMost: sev === undefined ? undefined : SEVERITY_NAMES.indexOf(sev), since: q.time('since'),
        until: q.time('until'), q: q.string('q'), before: q.int('before', 0, Number.MAX_SAFE_INTEGER), limit: q.int('limit', 1, 1000),
      };
      q.done();
      return { body: ctx.logs(f) };
    },
  },
  {
    method: 'post', path: '/api/v1/logs', permission: 'logs:ingest', tag: 'logs',
    summary: 'A device posts its own error logs (one record or an array). Records over the per-device rate are dropped and counted.',
    body: { types: ['application/json'], description: '{ message, severity?, ts?, host?, app?, procId?, msgId?, structuredData? } or an array of them.' },
    responses: { 202: '{ accepted, dropped }' }, errors: ['log.invalid'],
    handle(req, ctx) {
      const r = ctx.ingestLogs(req.body, req.ip, req.auth!);
      if (!r.ok) throw new ApiError('log.invalid', undefined, r.errors);
      return { status: 202, body: { accepted: r.accepted, dropped: r.dropped } };
    },
  },
];
