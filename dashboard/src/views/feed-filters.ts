// The feed's filter bar: text search, severity (and higher), rule, device, time window, status; on
// a fleet hub also the site.
// Selects apply at once; typing applies after a short pause so each keystroke does not refilter.
import { learnSiteOptions } from './site-options';
import { NO_FILTER, type AlertFilter, type SinceWindow, type StatusFilter } from '../state/alert-filter';
import type { DeviceDirectory } from '../state/device-directory';
import { RULE_IDS } from '../state/rule-ids';
import { SEVERITIES } from '../state/severity';
import { h, select } from '../ui/element';

/** Pause after the last keystroke before the text filters apply (ms). */
const TYPING_PAUSE_MS = 120;

export class FeedFilters {
  readonly el: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly severity: HTMLSelectElement;
  private readonly rule: HTMLSelectElement;
  private readonly device: HTMLInputElement;
  private readonly since: HTMLSelectElement;
  private readonly status: HTMLSelectElement;
  private readonly deviceList: HTMLDataListElement;
  private readonly knownRules = new Set<string>(RULE_IDS);
  /** The site filter (a hub only; null on a gateway) and the sites it offers. */
  private readonly site: HTMLSelectElement | null;
  private readonly knownSites = new Set<string>();
  private timer: number | undefined;

  constructor(initial: AlertFilter, private readonly onChange: (f: AlertFilter) => void, hub = false) {
    const typed = (): void => {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.emit(), TYPING_PAUSE_MS);
    };
    this.search = h('input', { type: 'search', class: 'input search', 'data-testid': 'search', placeholder: 'Search rule, message, address, evidence…', value: initial.q, oninput: typed, 'aria-label': 'Search alerts' });
    this.severity = select({ 'data-testid': 'filter-severity', class: 'input', onchange: () => this.emit(), 'aria-label': 'Minimum severity' },
      [['all', 'Any severity'], ...SEVERITIES.map((s) => [s, `${s} +`] as const)], initial.minSeverity);
    this.rule = select({ 'data-testid': 'filter-rule', class: 'input', onchange: () => this.emit(), 'aria-label': 'Rule' },
      [['all', 'Any rule'], ...[...this.knownRules].sort().map((r) => [r, r] as const)], initial.rule);
    this.deviceList = h('datalist', { id: 'feed-devices' });
    this.device = h('input', { type: 'text', class: 'input device', 'data-testid': 'filter-device', placeholder: 'Device (MAC or name)', value: initial.device, list: 'feed-devices', oninput: typed, 'aria-label': 'Device' });
    this.since = select({ 'data-testid': 'filter-since', class: 'input', onchange: () => this.emit(), 'aria-label': 'Time window' },
      [['all', 'Any time'], ['15m', 'Last 15 min'], ['1h', 'Last hour'], ['24h', 'Last 24 h']], initial.since);
    this.status = select({ 'data-testid': 'filter-status', class: 'input', onchange: () => this.emit(), 'aria-label': 'Status' },
      [['all', 'Any status'], ['open', 'Open'], ['unresolved', 'Not resolved'], ['acknowledged', 'Acknowledged'], ['reopened', 'Reopened'], ['resolved', 'Resolved']], initial.status);
    const clear = h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'filter-clear', onclick: () => this.reset() }, 'Clear');
    this.site = hub ? select({ 'data-testid': 'filter-site', class: 'input', onchange: () => this.emit(), 'aria-label': 'Site' }, [['all', 'Any site']], 'all') : null;
    if (this.site !== null && initial.site !== 'all') this.learnSites([initial.site]);
    if (this.site !== null) this.site.value = initial.site;
    this.el = h('div', { class: 'filters' }, this.site, this.search, this.severity, this.rule, this.device, this.deviceList, this.since, this.status, clear);
  }

  value(): AlertFilter {
    return {
      q: this.search.value,
      minSeverity: this.severity.value as AlertFilter['minSeverity'],
      rule: this.rule.value,
      device: this.device.value,
      since: this.since.value as SinceWindow,
      status: this.status.value as StatusFilter,
      site: this.site?.value ?? 'all',
    };
  }

  /** Shows `site` as chosen (the sites page opened the feed on one site); no change is emitted. */
  showSite(site: string): void {
    if (this.site === null) return;
    if (site !== 'all') this.learnSites([site]);
    this.site.value = site;
  }

  /** Adds sites to the site filter (a hub: the sites it has heard from), in name order. */
  learnSites(sites: Iterable<string>): void {
    if (this.site !== null) learnSiteOptions(this.site, this.knownSites, sites);
  }

  /** Adds rule ids the server used that the built-in list lacks. */
  learnRules(rules: Iterable<string>): void {
    for (const r of rules) {
      if (this.knownRules.has(r)) continue;
      this.knownRules.add(r);
      this.rule.append(h('option', { value: r }, r));
    }
  }

  /** Offers the known devices in the device box. */
  learnDevices(dir: DeviceDirectory): void {
    const opts = [...dir.byMac.values()].map((d) => h('option', { value: d.mac }, d.hostname ?? d.vendor ?? ''));
    this.deviceList.replaceChildren(...opts);
  }

  private reset(): void {
    this.search.value = NO_FILTER.q;
    this.severity.value = NO_FILTER.minSeverity;
    this.rule.value = NO_FILTER.rule;
    this.device.value = NO_FILTER.device;
    this.since.value = NO_FILTER.since;
    this.status.value = NO_FILTER.status;
    if (this.site !== null) this.site.value = NO_FILTER.site;
    this.emit();
  }

  private emit(): void {
    clearTimeout(this.timer);
    this.onChange(this.value());
  }
}
