// A suppression: the scope of alert inputs it silences (rule, device, peer address or network,
// port), until when, who made it and why; the record the API lists; and the check of a request
// to make one, which reports every fault at once with its JSON Pointer path.
import { formatPrefix, parsePrefix } from '../../policies/net/ip-address.js';
import { macToString, parseMac } from '../common/address-text.js';
import type { AlertInput } from './alert.js';
import { isRuleId, type RuleId } from './rules.js';

/** Where a suppression is: silencing, past its expiry, or removed by someone before it. */
export type SuppressionState = 'active' | 'expired' | 'removed';
export const SUPPRESSION_STATES: readonly SuppressionState[] = Object.freeze(['active', 'expired', 'removed']);

/**
 * What a suppression silences; null parts match anything, at least one is set. An alert input is
 * silenced when every set part matches it:
 * - `rule`: the input's rule id;
 * - `device`: the input's device (MAC);
 * - `peer`: an address or network (CIDR, IPv4 or IPv6) holding the input's source or destination
 *   address (an IPv4-mapped IPv6 address counts as its IPv4 address). The input's deduplication
 *   `peer` key is not used: for most rules it is not an address (a domain, "addr proto/port").
 * - `port`: the input's source or destination port.
 */
export interface SuppressionScope {
  rule: RuleId | null;
  /** MAC, lower-case colon form. */
  device: string | null;
  /** Canonical text: a bare address for a host, else `network/length`. */
  peer: string | null;
  /** 1 to 65535. */
  port: number | null;
}

/** A suppression as stored, listed and returned by the API. Times are ISO-8601. */
export interface Suppression extends SuppressionScope {
  id: string;
  /** Wall-clock time the suppression ends. */
  expiresAt: string;
  /** Why (required): what an analyst reads later to judge whether it still holds. */
  reason: string;
  /** The token that made it: its name and id, or its id. */
  createdBy: string;
  createdAt: string;
  removedBy: string | null;
  removedAt: string | null;
  /** Occurrences silenced so far (an input standing for n occurrences counts n). */
  suppressed: number;
  /** Packet time of the last occurrence silenced, or null. */
  lastSuppressedAt: string | null;
  state: SuppressionState;
}

/**
 * One silenced alert input as kept in `suppressed_alerts` (bounded, oldest pruned): the input's
 * rule, device, addresses, protocol, ports and (the detector's) message, and these.
 */
export interface SuppressedAlert extends Pick<AlertInput, 'rule' | 'device' | 'src' | 'dst' | 'proto' | 'sport' | 'dport' | 'message'> {
  seq: number;
  /** The suppression that silenced it. */
  suppression: string;
  /** Occurrences the input stood for. */
  count: number;
  /** Packet time of the input, ISO-8601 (as an alert's first occurrence would be). */
  ts: string;
}

/** A checked request: the scope, the end (ms since the epoch) and the reason. */
export interface SuppressionRequest extends SuppressionScope {
  expiresAtMs: number;
  reason: string;
}

/** One fault of a refused request: JSON Pointer path, code, sentence (the API's ErrorDetail). */
export interface SuppressionProblem {
  path: string;
  code: string;
  message: string;
}

/** Longest reason kept, characters. */
export const MAX_REASON_CHARS = 1000;

const MEMBERS = ['rule', 'device', 'peer', 'port', 'expiresAt', 'expiresInSeconds', 'reason'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * Checks a request body `{rule?, device?, peer?, port?, expiresAt | expiresInSeconds, reason}`
 * against the wall-clock time `nowMs` and the longest lifetime `maxExpirySeconds`. A scope part
 * given as null is absent (an incident's suggestion has nulls). Returns the normalized request or
 * every fault.
 */
export function parseSuppressionRequest(body: unknown, nowMs: number, maxExpirySeconds: number):
  { ok: true; value: SuppressionRequest } | { ok: false; problems: SuppressionProblem[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, problems: [{ path: '', code: 'type', message: 'must be a JSON object' }] };
  const b = body as Record<string, unknown>;
  const problems: SuppressionProblem[] = [];
  const bad = (path: string, code: string, message: string) => { problems.push({ path, code, message }); };
  for (const k of Object.keys(b)) if (!MEMBERS.includes(k)) bad(`/${k}`, 'unknown', `unknown member (known: ${MEMBERS.join(', ')})`);

  let rule: RuleId | null = null;
  if (b.rule !== undefined && b.rule !== null) {
    if (typeof b.rule !== 'string' || !isRuleId(b.rule)) bad('/rule', 'enum', 'must be a rule id (GET /api/v1/alerts lists them in the OpenAPI document)');
    else rule = b.rule;
  }
  let device: string | null = null;
  if (b.device !== undefined && b.device !== null) {
    const m = typeof b.device === 'string' ? parseMac(b.device) : -1;
    if (m < 0) bad('/device', 'mac', 'must be a MAC address (aa:bb:cc:dd:ee:ff)');
    else device = macToString(m);
  }
  let peer: string | null = null;
  if (b.peer !== undefined && b.peer !== null) {
    const p = typeof b.peer === 'string' ? parsePrefix(b.peer.trim()) : null;
    if (p === null) bad('/peer', 'address', 'must be an IPv4 or IPv6 address or network (192.0.2.7, 198.51.100.0/24, 2001:db8::/32)');
    // A set host bit is most often a typo for another network: say which one was meant instead of guessing.
    else if (p.hostBits) bad('/peer', 'host-bits', `has bits set beyond the prefix length: the network is ${formatPrefix(p)}`);
    else peer = formatPrefix(p);
  }
  let port: number | null = null;
  if (b.port !== undefined && b.port !== null) {
    if (typeof b.port !== 'number' || !Number.isInteger(b.port) || b.port < 1 || b.port > 65535) bad('/port', 'range', 'must be an integer from 1 to 65535');
    else port = b.port;
  }
  const scoped = ['rule', 'device', 'peer', 'port'].some((k) => b[k] !== undefined && b[k] !== null);
  if (!scoped) bad('', 'scope-required', 'give at least one of rule, device, peer, port (a suppression of everything is not one)');

  let expiresAtMs = Number.NaN;
  const maxMs = nowMs + maxExpirySeconds * 1000;
  if (b.expiresAt !== undefined && b.expiresInSeconds !== undefined) bad('/expiresInSeconds', 'exclusive', 'give expiresAt or expiresInSeconds, not both');
  else if (b.expiresAt !== undefined) {
    const t = typeof b.expiresAt === 'string' && ISO_TIME.test(b.expiresAt) ? Date.parse(b.expiresAt) : Number.NaN;
    if (!Number.isFinite(t)) bad('/expiresAt', 'time', 'must be an ISO-8601 time (2030-01-31T12:00:00Z)');
    else if (t <= nowMs) bad('/expiresAt', 'past', 'must be in the future');
    else if (t > maxMs) bad('/expiresAt', 'range', `must be within suppressions.maxExpirySeconds (${maxExpirySeconds} s) from now`);
    else expiresAtMs = t;
  } else if (b.expiresInSeconds !== undefined) {
    const s = b.expiresInSeconds;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > maxExpirySeconds) bad('/expiresInSeconds', 'range', `must be an integer from 1 to ${maxExpirySeconds} (suppressions.maxExpirySeconds)`);
    else expiresAtMs = nowMs + s * 1000;
  } else bad('/expiresAt', 'required', 'give expiresAt (ISO-8601) or expiresInSeconds: every suppression ends');

  let reason = '';
  if (typeof b.reason !== 'string' || b.reason.trim() === '') bad('/reason', 'required', 'say why (a non-empty string): whoever reads the suppression later judges it by this');
  else if (b.reason.length > MAX_REASON_CHARS) bad('/reason', 'too-long', `at most ${MAX_REASON_CHARS} characters`);
  else reason = b.reason.trim();

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { rule, device, peer, port, expiresAtMs, reason } };
}
