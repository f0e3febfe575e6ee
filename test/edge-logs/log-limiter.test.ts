// The per-device token bucket on a fake clock: burst, refill, per-key drops, bounded keys with
// eviction of the least recent, and one drop report per key per interval.
import { describe, expect, it } from 'vitest';
import { LogLimiter } from '../../gateway/edge-logs/log-limiter.js';

const cfg = { ratePerSecond: 10, burst: 5, maxKeys: 3, reportIntervalMs: 60_000 };

function takeN(l: LogLimiter, key: string, n: number, t: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (l.take(key, t)) ok++;
  return ok;
}

describe('LogLimiter', () => {
  it('lets a burst through, then refills at the rate', () => {
    const l = new LogLimiter(cfg);
    expect(takeN(l, 'a', 8, 0)).toBe(5);
    expect(l.dropped('a')).toBe(3);
    expect(takeN(l, 'a', 5, 100)).toBe(1); // 100 ms at 10/s: one token
    expect(takeN(l, 'a', 5, 350)).toBe(2); // 250 ms more: 2.5 tokens, two whole
    expect(takeN(l, 'a', 20, 10_000)).toBe(5); // a long pause refills to the burst, not beyond
    expect(l.droppedTotal).toBe(3 + 4 + 3 + 15);
  });

  it('keeps keys apart', () => {
    const l = new LogLimiter(cfg);
    expect(takeN(l, 'a', 10, 0)).toBe(5);
    expect(takeN(l, 'b', 10, 0)).toBe(5);
    expect(l.dropped('a')).toBe(5);
    expect(l.dropped('b')).toBe(5);
  });

  it('ignores a clock that steps back', () => {
    const l = new LogLimiter(cfg);
    takeN(l, 'a', 5, 1000);
    expect(takeN(l, 'a', 3, 500)).toBe(0);
  });

  it('with rate 0 only the burst ever passes', () => {
    const l = new LogLimiter({ ...cfg, ratePerSecond: 0 });
    expect(takeN(l, 'a', 10, 0)).toBe(5);
    expect(takeN(l, 'a', 10, 1e9)).toBe(0);
  });

  it('bounds its keys, forgets the least recently seen, and counts it', () => {
    const l = new LogLimiter(cfg);
    takeN(l, 'a', 6, 0);
    takeN(l, 'b', 6, 0);
    takeN(l, 'c', 6, 0);
    l.take('a', 0); // a is now the most recent; b the least
    l.take('d', 0);
    expect(l.size).toBe(3);
    expect(l.evicted).toBe(1);
    expect(l.dropped('b')).toBe(0); // forgotten
    expect(l.dropped('a')).toBe(2);
    expect(l.droppedTotal).toBe(4); // the total survives eviction
    // A forgotten key comes back with a full bucket.
    expect(takeN(l, 'b', 6, 0)).toBe(5);
  });

  it('reports a key\'s drops once per interval, with the count since the last report', () => {
    const l = new LogLimiter(cfg);
    takeN(l, 'a', 5, 0);
    expect(l.dueReport('a', 0)).toBe(0); // nothing dropped yet
    l.take('a', 0);
    expect(l.dueReport('a', 0)).toBe(1);
    expect(takeN(l, 'a', 10, 1000)).toBe(5); // refilled to the burst: 5 pass, 5 dropped
    expect(l.dueReport('a', 1000)).toBe(0); // within the interval
    expect(takeN(l, 'a', 10, 59_999)).toBe(5); // 5 more dropped
    expect(l.dueReport('a', 59_999)).toBe(0);
    expect(l.dueReport('a', 60_000)).toBe(10); // a minute after the first report: the 10 since
    expect(l.dueReport('a', 200_000)).toBe(0); // nothing new
    expect(l.dropped('a')).toBe(11);
  });

  it('lists the top droppers', () => {
    const l = new LogLimiter({ ...cfg, maxKeys: 10 });
    takeN(l, 'a', 7, 0);
    takeN(l, 'b', 9, 0);
    takeN(l, 'c', 3, 0);
    expect(l.topDropped(5)).toEqual([{ key: 'b', dropped: 4 }, { key: 'a', dropped: 2 }]);
  });
});
