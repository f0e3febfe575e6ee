// What the audit's three login clients (telnet, SSH, HTTP Basic) share: their options and the
// outcome each gives for one service. A client tries pairs in order and stops at the first that
// logs in; it then disconnects at once — nothing is ever sent after a success — so an audit never
// runs a command nor changes anything on the device.
import type { AuditCredential } from '../default-credentials.js';
import type { AuditOutcome } from '../exposure-store.js';
import type { AttemptLimiter } from './attempt-limiter.js';

/** How a client goes about it. */
export interface ClientOptions {
  /** The audit's one rate limit: a turn before every login attempt and every probe request. */
  limiter: AttemptLimiter;
  /** Deadline of a TCP connect, ms (past it the port counts as closed). */
  connectTimeoutMs: number;
  /** Deadline of one answer (a prompt, a verdict, a response, a handshake), ms. */
  readTimeoutMs: number;
}

/** How one service took the audit (the store's AuditResult without its service and port). */
export interface ClientOutcome {
  outcome: AuditOutcome;
  /** The list of the pair that logged in (default-accepted only): never the pair. */
  list: string | null;
  /** Pairs tried (sent to the device). */
  tried: number;
  /** Why it ended so, or what answered; never a credential. */
  detail: string | null;
}

/** A login client: tries `pairs` on `host`:`port` in order. */
export type AuditClient = (host: string, port: number, pairs: readonly AuditCredential[], opts: ClientOptions) => Promise<ClientOutcome>;

/** An outcome with no pair logged in. */
export const outcomeOf = (outcome: Exclude<AuditOutcome, 'default-accepted'>, tried: number, detail: string | null = null): ClientOutcome => ({ outcome, list: null, tried, detail });
