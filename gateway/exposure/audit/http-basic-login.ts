// The audit's HTTP Basic client (RFC 7617): first `GET /` without credentials; only a 401 that
// offers Basic (RFC 9110 §11.6.1, WWW-Authenticate) leads to logins, each `GET /` with one pair on a
// connection of its own; 2xx or 3xx is accepted, 401 or 403 refused. Any other first answer — a
// page, a redirect, a Digest or form login — is `not-offered`, with the status. Only the status
// line and headers are read (at most 8 KiB); the body is never read, and after a success the
// socket is destroyed.
import { request, type IncomingMessage } from 'node:http';
import type { AuditCredential } from '../default-credentials.js';
import { outcomeOf, type ClientOptions, type ClientOutcome } from './audit-client.js';
import { openTcp } from './tcp-open.js';

/** Response head read at most, bytes (node's parser refuses a longer one). */
export const MAX_HTTP_HEADER_BYTES = 8192;

/** How one request ended. */
type HttpAnswer =
  | { kind: 'response'; status: number; challenge: string | null }
  | { kind: 'closed' | 'error'; detail: string };

/** One `GET /` on a fresh connection, with `authorization` or none. */
async function get(host: string, port: number, authorization: string | null, opts: ClientOptions): Promise<HttpAnswer> {
  const o = await openTcp(host, port, opts.connectTimeoutMs);
  if (o.kind !== 'open') return o;
  const socket = o.socket;
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: HttpAnswer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => finish({ kind: 'error', detail: `no HTTP answer within ${opts.readTimeoutMs} ms` }), opts.readTimeoutMs);
    const hostHeader = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const req = request({
      host, port, path: '/', method: 'GET', createConnection: () => socket, maxHeaderSize: MAX_HTTP_HEADER_BYTES,
      headers: { host: hostHeader, 'user-agent': 'edgeward-audit', accept: '*/*', connection: 'close', ...(authorization !== null ? { authorization } : {}) },
    });
    req.on('response', (res: IncomingMessage) => {
      const h = res.headers['www-authenticate'];
      finish({ kind: 'response', status: res.statusCode ?? 0, challenge: h === undefined ? null : Array.isArray(h) ? h.join(', ') : h });
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', detail: (e.code ?? e.message).slice(0, 120) }));
    req.end();
  });
}

/** Whether a WWW-Authenticate value offers Basic (a scheme name is a token before its parameters). */
export function offersBasic(challenge: string | null): boolean {
  return challenge !== null && /(?:^|,)\s*basic(?:\s|,|$)/i.test(challenge);
}

/** RFC 7617 §2: base64 of user-id ":" password, UTF-8. */
const basic = (p: AuditCredential): string => `Basic ${Buffer.from(`${p.user}:${p.password}`, 'utf8').toString('base64')}`;

/** The audit of one HTTP port. */
export async function auditHttpBasic(host: string, port: number, pairs: readonly AuditCredential[], opts: ClientOptions): Promise<ClientOutcome> {
  await opts.limiter.take();
  const first = await get(host, port, null, opts);
  if (first.kind !== 'response') return outcomeOf(first.kind, 0, first.detail);
  if (first.status !== 401 || !offersBasic(first.challenge)) {
    const scheme = first.challenge?.trim().split(/[\s,]/)[0] ?? null;
    return outcomeOf('not-offered', 0, `HTTP ${first.status}${first.status === 401 && scheme ? ` asking for ${scheme.slice(0, 20)}` : ''}`);
  }
  let tried = 0;
  for (const pair of pairs) {
    await opts.limiter.take();
    const r = await get(host, port, basic(pair), opts);
    if (r.kind !== 'response') return outcomeOf('error', tried, `${r.detail} after ${tried} tries`);
    tried++;
    if (r.status >= 200 && r.status < 400) return { outcome: 'default-accepted', list: pair.list, tried, detail: `HTTP ${r.status}` };
    if (r.status !== 401 && r.status !== 403) return outcomeOf('error', tried, `HTTP ${r.status} to a login`);
  }
  return outcomeOf('not-accepted', tried);
}
