// GET /api/v1/audit: the audit log for admins — every write request to the API (refused ones too)
// and every write of the command line, newest first, by time, actor and path prefix, in cursor pages.
import { AUDIT_PAGE } from '../../audit/audit-store.js';
import { QueryReader, type Route } from '../route.js';

export const auditRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/audit', permission: 'audit:read', tag: 'audit',
    summary: 'The audit log, newest first: one row per write request (refused ones too) and per CLI write — seq, at, actor {kind: token|cli|none, tokenId, name, role}, client, method, path, target, outcome {status, code}, detail. Never a token or a body.',
    query: [
      { name: 'since', type: 'string', description: 'ISO-8601: rows written at or after.' },
      { name: 'until', type: 'string', description: 'ISO-8601: rows written before.' },
      { name: 'actor', type: 'string', description: 'A token id, a token name or OS user, or a kind: token, cli, none.' },
      { name: 'path', type: 'string', description: 'Rows whose path starts with this (`/api/v1/tokens`; CLI rows: `token `).' },
      { name: 'before', type: 'integer', description: 'Cursor: rows with seq below this (the previous page\'s `next`).' },
      { name: 'limit', type: 'integer', description: `Rows per page, 1-${AUDIT_PAGE.max}; default ${AUDIT_PAGE.default}.` },
    ],
    responses: { 200: '{ items: AuditEntry[], next: seq | null }' }, errors: ['request.invalid'],
    handle(req, ctx) {
      const q = new QueryReader(req.query, ['since', 'until', 'actor', 'path', 'before', 'limit']);
      const filter = {
        since: q.time('since'), until: q.time('until'), actor: q.string('actor'), pathPrefix: q.string('path'),
        before: q.int('before', 1, Number.MAX_SAFE_INTEGER), limit: q.int('limit', 1, AUDIT_PAGE.max),
      };
      q.done();
      return { body: ctx.audit.query(filter) };
    },
  },
];
