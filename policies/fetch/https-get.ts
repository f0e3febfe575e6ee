// One bounded HTTPS GET, as used for MUD files and their signatures: TLS always verified,
// redirects followed to https only, a byte ceiling enforced while streaming, one overall deadline.
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { FetchErrorCode } from './fetch-errors.js';

/** Limits and trust for {@link httpsGet}. */
export interface HttpsGetOptions {
  /** Trusted CAs for the server certificate, PEM (the caller's system roots + extra CA). */
  ca: readonly (string | Buffer)[];
  /** Largest body accepted, bytes. */
  maxBytes: number;
  /** Deadline for everything (every redirect hop's connect, TLS handshake and body), milliseconds. */
  timeoutMs: number;
  /** Redirects followed before giving up. */
  maxRedirects: number;
  /** Accept header (RFC 9110 §12.5.1), e.g. "application/mud+json". */
  accept: string;
}

/** The body of a 200 response and the URL it finally came from, or a stable error code. */
export type HttpsGetResult =
  | { ok: true; body: Buffer; finalUrl: string }
  | { ok: false; code: FetchErrorCode; reason: string };

type HopResult = HttpsGetResult | { ok: 'redirect'; location: string };

// RFC 9110 §15.4: the redirect statuses that carry a Location to GET again.
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

// OpenSSL certificate-verification error codes as Node reports them, for a TLS failure that
// surfaces after the handshake phase tracking could see it (belt and braces with `phase`).
const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

const fail = (code: FetchErrorCode, reason: string): HttpsGetResult => ({ ok: false, code, reason });

/** Parses an absolute https URL, or says why it cannot be fetched. */
export function parseHttpsUrl(raw: string, base?: string): URL | { ok: false; code: FetchErrorCode; reason: string } {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return { ok: false, code: 'fetch.bad-url', reason: `not a URL: ${JSON.stringify(raw.slice(0, 200))}` };
  }
  if (url.protocol !== 'https:') return { ok: false, code: 'fetch.not-https', reason: `${url.protocol} URL refused: only https is fetched` };
  return url;
}

/** GETs `url`, following up to `maxRedirects` https redirects, within the limits. Never throws. */
export async function httpsGet(url: string, opts: HttpsGetOptions): Promise<HttpsGetResult> {
  const deadline = performance.now() + opts.timeoutMs;
  let current = parseHttpsUrl(url);
  for (let hop = 0; ; hop++) {
    if (!(current instanceof URL)) return current;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return fail('fetch.timeout', `no answer within ${opts.timeoutMs} ms`);
    const result = await getOnce(current, opts, remaining);
    if (result.ok !== 'redirect') return result;
    if (hop >= opts.maxRedirects) return fail('fetch.too-many-redirects', `more than ${opts.maxRedirects} redirects from ${url}`);
    // A redirect must not downgrade to cleartext: the same https-only rule applies to every hop.
    current = parseHttpsUrl(result.location, current.href);
  }
}

function getOnce(url: URL, opts: HttpsGetOptions, timeoutMs: number): Promise<HopResult> {
  return new Promise((resolve) => {
    let settled = false;
    // Where the exchange is, so an error can be told apart: refused connection vs failed handshake.
    let phase: 'connect' | 'tls' | 'http' = 'connect';
    const done = (result: HopResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = https.request(url, {
      method: 'GET',
      agent: false, // a fresh connection: no pooled socket that outlives the deadline
      ca: [...opts.ca],
      rejectUnauthorized: true, // never configurable: an unverified MUD server is an open door
      headers: { accept: opts.accept, 'user-agent': 'edgeward-mud-manager' },
    });
    const timer = setTimeout(() => done(fail('fetch.timeout', `no complete answer from ${url.host} within ${Math.round(timeoutMs)} ms (${phase})`)), timeoutMs);
    req.on('socket', (socket) => {
      socket.once('connect', () => (phase = 'tls'));
      socket.once('secureConnect', () => (phase = 'http'));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const isTls = phase === 'tls' || TLS_ERROR_CODES.has(err.code ?? '') || /^ERR_(TLS|SSL)_/.test(err.code ?? '');
      done(fail(isTls ? 'fetch.tls' : 'fetch.network', `${url.host}: ${err.code ?? ''} ${err.message}`.trim()));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status) && typeof res.headers.location === 'string') {
        res.resume();
        done({ ok: 'redirect', location: res.headers.location });
        return;
      }
      if (status !== 200) {
        res.resume();
        done(fail('fetch.http-status', `${url.href}: HTTP ${status}`));
        return;
      }
      // Refuse early when the server says the body is too big; otherwise count while streaming,
      // since Content-Length may be absent (chunked) or lie.
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        done(fail('fetch.too-large', `${url.href}: Content-Length ${declared} > ${opts.maxBytes} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > opts.maxBytes) {
          done(fail('fetch.too-large', `${url.href}: body exceeds ${opts.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => done({ ok: true, body: Buffer.concat(chunks, total), finalUrl: url.href }));
      // 'close' before 'end' means the peer hung up mid-body (or sent less than it declared).
      res.on('close', () => { if (!res.complete) done(fail('fetch.network', `${url.href}: connection closed mid-body`)); });
      res.on('error', (err) => done(fail('fetch.network', `${url.href}: ${err.message}`)));
    });
    req.end();
  });
}
