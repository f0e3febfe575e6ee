// Short notices in a corner (an action failed, a profile was deleted) that go away by themselves.
import { h } from './element';

const SHOWN_MS = 6000;
let host: HTMLElement | null = null;

export function toast(message: string, tone: 'info' | 'error' = 'info'): void {
  if (host === null || !host.isConnected) {
    host = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(host);
  }
  const t = h('div', { class: `toast toast-${tone}` }, message);
  host.appendChild(t);
  window.setTimeout(() => t.remove(), SHOWN_MS);
}
