// The device inventory: every device on the LAN with vendor, hostname, addresses, MUD profile,
// compliance and alert counts. The stream's device events keep it current; a periodic refresh
// picks up the alert counts, which change without a device event.
import type { Compliance, DeviceView } from '../api/api-types';
import { deviceHash } from '../router';
import { h, replaceChildren } from '../ui/element';
import { ago, bytes, count } from '../ui/format';
import { complianceBadge } from './severity-badge';
import { exposureCell, EXPOSURE_ORDER } from './exposure-card';
import type { View, ViewContext } from './view';

/** Refresh of the counts while the page is open (ms). */
const REFRESH_MS = 10_000;

/** Worst first: what needs attention sits at the top. */
const COMPLIANCE_ORDER: Compliance[] = ['quarantined', 'violating', 'no-profile', 'compliant'];

type SortKey = 'attention' | 'exposure' | 'name' | 'lastSeen' | 'alerts' | 'traffic';

export class DevicesView implements View {
  readonly el: HTMLElement;
  private readonly body = h('tbody');
  private readonly summary = h('div', { class: 'summary' });
  private readonly search = h('input', { type: 'search', class: 'input', placeholder: 'Filter by name, MAC, address, vendor, profile…', 'data-testid': 'device-search' });
  private readonly sort = h('select', { class: 'input', 'aria-label': 'Sort' },
    h('option', { value: 'attention' }, 'Needs attention first'), h('option', { value: 'exposure' }, 'Most exposed'), h('option', { value: 'name' }, 'Name'),
    h('option', { value: 'lastSeen' }, 'Last seen'), h('option', { value: 'alerts' }, 'Most alerts'), h('option', { value: 'traffic' }, 'Most traffic'));
  private compliance: Compliance | null = null;
  private readonly timer: number;
  private readonly offs: (() => void)[] = [];
  private readonly error = h('p', { class: 'form-error', hidden: true });

  constructor(private readonly ctx: ViewContext) {
    this.search.addEventListener('input', () => this.render());
    this.sort.addEventListener('change', () => this.render());
    this.el = h('section', { class: 'page page-devices' },
      h('div', { class: 'page-head' }, h('h1', null, 'Devices'), this.summary, h('div', { class: 'spacer' }), this.sort, this.search),
      this.error,
      h('div', { class: 'table-wrap' },
        h('table', { class: 'grid', 'data-testid': 'device-table' },
          h('thead', null, h('tr', null, ['Device', 'Vendor', 'Addresses', 'MUD profile', 'Compliance', 'Exposure', 'Open violations', 'Alerts', 'Sent', 'Last seen'].map((t) => h('th', null, t)))),
          this.body)));
    this.body.addEventListener('click', (ev) => {
      const tr = (ev.target as HTMLElement).closest<HTMLElement>('tr[data-mac]');
      if (tr !== null && (ev.target as HTMLElement).closest('a') === null) location.hash = deviceHash(tr.dataset.mac!);
    });
    this.offs.push(ctx.live.devices.onChange(() => this.render()));
    this.render();
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), REFRESH_MS);
  }

  destroy(): void {
    clearInterval(this.timer);
    for (const off of this.offs) off();
  }

  private async refresh(): Promise<void> {
    try {
      const r = await this.ctx.http.get<{ items: DeviceView[] }>('/api/v1/devices');
      this.error.hidden = true;
      this.ctx.live.devices.load(r.items);
    } catch (e) {
      this.error.hidden = false;
      this.error.textContent = `Could not load the devices: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private render(): void {
    const all = [...this.ctx.live.devices.byMac.values()];
    const counts = new Map<Compliance, number>();
    for (const d of all) counts.set(d.compliance, (counts.get(d.compliance) ?? 0) + 1);
    replaceChildren(this.summary,
      h('button', { type: 'button', class: `chip${this.compliance === null ? ' on' : ''}`, onclick: () => this.setCompliance(null) }, `All ${all.length}`),
      COMPLIANCE_ORDER.map((c) => h('button', {
        type: 'button', class: `chip chip-${c}${this.compliance === c ? ' on' : ''}`, 'data-testid': `compliance-${c}`,
        onclick: () => this.setCompliance(this.compliance === c ? null : c),
      }, complianceBadge(c), ` ${counts.get(c) ?? 0}`)));
    const q = this.search.value.trim().toLowerCase();
    const shown = all.filter((d) => (this.compliance === null || d.compliance === this.compliance)
      && (q === '' || [d.mac, d.hostname, d.vendor, d.mudUrl, d.profile, ...d.ips].some((v) => v?.toLowerCase().includes(q))));
    shown.sort(comparator(this.sort.value as SortKey));
    if (shown.length === 0) {
      replaceChildren(this.body, h('tr', null, h('td', { colspan: '10', class: 'empty-cell' }, all.length === 0 ? 'No device seen yet.' : 'No device matches.')));
      return;
    }
    replaceChildren(this.body, shown.map((d) => this.row(d)));
  }

  private setCompliance(c: Compliance | null): void {
    this.compliance = c;
    this.render();
  }

  private row(d: DeviceView): HTMLElement {
    return h('tr', { 'data-testid': 'device-row', 'data-mac': d.mac, 'data-compliance': d.compliance, class: `clickable comp-row-${d.compliance}` },
      h('td', null, h('a', { href: deviceHash(d.mac), class: 'strong' }, d.hostname ?? d.mac), d.hostname !== null ? h('div', { class: 'mono muted' }, d.mac) : null),
      h('td', null, d.vendor ?? '—'),
      h('td', { class: 'mono' }, d.ips.length === 0 ? '—' : d.ips.join(', ')),
      h('td', { class: 'url' }, d.profile ?? d.mudUrl ?? '—', d.mudUrl !== null && d.profile === null ? h('div', { class: 'muted' }, 'announced, not held') : null),
      h('td', null, complianceBadge(d.compliance)),
      exposureCell(d.exposure),
      h('td', { class: `num${d.openViolations > 0 ? ' warn' : ''}` }, count(d.openViolations)),
      h('td', { class: 'num' }, count(d.alerts)),
      h('td', { class: 'num', title: `${count(d.txPackets)} packets` }, bytes(d.txBytes)),
      h('td', { title: d.lastSeen }, ago(d.lastSeen)));
  }
}

function comparator(key: SortKey): (a: DeviceView, b: DeviceView) => number {
  const name = (d: DeviceView): string => d.hostname ?? d.mac;
  switch (key) {
    case 'attention':
      return (a, b) => COMPLIANCE_ORDER.indexOf(a.compliance) - COMPLIANCE_ORDER.indexOf(b.compliance) || b.openViolations - a.openViolations || name(a).localeCompare(name(b));
    case 'exposure':
      return (a, b) => EXPOSURE_ORDER.indexOf(a.exposure?.level ?? 'none') - EXPOSURE_ORDER.indexOf(b.exposure?.level ?? 'none') || (b.exposure?.services ?? 0) - (a.exposure?.services ?? 0) || name(a).localeCompare(name(b));
    case 'name':
      return (a, b) => name(a).localeCompare(name(b));
    case 'lastSeen':
      return (a, b) => b.lastSeen.localeCompare(a.lastSeen);
    case 'alerts':
      return (a, b) => b.alerts - a.alerts;
    case 'traffic':
      return (a, b) => b.txBytes - a.txBytes;
  }
}
