// The lifecycle the flood detectors share: every tick closes finished seconds in every table, the
// end of input (onFinish, then the last tick) closes every episode, sizes and evictions add up.
import { describe, expect, it } from 'vitest';
import { floodHooks } from '../../../gateway/detect/flood-window.js';

function table(size: number, evicted: number) {
  const calls: string[] = [];
  return { calls, size, evicted, tick: (now: number) => void calls.push(`tick ${now}`), closeAll: () => void calls.push('closeAll') };
}

describe('floodHooks', () => {
  it('ticks every table, and closes every episode only at the end of input', () => {
    const a = table(2, 1), b = table(3, 4);
    const h = floodHooks(a, b);
    h.onTick(1);
    expect([a.calls, b.calls]).toEqual([['tick 1'], ['tick 1']]);
    h.onFinish(2);
    h.onTick(2);
    h.onTick(3);
    expect(a.calls).toEqual(['tick 1', 'tick 2', 'closeAll', 'tick 3']);
    expect(b.calls).toEqual(['tick 1', 'tick 2', 'closeAll', 'tick 3']);
    expect(h.stateSize()).toBe(5);
    expect(h.evicted).toBe(5);
  });

  it('keeps `evicted` live when a detector adds its hooks with Object.assign', () => {
    const a = table(0, 0);
    const d = Object.assign(floodHooks(a), { onPacket: () => {} });
    a.evicted = 7;
    expect(d.evicted).toBe(7);
  });
});
