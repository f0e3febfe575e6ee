// Uploading a MUD profile: drop the .json file (and its detached .p7s signature, if any) or pick
// them, the signature also through its own field; the file's exact text goes to the API, since a
// signature covers the bytes. Refusals are listed one fault per line with the JSON path the
// validator named, a refused signature with its reason (untrusted chain, wrong domain, expired…).
import type { ErrorDetail, ProfileInfo } from '../api/api-types';
import { ApiError } from '../api/http-client';
import { h, replaceChildren } from '../ui/element';
import type { ViewContext } from './view';

/** Base64 of a file's bytes (a detached CMS signature in DER). */
async function base64(file: File): Promise<string> {
  const buf = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The MUD file and the optional signature among the files chosen together. */
function pick(files: readonly File[]): { mud: File | null; sig: File | null } {
  const isSig = (f: File): boolean => /\.(p7s|sig|p7m)$/i.test(f.name);
  return { mud: files.find((f) => !isSig(f)) ?? null, sig: files.find(isSig) ?? null };
}

const CODE_TITLE: Record<string, string> = {
  'profile.invalid': 'The profile is not valid MUD; nothing was changed.',
  'profile.unsigned': 'The profile has no signature. Add its .p7s file (chosen together with the .json).',
  'profile.bad-signature': 'The signature was refused; the reason is below.',
  'auth.vendor-scope': 'The MUD URL is outside your vendor domain.',
  'request.invalid': 'The request was refused.',
};

export class ProfileUpload {
  readonly el: HTMLElement;
  private readonly result = h('div', { class: 'upload-result', 'aria-live': 'polite' });
  private readonly input: HTMLInputElement;
  /** The signature chosen in its own field, used with the next profile file chosen without one. */
  private readonly sigInput: HTMLInputElement;
  private readonly allowUnsigned: HTMLInputElement | null;
  private busy = false;

  constructor(private readonly ctx: ViewContext, mayAllowUnsigned: boolean, private readonly onUploaded: (p: ProfileInfo) => void) {
    this.input = h('input', { type: 'file', accept: '.json,application/json,application/mud+json,.p7s', multiple: true, 'data-testid': 'profile-file', class: 'file-input', id: 'profile-file' });
    this.input.addEventListener('change', () => {
      const files = [...(this.input.files ?? [])];
      if (files.length > 0) void this.upload(files);
    });
    this.sigInput = h('input', { type: 'file', accept: '.p7s,.sig,.p7m,application/pkcs7-signature', 'data-testid': 'signature-file', id: 'signature-file' });
    this.allowUnsigned = mayAllowUnsigned ? h('input', { type: 'checkbox', 'data-testid': 'allow-unsigned', id: 'allow-unsigned' }) : null;
    const zone = h('label', { class: 'drop-zone', 'data-testid': 'drop-zone', for: 'profile-file' },
      h('strong', null, 'Drop a MUD file here'), h('span', { class: 'muted' }, ' or click to choose one'),
      h('div', { class: 'muted small' }, 'The .json profile, with its detached signature (.p7s) if it is signed.'),
      this.input);
    for (const t of ['dragenter', 'dragover']) zone.addEventListener(t, (ev) => {
      ev.preventDefault();
      zone.classList.add('over');
    });
    for (const t of ['dragleave', 'drop']) zone.addEventListener(t, () => zone.classList.remove('over'));
    zone.addEventListener('drop', (ev) => {
      ev.preventDefault();
      const files = [...(ev.dataTransfer?.files ?? [])];
      if (files.length > 0) void this.upload(files);
    });
    this.el = h('div', { class: 'card upload' },
      h('div', { class: 'card-head' }, h('h2', null, 'Upload a profile')),
      zone,
      h('label', { class: 'check', for: 'signature-file' }, 'Signature (.p7s, from ', h('code', null, 'edgeward mud sign'), '): ', this.sigInput),
      this.allowUnsigned !== null ? h('label', { class: 'check' }, this.allowUnsigned, ' Accept without a signature (admin)') : null,
      this.result);
  }

  private async upload(files: readonly File[]): Promise<void> {
    if (this.busy) return;
    const picked = pick(files);
    const mud = picked.mud;
    const sig = picked.sig ?? this.sigInput.files?.[0] ?? null;
    if (mud === null) {
      this.showErrors('Choose the profile’s .json file (with its .p7s signature if signed).', []);
      return;
    }
    this.busy = true;
    replaceChildren(this.result, h('p', { class: 'muted' }, `Uploading ${mud.name}…`));
    try {
      const body: { mud: string; signature?: string } = { mud: await mud.text() };
      if (sig !== null) body.signature = await base64(sig);
      const p = await this.ctx.http.post<ProfileInfo>('/api/v1/profiles', body, { allowUnsigned: this.allowUnsigned?.checked ? 'true' : undefined });
      replaceChildren(this.result, h('p', { class: 'ok', 'data-testid': 'upload-ok', role: 'status' },
        `✓ ${p.mudUrl} is in force (${p.signature === 'signed' ? `signed${p.signer ? ` by ${p.signer}` : ''}` : p.signature}, ${p.acls} ACLs, ${p.aces} ACEs, used by ${p.devices.length} device${p.devices.length === 1 ? '' : 's'}).`),
        p.warnings.length > 0 ? h('ul', { class: 'warnings' }, p.warnings.map((w) => h('li', null, h('code', null, w.path || '(document)'), ` ${w.message}`))) : null);
      this.sigInput.value = '';
      this.onUploaded(p);
    } catch (e) {
      if (e instanceof ApiError) this.showErrors(CODE_TITLE[e.code] ?? e.message, e.details, e.code);
      else this.showErrors(String(e), []);
    } finally {
      this.busy = false;
      // The same file can be chosen again after it is fixed.
      this.input.value = '';
    }
  }

  private showErrors(title: string, details: readonly ErrorDetail[], code?: string): void {
    const items = details.length > 0
      ? details.map((d) => h('li', { class: 'upload-error', 'data-testid': 'upload-error', 'data-path': d.path, 'data-code': d.code ?? '' },
          h('code', { class: 'path' }, d.path === '' ? '(document)' : d.path), ' ', d.message, d.code ? h('span', { class: 'muted' }, ` (${d.code})`) : null))
      : [h('li', { class: 'upload-error', 'data-testid': 'upload-error', 'data-code': code ?? '' }, title)];
    replaceChildren(this.result, h('div', { class: 'errors', role: 'alert' },
      h('p', { class: 'form-error' }, title, code ? h('span', { class: 'muted' }, ` [${code}]`) : null),
      h('ul', null, items)));
  }
}
