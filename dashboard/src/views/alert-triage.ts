// Acknowledge, resolve and reopen: the API's answer goes into the store at once, so the row changes
// before the stream echoes it; what the server refuses is said in a toast.
import type { Alert } from '../api/api-types';
import { ApiError } from '../api/http-client';
import { toast } from '../ui/toast';
import type { ViewContext } from './view';

export type TriageAction = 'acknowledge' | 'resolve' | 'reopen';

const pending = new Set<string>();

/** Whether `action` makes sense for the alert's status. */
export function triageApplies(a: Alert, action: TriageAction): boolean {
  const s = a.status ?? 'open';
  return action === 'acknowledge' ? s === 'open' || s === 'reopened' : action === 'resolve' ? s !== 'resolved' : s === 'resolved';
}

/** Sends the action (with the analyst's note, if any, for the alert's history). */
export async function triage(ctx: ViewContext, id: string, action: TriageAction, note?: string): Promise<void> {
  const key = `${id}/${action}`;
  if (pending.has(key)) return;
  pending.add(key);
  try {
    const a = await ctx.http.post<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}/${action}`, note !== undefined && note.trim() !== '' ? { note: note.trim() } : undefined);
    ctx.live.putAlert(a);
  } catch (e) {
    toast(`Could not ${action} the alert: ${e instanceof ApiError ? e.message : String(e)}`, 'error');
  } finally {
    pending.delete(key);
  }
}
