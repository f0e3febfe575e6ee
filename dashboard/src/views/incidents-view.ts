// The incidents: alerts of one episode grouped by the device (or external peer) they are about,
// most recent activity first, with severity, subject, title, state and last activity. The stream's
// `incident` topic keeps the list current; a click opens the incident.
import type { IncidentPage, IncidentState, IncidentSummary } from '../api/incident-types';
import { incidentHash } from '../router';
import { h, replaceChildren } from '../ui/element';
import { ago, count, shortTime } from '../ui/format';
import { severityBadge } from './severity-badge';
import type { View, ViewContext } from './view';
import '../styles/incidents.css';

/** Incidents the page loads (the API's maximum is 1000). */
const PAGE = 500;
/** Refresh of "last activity … ago" and of what the stream cannot replay (ms). */
const REFRESH_MS = 15_000;

type Filter = 'active' | 'closed' | 'all';
const FILTER_STATES: Record<Filter, readonly IncidentState[]> = { active: ['open', 'contained'], closed: ['closed'], all: ['open', 'contained', 'closed'] };

/** The words of a subject: the device's name and MAC, or the peer's address. */
export function subjectLabel(i: IncidentSummary): string {
  if (i.subject.kind === 'peer') return `peer ${i.subject.peer ?? ''}`;
  const mac = i.subject.device ?? '';
  return i.subject.name !== null && i.subject.name !== mac ? `${i.subject.name} (${mac})` : mac;
}

export function stateBadge(state: IncidentState): HTMLSpanElement {
  return h('span', { class: `inc-state st-${state}`, 'data-testid': 'incident-state' }, state);
}

export function kindBadge(kind: IncidentSummary['kind']): HTMLSpanElement {
  return h('span', { class: `inc-kind kind-${kind}` }, kind === 'mirai-chain' ? 'Mirai chain' : 'episode');
}

export class IncidentsView implements View {
  readonly el: HTMLElement;
  private readonly byId = new Map<string, IncidentSummary>();
  private filter: Filter = 'active';
  private total: number | null = null;
  private readonly body = h('tbody');
  private readonly chips = h('div', { class: 'summary' });
  private readonly error = h('p', { class: 'form-error', hidden: true });
  private readonly timer: number;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly ctx: ViewContext) {
    this.el = h('section', { class: 'page page-incidents', 'data-testid': 'incidents' },
      h('div', { class: 'page-head' }, h('h1', null, 'Incidents'), this.chips, h('div', { class: 'spacer' }),
        h('span', { class: 'muted' }, 'Most recent activity first')),
      this.error,
      h('div', { class: 'card table-wrap' },
        h('table', { class: 'grid', 'data-testid': 'incident-table' },
          h('thead', null, h('tr', null, ['Severity', 'Incident', 'Subject', 'Kind', 'State', 'Alerts', 'Last activity'].map((t) => h('th', null, t)))),
          this.body)));
    this.body.addEventListener('click', (ev) => {
      const tr = (ev.target as HTMLElement).closest<HTMLElement>('tr[data-id]');
      if (tr !== null && (ev.target as HTMLElement).closest('a') === null) location.hash = incidentHash(tr.dataset.id!);
    });
    this.offs.push(ctx.live.onIncidents((changes) => {
      for (const c of changes) this.byId.set(c.incident.id, c.incident);
      this.render();
    }));
    this.offs.push(ctx.live.onResync(() => void this.load()));
    void this.load();
    this.timer = window.setInterval(() => void this.load(), REFRESH_MS);
  }

  destroy(): void {
    clearInterval(this.timer);
    for (const off of this.offs) off();
  }

  private async load(): Promise<void> {
    try {
      const page = await this.ctx.http.get<IncidentPage>('/api/v1/incidents', { limit: PAGE });
      this.error.hidden = true;
      this.byId.clear();
      for (const i of page.items) this.byId.set(i.id, i);
      this.total = page.total;
      this.render();
    } catch (e) {
      this.error.hidden = false;
      this.error.textContent = `Could not load the incidents: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private render(): void {
    const all = [...this.byId.values()];
    const n = (f: Filter) => all.filter((i) => FILTER_STATES[f].includes(i.state)).length;
    replaceChildren(this.chips, (['active', 'closed', 'all'] as const).map((f) => h('button', {
      type: 'button', class: `chip${this.filter === f ? ' on' : ''}`, 'data-testid': `incidents-${f}`,
      onclick: () => { this.filter = f; this.render(); },
    }, `${f === 'active' ? 'Open and contained' : f === 'closed' ? 'Closed' : 'All'} ${n(f)}`)),
    this.total !== null && this.total > all.length ? h('span', { class: 'muted' }, `newest ${all.length} of ${count(this.total)}`) : null);
    const shown = all.filter((i) => FILTER_STATES[this.filter].includes(i.state)).sort((a, b) => b.activity - a.activity);
    if (shown.length === 0) {
      replaceChildren(this.body, h('tr', null, h('td', { colspan: '7', class: 'empty-cell' },
        all.length === 0 ? 'No incident yet. Alerts about one device (or one outside address) within an episode become one incident.' : 'No incident in this view.')));
      return;
    }
    replaceChildren(this.body, shown.map((i) => h('tr', {
      'data-testid': 'incident-row', 'data-id': i.id, 'data-kind': i.kind, 'data-state': i.state, 'data-severity': i.severity,
      'data-device': i.subject.device ?? '', class: `clickable inc-row-${i.state}`,
    },
    h('td', null, severityBadge(i.severity)),
    h('td', null, h('a', { href: incidentHash(i.id), class: 'inc-title' }, i.title)),
    h('td', null, h('span', { class: 'inc-subject' }, subjectLabel(i))),
    h('td', null, kindBadge(i.kind)),
    h('td', null, stateBadge(i.state), i.resolution === 'false-positive' ? h('div', { class: 'muted small' }, 'false positive') : null),
    h('td', { class: 'num', title: `${count(i.counts.occurrences)} occurrences, ${count(i.counts.logs)} log records` }, count(i.counts.alerts)),
    h('td', { title: `${shortTime(i.firstTs)} → ${shortTime(i.lastTs)}` }, ago(i.lastTs)))));
  }
}
