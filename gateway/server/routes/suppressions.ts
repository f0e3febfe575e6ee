// /api/v1/suppressions: analysts silence a scope of alerts (rule, device, peer address or network,
// port) until an expiry, saying why; list them with their counts; list what each silenced; remove
// one. Reading needs alerts:read, writing suppressions:write.
import { SUPPRESSION_STATES } from '../../alerts/suppression.js';
import { ApiError } from '../api-errors.js';
import { QueryReader, type Route } from '../route.js';

export const suppressionRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/suppressions', permission: 'alerts:read', tag: 'suppressions',
    summary: 'Suppressions, newest first, with how many occurrences each silenced and when last.',
    query: [
      { name: 'state', type: 'string', enum: SUPPRESSION_STATES, description: 'active (silencing now), expired (past expiresAt) or removed; default all.' },
      { name: 'limit', type: 'integer', description: '1 to 1000, default 200.' },
    ],
    responses: { 200: '{ items: Suppression[] }' },
    handle(req, ctx) {
      const q = new QueryReader(req.query, ['state', 'limit']);
      const state = q.choice('state', SUPPRESSION_STATES);
      const limit = q.int('limit', 1, 1000) ?? 200;
      q.done();
      return { body: { items: ctx.suppressions(state, limit) } };
    },
  },
  {
    method: 'post', path: '/api/v1/suppressions', permission: 'suppressions:write', tag: 'suppressions',
    summary: 'Makes a suppression, active at once: matching alert inputs raise nothing and are counted and kept to be listed.',
    body: {
      types: ['application/json'],
      description: '{ rule?, device? (MAC), peer? (IPv4/IPv6 address or network: matches the source or destination), port? (source or destination), '
        + 'expiresAt (ISO-8601) | expiresInSeconds (up to suppressions.maxExpirySeconds), reason } — at least one of rule, device, peer, port',
    },
    responses: { 201: '{ suppression }' }, errors: ['request.invalid', 'suppression.limit'],
    handle(req, ctx) {
      const r = ctx.createSuppression(req.body, req.auth!);
      if (r.ok) return { status: 201, body: { suppression: r.suppression } };
      if (r.code === 'limit') throw new ApiError('suppression.limit', `${r.max} suppressions are active (suppressions.maxActive); remove one first`);
      throw new ApiError('request.invalid', 'the suppression was refused', r.problems);
    },
  },
  {
    method: 'get', path: '/api/v1/suppressions/:id', permission: 'alerts:read', tag: 'suppressions', summary: 'One suppression with its counts.',
    responses: { 200: 'Suppression' }, errors: ['suppression.not-found'],
    handle(req, ctx) {
      const s = ctx.suppression(req.params.id ?? '');
      if (s === null) throw new ApiError('suppression.not-found');
      return { body: s };
    },
  },
  {
    method: 'get', path: '/api/v1/suppressions/:id/hits', permission: 'alerts:read', tag: 'suppressions',
    summary: 'The alert inputs a suppression silenced, newest first (the newest suppressions.hitsKept of all suppressions are kept).',
    query: [
      { name: 'limit', type: 'integer', description: '1 to 1000, default 100.' },
      { name: 'before', type: 'integer', description: 'Cursor: inputs with a lower seq (the `next` of the previous page).' },
    ],
    responses: { 200: '{ items: SuppressedAlert[], total, next }' }, errors: ['request.invalid', 'suppression.not-found'],
    handle(req, ctx) {
      const q = new QueryReader(req.query, ['limit', 'before']);
      const limit = q.int('limit', 1, 1000) ?? 100;
      const before = q.int('before', 0, Number.MAX_SAFE_INTEGER);
      q.done();
      const page = ctx.suppressedAlerts(req.params.id ?? '', limit, before);
      if (page === null) throw new ApiError('suppression.not-found');
      return { body: page };
    },
  },
  {
    method: 'delete', path: '/api/v1/suppressions/:id', permission: 'suppressions:write', tag: 'suppressions',
    summary: 'Removes a suppression now (who and when are recorded; its counts and silenced inputs stay listed).',
    responses: { 200: '{ suppression }' }, errors: ['suppression.not-found'],
    handle(req, ctx) {
      const s = ctx.removeSuppression(req.params.id ?? '', req.auth!);
      if (s === null) throw new ApiError('suppression.not-found');
      return { body: { suppression: s } };
    },
  },
];
