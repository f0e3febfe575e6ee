// The strict JSON reader: line and column of syntax errors, duplicates, limits, never a throw.
import { describe, expect, it } from 'vitest';
import { readJsonSource } from '../../../policies/index.js';
import { lineColumn } from '../../../policies/mud/json-source.js';

const fail = (text: string) => {
  const r = readJsonSource(text);
  if (r.ok) throw new Error('expected a failure');
  return r;
};

describe('readJsonSource', () => {
  it('reads what JSON.parse reads', () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n\\"q\\""], "b": {}}';
    const r = readJsonSource(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(JSON.stringify(r.value)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it.each([
    ['{"a": }', 1, 7],
    ['{"a":1,}', 1, 8],
    ['{"a" 1}', 1, 6],
    ['[1,2', 1, 5],
    ['', 1, 1],
    ['{"a":1} x', 1, 9],
    ['{"a":"\\x"}', 1, 7],
    ['{"a":tru}', 1, 6],
    ['{"a":01}', 1, 6],
    ['{"a":"line\nbreak"}', 1, 11],
    ['{\n  "a": [1, 2,, 3]\n}', 2, 14],
    ['{\r\n  "a": 1,\r\n  "b" 2\r\n}', 3, 7],
  ])('locates the error in %j at line %i, column %i', (text, line, column) => {
    const r = fail(text);
    expect(r.kind).toBe('syntax');
    expect({ line: r.line, column: r.column }).toEqual({ line, column });
  });

  it('reports duplicate members by pointer and position', () => {
    const r = readJsonSource('{"a": {"b": 1,\n "b": 2}}');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.duplicates).toEqual([{ pointer: '/a/b', line: 2, column: 2 }]);
  });

  it('keeps __proto__ as data', () => {
    const r = readJsonSource('{"__proto__": {"polluted": true}}');
    expect(r.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (r.ok) expect(Object.keys(r.value as object)).toEqual(['__proto__']);
  });

  it('bounds depth and size', () => {
    expect(fail(`${'['.repeat(65)}${']'.repeat(65)}`).kind).toBe('too-deep');
    expect(readJsonSource(`${'['.repeat(64)}${']'.repeat(64)}`).ok).toBe(true);
    const big = readJsonSource('[1]', { maxBytes: 2 });
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.kind).toBe('too-large');
  });

  it('skips a byte order mark', () => {
    expect(readJsonSource('\ufeff{"a":1}').ok).toBe(true);
  });

  it('never throws on arbitrary input', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = '{}[]",:0123456789-+.eEtrufalsn \n\\u"abc';
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 40);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const r = readJsonSource(s);
      let native = true;
      try { JSON.parse(s); } catch { native = false; }
      expect(r.ok, s).toBe(native);
    }
  });

  it('computes 1-based line and column', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab', 0)).toEqual({ line: 1, column: 1 });
  });
});
