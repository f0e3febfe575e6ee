// The fuzzer's building blocks: per-iteration random streams are reproducible one by one, the byte
// mutator never changes its seed, keeps the target's header and its size limit, and the JSON
// mutator emits documents (mostly parseable JSON) without ever changing the seed text.
import { describe, expect, it } from 'vitest';
import { mutateBytes } from '../../gateway/fuzz/byte-mutator.js';
import { iterationRandom } from '../../gateway/fuzz/iteration-random.js';
import { mutateJson } from '../../gateway/fuzz/json-mutator.js';

describe('fuzz mutators', () => {
  it('iteration streams depend on seed, target and iteration only', () => {
    const draw = (seed: number, t: string, i: number): number[] => { const r = iterationRandom(seed, t, i); return [r.nextU32(), r.nextU32()]; };
    expect(draw(1, 'mud', 42)).toEqual(draw(1, 'mud', 42));
    expect(draw(1, 'mud', 42)).not.toEqual(draw(1, 'mud', 43));
    expect(draw(1, 'mud', 42)).not.toEqual(draw(2, 'mud', 42));
    expect(draw(1, 'mud', 42)).not.toEqual(draw(1, 'rest', 42));
  });

  it('mutateBytes leaves the seed and the kept header alone and stays under maxLen', () => {
    const seed = Buffer.from('0001' + 'ab'.repeat(100), 'hex');
    const copy = Buffer.from(seed);
    let changed = 0;
    for (let i = 0; i < 2000; i++) {
      const m = mutateBytes(seed, iterationRandom(5, 't', i), [Buffer.alloc(300, 7)], { keep: 2, maxLen: 256, dict: [Buffer.from('zz')] });
      expect(m.length).toBeLessThanOrEqual(256);
      if (m.length >= 2) expect(m.subarray(0, 2)).toEqual(seed.subarray(0, 2));
      if (!m.equals(seed)) changed++;
    }
    expect(seed).toEqual(copy);
    expect(changed).toBeGreaterThan(1900);
  });

  it('mutateJson changes documents but never its seed; gentle mutations keep them JSON', () => {
    const seed = JSON.stringify({ a: [1, 2, { b: 'x' }], c: true, d: null });
    let parsed = 0;
    for (let i = 0; i < 500; i++) {
      const g = mutateJson(seed, iterationRandom(9, 'j', i), [], { gentle: true }).toString('utf8');
      expect(() => JSON.parse(g) as unknown).not.toThrow();
      try { JSON.parse(mutateJson(seed, iterationRandom(9, 'k', i)).toString('utf8')); parsed++; } catch { /* raw damage */ }
    }
    expect(parsed).toBeGreaterThan(250);
    expect(parsed).toBeLessThan(500);
  });
});
