// Reading the small JSON bodies of the triage routes (alerts, incidents): the members an object may
// have, and the optional analyst's note kept in a status history.
import { ApiError, type ErrorDetail } from '../api-errors.js';

/** Longest note, characters. */
export const MAX_NOTE = 1000;

/** The members of a JSON body object (none for an absent body), or request.invalid; `allowed` names the members it may have. */
export function bodyOf(body: unknown, allowed: readonly string[]): { b: Record<string, unknown>; problems: ErrorDetail[] } {
  if (body === undefined || body === null) return { b: {}, problems: [] };
  if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError('request.invalid', undefined, [{ path: '', message: 'must be an object' }]);
  const b = body as Record<string, unknown>;
  const problems: ErrorDetail[] = Object.keys(b).filter((k) => !allowed.includes(k)).map((k) => ({ path: `/${k}`, code: 'unknown', message: 'unknown member' }));
  return { b, problems };
}

/** The optional note: trimmed, null when empty; a fault when it is not a string or too long. */
export function noteOf(b: Record<string, unknown>, problems: ErrorDetail[]): string | null {
  if (b.note === undefined || b.note === null) return null;
  if (typeof b.note !== 'string' || b.note.length > MAX_NOTE) {
    problems.push({ path: '/note', code: 'type', message: `must be a string of at most ${MAX_NOTE} characters` });
    return null;
  }
  return b.note.trim() === '' ? null : b.note.trim();
}
