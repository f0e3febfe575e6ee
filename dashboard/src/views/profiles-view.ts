// MUD profiles in force: where each came from, its signature state, its size and the devices held
// to it; vendors (their own domain) and admins upload and delete here.
import type { ProfileInfo } from '../api/api-types';
import { canAllowUnsigned, canReadDevices, canWriteProfiles } from '../api/role-access';
import { deviceHash } from '../router';
import { h, replaceChildren } from '../ui/element';
import { shortTime } from '../ui/format';
import { toast } from '../ui/toast';
import { ProfileUpload } from './profile-upload';
import type { View, ViewContext } from './view';

export class ProfilesView implements View {
  readonly el: HTMLElement;
  private readonly body = h('tbody');
  private readonly mayWrite: boolean;

  constructor(private readonly ctx: ViewContext) {
    const role = ctx.session.role;
    this.mayWrite = canWriteProfiles(role);
    const scope = role === 'vendor' ? h('span', { class: 'muted' }, `profiles under ${ctx.session.vendor ?? 'your vendor domain'}`) : null;
    this.el = h('section', { class: 'page page-profiles' },
      h('div', { class: 'page-head' }, h('h1', null, 'MUD profiles'), scope),
      this.mayWrite ? new ProfileUpload(ctx, canAllowUnsigned(role), () => void this.load()).el : null,
      h('div', { class: 'card' },
        h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'profile-table' },
          h('thead', null, h('tr', null, ['MUD URL', 'Device model', 'Source', 'Signature', 'ACLs / ACEs', 'Warnings', 'Uploaded', 'Devices', ''].map((t) => h('th', null, t)))),
          this.body))));
    void this.load();
  }

  destroy(): void {}

  private async load(): Promise<void> {
    try {
      const r = await this.ctx.http.get<{ items: ProfileInfo[] }>('/api/v1/profiles');
      const items = [...r.items].sort((a, b) => a.mudUrl.localeCompare(b.mudUrl));
      replaceChildren(this.body, items.length === 0
        ? h('tr', null, h('td', { colspan: '9', class: 'empty-cell' }, 'No profile yet. Upload one above.'))
        : items.map((p) => this.row(p)));
    } catch (e) {
      replaceChildren(this.body, h('tr', null, h('td', { colspan: '9', class: 'form-error' }, `Could not load the profiles: ${e instanceof Error ? e.message : String(e)}`)));
    }
  }

  private row(p: ProfileInfo): HTMLElement {
    const devices = canReadDevices(this.ctx.session.role)
      ? p.devices.map((mac) => h('a', { href: deviceHash(mac), class: 'mono' }, this.ctx.live.devices.label(mac)))
      : p.devices.map((mac) => h('span', { class: 'mono' }, mac));
    const sig = p.signature === 'signed' ? 'signed' : p.signature === 'local' ? 'local file' : 'unsigned';
    return h('tr', { 'data-testid': 'profile-row', 'data-mud-url': p.mudUrl, 'data-signature': p.signature, 'data-source': p.source },
      h('td', { class: 'url' }, p.mudUrl, p.systeminfo ? h('div', { class: 'muted small' }, p.systeminfo) : null),
      h('td', null, [p.mfgName, p.modelName].filter(Boolean).join(' ') || '—'),
      h('td', null, p.source),
      // The signer (its certificate's subject) under the badge: who vouched for this profile.
      h('td', null, h('span', { class: `badge sig-${p.signature}`, 'data-testid': 'signature-state' }, sig),
        p.signer ? h('div', { class: 'muted small', 'data-testid': 'profile-signer' }, `by ${p.signer}`) : null),
      h('td', { class: 'num' }, `${p.acls} / ${p.aces}`),
      h('td', { class: 'num', title: p.warnings.map((w) => `${w.path}: ${w.message}`).join('\n') }, p.warnings.length === 0 ? '—' : String(p.warnings.length)),
      h('td', null, p.uploadedAt ? shortTime(p.uploadedAt) : '—', p.uploadedBy ? h('div', { class: 'muted small' }, `token ${p.uploadedBy}`) : null),
      h('td', { class: 'devices', 'data-testid': 'profile-devices' }, devices.length === 0 ? h('span', { class: 'muted' }, 'none') : devices.flatMap((d, i) => (i === 0 ? [d] : [', ', d]))),
      h('td', null, this.mayWrite && p.source === 'uploaded'
        ? h('button', { type: 'button', class: 'btn btn-xs btn-danger', 'data-testid': 'profile-delete', onclick: () => void this.remove(p) }, 'Delete')
        : null));
  }

  private async remove(p: ProfileInfo): Promise<void> {
    if (!confirm(`Delete ${p.mudUrl}? Devices announcing it fall back to the bundled profile or to none.`)) return;
    try {
      await this.ctx.http.delete(`/api/v1/profiles/${encodeURIComponent(p.mudUrl)}`);
      toast(`Deleted ${p.mudUrl}`);
      void this.load();
    } catch (e) {
      toast(`Could not delete: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
  }
}
