// Where a request carries its token: the `Authorization: Bearer` header (RFC 6750 §2.1), or, for
// WebSockets opened by a browser (which cannot set headers on them), a `bearer.<token>` subprotocol
// offered next to `edgeward.v1`. Never the query string: see {@link hasQueryCredential}.

/** The stream's subprotocol; the server selects it and only it, never echoing the token entry. */
export const STREAM_SUBPROTOCOL = 'edgeward.v1';

/** Prefix of the subprotocol entry that carries the token: `bearer.<token>`. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/** Query parameters that look like a credential; a request carrying one is refused. */
export const QUERY_CREDENTIAL_PARAMS: readonly string[] = Object.freeze(['token', 'access_token', 'bearer', 'auth', 'authorization', 'api_key', 'apikey', 'key']);

/** RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token of an `Authorization` header value, or null when there is none or it is not Bearer. */
export function parseBearer(headerValue: string | undefined | null): string | null {
  if (typeof headerValue !== 'string') return null;
  const m = BEARER.exec(headerValue);
  return m ? m[1]! : null;
}

/**
 * The subprotocols offered in a `Sec-WebSocket-Protocol` header (a comma-separated list, possibly
 * spread over several header lines, which Node joins with ", ").
 */
export function parseSubprotocols(headerValue: string | string[] | undefined): string[] {
  if (headerValue === undefined) return [];
  const text = Array.isArray(headerValue) ? headerValue.join(',') : headerValue;
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The token of the first `bearer.<token>` entry of the offered subprotocols, or null. */
export function tokenFromSubprotocols(protocols: Iterable<string>): string | null {
  for (const p of protocols) {
    if (p.startsWith(BEARER_SUBPROTOCOL_PREFIX) && p.length > BEARER_SUBPROTOCOL_PREFIX.length) return p.slice(BEARER_SUBPROTOCOL_PREFIX.length);
  }
  return null;
}

/**
 * Whether the request URL's query carries something that looks like a credential. Such requests are
 * refused even when the token is valid: URLs are written to proxy and access logs, browser history
 * and Referer headers, so a token there must be treated as leaked — refusing it teaches clients
 * to stop before they ship.
 */
export function hasQueryCredential(url: string | undefined): boolean {
  if (url === undefined) return false;
  const q = url.indexOf('?');
  if (q < 0) return false;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of params.keys()) {
    if (QUERY_CREDENTIAL_PARAMS.includes(name.toLowerCase())) return true;
  }
  // A bare token pasted as a parameter of its own ("?ew_…") is a credential too.
  return /(?:^|[?&=])ew_[A-Za-z0-9_-]{20,}/.test(url.slice(q));
}
