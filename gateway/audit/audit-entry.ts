// One row of the audit log (who changed what, when, from where, and how it ended) and the rules for
// what may go in it: public token fields only, never a token, a hash, a body or a password; every
// text cut to a bound and scrubbed of anything shaped like a token, since a path or a query can
// carry one by mistake (DELETE /api/v1/tokens/ew_… pasted instead of the id).
import type { Role } from '../auth/roles.js';

/** Who acted: a token (its public id, name and role), the command line (the OS user), or nobody known. */
export interface AuditActor {
  /** `token`: an API token verified; `cli`: the `edgeward` command on the box; `none`: refused before a token verified. */
  kind: 'token' | 'cli' | 'none';
  /** The token's public id (never the token); null for cli and none. */
  tokenId: string | null;
  /** The token's name; for cli, the OS user who ran the command; null when unknown. */
  name: string | null;
  /** The token's role; null for cli and none. */
  role: Role | null;
}

/** How the write ended. */
export interface AuditOutcome {
  /** HTTP status answered (for the CLI: the status the same refusal has over HTTP, 201/200 on success). */
  status: number;
  /** The registry error code of a refusal (auth.invalid, request.invalid…); null on success. */
  code: string | null;
}

/** What a writer hands the log. */
export interface NewAuditEntry {
  actor: AuditActor;
  /** Client address as the server saw it; null from the CLI. */
  client: string | null;
  /** HTTP method in capitals, or `CLI`. */
  method: string;
  /** Request path with its ids (no query string), or the command (`token create`). */
  path: string;
  /** What was acted on (an alert id, a MAC, a MUD URL, a new token's id), or null. */
  target: string | null;
  outcome: AuditOutcome;
  /** A short note without secrets or bodies (`role=vendor`, `allowUnsigned=true`), or null. */
  detail: string | null;
}

/** A stored row: the entry, its sequence number and time. */
export interface AuditEntry extends NewAuditEntry {
  /** Increasing, never reused (also after pruning); the cursor of the listing. */
  seq: number;
  /** When it was written, ISO-8601 UTC. */
  at: string;
}

/** Bounds of the texts of a row, characters. */
export const AUDIT_TEXT_LIMITS = Object.freeze({ client: 64, method: 16, path: 512, target: 256, code: 64, detail: 300, name: 100, tokenId: 64 });

/**
 * Anything shaped like an API token (gateway/auth/token-secret.ts: `ew_` + base64url), including a
 * fragment of 8 characters or more: replaced by `ew_…`.
 */
const TOKENISH = /ew_[A-Za-z0-9_-]{8,}/g;
/** The same, to test for one (no `g`: a test leaves no state behind). */
const HAS_TOKENISH = /ew_[A-Za-z0-9_-]{8,}/;

/** `s` percent-decoded when it decodes, else unchanged. */
function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * `s` fit for the log: token-shaped parts replaced by `ew_…` (also when percent-encoded, in which
 * case the decoded text is kept), control characters replaced by spaces, cut to `max` characters.
 */
export function auditText(s: string, max: number): string {
  let out = s.replace(TOKENISH, 'ew_…');
  const d = decoded(out);
  if (HAS_TOKENISH.test(d)) out = d.replace(TOKENISH, 'ew_…');
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  out = out.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** {@link auditText} of a nullable value. */
export function auditTextOrNull(s: string | null | undefined, max: number): string | null {
  return s === null || s === undefined || s === '' ? null : auditText(s, max);
}
