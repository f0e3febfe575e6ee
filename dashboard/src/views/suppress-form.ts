// The "Suppress…" form: a scope (rule, device, peer, port — each ticked to be part of it), an
// expiry and a reason, POSTed to /api/v1/suppressions. Prefilled from an alert in the alert pane;
// any page with a scope to offer (the incident view's false positive) can open it too.
import type { Alert, Suppression } from '../api/api-types';
import { ApiError } from '../api/http-client';
import { h, replaceChildren } from '../ui/element';
import { toast } from '../ui/toast';
import type { ViewContext } from './view';
import '../styles/suppressions.css';

/** A part of a suppression's scope, one row of the form. */
type Part = 'rule' | 'device' | 'peer' | 'port';

/** What the form starts with; null or absent parts start empty and unticked. */
export interface SuppressPrefill {
  rule?: string | null;
  device?: string | null;
  peer?: string | null;
  port?: number | null;
  /** Which parts start ticked (default: rule and device when given; peer when there is no device). */
  ticked?: readonly Part[];
  reason?: string;
}

/** Expiry choices: label and seconds (the server caps them at suppressions.maxExpirySeconds). */
export const EXPIRY_CHOICES: readonly (readonly [string, number])[] = [
  ['1 hour', 3600], ['8 hours', 8 * 3600], ['1 day', 86400], ['7 days', 7 * 86400], ['30 days', 30 * 86400],
];

/**
 * The scope an alert offers: its rule and device, and as peer the address on the other side of
 * the device (the destination, unless the destination is one of the device's own addresses).
 */
export function prefillFromAlert(a: Alert, deviceIps: readonly string[] = []): SuppressPrefill {
  const dstIsDevice = a.dst !== '' && deviceIps.includes(a.dst);
  const peer = (dstIsDevice ? a.src : a.dst || a.src) || null;
  const port = dstIsDevice ? (a.sport ?? a.dport) : (a.dport ?? a.sport);
  return { rule: a.rule, device: a.device, peer, port: port ?? null };
}

export interface SuppressFormOptions {
  /** After the server made the suppression. */
  onDone?: (s: Suppression) => void;
  onCancel?: () => void;
}

export class SuppressForm {
  readonly el: HTMLFormElement;
  private readonly ticks = new Map<Part, HTMLInputElement>();
  private readonly values = new Map<Part, HTMLInputElement>();
  private readonly expiry: HTMLSelectElement;
  private readonly reason: HTMLTextAreaElement;
  private readonly result = h('div', { class: 'suppress-result', 'data-testid': 'suppress-result' });
  private readonly submit: HTMLButtonElement;

  constructor(private readonly ctx: ViewContext, prefill: SuppressPrefill, private readonly opts: SuppressFormOptions = {}) {
    const ticked = prefill.ticked ?? (prefill.device ? ['rule', 'device'] : ['rule', 'peer']);
    const row = (part: Part, label: string, value: string, attrs: Record<string, string>) => {
      const tick = h('input', { type: 'checkbox', 'data-testid': `suppress-use-${part}`, checked: value !== '' && ticked.includes(part) });
      // The type first: a value given to a text input before it turns into a number input may be lost.
      const input = h('input', { class: 'input', 'data-testid': `suppress-${part}`, ...attrs, value });
      // Typing into a part means it should count.
      input.addEventListener('input', () => { tick.checked = input.value.trim() !== ''; });
      this.ticks.set(part, tick);
      this.values.set(part, input);
      return h('label', { class: 'suppress-row' }, tick, h('span', { class: 'suppress-label' }, label), input);
    };
    this.expiry = h('select', { class: 'input', 'data-testid': 'suppress-expiry' }, EXPIRY_CHOICES.map(([l, s]) => h('option', { value: String(s) }, l)));
    this.expiry.value = String(86400);
    this.reason = h('textarea', { class: 'input suppress-reason', 'data-testid': 'suppress-reason', rows: 2, required: true, placeholder: 'Why (required): e.g. the vendor\'s update server, confirmed with the owner' });
    this.reason.value = prefill.reason ?? '';
    this.submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'suppress-submit' }, 'Suppress');
    this.el = h('form', { class: 'suppress-form', 'data-testid': 'suppress-form' },
      h('div', { class: 'suppress-title' }, 'Suppress alerts matching every ticked part'),
      row('rule', 'rule', prefill.rule ?? '', {}),
      row('device', 'device', prefill.device ?? '', { placeholder: 'MAC' }),
      row('peer', 'peer', prefill.peer ?? '', { placeholder: 'address or network (CIDR): source or destination' }),
      row('port', 'port', prefill.port === null || prefill.port === undefined ? '' : String(prefill.port), { type: 'number', min: '1', max: '65535', placeholder: 'source or destination' }),
      h('label', { class: 'suppress-row' }, h('span', { class: 'suppress-label wide' }, 'for'), this.expiry),
      h('label', { class: 'suppress-row top' }, h('span', { class: 'suppress-label wide' }, 'reason'), this.reason),
      this.result,
      h('div', { class: 'suppress-actions' },
        this.submit,
        h('button', { type: 'button', class: 'btn', 'data-testid': 'suppress-cancel', onclick: () => this.opts.onCancel?.() }, 'Cancel')));
    this.el.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send();
    });
  }

  /** The request body the form stands for now. */
  body(): Record<string, unknown> {
    const b: Record<string, unknown> = {};
    for (const part of ['rule', 'device', 'peer', 'port'] as const) {
      if (!this.ticks.get(part)!.checked) continue;
      const v = this.values.get(part)!.value.trim();
      if (v === '') continue;
      b[part] = part === 'port' ? Number(v) : v;
    }
    b.expiresInSeconds = Number(this.expiry.value);
    b.reason = this.reason.value;
    return b;
  }

  private async send(): Promise<void> {
    this.submit.disabled = true;
    replaceChildren(this.result);
    try {
      const r = await this.ctx.http.post<{ suppression: Suppression }>('/api/v1/suppressions', this.body());
      toast(`Suppressed until ${new Date(r.suppression.expiresAt).toLocaleString()}`);
      this.opts.onDone?.(r.suppression);
    } catch (e) {
      // The server's words, fault by fault with the member it names.
      const details = e instanceof ApiError ? e.details : [];
      replaceChildren(this.result,
        h('p', { class: 'form-error' }, e instanceof Error ? e.message : String(e)),
        details.length > 0 ? h('ul', null, details.map((d) => h('li', { class: 'upload-error', 'data-testid': 'suppress-error' }, h('span', { class: 'path' }, d.path === '' ? '(scope)' : d.path.slice(1)), ' ', d.message))) : null);
    } finally {
      this.submit.disabled = false;
    }
  }
}
