// The auth layer's errors: one registry of stable codes with their HTTP status (asserted by tests,
// never the message text), and the error class the token store throws. The REST API answers
// `{ code, message }` with the status; the WebSocket upgrade answers the same body.

/** Every auth and token error code, with its HTTP status and what it means. */
export const AUTH_ERRORS = Object.freeze({
  /** No credential: no `Authorization: Bearer` header and no `bearer.<token>` subprotocol. */
  'auth.missing': { status: 401, message: 'a bearer token is required' },
  /** The token is malformed, unknown or revoked (which one is not said, on purpose). */
  'auth.invalid': { status: 401, message: 'the token is not valid' },
  /** A token was put in the query string; refused even when valid, since URLs end up in logs. */
  'auth.token-in-query': { status: 401, message: 'tokens are not accepted in the query string; use the Authorization header' },
  /**
   * Too many failed attempts of this credential from this address, or (for a credential that does
   * not verify) of any credential from this address; retry after the Retry-After seconds.
   */
  'auth.rate-limited': { status: 429, message: 'too many failed authentication attempts' },
  /** The token is valid but its role may not do this. */
  'auth.forbidden': { status: 403, message: 'this token may not do that' },
  /** A vendor token tried to act on a MUD URL outside its own domain. */
  'auth.vendor-scope': { status: 403, message: 'the MUD URL is not under this vendor\'s domain' },
  /** Token creation: the role is not one of admin, analyst, vendor, device. */
  'token.bad-role': { status: 400, message: 'unknown role' },
  /** Token creation: a vendor token needs the vendor's domain. */
  'token.vendor-required': { status: 400, message: 'a vendor token needs --vendor DOMAIN' },
  /** Token creation: the vendor domain is not a DNS name of two labels or more. */
  'token.bad-vendor': { status: 400, message: 'the vendor domain is not a valid DNS name' },
  /** Token creation: the device is not a MAC address. */
  'token.bad-device': { status: 400, message: 'the device is not a MAC address' },
  /** Token creation: a vendor domain on a non-vendor token, or a device on a non-device token. */
  'token.scope-mismatch': { status: 400, message: 'vendor is only for vendor tokens, device only for device tokens' },
  /** Token creation: the name is too long or has control characters. */
  'token.bad-name': { status: 400, message: 'the token name must be 1-100 printable characters' },
  /** No token with that id. */
  'token.not-found': { status: 404, message: 'no such token' },
});

/** A stable code of {@link AUTH_ERRORS}. */
export type AuthErrorCode = keyof typeof AUTH_ERRORS;

/** HTTP status of a code. */
export function authStatus(code: AuthErrorCode): number {
  return AUTH_ERRORS[code].status;
}

/** An auth or token error: a stable code and its HTTP status. */
export class AuthError extends Error {
  readonly status: number;
  constructor(readonly code: AuthErrorCode, message: string = AUTH_ERRORS[code].message) {
    super(message);
    this.name = 'AuthError';
    this.status = AUTH_ERRORS[code].status;
  }
}
