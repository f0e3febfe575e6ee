import { defineConfig } from 'vitest/config';

// Tests read fixtures from ../shared and build their own captures; they are CPU-bound, so one
// worker per core of the 2-core machine, and generous timeouts for the live/namespace suites.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    env: { TZ: 'UTC', LANG: 'C' },
  },
});
