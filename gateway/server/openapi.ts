// The OpenAPI 3.1 document at /api/v1/openapi.json, written from the route table and the error
// registry, so it cannot drift from what the server does.
import { API_ERRORS, type ApiErrorCode } from './api-errors.js';
import type { Route } from './route.js';

const AUTH_ERRORS: ApiErrorCode[] = ['auth.missing', 'auth.invalid', 'auth.forbidden', 'auth.rate-limited'];

/** Express `:param` → OpenAPI `{param}`. */
const oaPath = (p: string) => p.replace(/:([A-Za-z]+)/g, '{$1}');

/** What a document says of its API beyond the routes: the gateway's and the hub's differ here only. */
export interface ApiAbout {
  title: string;
  description: string;
  /** The summary of GET /api/v1/stream (the WebSocket and its messages). */
  stream: string;
}

/** The gateway's API. */
export const GATEWAY_API: ApiAbout = Object.freeze({
  title: 'edgeward gateway API',
  description: 'Devices, flows, alerts, MUD profiles and edge logs of an edgeward IoT gateway. Errors are { code, message, details? } with codes from the registry below.',
  stream: 'WebSocket upgrade. Token in Authorization: Bearer or as the subprotocol "bearer.<token>" next to "edgeward.v1"; never in the query string. Messages: subscribe {topics, since}; hello, event {id, topic, data}, gap, error.',
});

/**
 * The document of `routes` (any context: only their data is read), the OpenAPI document route and
 * the stream included.
 */
export function openApiDocument(routes: readonly Route<never>[], version: string, about: ApiAbout = GATEWAY_API): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params: unknown[] = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const q of r.query ?? []) {
      params.push({ name: q.name, in: 'query', required: false, description: q.description + (q.list ? ' Comma-separated.' : ''), schema: q.enum ? { type: 'string', enum: q.enum } : { type: q.type } });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, d] of Object.entries(r.responses)) responses[status] = { description: d };
    const codes = [...(r.permission !== null ? AUTH_ERRORS : []), ...(r.errors ?? []), 'internal' as const];
    for (const code of codes) {
      const [status, description] = API_ERRORS[code];
      const prev = responses[status] as { description: string } | undefined;
      const line = `${code}: ${description}`;
      responses[status] = { description: prev ? `${prev.description}\n${line}` : line, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    const op: Record<string, unknown> = {
      operationId: `${r.method}${oaPath(r.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: r.summary, tags: [r.tag], parameters: params, responses,
      security: r.permission === null ? [] : [{ bearer: [] }],
    };
    if (r.permission !== null) op['x-permission'] = r.permission;
    if (r.body) op.requestBody = { required: true, description: r.body.description, content: Object.fromEntries(r.body.types.map((t) => [t, { schema: {} }])) };
    (paths[oaPath(r.path)] ??= {})[r.method] = op;
  }
  paths['/api/v1/openapi.json'] = { get: { operationId: 'getOpenapi', summary: 'This document.', tags: ['health'], security: [], responses: { 200: { description: 'OpenAPI 3.1' } } } };
  paths['/api/v1/stream'] = {
    get: {
      operationId: 'stream', tags: ['stream'], security: [{ bearer: [] }], 'x-permission': 'stream:read',
      summary: about.stream,
      responses: { 101: { description: 'Switching protocols' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: about.title, version, description: about.description },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object', required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: Object.keys(API_ERRORS) }, message: { type: 'string' },
            details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string', description: 'JSON Pointer' }, code: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    'x-error-codes': Object.fromEntries(Object.entries(API_ERRORS).map(([c, [s, d]]) => [c, { status: s, description: d }])),
  };
}
