// The README says what the code has: its rule table is the rule guidance table (every rule once, the
// same "what to do"), its detector counts are the registry's, and every route its REST API table
// names under /api/v1 is a route the server runs (GET /metrics is at the root, not there).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULE_GUIDANCE } from '../../../gateway/alerts/rule-guidance.js';
import { isRuleId, RULE_IDS } from '../../../gateway/alerts/rules.js';
import { DETECTORS } from '../../../gateway/detect/registry.js';
import { ROUTES } from '../../../gateway/server/route-table.js';
import { MAIN_THREAD_DETECTORS } from '../../../gateway/workers/worker-pool.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The rows of the first markdown table whose header line is `header` after the line starting `after`, as cells. */
function table(header: string, after = ''): string[][] {
  const lines = README.split('\n');
  const from = after === '' ? 0 : lines.findIndex((l) => l.startsWith(after));
  expect(from, `README has no line "${after}…"`).toBeGreaterThanOrEqual(0);
  const at = lines.indexOf(header, from);
  expect(at, `README has no table "${header}"`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const l of lines.slice(at + 2)) {
    if (!l.startsWith('|')) break;
    // Cells split on | not escaped as \|.
    rows.push(l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

describe('README, "Detection and alerts"', () => {
  const rows = table('| rule | raised by | what it looks for | what to do |');

  it('lists every rule once, and nothing else', () => {
    const ids = rows.map((r) => r[0]!.replace(/^`|`$/g, ''));
    for (const id of ids) expect(isRuleId(id), id).toBe(true);
    expect([...ids].sort()).toEqual([...RULE_IDS].sort());
  });

  it('says what to do about each rule in the words of gateway/alerts/rule-guidance.ts', () => {
    for (const r of rows) {
      const id = r[0]!.replace(/^`|`$/g, '') as keyof typeof RULE_GUIDANCE;
      expect(r).toHaveLength(4);
      expect(r[3], id).toBe(RULE_GUIDANCE[id].whatToDo);
    }
  });
});

describe('README figures', () => {
  it('every count of detectors is the registry\'s (the workers\' "other N" leaves out the main thread\'s)', () => {
    const counts = [...README.matchAll(/(\bother )?\b(\d+) detectors\b/g)];
    expect(counts.length).toBeGreaterThanOrEqual(3);
    for (const m of counts) {
      const want = m[1] !== undefined ? DETECTORS.length - MAIN_THREAD_DETECTORS.length : DETECTORS.length;
      expect(Number(m[2]), `"${m[0]}"`).toBe(want);
    }
  });

  it('every route the REST API table names is one the server runs under /api/v1', () => {
    const rows = table('| route | permission | what |', '**REST API** (`/api/v1`');
    const named: string[] = [];
    for (const r of rows) {
      for (const [, methods, path] of r[0]!.matchAll(/`((?:GET|POST|PUT|PATCH|DELETE)(?:\/(?:GET|POST|PUT|PATCH|DELETE))*) (\/[^`\s]*)`/g)) {
        for (const method of methods.split('/')) named.push(`${method.toLowerCase()} /api/v1${path}`);
      }
    }
    const served = new Set(ROUTES.map((x) => `${x.method} ${x.path}`));
    expect(named.length).toBeGreaterThan(20);
    for (const n of named) expect(served.has(n), n).toBe(true);
    expect(named).toContain('get /api/v1/rules');
    // Prometheus text is served at the root.
    expect(served.has('get /metrics')).toBe(true);
    expect(named).not.toContain('get /api/v1/metrics');
  });
});
