// A REST route as data: method, path, the permission it needs, its documentation and its handler.
// The app registers routes from this table, the OpenAPI document is written from it, and the test
// that every write route refuses a missing token and a wrong role walks it — one source for all three.
import type { IncomingHttpHeaders } from 'node:http';
import type { Permission } from '../auth/roles.js';
import type { ApiContext, AuthInfo } from './api-context.js';
import { ApiError, type ApiErrorCode, type ErrorDetail } from './api-errors.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler sees. */
export interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** The raw bytes of a non-JSON body (a MUD file, whose signature covers the exact bytes). */
  raw: Buffer | null;
  contentType: string;
  headers: IncomingHttpHeaders;
  /** Null only on public routes. */
  auth: AuthInfo | null;
  ip: string;
}

/** What a handler returns. */
export interface ApiResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body (Prometheus text; a pcap file's bytes). */
  text?: string | Buffer;
  contentType?: string;
  /**
   * For the audit row of a write (app.ts writes one for every write route by itself): what was acted
   * on and a short note, when the path and the answer do not say it. Never a secret, a note or a body.
   */
  audit?: { target?: string; detail?: string };
}

/** A query parameter's documentation. */
export interface ParamDoc {
  name: string;
  description: string;
  type: 'string' | 'integer' | 'boolean';
  /** Comma-separated lists are accepted. */
  list?: boolean;
  enum?: readonly string[];
}

/** `C`: what the handler is given — the gateway's ApiContext, or the hub's (hub/hub-routes.ts). */
export interface Route<C = ApiContext> {
  method: Method;
  /** Express path, e.g. /api/v1/alerts/:id/acknowledge. */
  path: string;
  /** Null: no token needed (health, the OpenAPI document); 'authenticated': any valid token. */
  permission: Permission | 'authenticated' | null;
  tag: string;
  summary: string;
  query?: ParamDoc[];
  /** Content types of the body and what it holds. */
  body?: { types: string[]; description: string; /** The body may be left out (no Content-Type, no bytes). */ optional?: boolean };
  /** Status → description (errors from the registry are added by the OpenAPI writer). */
  responses: Record<number, string>;
  /** Error codes this route may answer with, besides the auth ones. */
  errors?: ApiErrorCode[];
  handle(req: ApiRequest, ctx: C): ApiResponse | Promise<ApiResponse>;
}

/** Whether a route changes state (every such route needs a token and a role). */
export function isWrite(r: Pick<Route, 'method'>): boolean {
  return r.method !== 'get';
}

/** Reads and checks query parameters, collecting every fault before failing with request.invalid. */
export class QueryReader {
  private readonly problems: ErrorDetail[] = [];

  constructor(private readonly q: Record<string, unknown>, allowed: readonly string[]) {
    for (const k of Object.keys(q)) if (!allowed.includes(k)) this.problems.push({ path: `/query/${k}`, code: 'unknown', message: `unknown parameter (known: ${allowed.join(', ')})` });
  }

  private one(name: string): string | undefined {
    const v = this.q[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') { this.problems.push({ path: `/query/${name}`, code: 'repeated', message: 'give the parameter once' }); return undefined; }
    return v;
  }

  string(name: string): string | undefined {
    const v = this.one(name);
    return v === '' ? undefined : v;
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.one(name);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) { this.problems.push({ path: `/query/${name}`, code: 'range', message: `must be an integer from ${min} to ${max}` }); return undefined; }
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.one(name);
    if (v === undefined || v === '') return undefined;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    this.problems.push({ path: `/query/${name}`, code: 'type', message: 'must be true or false' });
    return undefined;
  }

  /** ISO-8601 time, returned normalized (toISOString) so it compares with stored times as text. */
  time(name: string): string | undefined {
    const v = this.one(name);
    if (v === undefined || v === '') return undefined;
    const t = Date.parse(v);
    if (!Number.isFinite(t)) { this.problems.push({ path: `/query/${name}`, code: 'time', message: 'must be an ISO-8601 time' }); return undefined; }
    return new Date(t).toISOString();
  }

  /** A comma-separated list whose items must be in `values`. */
  list<T extends string>(name: string, values: readonly T[]): T[] | undefined {
    const v = this.one(name);
    if (v === undefined || v === '') return undefined;
    const items = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const bad = items.filter((s) => !values.includes(s as T));
    if (bad.length > 0) { this.problems.push({ path: `/query/${name}`, code: 'enum', message: `unknown value ${bad.join(', ')} (known: ${values.join(', ')})` }); return undefined; }
    return items as T[];
  }

  /** One value that must be in `values`. */
  choice<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.one(name);
    if (v === undefined || v === '') return undefined;
    if (!values.includes(v as T)) { this.problems.push({ path: `/query/${name}`, code: 'enum', message: `must be one of ${values.join(', ')}` }); return undefined; }
    return v as T;
  }

  /** A MAC address, normalized to lower-case colon form. */
  mac(name: string): string | undefined {
    const v = this.one(name);
    if (v === undefined || v === '') return undefined;
    const m = normalizeMac(v);
    if (m === null) this.problems.push({ path: `/query/${name}`, code: 'mac', message: 'must be a MAC address (aa:bb:cc:dd:ee:ff)' });
    return m ?? undefined;
  }

  /** Throws request.invalid with every fault, if any. */
  done(): void {
    if (this.problems.length > 0) throw new ApiError('request.invalid', 'invalid query parameters', this.problems);
  }
}

/**
 * The JSON text of a body member that holds a whole document (a MUD file sent as an object), for
 * the document's own parser. A value nested deeper than `maxDepth` is request.invalid (`code`
 * too-deep at `path`): serializing it again would overflow the stack, an `internal` 500, before
 * the parser (which refuses such nesting anyway) could say so. Found by the fuzzer (rest target).
 */
export function documentText(value: unknown, path: string, maxDepth: number): string {
  // Iterative on purpose: recursion is what hostile nesting breaks.
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [v, depth] = pending.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) throw new ApiError('request.invalid', undefined, [{ path, code: 'too-deep', message: `nested deeper than ${maxDepth} levels` }]);
    for (const c of Object.values(v)) pending.push([c, depth + 1]);
  }
  return JSON.stringify(value);
}

/** "AA-BB-CC-DD-EE-FF" or "aabb.ccdd.eeff" or "aa:bb:…" → "aa:bb:cc:dd:ee:ff"; null if not a MAC. */
export function normalizeMac(s: string): string | null {
  const hex = s.toLowerCase().replace(/[:.-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

/** A path parameter MAC, or device.not-found. */
export function macParam(req: ApiRequest): string {
  const m = normalizeMac(req.params.mac ?? '');
  if (m === null) throw new ApiError('device.not-found', `not a MAC address: ${req.params.mac}`);
  return m;
}
