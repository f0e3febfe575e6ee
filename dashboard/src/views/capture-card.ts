// The live capture's health on the charts page: packets the kernel saw, frames captured, drops at
// the kernel buffer, the interface and the capture ring, and the loss in %, marked while rising.
import type { Health } from '../api/api-types';
import { h, replaceChildren } from '../ui/element';
import { count } from '../ui/format';

export class CaptureCard {
  readonly el: HTMLElement;
  private readonly state = h('span', { class: 'badge', 'data-testid': 'capture-state' });
  private readonly note = h('span', { class: 'muted small' });
  private readonly body = h('dl', { class: 'meta' });

  constructor() {
    this.el = h('div', { class: 'card', 'data-testid': 'capture-health', hidden: true },
      h('div', { class: 'card-head' }, h('h2', null, 'Capture'), this.state, this.note), this.body);
  }

  /** Shows `health.capture`; hidden when there is no live capture (demo, no source). */
  update(health: Health): void {
    const c = health.capture;
    this.el.hidden = c === null;
    if (c === null) return;
    this.el.dataset.state = c.lossRising ? 'degraded' : 'ok';
    this.state.className = `badge ${c.lossRising ? 'sev-high' : 'comp-compliant'}`;
    this.state.textContent = c.lossRising ? 'losing packets' : 'no new loss';
    this.note.textContent = c.lossRising
      ? 'drops rose in the last minute: raise capture.bufferSize (kernel) or capture.workers (ring), check the CPU'
      : `since the capture opened on ${c.interface}`;
    const meta = (k: string, v: string, id: string): HTMLElement[] => [h('dt', null, k), h('dd', { 'data-testid': `capture-${id}` }, v)];
    replaceChildren(this.body, [
      meta('interface', c.interface, 'interface'), meta('received', count(c.received), 'received'),
      meta('captured', count(c.captured), 'captured'), meta('loss', `${c.lossPercent} %`, 'loss'),
      meta('kernel dropped', count(c.kernelDropped), 'kernel-dropped'), meta('interface dropped', count(c.ifDropped), 'if-dropped'),
      meta('ring dropped', count(c.ringDropped), 'ring-dropped'),
    ]);
  }
}
