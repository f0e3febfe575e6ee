// `edgeward check` for people: one block per item, its status, the evidence, and the fix for an
// item that failed or could not be decided.
import type { CheckReport } from './run-checks.js';

const MARK = { pass: 'PASS', fail: 'FAIL', unknown: '????' } as const;

/** The report as text, ending with a newline. */
export function renderCheckTable(r: CheckReport): string {
  const lines: string[] = [];
  const where = r.netns !== null ? `network namespace ${r.netns}` : 'this host';
  lines.push(`edgeward check on ${where}: WAN ${r.wan ?? 'unknown'}${r.wanFromRoute ? ' (default route)' : ''}, LAN ${r.lan ?? 'not given'}`, '');
  const idWidth = Math.max(...r.items.map((i) => i.id.length));
  for (const i of r.items) {
    lines.push(`${MARK[i.status]}  ${i.id.padEnd(idWidth)}  ${i.title}`);
    for (const e of i.evidence) lines.push(`        ${e}`);
    if (i.status !== 'pass') lines.push(`        fix: ${i.fix}`);
    lines.push('');
  }
  lines.push(`${r.counts.pass} pass, ${r.counts.fail} fail, ${r.counts.unknown} unknown`);
  return `${lines.join('\n')}\n`;
}
