// The issue registry: every code documented, well-formed, and actually raised somewhere in the
// parser's source (no dead codes); paths are RFC 6901 pointers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, issueSeverity, MUD_ISSUES, type MudIssueCode } from '../../../policies/index.js';
import { ptr } from '../../../policies/mud/issues.js';

const MUD_DIR = new URL('../../../policies/mud', import.meta.url).pathname;

describe('MUD issue registry', () => {
  const codes = Object.keys(MUD_ISSUES) as MudIssueCode[];

  it('documents every code with a severity and a sentence', () => {
    for (const code of codes) {
      const [severity, doc] = MUD_ISSUES[code];
      expect(['refusal', 'warning']).toContain(severity);
      expect(doc.length, code).toBeGreaterThan(20);
      expect(code).toMatch(/^[a-z0-9]+\.[a-z0-9-]+$/);
    }
  });

  it('raises every code somewhere in the parser', () => {
    const source = readdirSync(MUD_DIR).filter((f) => f.endsWith('.ts') && f !== 'issues.ts')
      .map((f) => readFileSync(join(MUD_DIR, f), 'utf8')).join('\n');
    for (const code of codes) expect(source.includes(`'${code}'`), code).toBe(true);
  });

  it('escapes JSON Pointer tokens (RFC 6901 §3)', () => {
    expect(ptr('', 'a/b')).toBe('/a~1b');
    expect(ptr('/x', 'm~n')).toBe('/x/m~0n');
    expect(ptr('/x', 3)).toBe('/x/3');
  });

  it('formats issues for terminals', () => {
    expect(formatIssue({ code: 'mud.missing-mud-url', path: '/ietf-mud:mud/mud-url', message: 'gone' }))
      .toBe('refused mud.missing-mud-url at /ietf-mud:mud/mud-url: gone');
    expect(formatIssue({ code: 'json.syntax', path: '', message: 'x', line: 2, column: 5 }))
      .toBe('refused json.syntax at (document root) (line 2, column 5): x');
    expect(issueSeverity('ace.operator-with-range')).toBe('warning');
  });
});
