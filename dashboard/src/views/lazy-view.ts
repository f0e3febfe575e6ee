// A page whose code is fetched when first opened (the charts bring uPlot): the sign-in and the
// live feed load without it.
import { h } from '../ui/element';
import type { View } from './view';

export class LazyView implements View {
  readonly el = h('div', { class: 'lazy-host' }, h('p', { class: 'muted pad' }, 'Loading…'));
  private inner: View | null = null;
  private gone = false;

  constructor(load: () => Promise<View>) {
    load().then(
      (v) => {
        if (this.gone) {
          v.destroy();
          return;
        }
        this.inner = v;
        this.el.replaceChildren(v.el);
        v.shown?.();
      },
      (e: unknown) => this.el.replaceChildren(h('p', { class: 'form-error pad' }, `This page could not be loaded: ${String(e)}`)),
    );
  }

  destroy(): void {
    this.gone = true;
    this.inner?.destroy();
  }
}
