// A fleet hub's landing page: every site it hears from — when it was last heard, how far the hub is
// behind it, its outbox depth and version, its alerts by severity, its health — refreshed every few
// seconds. A site's alert count opens the feed filtered to that site.
import type { Severity } from '../api/api-types';
import type { SiteHealth, SiteSummary } from '../api/hub-types';
import { NO_FILTER } from '../state/alert-filter';
import { HUB_REFRESH_MS } from '../state/live-data';
import { SEVERITIES } from '../state/severity';
import { h, replaceChildren } from '../ui/element';
import { ago, count } from '../ui/format';
import type { View, ViewContext } from './view';

/** A site not heard from for this long is silent, whatever its last record said (ms). */
export const SILENT_AFTER_MS = 3 * 60_000;

/** Most severe first, as the counts read left to right. */
const SEVERITY_COLUMNS: readonly Severity[] = [...SEVERITIES].reverse();

/** The site's health: what the hub says, else silent when not heard for SILENT_AFTER_MS, else unknown. */
export function siteHealth(s: SiteSummary, now = Date.now()): SiteHealth | null {
  if (now - Date.parse(s.lastHeard) > SILENT_AFTER_MS) return 'silent';
  return s.health ?? null;
}

export class SitesView implements View {
  readonly el: HTMLElement;
  private readonly body = h('tbody');
  private readonly summary = h('div', { class: 'summary muted', 'data-testid': 'sites-summary' });
  private readonly error = h('p', { class: 'form-error', hidden: true });
  private readonly timer: number;
  private sites: SiteSummary[] = [];

  constructor(private readonly ctx: ViewContext) {
    this.el = h('section', { class: 'page page-sites' },
      h('div', { class: 'page-head' }, h('h1', null, 'Sites'), this.summary),
      this.error,
      h('div', { class: 'table-wrap' },
        h('table', { class: 'grid', 'data-testid': 'sites-table' },
          h('thead', null, h('tr', null,
            ['Site', 'Health', 'Last heard', 'Lag', 'Outbox', 'Version', 'Records'].map((t) => h('th', null, t)),
            SEVERITY_COLUMNS.map((s) => h('th', { class: 'num' }, s)),
            h('th', { class: 'num' }, 'Alerts'))),
          this.body)));
    this.render();
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), HUB_REFRESH_MS);
  }

  destroy(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      this.sites = (await this.ctx.http.get<{ items: SiteSummary[] }>('/api/v1/sites')).items;
      this.error.hidden = true;
      this.render();
    } catch (e) {
      this.error.hidden = false;
      this.error.textContent = `Could not load the sites: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private render(): void {
    const now = Date.now();
    const total = this.sites.reduce((n, s) => n + alertTotal(s), 0);
    this.summary.textContent = `${this.sites.length} site${this.sites.length === 1 ? '' : 's'} · ${count(total)} alerts`;
    if (this.sites.length === 0) {
      replaceChildren(this.body, h('tr', null, h('td', { colspan: String(8 + SEVERITY_COLUMNS.length), class: 'empty-cell' }, 'No site heard from yet.')));
      return;
    }
    replaceChildren(this.body, this.sites.map((s) => this.row(s, now)));
  }

  private row(s: SiteSummary, now: number): HTMLElement {
    const health = siteHealth(s, now);
    return h('tr', { 'data-testid': 'site-row', 'data-site': s.site, 'data-health': health ?? '' },
      h('td', { class: 'strong' }, s.site),
      h('td', null, h('span', { class: `badge health-${health ?? 'unknown'}`, 'data-testid': 'site-health' }, health ?? 'unknown')),
      h('td', { title: s.lastHeard }, ago(s.lastHeard, now)),
      h('td', { class: `num${(s.lag ?? 0) > 0 ? ' warn' : ''}`, 'data-testid': 'site-lag' }, s.lag === null ? '—' : count(s.lag)),
      h('td', { class: 'num', 'data-testid': 'site-outbox' }, s.outboxDepth === undefined || s.outboxDepth === null ? '—' : count(s.outboxDepth)),
      h('td', { class: 'mono' }, s.version ?? '—'),
      h('td', { class: 'num' }, count(s.records)),
      SEVERITY_COLUMNS.map((sev) => h('td', { class: 'num', 'data-severity': sev }, count(s.alerts[sev] ?? 0))),
      h('td', { class: 'num' },
        h('a', { href: '#/feed', 'data-testid': 'site-alerts', 'data-count': String(alertTotal(s)), onclick: () => this.openFeed(s.site) }, count(alertTotal(s)))));
  }

  /** The feed shows this site's alerts only (the link then navigates to it). */
  private openFeed(site: string): void {
    this.ctx.live.feed.setFilter({ ...NO_FILTER, site });
  }
}

function alertTotal(s: SiteSummary): number {
  return Object.values(s.alerts).reduce((n: number, v) => n + (v ?? 0), 0);
}
