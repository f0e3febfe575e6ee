// The bounded table (common/bounded-table.ts): capacity checked, LRU and FIFO eviction order, what
// refreshes recency and what does not, the eviction counter, onEvict, and the named cap event
// counted on the shared DecodeCounters; then TableCap, the accounting alone.
import { describe, expect, it } from 'vitest';
import { BoundedTable, checkCapacity, TableCap, type BoundedTableOptions } from '../../../gateway/common/bounded-table.js';
import { DecodeCounters, ev } from '../../../gateway/common/events.js';
import { prng } from '../../helpers/prng.js';

const EVENT = 'device.table_full';

function table(over: Partial<BoundedTableOptions<string, number>> = {}) {
  const counters = new DecodeCounters();
  const evicted: [string, number][] = [];
  const t = new BoundedTable<string, number>({
    name: 'test.maxEntries', capacity: 3, counters, event: EVENT, onEvict: (k, v) => void evicted.push([k, v]), ...over,
  });
  return { t, counters, evicted };
}

describe('checkCapacity', () => {
  it('takes positive integers and names the key of anything else', () => {
    expect(checkCapacity('x.max', 1)).toBe(1);
    expect(checkCapacity('x.max', 131072)).toBe(131072);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => checkCapacity('x.max', bad), String(bad)).toThrow(RangeError);
      expect(() => checkCapacity('x.max', bad)).toThrow(/^x\.max: must be a positive integer/);
    }
    expect(() => new BoundedTable({ name: 'a.b', capacity: 0 })).toThrow(RangeError);
    expect(() => new TableCap({ name: 'a.b', capacity: 2.5 })).toThrow(RangeError);
  });
});

describe('BoundedTable, lru', () => {
  it('evicts the least recently used entry at the cap, counts it, raises its event, tells onEvict', () => {
    const { t, counters, evicted } = table();
    t.set('a', 1); t.set('b', 2); t.set('c', 3);
    expect(t.size).toBe(3);
    expect(t.evicted).toBe(0);
    t.set('d', 4);
    expect([...t.keys()]).toEqual(['b', 'c', 'd']);
    expect(t.evicted).toBe(1);
    expect(evicted).toEqual([['a', 1]]);
    expect(counters.counts[ev(EVENT)]).toBe(1);
    expect(counters.toJSON()).toEqual({ [EVENT]: 1 });
  });

  it('get, touch and set refresh recency; peek and has do not', () => {
    const { t, evicted } = table();
    t.set('a', 1); t.set('b', 2); t.set('c', 3);
    expect(t.peek('a')).toBe(1);
    expect(t.has('a')).toBe(true);
    expect([...t.keys()]).toEqual(['a', 'b', 'c']);
    expect(t.get('a')).toBe(1);
    expect([...t.keys()]).toEqual(['b', 'c', 'a']);
    t.touch('b', 2);
    expect([...t.keys()]).toEqual(['c', 'a', 'b']);
    t.set('c', 30);
    expect([...t.entries()]).toEqual([['a', 1], ['b', 2], ['c', 30]]);
    t.set('d', 4);
    expect(evicted).toEqual([['a', 1]]);
  });

  it('a miss changes nothing; touch of an absent key inserts nothing', () => {
    const { t } = table();
    t.set('a', 1);
    expect(t.get('zz')).toBeUndefined();
    expect(t.peek('zz')).toBeUndefined();
    t.touch('zz', 9);
    expect([...t]).toEqual([['a', 1]]);
  });

  it('replacing a present key at the cap evicts nothing', () => {
    const { t, counters } = table();
    t.set('a', 1); t.set('b', 2); t.set('c', 3);
    t.set('b', 20);
    expect(t.size).toBe(3);
    expect(t.evicted).toBe(0);
    expect(counters.toJSON()).toEqual({});
  });

  it('add inserts after a miss, evicting at the cap like set', () => {
    const { t, evicted } = table({ capacity: 2 });
    t.add('a', 1); t.add('b', 2); t.add('c', 3);
    expect([...t.keys()]).toEqual(['b', 'c']);
    expect(evicted).toEqual([['a', 1]]);
  });

  it('reserve makes room first, so the owner builds its entry after the eviction', () => {
    const { t, evicted } = table({ capacity: 2 });
    t.set('a', 1); t.set('b', 2);
    t.reserve();
    expect(evicted).toEqual([['a', 1]]);
    expect(t.size).toBe(1);
    t.add('c', 3);
    expect(t.evicted).toBe(1);
    t.delete('b');
    t.reserve(); // room left: nothing evicted
    expect(t.evicted).toBe(1);
    expect([...t.keys()]).toEqual(['c']);
  });

  it('onEvict runs after the entry left and was counted, before the new entry is in', () => {
    const seen: unknown[] = [];
    const counters = new DecodeCounters();
    const t: BoundedTable<string, number> = new BoundedTable<string, number>({
      name: 'x', capacity: 1, counters, event: EVENT,
      onEvict: (k) => void seen.push([k, t.has(k), t.has('new'), t.size, t.evicted, counters.counts[ev(EVENT)]]),
    });
    t.set('old', 1);
    t.set('new', 2);
    expect(seen).toEqual([['old', false, false, 0, 1, 1]]);
  });

  it('delete and clear are not evictions; evictOldest is, and says false when empty', () => {
    const { t, counters, evicted } = table();
    t.set('a', 1); t.set('b', 2);
    expect(t.delete('a')).toBe(true);
    expect(t.delete('a')).toBe(false);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.evictOldest()).toBe(false);
    expect(t.evicted).toBe(0);
    expect(evicted).toEqual([]);
    t.set('c', 3); t.set('d', 4);
    expect(t.evictOldest()).toBe(true);
    expect(evicted).toEqual([['c', 3]]);
    expect(counters.toJSON()).toEqual({ [EVENT]: 1 });
  });

  it('may be deleted from while iterated (expiry sweeps)', () => {
    const { t } = table({ capacity: 10 });
    for (let i = 0; i < 10; i++) t.set(`k${i}`, i);
    for (const [k, v] of t) if (v % 2 === 0) t.delete(k);
    expect([...t.values()]).toEqual([1, 3, 5, 7, 9]);
  });

  it('dropOldestWhile removes idle entries from the oldest end, stops at the first live one, counts no eviction', () => {
    const t = new BoundedTable<string, number>({ name: 't', capacity: 10 });
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 9], ['d', 3]] as const) t.set(k, v);
    t.get('a'); // refreshed: now the newest, though its value is old
    const gone: string[] = [];
    expect(t.dropOldestWhile((v) => v < 5, (v, k) => gone.push(`${k}=${v}`))).toBe(1);
    expect(gone).toEqual(['b=2']);
    expect([...t.keys()]).toEqual(['c', 'd', 'a']);
    expect(t.evicted).toBe(0);
    expect(new BoundedTable<string, number>({ name: 'e', capacity: 1 }).dropOldestWhile(() => true)).toBe(0);
  });

  it('stays at its cap under churn, counting every eviction', () => {
    const { t, counters } = table({ capacity: 3, onEvict: undefined });
    for (let i = 0; i < 1000; i++) t.add(`k${i}`, i);
    expect(t.size).toBe(3);
    expect(t.evicted).toBe(997);
    expect(counters.counts[ev(EVENT)]).toBe(997);
    expect([...t.values()]).toEqual([997, 998, 999]);
  });
});

describe('BoundedTable against a model', () => {
  // Eviction resumes a long-lived iterator (common/bounded-table.ts: `cursor`); a random mix of
  // every operation, long enough for the Map to rehash many times and for the cursor to be let go
  // and started anew, must evict exactly what a plain ordered list says.
  for (const order of ['lru', 'fifo'] as const) {
    it(`${order}: the same entries, in the same order, and the same evictions as a list`, () => {
      const rnd = prng(order === 'lru' ? 11 : 12);
      const cap = 7;
      const evicted: string[] = [];
      const t = new BoundedTable<string, number>({ name: 'm', capacity: cap, order, onEvict: (k) => void evicted.push(k) });
      const model: [string, number][] = [];
      const modelEvicted: string[] = [];
      const at = (k: string) => model.findIndex(([x]) => x === k);
      const refresh = (i: number) => { if (order === 'lru') model.push(...model.splice(i, 1)); };
      for (let step = 0; step < 20_000; step++) {
        const k = `k${Math.floor(rnd() * 12)}`, v = step, op = rnd();
        const i = at(k);
        if (op < 0.3) {
          t.set(k, v);
          if (i >= 0) { model[i]![1] = v; refresh(i); }
          else { if (model.length >= cap) modelEvicted.push(model.shift()![0]); model.push([k, v]); }
        } else if (op < 0.45) {
          if (i < 0) { t.add(k, v); if (model.length >= cap) modelEvicted.push(model.shift()![0]); model.push([k, v]); }
        } else if (op < 0.6) {
          expect(t.get(k)).toBe(i >= 0 ? model[i]![1] : undefined);
          if (i >= 0) refresh(i);
        } else if (op < 0.72) {
          if (i >= 0) { t.touch(k, model[i]![1]); refresh(i); }
        } else if (op < 0.85) {
          expect(t.peek(k)).toBe(i >= 0 ? model[i]![1] : undefined);
        } else if (op < 0.97) {
          expect(t.delete(k)).toBe(i >= 0);
          if (i >= 0) model.splice(i, 1);
        } else if (op < 0.995) {
          t.evictOldest();
          if (model.length > 0) modelEvicted.push(model.shift()![0]);
        } else {
          t.clear();
          model.length = 0;
        }
        expect([...t]).toEqual(model);
      }
      expect(evicted).toEqual(modelEvicted);
      expect(t.evicted).toBe(modelEvicted.length);
      expect(modelEvicted.length).toBeGreaterThan(1000);
    });
  }
});

describe('BoundedTable, fifo', () => {
  it('evicts the first inserted; get, touch and set of a present key do not move it', () => {
    const { t, evicted } = table({ order: 'fifo' });
    t.set('a', 1); t.set('b', 2); t.set('c', 3);
    expect(t.get('a')).toBe(1);
    t.touch('a', 1);
    t.set('a', 10);
    expect([...t.entries()]).toEqual([['a', 10], ['b', 2], ['c', 3]]);
    t.set('d', 4);
    expect(evicted).toEqual([['a', 10]]);
    expect([...t.keys()]).toEqual(['b', 'c', 'd']);
  });

  it('replacing a present key at the cap evicts nothing', () => {
    const { t } = table({ order: 'fifo' });
    t.set('a', 1); t.set('b', 2); t.set('c', 3);
    t.set('c', 30);
    expect(t.evicted).toBe(0);
  });
});

describe('BoundedTable without counters or event', () => {
  it('counts its own evictions only', () => {
    const counters = new DecodeCounters();
    const plain = new BoundedTable<number, string>({ name: 'p', capacity: 1 });
    plain.set(1, 'a'); plain.set(2, 'b');
    expect(plain.evicted).toBe(1);
    // Counters without an event name: nothing to count there.
    const noEvent = new BoundedTable<number, string>({ name: 'p', capacity: 1, counters });
    noEvent.set(1, 'a'); noEvent.set(2, 'b');
    expect(noEvent.evicted).toBe(1);
    expect(counters.toJSON()).toEqual({});
  });
});

describe('TableCap', () => {
  it('says when a table is full, counts what it gives up and the event', () => {
    const counters = new DecodeCounters();
    const cap = new TableCap({ name: 'flows.maxFlows', capacity: 2, counters, event: 'flow.table_full' });
    expect(cap.capacity).toBe(2);
    expect(cap.event).toBe('flow.table_full');
    expect([cap.full(0), cap.full(1), cap.full(2), cap.full(3)]).toEqual([false, false, true, true]);
    cap.evict();
    cap.evict();
    expect(cap.evicted).toBe(2);
    expect(counters.toJSON()).toEqual({ 'flow.table_full': 2 });
    // Table caps are facts about the traffic, not malformed input.
    expect(counters.errors()).toBe(0);
  });

  it('works without counters', () => {
    const cap = new TableCap({ name: 'x', capacity: 1, event: 'flow.table_full' });
    cap.evict();
    expect(cap.evicted).toBe(1);
  });
});
