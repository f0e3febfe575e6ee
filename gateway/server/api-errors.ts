// Every error the REST API answers with, in one registry: a stable code, its HTTP status and what
// it means. Handlers throw ApiError(code); the app turns it into `{code, message}` (plus details
// such as the JSON paths of a refused MUD file). A test checks each code is documented and used.
import { AUTH_ERRORS, type AuthErrorCode } from '../auth/auth-errors.js';

const SERVER_ERRORS = {
  'request.invalid': [400, 'A parameter or the body is malformed; `details` lists each fault with its path.'],
  'request.bad-json': [400, 'The body is not valid JSON.'],
  'request.too-large': [413, 'The body is larger than server.maxBodyBytes.'],
  'request.unsupported-type': [415, 'The body must be application/json (or application/mud+json for a raw MUD file).'],
  'route.not-found': [404, 'No such route.'],
  'alert.not-found': [404, 'No alert with this id.'],
  'alert.no-capture': [404, 'No capture of this alert: privacy.captureOnAlert is off, the alert was raised with no frame at hand (a timer, a worker thread), or its file was pruned.'],
  'incident.not-found': [404, 'No incident with this id.'],
  'device.not-found': [404, 'No device with this MAC address.'],
  'profile.not-found': [404, 'No profile with this MUD URL.'],
  'profile.invalid': [422, 'The MUD file was refused; `details` lists each fault with its JSON Pointer path. The previous profile is unchanged.'],
  'profile.unsigned': [422, 'The MUD file has no signature; unsigned uploads need an admin (?allowUnsigned=true) or server.allowUnsignedUploads.'],
  'profile.bad-signature': [422, 'The signature was refused; `details[0].code` says why (signature.untrusted-chain, signature.wrong-domain, signature.expired, signature.bad-signature, signature.digest-mismatch, …) and its message names the signer.'],
  'profile.readonly': [409, 'The profile comes from the bundled profiles directory or a config binding; change it there.'],
  'log.invalid': [422, 'A log record was refused; `details` lists each fault with its JSON Pointer path.'],
  'device.not-learned': [404, 'The device is not being learned (add its MAC to policy.learn).'],
  'check.unavailable': [500, 'The posture check could not run here (details say why: unknown namespace, interface or process).'],
  'action.emergency': [422, 'The peer is on policy.emergency or is the gateway (or a network holding one), or the device holds such an address: never blocked or quarantined.'],
  'action.not-found': [404, 'No response action with this id.'],
  'suppression.not-found': [404, 'No suppression with this id.'],
  'suppression.limit': [409, 'suppressions.maxActive suppressions are active already; remove one or let one expire first.'],
  'storage.full': [507, 'The gateway could not store the change: its disk is full or failing (GET /api/v1/health, `storage`). Nothing was changed; capture, detection and the live stream go on.'],
  'command.not-found': [404, 'The hub has no fleet command with this id.'],
  'command.no-sites': [422, 'The command names no site: `sites` is an empty list, or \'all\' while the hub has heard from no site yet.'],
  'command.no-signing-key': [503, 'The hub cannot send commands: its config commands.signingKeyFile is empty (README "Fleet commands").'],
  'exposure.no-consent': [422, 'A device named has not consented to the exposure audit (only MACs of audit.consent are audited), or none consents at all; `details` names each device. Nothing was sent.'],
  'exposure.not-lan': [422, 'The address known for a device is not on the LAN (the private ranges and the configured local networks): the audit never probes outside it. Nothing was sent.'],
  'exposure.own-address': [422, 'The address known for a device is one of the gateway\'s own. Nothing was sent.'],
  'exposure.no-address': [422, 'No address is known for a device (neither the gateway\'s device table nor the kernel\'s neighbour table has one). Nothing was sent.'],
  'exposure.audit-running': [409, 'An exposure audit is running already (one at a time, so audit.attemptsPerSecond holds); follow it at GET /api/v1/exposure/audits/{id}.'],
  'exposure.audit-not-found': [404, 'No exposure audit request with this id (requests are held in memory, the last 50: a restart forgets them; their runs stay in GET /api/v1/exposure/audits).'],
  'internal': [500, 'An unexpected error; the daemon log has the detail.'],
} as const satisfies Record<string, readonly [number, string]>;

/** The auth layer's codes (gateway/auth/auth-errors.ts) and the server's, in one registry: code → [status, meaning]. */
export const API_ERRORS: Readonly<Record<ApiErrorCode, readonly [number, string]>> = Object.freeze({
  ...(Object.fromEntries(Object.entries(AUTH_ERRORS).map(([c, e]) => [c, [e.status, e.message]])) as unknown as Record<AuthErrorCode, readonly [number, string]>),
  ...SERVER_ERRORS,
});

export type ApiErrorCode = AuthErrorCode | keyof typeof SERVER_ERRORS;

/** One fault of a refused input: a JSON Pointer path, a code and a sentence. */
export interface ErrorDetail {
  path: string;
  code?: string;
  message: string;
}

/** An error with a registered code; `details` go into the response body. */
export class ApiError extends Error {
  readonly status: number;
  constructor(readonly code: ApiErrorCode, message?: string, readonly details?: ErrorDetail[], readonly headers?: Record<string, string>) {
    super(message ?? API_ERRORS[code][1]);
    this.name = 'ApiError';
    this.status = API_ERRORS[code][0];
  }

  /** The response body. */
  body(): { code: string; message: string; details?: ErrorDetail[] } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}
