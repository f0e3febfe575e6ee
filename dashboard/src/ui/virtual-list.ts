// A virtual list with a fixed row height: only the rows in view (plus a few) exist in the DOM, in
// visual order, reused as the list scrolls or grows, so 50,000 held alerts cost as much to paint
// as the forty on screen.

export interface VirtualListOptions<T> {
  /** Row height in CSS pixels; every row has exactly this height. */
  rowHeight: number;
  className: string;
  createRow(): HTMLElement;
  /** Paints `item` into `row`; called only when the row shows another item or a newer version. */
  paintRow(row: HTMLElement, item: T, index: number): void;
  /** A number that changes whenever the item must be repainted (default: never). */
  version?: (item: T) => number;
  /** Rows rendered beyond each edge of the view (default 6). */
  overscan?: number;
  /** After every scroll, once the rows are painted. */
  onScroll?(): void;
}

export class VirtualList<T> {
  readonly el: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly window: HTMLDivElement;
  private readonly rows: HTMLElement[] = [];
  private readonly shown: (T | undefined)[] = [];
  private readonly shownVersion: number[] = [];
  private count = 0;
  private itemAt: (i: number) => T = () => undefined as T;
  private first = 0;

  constructor(private readonly opts: VirtualListOptions<T>) {
    this.el = document.createElement('div');
    this.el.className = `vlist ${opts.className}`;
    this.spacer = document.createElement('div');
    this.spacer.className = 'vlist-spacer';
    this.window = document.createElement('div');
    this.window.className = 'vlist-window';
    this.spacer.appendChild(this.window);
    this.el.appendChild(this.spacer);
    this.el.addEventListener('scroll', () => {
      this.render();
      opts.onScroll?.();
    }, { passive: true });
    // Covers being attached, shown again, or resized: the number of rows in view changes.
    new ResizeObserver(() => this.render()).observe(this.el);
  }

  get rowHeight(): number {
    return this.opts.rowHeight;
  }

  get length(): number {
    return this.count;
  }

  /** The list's content: `count` items, `itemAt(0)` on top. Paints at once. */
  setSource(count: number, itemAt: (i: number) => T): void {
    this.count = count;
    this.itemAt = itemAt;
    this.spacer.style.height = `${count * this.opts.rowHeight}px`;
    this.render();
  }

  get scrollTop(): number {
    return this.el.scrollTop;
  }

  set scrollTop(px: number) {
    this.el.scrollTop = px;
    this.render();
  }

  /** Index of the row at the top edge of the view. */
  topIndex(): number {
    return Math.floor(this.el.scrollTop / this.opts.rowHeight);
  }

  /** Repaints every row in view (e.g. permissions or a lookup they read changed). */
  invalidate(): void {
    this.shown.fill(undefined);
    this.render();
  }

  render(): void {
    const rh = this.opts.rowHeight;
    const over = this.opts.overscan ?? 6;
    const height = this.el.clientHeight;
    const top = this.el.scrollTop;
    const first = Math.max(0, Math.floor(top / rh) - over);
    const last = height === 0 ? first - 1 : Math.min(this.count - 1, Math.ceil((top + height) / rh) + over);
    const n = Math.max(0, last - first + 1);
    while (this.rows.length < n) {
      const r = this.opts.createRow();
      r.style.height = `${rh}px`;
      this.rows.push(r);
      this.shown.push(undefined);
      this.shownVersion.push(-1);
      this.window.appendChild(r);
    }
    while (this.rows.length > n) {
      this.rows.pop()!.remove();
      this.shown.pop();
      this.shownVersion.pop();
    }
    if (first !== this.first || n === 0) {
      this.first = first;
      this.window.style.transform = `translateY(${first * rh}px)`;
    }
    const version = this.opts.version;
    for (let k = 0; k < n; k++) {
      const item = this.itemAt(first + k);
      const v = version === undefined ? 0 : version(item);
      if (this.shown[k] === item && this.shownVersion[k] === v) continue;
      this.shown[k] = item;
      this.shownVersion[k] = v;
      this.opts.paintRow(this.rows[k]!, item, first + k);
    }
  }
}
