// The enforcer's pure parts, without nft: the bounded memory of written elements (later expiry
// wins, expired ones pruned, a cap), and how nft's error messages name the refused script lines.
import { describe, expect, it } from 'vitest';
import { ElementMemory } from '../../gateway/enforce/element-memory.js';
import { refusedLines } from '../../gateway/enforce/nft-process.js';

describe('ElementMemory', () => {
  it('keeps the later expiry of an address, and permanent stays permanent', () => {
    const m = new ElementMemory(10);
    expect(m.remember('dns_a_v4', '10.0.0.1', 5000, 0)).toBe('added');
    expect(m.remember('dns_a_v4', '10.0.0.1', 4000, 0)).toBe('unchanged');
    expect(m.remember('dns_a_v4', '10.0.0.1', 9000, 0)).toBe('extended');
    expect(m.expiry('dns_a_v4', '10.0.0.1')).toBe(9000);
    expect(m.remember('dev_x_v4', '10.0.0.2', 0, 0)).toBe('added');
    expect(m.remember('dev_x_v4', '10.0.0.2', 9000, 0)).toBe('unchanged');
    expect(m.size).toBe(2);
  });

  it('prunes expired addresses, and refuses new ones past its cap only when nothing has expired', () => {
    const m = new ElementMemory(2);
    m.remember('s', 'a', 1000, 0);
    m.remember('s', 'b', 0, 0);
    expect(m.remember('s', 'c', 5000, 500)).toBe('full');
    expect(m.remember('s', 'c', 5000, 1000)).toBe('added'); // 'a' expired at 1000: pruned
    expect([...m.entries('s')].map(([a]) => a).sort()).toEqual(['b', 'c']);
    expect(m.forget('s', 'b')).toBe(true);
    expect(m.forget('s', 'b')).toBe(false);
    expect(m.size).toBe(1);
  });
});

describe('refusedLines', () => {
  it('reads the line numbers nft names (nftables 1.0.6 stderr)', () => {
    const stderr = [
      '/dev/stdin:2:26-33: Error: interval overlaps with an existing one',
      'add element inet t dv4 { 10.0.0.9 }',
      '                         ^^^^^^^^',
      '/dev/stdin:7:29-35: Error: Could not process rule: No such file or directory',
    ].join('\n');
    expect(refusedLines(stderr)).toEqual([2, 7]);
    expect(refusedLines('Cannot open network namespace "x": No such file or directory\n')).toEqual([]);
  });
});
