// The closed list of reasons a MUD file fetch fails (RFC 8520 §13.2 retrieval, RFC 9110 HTTP).
// Codes are stable: callers and tests match on them, never on the message text. Add, never rename.

/** Every fetch error code, each with the one-line meaning an operator reads in a log. */
export const FETCH_ERRORS = {
  'fetch.bad-url': 'The MUD URL (or a redirect target, or the signature URL) is not a parseable absolute URL.',
  'fetch.not-https': 'The URL is not https: MUD files and signatures are fetched over verified TLS only (RFC 8520: MUD URLs use the https scheme).',
  'fetch.network': 'DNS, TCP or an unexpected connection close stopped the transfer.',
  'fetch.tls': 'The TLS handshake failed: the server certificate does not chain to a trusted CA or does not match the host.',
  'fetch.timeout': 'Connect, TLS and body together took longer than timeoutMs.',
  'fetch.http-status': 'The server answered with a status other than 200 (or a redirect without a Location).',
  'fetch.too-many-redirects': 'More redirects than allowed (3) before reaching the document.',
  'fetch.too-large': 'The document is larger than maxBytes; the transfer was cut off.',
  'fetch.invalid-profile': 'The caller\'s accept() hook refused the MUD file (not JSON, not a valid MUD profile…).',
  'fetch.signature-unavailable': 'The MUD signature file (.p7s) could not be fetched; `cause` holds the transport code.',
  'fetch.bad-signature': 'The MUD signature did not verify; `cause` holds the signature.* code.',
  'fetch.config-invalid': 'MudFetcher options are invalid (thrown by the constructor, never returned by get()).',
} as const satisfies Record<string, string>;

/** A stable fetch error code; see {@link FETCH_ERRORS} for what each one means. */
export type FetchErrorCode = keyof typeof FETCH_ERRORS;

/** Every code in registry order, for tests and documentation generators. */
export const FETCH_ERROR_CODES = Object.freeze(Object.keys(FETCH_ERRORS)) as readonly FetchErrorCode[];
