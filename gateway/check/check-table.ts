// `edgeward check` for people: one block per item, its status, the evidence, and the fix for an
// item that failed or could not be decided.
import type { CheckReport } from './run-checks.js';

// Words, not symbols: a terminal without the glyphs (or a log) shows every status the same way.
const MARK = { pass: 'PASS', fail: 'FAIL', unknown: 'UNKNOWN' } as const;
const MARK_WIDTH = Math.max(...Object.values(MARK).map((m) => m.length));

/** The report as text, ending with a newline. */
export function renderCheckTable(r: CheckReport): string {
  const lines: string[] = [];
  const where = r.netns !== null ? `network namespace ${r.netns}` : 'this host';
  lines.push(`edgeward check on ${where}: WAN ${r.wan ?? 'unknown'}${r.wanFromRoute ? ' (default route)' : ''}, LAN ${r.lan ?? 'not given'}`, '');
  const idWidth = Math.max(...r.items.map((i) => i.id.length));
  for (const i of r.items) {
    lines.push(`${MARK[i.status].padEnd(MARK_WIDTH)}  ${i.id.padEnd(idWidth)}  ${i.title}`);
    const indent = ' '.repeat(MARK_WIDTH + 4);
    for (const e of i.evidence) lines.push(`${indent}${e}`);
    if (i.status !== 'pass') lines.push(`${indent}fix: ${i.fix}`);
    lines.push('');
  }
  lines.push(`${r.counts.pass} pass, ${r.counts.fail} fail, ${r.counts.unknown} unknown`);
  return `${lines.join('\n')}\n`;
}
