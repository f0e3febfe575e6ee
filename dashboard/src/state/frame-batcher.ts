// Coalesces a burst of stream events into one update per animation frame: at 1,000 alerts/s the
// page sorts, filters and paints once per frame rather than once per event. During a storm
// (big batches) it slows to a few updates a second: nobody reads 1,000 rows a second, and
// repainting the whole list 60 times a second would keep the main thread busy for nothing.

/** In a background tab animation frames stop; a timer still drains the queue so it stays bounded. */
const HIDDEN_FLUSH_MS = 250;
/** A batch at least this big (≈600 events/s at 60 frames/s) means a storm… */
const STORM_BATCH = 10;
/** …and the next flush waits until this long after the last one (ms). */
const STORM_INTERVAL_MS = 100;

export class FrameBatcher<T> {
  private queue: T[] = [];
  private scheduled = false;
  private frame = 0;
  private timer: number | undefined;
  private delay: number | undefined;
  private lastFlush = 0;
  private lastSize = 0;

  constructor(private readonly flush: (items: T[]) => void) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastSize >= STORM_BATCH ? this.lastFlush + STORM_INTERVAL_MS - performance.now() : 0;
    if (wait > 1) this.delay = window.setTimeout(() => this.arm(), wait);
    else this.arm();
  }

  /** Drops what is queued (sign-out). */
  clear(): void {
    this.cancel();
    this.queue = [];
    this.scheduled = false;
  }

  private arm(): void {
    this.frame = requestAnimationFrame(this.run);
    this.timer = window.setTimeout(this.run, HIDDEN_FLUSH_MS);
  }

  private cancel(): void {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    clearTimeout(this.delay);
  }

  private readonly run = (): void => {
    this.cancel();
    this.scheduled = false;
    const items = this.queue;
    this.lastSize = items.length;
    this.lastFlush = performance.now();
    if (items.length === 0) return;
    this.queue = [];
    this.flush(items);
  };
}
