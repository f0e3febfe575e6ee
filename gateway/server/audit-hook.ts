// The audit row of an API write, made in one place for every write route of the route table (app.ts
// calls it when it answers, refusals included), so a route added later is audited without calling
// anything. What goes in: the token's public fields, the client address, method, path, the target,
// the status and error code, and a short detail from the query and a few short body fields —
// never a token, a note, a reason or a body.
import type { Request } from 'express';
import type { AuditActor } from '../audit/audit-entry.js';
import type { AuditLog } from '../audit/audit-store.js';
import { QUERY_CREDENTIAL_PARAMS, hasQueryCredential } from '../auth/bearer.js';
import type { EventLog } from '../common/event-log.js';
import type { AuthInfo } from './api-context.js';
import type { ApiResponse, Route } from './route.js';

/**
 * Body members copied into the detail when they are short scalars: identifiers and choices, never
 * free text (note, reason, name), documents (mud, signature) or secrets.
 */
export const AUDIT_BODY_FIELDS: readonly string[] = Object.freeze([
  'kind', 'role', 'vendor', 'device', 'peer', 'rule', 'port', 'state', 'incident', 'expiresAt', 'expiresInSeconds',
]);

/** Longest value copied into the detail, characters. */
const MAX_VALUE = 64;

const short = (v: unknown): string | null => {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string' && v.length <= MAX_VALUE) return v;
  return null;
};

/** The actor of a request: the verified token, else the token refused for its role, else nobody. */
function actorOf(auth: AuthInfo | null | undefined): AuditActor {
  if (auth === null || auth === undefined) return { kind: 'none', tokenId: null, name: null, role: null };
  return { kind: 'token', tokenId: auth.tokenId, name: auth.name, role: auth.role };
}

/**
 * What was acted on: the path parameters (`:id`, `:mac`, `:url`, as decoded), else what the answer
 * names — its `id`, the `id` of the one object it holds (`{action: {id}}`), or its `mudUrl`.
 */
export function auditTarget(params: Record<string, string>, body: unknown): string | null {
  const p = Object.values(params).filter((v) => typeof v === 'string' && v !== '');
  if (p.length > 0) return p.join(' ');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.id === 'string') return b.id;
  for (const v of Object.values(b)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { id?: unknown }).id === 'string') return (v as { id: string }).id;
  }
  return typeof b.mudUrl === 'string' ? b.mudUrl : null;
}

/**
 * The generic detail: the query parameters (none at all when one looks like a credential) and the
 * short body members of {@link AUDIT_BODY_FIELDS}, as `k=v` separated by spaces; null when empty.
 */
export function auditDetail(url: string, query: Record<string, unknown>, body: unknown): string | null {
  const parts: string[] = [];
  if (!hasQueryCredential(url)) {
    for (const [k, v] of Object.entries(query)) {
      if (QUERY_CREDENTIAL_PARAMS.includes(k.toLowerCase())) continue;
      const s = short(v);
      if (s !== null) parts.push(`${k}=${s}`);
    }
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)) {
    for (const k of AUDIT_BODY_FIELDS) {
      const s = short((body as Record<string, unknown>)[k]);
      if (s !== null) parts.push(`${k}=${s}`);
    }
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

/** State app.ts keeps on a write request's `res.locals` for its audit row. */
export interface AuditLocals {
  /** The write route the request matched (set first thing, so refusals know it too). */
  auditRoute?: Route;
  /** Its path parameters (express clears req.params before the error handler runs). */
  auditParams?: Record<string, string>;
  /** A token that verified but lacked the route's permission (the row names it). */
  auditToken?: AuthInfo;
  /** Set once the row is written: one row per request. */
  audited?: boolean;
}

/**
 * Writes the audit row of a write request that is being answered with `status` (and `code` when
 * refused). `out`: the handler's answer on success (its `audit` fields, else its body, name the
 * target). Never throws: a row that fails for another reason than a full disk is logged
 * (`audit.write-failed`) and the answer goes out.
 */
export function auditWrite(audit: AuditLog, req: Request, locals: AuditLocals, outcome: { status: number; code: string | null }, out: ApiResponse | undefined, log: EventLog): void {
  const route = locals.auditRoute;
  if (route === undefined || locals.audited === true) return;
  locals.audited = true;
  const params = locals.auditParams ?? (req.params as Record<string, string> | undefined) ?? {};
  const body: unknown = req.body;
  try {
    // A full disk is counted and reported by the storage guard (table audit_log): nothing to add here.
    audit.record({
      actor: actorOf(req.auth ?? locals.auditToken),
      client: req.socket.remoteAddress ?? null,
      method: req.method.toUpperCase(),
      path: req.path,
      target: out?.audit?.target ?? auditTarget(params, out?.body),
      outcome,
      detail: out?.audit?.detail ?? auditDetail(req.originalUrl, req.query ?? {}, body),
    });
  } catch (e) {
    log('audit.write-failed', { method: req.method, path: req.path, status: outcome.status, error: (e as Error)?.message ?? String(e) });
  }
}
