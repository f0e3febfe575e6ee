// A first-in first-out ring of fixed capacity: the InfluxDB writer's buffer. Pushing onto a full
// queue evicts the oldest item, so memory stays bounded however long the database is away.

/** Slots a queue starts with; it doubles up to its capacity, so an idle large bound costs nothing. */
const INITIAL_SLOTS = 1024;

/** FIFO ring buffer holding at most `capacity` items. */
export class BoundedQueue<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private n = 0;

  /** @param capacity items held at most (a positive integer). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('BoundedQueue: capacity must be a positive integer');
    this.items = new Array<T | undefined>(Math.min(capacity, INITIAL_SLOTS));
  }

  /** Items held. */
  get length(): number {
    return this.n;
  }

  /** Appends `x`; on a full queue the oldest item is evicted first. Returns true when one was. */
  push(x: T): boolean {
    if (this.n === this.items.length && this.n < this.capacity) this.grow();
    const size = this.items.length;
    if (this.n === size) {
      this.items[this.head] = x; // the slot of the oldest becomes the newest
      this.head = this.head + 1 === size ? 0 : this.head + 1;
      return true;
    }
    let at = this.head + this.n;
    if (at >= size) at -= size;
    this.items[at] = x;
    this.n++;
    return false;
  }

  /** The `k` oldest items (fewer when fewer are held), oldest first; they stay in the queue. */
  peek(k: number): T[] {
    const m = Math.min(k, this.n);
    const out = new Array<T>(m);
    const size = this.items.length;
    for (let i = 0, at = this.head; i < m; i++, at = at + 1 === size ? 0 : at + 1) out[i] = this.items[at] as T;
    return out;
  }

  /** Removes the `k` oldest items (all when fewer are held). */
  drop(k: number): void {
    const m = Math.min(k, this.n);
    const size = this.items.length;
    for (let i = 0; i < m; i++) {
      this.items[this.head] = undefined; // let the item be collected
      this.head = this.head + 1 === size ? 0 : this.head + 1;
    }
    this.n -= m;
  }

  /** Doubles the slots (up to the capacity), oldest item first in the new array. */
  private grow(): void {
    const next = new Array<T | undefined>(Math.min(this.capacity, this.items.length * 2));
    const held = this.peek(this.n);
    for (let i = 0; i < held.length; i++) next[i] = held[i];
    this.items = next;
    this.head = 0;
  }
}
