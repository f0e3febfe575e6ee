// The writer's buffer: first in first out, bounded, the oldest evicted first, across wrap-around
// and growth.
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../gateway/metrics/bounded-queue.js';

describe('BoundedQueue', () => {
  it('keeps order and evicts the oldest once full', () => {
    const q = new BoundedQueue<number>(3);
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([false, false, false]);
    expect(q.push(4)).toBe(true);
    expect(q.peek(10)).toEqual([2, 3, 4]);
    q.drop(2);
    expect(q.peek(10)).toEqual([4]);
    expect([q.push(5), q.push(6), q.push(7)]).toEqual([false, false, true]);
    expect(q.peek(2)).toEqual([5, 6]);
    expect(q.length).toBe(3);
    q.drop(99);
    expect(q.length).toBe(0);
    expect(q.peek(1)).toEqual([]);
  });

  it('grows past its first slots up to the capacity, keeping order through wrap-around', () => {
    const cap = 5000;
    const q = new BoundedQueue<number>(cap);
    for (let i = 0; i < 700; i++) q.push(i);
    q.drop(600); // the head is now well inside the first array
    let evicted = 0;
    for (let i = 700; i < 7000; i++) if (q.push(i)) evicted++;
    expect(q.length).toBe(cap);
    expect(evicted).toBe(100 + 6300 - cap);
    const all = q.peek(cap);
    expect(all[0]).toBe(7000 - cap);
    expect(all.every((v, i) => v === 7000 - cap + i)).toBe(true);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError);
  });
});
