// An alert's status history in the side pane: every acknowledge, resolve and reopen (a recurrence
// after resolve reopens an alert), with who, when and the note, fetched when the pane opens.
import type { StatusChange } from '../api/api-types';
import { h, replaceChildren } from '../ui/element';
import type { ViewContext } from './view';

/** A list that fills itself from GET /api/v1/alerts/:id/history (rev: refetch when the alert changed). */
export function alertHistory(ctx: ViewContext, id: string): HTMLElement {
  const box = h('ol', { class: 'history', 'data-testid': 'alert-history' }, h('li', { class: 'muted' }, 'Loading…'));
  void ctx.http.get<{ items: StatusChange[] }>(`/api/v1/alerts/${encodeURIComponent(id)}/history`).then(
    (r) => replaceChildren(box, ...(r.items.length === 0 ? [h('li', { class: 'muted' }, 'No change yet.')]
      : r.items.map((c) => h('li', { 'data-status': c.status },
        h('strong', null, c.status), ` ${c.at} by ${c.by}`, c.note !== null ? h('span', { class: 'muted' }, ` — ${c.note}`) : null)))),
    () => replaceChildren(box, h('li', { class: 'muted' }, 'History unavailable.')),
  );
  return box;
}
