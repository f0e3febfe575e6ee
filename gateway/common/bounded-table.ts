// The one bounded table for every table keyed by traffic (STYLE.md §5): a cap from the owner's
// config; at the cap the least recently used (or first inserted) entry is evicted, counted, and its
// named event (common/events.ts, "table caps") is counted on the shared DecodeCounters. TableCap is
// that accounting alone, for tables that keep their own structure for speed (the flow table's hash
// and per-class LRU lists, the scan detectors' chained pair lists, the flood tables' slot arrays).
//
// Cost, in Map operations (a Map operation is one hash lookup; nothing else allocates, except the
// entry Map itself when it grows):
//   peek, has           1 (get / has)                the lookup of the packet path
//   get                 LRU: 1 on a miss, 3 on a hit (get, delete, set); FIFO: 1
//   touch(key, value)   LRU: 2 (delete, set); FIFO: 0
//   add(key, value)     1 (set), after a size check: the insert after a peek that missed
//   reserve()           a size check (and an eviction when full)
//   set(key, value)     LRU: 2 (delete, set); FIFO: 1, plus a has when full
//   eviction            the next key of a long-lived iterator (one result object, the only
//                       allocation; a new iterator after `capacity` writes without an eviction), a
//                       delete, a get when onEvict is set, one increment each for `evicted` and
//                       the named event. Every write also counts itself (one add and compare).
// On a hot path, read with `peek` and refresh with `touch` at most once per interval of packet time
// (the device inventory and the traffic meter refresh once a second per entry).
import { ev, type DecodeCounters, type DecodeEventName } from './events.js';

/** A table-cap event: the `*table_full` names of common/events.ts (section "table caps"). */
export type TableEventName = Extract<DecodeEventName, `${string}table_full`>;

/**
 * Which entry a full table gives up: `lru` the least recently used (get, touch and set refresh an
 * entry), `fifo` the first inserted (nothing refreshes; replacing a value keeps its place).
 */
export type EvictionOrder = 'lru' | 'fifo';

/** How a cap is set up. */
export interface TableCapOptions {
  /** The config key of the cap (e.g. `devices.maxDevices`), named when the capacity is bad. */
  name: string;
  /** Entries held at most: a positive integer (from the owner's config). */
  capacity: number;
  /** The shared named-event counters; with `event`, every eviction is counted there. Default: none. */
  counters?: DecodeCounters;
  /** The table's cap event. Default: none (only the table's own `evicted` counts). */
  event?: TableEventName;
}

/** A cap's config key, event and counters, for an owner that takes the capacity separately. */
export type TableCapLabel = Omit<TableCapOptions, 'capacity'>;

/** Options of a {@link BoundedTable}. */
export interface BoundedTableOptions<K, V> extends TableCapOptions {
  /** Default `lru`. */
  order?: EvictionOrder;
  /**
   * Told of every entry evicted at the cap, after it left the table and was counted, before the
   * entry that needed its room goes in: the owner finishes what it held (raises what it was holding
   * back, unlinks an index). It must not add to the table. Not called for `delete` or `clear`.
   */
  onEvict?: (key: K, value: V) => void;
}

/** Checks a capacity from config: a positive integer, else a RangeError naming the key. */
export function checkCapacity(name: string, capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`${name}: must be a positive integer (got ${capacity})`);
  return capacity;
}

/**
 * The accounting of one cap: its capacity, the evictions, the named event. Tables with their own
 * structure ask `full(size)` before an insert and call `evict()` once per entry they give up.
 */
export class TableCap {
  readonly name: string;
  readonly capacity: number;
  /** The cap event, or null. */
  readonly event: TableEventName | null;
  /** Entries given up at the cap, ever (evicted, or refused by a table that keeps its first entries). */
  evicted = 0;
  /** The counter array, or null when nothing is counted there. */
  private readonly counts: Float64Array | null;
  private readonly code: number;

  /** Throws a RangeError unless `capacity` is a positive integer. */
  constructor(opts: TableCapOptions) {
    this.name = opts.name;
    this.capacity = checkCapacity(opts.name, opts.capacity);
    this.event = opts.event ?? null;
    this.code = this.event === null ? 0 : ev(this.event);
    this.counts = opts.counters !== undefined && this.event !== null ? opts.counters.counts : null;
  }

  /** True when a table holding `size` entries must give one up before it takes another. */
  full(size: number): boolean {
    return size >= this.capacity;
  }

  /** Counts one entry given up at the cap, and its event. */
  evict(): void {
    this.evicted++;
    if (this.counts !== null) this.counts[this.code]!++;
  }
}

/**
 * A Map with a cap. Iteration (keys, values, entries, for…of) runs oldest first: least recently
 * used for `lru`, first inserted for `fifo`. Deleting while iterating is safe (Map semantics).
 * Values must not be `undefined` (a miss and a stored undefined would look alike).
 */
export class BoundedTable<K, V> implements Iterable<[K, V]> {
  readonly cap: TableCap;
  readonly order: EvictionOrder;
  private readonly map = new Map<K, V>();
  private readonly lru: boolean;
  private readonly onEvict: ((key: K, value: V) => void) | null;
  /**
   * A long-lived iterator over the keys, for eviction. A Map leaves a hole where an entry was
   * deleted (every eviction, every LRU refresh) until it rehashes, and a fresh iterator skips every
   * hole from the start: under churn, thousands of slots per eviction. This one resumes where it
   * stopped: every live entry is after it (older ones were evicted through it; refreshed and new
   * ones are appended), so it skips each hole once. But an iterator that does not move keeps every
   * table the Map rehashed into since (V8 chains them for it): after `capacity` writes without an
   * eviction it is let go, and the next eviction starts a fresh one. Null until then.
   */
  private cursor: IterableIterator<K> | null = null;
  /** Map writes since the cursor last moved. */
  private writes = 0;

  /** Throws a RangeError unless `opts.capacity` is a positive integer. */
  constructor(opts: BoundedTableOptions<K, V>) {
    this.cap = new TableCap(opts);
    this.order = opts.order ?? 'lru';
    this.lru = this.order === 'lru';
    this.onEvict = opts.onEvict ?? null;
  }

  /** Entries held. */
  get size(): number {
    return this.map.size;
  }

  /** Entries held at most. */
  get capacity(): number {
    return this.cap.capacity;
  }

  /** Entries evicted at the cap, ever. */
  get evicted(): number {
    return this.cap.evicted;
  }

  /** The value of `key`, recency unchanged: one Map get. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** The value of `key`; on an `lru` table a hit becomes the most recent (three Map operations). */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined && this.lru) {
      this.map.delete(key);
      this.map.set(key, v);
      this.wrote();
    }
    return v;
  }

  /**
   * Makes a present entry the most recent (`lru`; nothing for `fifo`, nor for an absent key).
   * `value` is the entry's value, as `peek` returned it: passing it saves a lookup.
   */
  touch(key: K, value: V): void {
    if (this.lru && this.map.delete(key)) {
      this.map.set(key, value);
      this.wrote();
    }
  }

  /**
   * Inserts or replaces. A new key in a full table evicts the oldest entry first. On an `lru` table
   * the entry becomes the most recent; on a `fifo` table a replaced entry keeps its place.
   */
  set(key: K, value: V): void {
    const m = this.map;
    if (this.lru) {
      if (!m.delete(key) && m.size >= this.cap.capacity) this.evictOldest();
    } else if (m.size >= this.cap.capacity && !m.has(key)) {
      this.evictOldest();
    }
    m.set(key, value);
    this.wrote();
  }

  /**
   * Makes room for one more entry: evicts the oldest when the table is full. For an owner whose
   * eviction must come before it builds the new entry (side effects in order); `add` or `set` follow.
   */
  reserve(): void {
    if (this.map.size >= this.cap.capacity) this.evictOldest();
  }

  /**
   * Inserts a key the caller knows is absent (a `peek` or `get` just missed): the cap check and one
   * Map set, the cheapest insert. For a key that is present, use `set`.
   */
  add(key: K, value: V): void {
    if (this.map.size >= this.cap.capacity) this.evictOldest();
    this.map.set(key, value);
    this.wrote();
  }

  /** Removes an entry (expiry, not the cap: not counted, onEvict not called). */
  delete(key: K): boolean {
    this.wrote();
    return this.map.delete(key);
  }

  /**
   * Removes entries from the oldest end while `stale(value)` holds, calling `onRemove` on each first
   * (expiry, not the cap: not counted, onEvict not called); stops at the first live one, so on an
   * `lru` table whose values hold their last use it drops exactly the idle ones. Returns how many.
   * Free when the table is empty (no iterator is made: this runs every second of packet time).
   */
  dropOldestWhile(stale: (value: V) => boolean, onRemove?: (value: V, key: K) => void): number {
    const m = this.map;
    if (m.size === 0) return 0;
    let n = 0;
    for (const [k, v] of m) {
      if (!stale(v)) break;
      onRemove?.(v, k);
      m.delete(k);
      n++;
    }
    if (n > 0) this.wrote();
    return n;
  }

  /** Removes every entry (not counted). */
  clear(): void {
    this.map.clear();
    this.cursor = null;
  }

  /** Evicts the oldest entry as the cap does: counted, its event, onEvict. False when empty. */
  evictOldest(): boolean {
    const m = this.map;
    if (m.size === 0) return false;
    this.writes = 0;
    let first = (this.cursor ??= m.keys()).next();
    // An iterator that reached the end stays done: start anew (not expected while entries remain).
    if (first.done === true) first = (this.cursor = m.keys()).next();
    if (first.done === true) return false;
    const key = first.value;
    const cb = this.onEvict;
    if (cb === null) {
      m.delete(key);
      this.cap.evict();
      return true;
    }
    const value = m.get(key)!;
    m.delete(key);
    this.cap.evict();
    cb(key, value);
    return true;
  }

  /** Counts one Map write; past `capacity` of them the idle cursor is let go (see `cursor`). */
  private wrote(): void {
    if (++this.writes > this.cap.capacity) this.cursor = null;
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
