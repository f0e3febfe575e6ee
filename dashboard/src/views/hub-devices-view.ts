// A fleet hub's device inventory: every site's devices with their site, filterable by site (the
// hub's `?site=`) and by text; a device's page stays at its site's own dashboard.
import { learnSiteOptions } from './site-options';
import type { HubDevice, SiteSummary } from '../api/hub-types';
import { HUB_REFRESH_MS } from '../state/live-data';
import { h, replaceChildren, select } from '../ui/element';
import { ago, bytes, count } from '../ui/format';
import { complianceBadge } from './severity-badge';
import type { View, ViewContext } from './view';

export class HubDevicesView implements View {
  readonly el: HTMLElement;
  private readonly body = h('tbody');
  private readonly summary = h('div', { class: 'summary muted', 'data-testid': 'device-summary' });
  private readonly search = h('input', { type: 'search', class: 'input', placeholder: 'Filter by name, MAC, address, vendor…', 'data-testid': 'device-search' });
  private readonly site = select({ class: 'input', 'data-testid': 'device-site', 'aria-label': 'Site' }, [['all', 'Any site']], 'all');
  private readonly error = h('p', { class: 'form-error', hidden: true });
  private readonly timer: number;
  private devices: HubDevice[] = [];
  private readonly knownSites = new Set<string>();
  /** Bumped per request, so an older answer landing late does not overwrite a newer filter's. */
  private asked = 0;

  constructor(private readonly ctx: ViewContext) {
    this.search.addEventListener('input', () => this.render());
    this.site.addEventListener('change', () => void this.refresh());
    this.el = h('section', { class: 'page page-devices' },
      h('div', { class: 'page-head' }, h('h1', null, 'Devices'), this.summary, h('div', { class: 'spacer' }), this.site, this.search),
      this.error,
      h('div', { class: 'table-wrap' },
        h('table', { class: 'grid', 'data-testid': 'device-table' },
          h('thead', null, h('tr', null, ['Site', 'Device', 'Vendor', 'Addresses', 'MUD profile', 'Compliance', 'Alerts', 'Sent', 'Last seen'].map((t) => h('th', null, t)))),
          this.body)));
    this.render();
    void this.loadSites();
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), HUB_REFRESH_MS);
  }

  destroy(): void {
    clearInterval(this.timer);
  }

  /** The site filter offers every site the hub has heard from. */
  private async loadSites(): Promise<void> {
    try {
      const sites = (await this.ctx.http.get<{ items: SiteSummary[] }>('/api/v1/sites')).items.map((s) => s.site);
      this.learnSites(sites);
    } catch {
      // The sites of the devices listed are offered anyway.
    }
  }

  private learnSites(sites: Iterable<string>): void {
    learnSiteOptions(this.site, this.knownSites, sites);
  }

  private async refresh(): Promise<void> {
    const n = ++this.asked;
    const site = this.site.value === 'all' ? undefined : this.site.value;
    try {
      const r = await this.ctx.http.get<{ items: HubDevice[] }>('/api/v1/devices', { site });
      if (n !== this.asked) return;
      this.error.hidden = true;
      this.devices = r.items;
      this.learnSites(r.items.map((d) => d.site));
      this.render();
    } catch (e) {
      if (n !== this.asked) return;
      this.error.hidden = false;
      this.error.textContent = `Could not load the devices: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private render(): void {
    const site = this.site.value;
    const q = this.search.value.trim().toLowerCase();
    // The site is filtered here too: a refresh under the previous filter may still be what is held.
    const shown = this.devices.filter((d) => (site === 'all' || d.site === site)
      && (q === '' || [d.site, d.mac, d.hostname, d.vendor, d.profile, ...(d.ips ?? [])].some((v) => v?.toLowerCase().includes(q))));
    shown.sort((a, b) => a.site.localeCompare(b.site) || (a.hostname ?? a.mac).localeCompare(b.hostname ?? b.mac));
    this.summary.textContent = `${count(shown.length)} of ${count(this.devices.length)} devices`;
    if (shown.length === 0) {
      replaceChildren(this.body, h('tr', null, h('td', { colspan: '9', class: 'empty-cell' }, this.devices.length === 0 ? 'No device reported yet.' : 'No device matches.')));
      return;
    }
    replaceChildren(this.body, shown.map((d) => h('tr', { 'data-testid': 'device-row', 'data-mac': d.mac, 'data-site': d.site, 'data-compliance': d.compliance },
      h('td', { 'data-testid': 'device-site-cell' }, d.site),
      h('td', null, h('span', { class: 'strong' }, d.hostname ?? d.mac), d.hostname ? h('div', { class: 'mono muted' }, d.mac) : null),
      h('td', null, d.vendor ?? '—'),
      h('td', { class: 'mono' }, (d.ips ?? []).length === 0 ? '—' : d.ips.join(', ')),
      h('td', { class: 'url' }, d.profile ?? d.mudUrl ?? '—'),
      h('td', null, d.compliance ? complianceBadge(d.compliance) : '—'),
      h('td', { class: 'num' }, count(d.alerts ?? 0)),
      h('td', { class: 'num' }, bytes(d.txBytes)),
      h('td', { title: d.lastSeen }, ago(d.lastSeen)))));
  }
}
