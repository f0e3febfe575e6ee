// Every REST route's `handle`, without HTTP, on mutated JSON requests (params, query, body, caller)
// against a fake ApiContext. Contract: only ApiError/AuthError escape; response bodies serialize.
import { AuthError } from '../../auth/auth-errors.js';
import { isRole } from '../../auth/roles.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { ApiError } from '../../server/api-errors.js';
import type { ApiRequest, Route } from '../../server/route.js';
import { ROUTES } from '../../server/route-table.js';
import type { Corpus } from '../corpus.js';
import type { FuzzTarget } from '../fuzz-target.js';
import { chance, nameHash, pick } from '../iteration-random.js';
import { mutateJson } from '../json-mutator.js';
import { fakeApiContext } from './fake-api-context.js';
import { JSON_LOG_SEEDS } from './json-log-target.js';

/** A request as the input encodes it. */
interface FuzzRequest {
  route: string;
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  raw?: string | null;
  contentType?: string;
  auth?: { role?: unknown; vendor?: unknown; device?: unknown; name?: unknown };
  ip?: unknown;
}

const routeKey = (r: Route): string => `${r.method} ${r.path}`;
const BY_KEY = new Map(ROUTES.map((r) => [routeKey(r), r]));

/** A plausible value for a path parameter. */
function paramValue(name: string): string {
  return name === 'mac' ? '02:00:00:00:00:0a' : name === 'url' ? 'https://mud.example.com/camera.json' : 'a1b2c3';
}

/** A plausible value for a documented query parameter. */
function queryValue(q: NonNullable<Route['query']>[number]): string {
  if (q.enum) return q.list ? q.enum.slice(0, 2).join(',') : q.enum[0]!;
  if (q.type === 'integer') return '10';
  if (q.type === 'boolean') return 'true';
  if (q.name === 'device') return '02:00:00:00:00:0a';
  if (q.name === 'since' || q.name === 'until') return '2026-01-01T00:00:00Z';
  return 'camera';
}

/** One or more well-formed requests per route. */
function restSeeds(corpus: Corpus): string[] {
  const mud = corpus.mud[0]?.text ?? '{}';
  const out: string[] = [];
  for (const r of ROUTES) {
    const params = Object.fromEntries([...r.path.matchAll(/:([a-z]+)/g)].map((m) => [m[1]!, paramValue(m[1]!)]));
    const query = Object.fromEntries((r.query ?? []).map((q) => [q.name, queryValue(q)]));
    const base: FuzzRequest = { route: routeKey(r), params, query, auth: { role: 'admin' }, ip: '192.168.1.10' };
    if (r.path === '/api/v1/tokens' && r.method === 'post') {
      out.push(JSON.stringify({ ...base, body: { role: 'vendor', vendor: 'example.com', name: 'ACME' } }));
      out.push(JSON.stringify({ ...base, body: { role: 'device', device: '02-00-00-00-00-0A' } }));
    } else if (r.path === '/api/v1/profiles' && r.method === 'post') {
      out.push(JSON.stringify({ ...base, body: { mud } }));
      // The route also takes the MUD document as a JSON object, serialized again before parsing.
      try { out.push(JSON.stringify({ ...base, body: { mud: JSON.parse(mud) as unknown } })); } catch { /* not JSON: the text seed only */ }
      out.push(JSON.stringify({ ...base, auth: { role: 'vendor', vendor: 'example.com' }, raw: mud, contentType: 'application/mud+json' }));
      out.push(JSON.stringify({ ...base, body: { mud, signature: Buffer.from('3082010a02820101', 'hex').toString('base64') } }));
    } else if (r.path === '/api/v1/logs' && r.method === 'post') {
      out.push(JSON.stringify({ ...base, auth: { role: 'device', device: '02:00:00:00:00:0a' }, body: JSON.parse(JSON_LOG_SEEDS[1]!) as unknown }));
    } else if (r.path === '/api/v1/suppressions' && r.method === 'post') {
      out.push(JSON.stringify({ ...base, body: { rule: 'beacon.c2', device: '02:00:00:00:00:0a', peer: '203.0.113.0/24', port: 443, expiresInSeconds: 3600, reason: 'vendor cloud' } }));
      out.push(JSON.stringify({ ...base, body: { peer: '2001:db8::/32', expiresAt: '2030-01-01T00:00:00Z', reason: 'lab' } }));
    } else out.push(JSON.stringify(base));
  }
  return out;
}

/** A JSON value as the text a URL would carry (objects and lists, which a URL cannot, become a marker). */
function urlText(v: unknown): string {
  return typeof v === 'string' ? v : v === null || typeof v !== 'object' ? String(v) : '[object]';
}

/** The query as express's "simple" parser (node:querystring) hands it over: strings, or lists of strings. */
function simpleQuery(q: unknown): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  if (q === null || typeof q !== 'object') return out;
  for (const [k, v] of Object.entries(q)) out[k] = Array.isArray(v) ? v.map(urlText) : urlText(v);
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The query is shaped as the app's "simple" query parser gives it (strings or lists of strings);
 * the context holds real alert, flow and token stores in memory (fake-api-context.ts).
 */
export const restTarget: FuzzTarget = {
  name: 'rest',
  description: 'every REST route handler (QueryReader, token and profile-upload bodies, log ingest) with a fake ApiContext: only ApiError/AuthError escape',
  ext: 'json',
  generator(corpus) {
    const seeds = restSeeds(corpus);
    return (rng: SeededRandom) => mutateJson(pick(rng, seeds), rng, [], { maxLen: 1 << 20, gentle: chance(rng, 0.4) });
  },
  open() {
    const { ctx, db } = fakeApiContext();
    let n = 0;
    return {
      async run(input: Buffer): Promise<void> {
        let f: FuzzRequest;
        try {
          f = JSON.parse(input.toString('utf8')) as FuzzRequest;
        } catch {
          return;
        }
        if (f === null || typeof f !== 'object') return;
        const key = urlText(f.route);
        const route = BY_KEY.get(key) ?? ROUTES[nameHash(key) % ROUTES.length]!;
        const a = f.auth !== null && typeof f.auth === 'object' ? f.auth : {};
        const params: Record<string, string> = {};
        if (f.params !== null && typeof f.params === 'object') for (const [k, v] of Object.entries(f.params)) params[k] = urlText(v);
        const req: ApiRequest = {
          params, query: simpleQuery(f.query), body: f.raw != null ? null : f.body ?? null,
          raw: typeof f.raw === 'string' ? Buffer.from(f.raw, 'utf8') : null,
          contentType: str(f.contentType) ?? 'application/json', headers: {},
          auth: route.permission === null ? null : {
            tokenId: 'fuzz' + (n++ % 1000), role: isRole(a.role) ? a.role : 'admin', vendor: str(a.vendor), device: str(a.device), name: str(a.name),
          },
          ip: str(f.ip) ?? '192.168.1.10',
        };
        const out = await route.handle(req, ctx);
        // The app sends this with res.json: it must serialize.
        if (out.body !== undefined) JSON.stringify(out.body);
      },
      finish(): void {
        db.close();
      },
    };
  },
  documented: (err) => err instanceof ApiError || err instanceof AuthError,
};
