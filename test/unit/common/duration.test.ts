// Durations typed on the command line (`mud learn --window`, `mud explain --window`): one parser.
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../gateway/common/duration.js';

describe('parseDuration', () => {
  it('reads bare seconds, single units, milliseconds and compounds', () => {
    expect(['90', '500ms', '90s', '15m', '2h', '7d', '1.5h', '1h30m', '1m500ms', ' 10M '].map(parseDuration))
      .toEqual([90, 0.5, 90, 900, 7200, 604800, 5400, 5400, 60.5, 600]);
  });
  it('refuses anything else, zero and negative durations included', () => {
    expect(['', '0', '0s', '-5', '10x', 'm10', '1h 30m', 'ms', '1e3'].map(parseDuration)).toEqual(Array(9).fill(null));
  });
  it('prints the two most significant units', () => {
    expect([45, 600, 606, 3720, 273600].map(formatDuration)).toEqual(['45s', '10m', '10m6s', '1h2m', '3d4h']);
  });
});
