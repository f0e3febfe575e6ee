// A fleet hub's response commands: block a peer (address, network or domain) or quarantine a device
// at chosen sites or at every site, release an earlier action, and each command's result per site
// (pending until the site acknowledges; applied, refused or failed with the site's code).
import { canRespond } from '../api/role-access';
import { ApiError } from '../api/http-client';
import type { CommandAction, CommandTarget, HubCommand, SiteSummary } from '../api/hub-types';
import { h, replaceChildren, select } from '../ui/element';
import { shortTime } from '../ui/format';
import type { View, ViewContext } from './view';

/** How often the list is fetched again while a command is pending, and otherwise (ms). */
const PENDING_REFRESH_MS = 1_000;
const IDLE_REFRESH_MS = 5_000;

/** The form's choices: what to do and what the target box holds. */
const CHOICES = {
  'block-peer': { action: 'block', field: 'peer', label: 'Block a peer (IP address or network)', placeholder: '203.0.113.7 or 203.0.113.0/24' },
  'block-domain': { action: 'block', field: 'domain', label: 'Block a domain', placeholder: 'c2.example.net' },
  quarantine: { action: 'quarantine', field: 'device', label: 'Quarantine a device (MAC)', placeholder: 'aa:bb:cc:dd:ee:ff' },
  release: { action: 'release', field: 'actionId', label: 'Release an earlier action (its id)', placeholder: 'action id' },
} as const satisfies Record<string, { action: CommandAction; field: keyof CommandTarget; label: string; placeholder: string }>;

type Choice = keyof typeof CHOICES;

export class HubCommandsView implements View {
  readonly el: HTMLElement;
  private readonly choice = select({ class: 'input', 'data-testid': 'cmd-action', 'aria-label': 'Action' },
    Object.entries(CHOICES).map(([k, c]) => [k, c.label] as const), 'block-peer');
  private readonly target = h('input', { type: 'text', class: 'input', 'data-testid': 'cmd-target', 'aria-label': 'Target', required: true });
  private readonly note = h('input', { type: 'text', class: 'input', 'data-testid': 'cmd-note', placeholder: 'Note (optional)', maxlength: '1000' });
  private readonly allSites = h('input', { type: 'checkbox', 'data-testid': 'cmd-all-sites', checked: true });
  private readonly siteBoxes = h('span', { class: 'cmd-sites' });
  private readonly send = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'cmd-send' }, 'Send');
  private readonly formError = h('p', { class: 'form-error', 'data-testid': 'cmd-error', hidden: true });
  private readonly list = h('div', { class: 'cmd-list', 'data-testid': 'command-list' });
  private readonly listError = h('p', { class: 'form-error', hidden: true });
  private timer: number | undefined;
  private stopped = false;

  constructor(private readonly ctx: ViewContext) {
    const may = canRespond(ctx.session.role);
    this.choice.addEventListener('change', () => this.updatePlaceholder());
    this.allSites.addEventListener('change', () => this.syncSiteBoxes());
    this.updatePlaceholder();
    const form = h('form', { class: 'cmd-form', 'data-testid': 'cmd-form', onsubmit: (ev: SubmitEvent) => { ev.preventDefault(); void this.submit(); } },
      h('div', { class: 'cmd-line' }, this.choice, this.target, this.note),
      h('div', { class: 'cmd-line' }, h('label', null, this.allSites, ' All sites'), this.siteBoxes, h('span', { class: 'spacer' }), this.send),
      this.formError);
    this.el = h('section', { class: 'page page-commands' },
      h('div', { class: 'page-head' }, h('h1', null, 'Commands')),
      may ? form : h('p', { class: 'muted' }, 'This token may not send response commands.'),
      h('h2', null, 'Sent'),
      this.listError,
      this.list);
    void this.loadSites();
    void this.refresh();
  }

  destroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private updatePlaceholder(): void {
    this.target.placeholder = CHOICES[this.choice.value as Choice].placeholder;
  }

  private async loadSites(): Promise<void> {
    try {
      const sites = (await this.ctx.http.get<{ items: SiteSummary[] }>('/api/v1/sites')).items.map((s) => s.site);
      replaceChildren(this.siteBoxes, sites.map((s) => h('label', { class: 'cmd-site' },
        h('input', { type: 'checkbox', 'data-testid': 'cmd-site', 'data-site': s, value: s }), ` ${s}`)));
      this.syncSiteBoxes();
    } catch {
      // "All sites" still works.
    }
  }

  /** With "All sites" ticked the single sites cannot be chosen. */
  private syncSiteBoxes(): void {
    for (const b of this.siteBoxes.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')) b.disabled = this.allSites.checked;
  }

  private async submit(): Promise<void> {
    const c = CHOICES[this.choice.value as Choice];
    const value = this.target.value.trim();
    const sites = this.allSites.checked ? 'all'
      : [...this.siteBoxes.querySelectorAll<HTMLInputElement>('input[type="checkbox"]:checked')].map((b) => b.value);
    this.formError.hidden = true;
    if (value === '' || (Array.isArray(sites) && sites.length === 0)) {
      this.showError(value === '' ? 'Give a target.' : 'Choose at least one site, or all sites.');
      return;
    }
    const note = this.note.value.trim();
    this.send.disabled = true;
    try {
      await this.ctx.http.post<HubCommand>('/api/v1/commands', { action: c.action, target: { [c.field]: value }, sites, ...(note === '' ? {} : { note }) });
      this.target.value = '';
      this.note.value = '';
      await this.refresh();
    } catch (e) {
      this.showError(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    } finally {
      this.send.disabled = false;
    }
  }

  private showError(message: string): void {
    this.formError.hidden = false;
    this.formError.textContent = message;
  }

  private async refresh(): Promise<void> {
    clearTimeout(this.timer);
    let pending = false;
    try {
      const items = (await this.ctx.http.get<{ items: HubCommand[] }>('/api/v1/commands')).items;
      if (this.stopped) return;
      this.listError.hidden = true;
      pending = items.some((c) => c.sites.some((s) => s.status === 'pending'));
      replaceChildren(this.list, items.length === 0 ? h('p', { class: 'muted' }, 'No command sent yet.') : items.map((c) => commandCard(c)));
    } catch (e) {
      if (this.stopped) return;
      this.listError.hidden = false;
      this.listError.textContent = e instanceof ApiError && e.code === 'route.not-found'
        ? 'This hub cannot send commands yet.' : `Could not load the commands: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (!this.stopped) this.timer = window.setTimeout(() => void this.refresh(), pending ? PENDING_REFRESH_MS : IDLE_REFRESH_MS);
  }
}

/** "block peer 203.0.113.7" */
function commandText(c: HubCommand): string {
  const t = Object.entries(c.target).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k} ${String(v)}`).join(', ');
  return `${c.action} ${t}`;
}

function commandCard(c: HubCommand): HTMLElement {
  return h('div', { class: 'cmd-card', 'data-testid': 'command-row', 'data-id': c.id },
    h('div', { class: 'cmd-head' },
      h('strong', null, commandText(c)),
      h('span', { class: 'muted' }, ` · by ${c.issuedBy} at ${shortTime(c.issuedAt)}${c.note ? ` · ${c.note}` : ''}`)),
    h('table', { class: 'grid cmd-sites-table' }, h('tbody', null, c.sites.map((s) => h('tr', { 'data-testid': 'command-site', 'data-site': s.site, 'data-status': s.status, 'data-action-id': s.actionId ?? '' },
      h('td', null, s.site),
      h('td', null, h('span', { class: `badge cmd-${s.status}` }, s.status)),
      h('td', { class: 'mono' }, s.code ?? ''),
      h('td', null, s.message ?? (s.actionId !== null ? `action ${s.actionId} at the site` : '')),
      h('td', { class: 'muted' }, s.ackedAt !== null ? shortTime(s.ackedAt) : `${s.attempts} sent`))))));
}
