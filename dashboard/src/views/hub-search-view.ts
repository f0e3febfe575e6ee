// A fleet hub's search across sites: "which sites saw this address, network, domain, MAC vendor or
// TLS fingerprint" (GET /api/v1/search?q=), the answer grouped by site.
import { ApiError } from '../api/http-client';
import type { SearchResult } from '../api/hub-types';
import { h, replaceChildren } from '../ui/element';
import { ago } from '../ui/format';
import type { View, ViewContext } from './view';

/** What each kind of query is read as, in words. */
const KIND_WORDS: Record<SearchResult['kind'], string> = {
  address: 'an address', network: 'a network', mac: 'a MAC address', domain: 'a domain', vendor: 'a vendor',
  fingerprint: 'a TLS fingerprint', text: 'text',
};

export class HubSearchView implements View {
  readonly el: HTMLElement;
  private readonly input = h('input', {
    type: 'search', class: 'input hub-search-input', 'data-testid': 'hub-search-input', 'aria-label': 'Search across sites',
    placeholder: 'Address, network, domain, MAC, vendor or JA4 fingerprint…',
  });
  private readonly results = h('div', { class: 'hub-search-results', 'data-testid': 'hub-search-results' });
  private readonly status = h('p', { class: 'muted', 'data-testid': 'hub-search-status' });
  /** Bumped per search, so a slow answer to an older query is dropped. */
  private asked = 0;

  constructor(private readonly ctx: ViewContext) {
    const form = h('form', { class: 'hub-search-form', onsubmit: (ev: SubmitEvent) => { ev.preventDefault(); void this.run(); } },
      this.input, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'hub-search-go' }, 'Search'));
    this.el = h('section', { class: 'page page-hub-search' },
      h('div', { class: 'page-head' }, h('h1', null, 'Search across sites')), form, this.status, this.results);
  }

  shown(): void {
    this.input.focus();
  }

  destroy(): void {
    this.asked++;
  }

  private async run(): Promise<void> {
    const q = this.input.value.trim();
    if (q === '') return;
    const n = ++this.asked;
    this.status.textContent = 'Searching…';
    try {
      const r = await this.ctx.http.get<SearchResult>('/api/v1/search', { q });
      if (n !== this.asked) return;
      this.show(r);
    } catch (e) {
      if (n !== this.asked) return;
      replaceChildren(this.results);
      this.status.textContent = e instanceof ApiError && e.status === 404 && e.code === 'route.not-found'
        ? 'This hub cannot search yet.' : `Search failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private show(r: SearchResult): void {
    const sites = r.sites.filter((s) => s.matches.length > 0);
    this.status.textContent = `“${r.q}” read as ${KIND_WORDS[r.kind] ?? r.kind}: seen at ${sites.length} site${sites.length === 1 ? '' : 's'}.`;
    this.status.dataset.sites = String(sites.length);
    replaceChildren(this.results, sites.map((s) => h('section', { class: 'hub-search-site', 'data-testid': 'search-site', 'data-site': s.site },
      h('h3', null, s.site, h('span', { class: 'muted' }, ` · ${s.matches.length} match${s.matches.length === 1 ? '' : 'es'}`)),
      h('table', { class: 'grid' }, h('tbody', null, s.matches.map((m) => h('tr', { 'data-testid': 'search-match', 'data-kind': m.kind },
        h('td', { class: 'hub-search-kind' }, h('span', { class: 'badge' }, m.kind)),
        h('td', null, m.summary),
        h('td', { class: 'muted', title: m.lastSeen }, ago(m.lastSeen)))))))));
  }
}
