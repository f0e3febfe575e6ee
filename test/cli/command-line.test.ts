// The command line a person meets (issue 17, item 10): `--help` on every command and subcommand
// prints that command's usage and exits 0; an unknown option is named, followed by that command's
// usage (not the whole tool's, no parser advice), exit 2; every option a command parses is in its
// help; `replay`'s text report has no empty peers; `check` prints words, not `????`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCheckTable } from '../../gateway/check/check-table.js';
import { CHECK_IDS, checkResult } from '../../gateway/check/check-result.js';
import { COMMAND_HELP } from '../../gateway/cli/command-usage.js';
import { main } from '../../gateway/cli/main.js';
import { alertPeers } from '../../gateway/cli/replay-command.js';
import { writeDemoCapture } from '../../gateway/demo/demo-network.js';
import { ROOT } from '../helpers/fixtures.js';

const CLI = join(ROOT, 'dist/gateway/cli/main.js');

/** Every command and subcommand: the words after `edgeward`. */
const KEYS = Object.keys(COMMAND_HELP);
/** A line only the whole tool's usage has. */
const TOOL_USAGE_LINE = 'edgeward COMMAND [SUBCOMMAND] --help';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, stderrIsTTY: false });
  return { code, out, err };
}

/** The long option names a command's parseArgs accepts, read from its source. */
function parsedOptions(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const start = src.indexOf('options: {', src.indexOf('parseArgs('));
  let depth = 0;
  let end = start + 'options: '.length;
  for (; end < src.length; end++) {
    if (src[end] === '{') depth++;
    else if (src[end] === '}' && --depth === 0) break;
  }
  return [...src.slice(start, end).matchAll(/(?:'([a-z-]+)'|([a-z]+)): \{ type:/g)].map((m) => m[1] ?? m[2]!);
}

describe('edgeward COMMAND --help', () => {
  it('covers every command and subcommand of the tool\'s usage', async () => {
    const top = await run('--help');
    expect(top.code).toBe(0);
    for (const line of top.out.split('\n').filter((l) => /^ {2}edgeward [a-z]/.test(l))) {
      const [, cmd, sub] = line.trim().split(/\s+/);
      const key = sub !== undefined && COMMAND_HELP[`${cmd} ${sub}`] !== undefined ? `${cmd} ${sub}` : cmd!;
      expect(KEYS, line).toContain(key);
    }
    expect(KEYS).toEqual(expect.arrayContaining(['replay', 'start', 'check', 'bench', 'token create', 'token list', 'token revoke',
      'mud validate', 'mud compile', 'mud sign', 'mud learn', 'mud explain', 'trust add', 'trust list', 'trust remove']));
  });

  it.each(KEYS)('edgeward %s --help: its usage on stdout, exit 0', async (key) => {
    for (const flag of ['--help', '-h']) {
      const r = await run(...key.split(' '), flag);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toBe(COMMAND_HELP[key]);
      expect(r.out.startsWith(`usage: edgeward ${key}`)).toBe(true);
      expect(r.out.endsWith('\n')).toBe(true);
    }
    // Also after other arguments, and as `edgeward help COMMAND`.
    expect((await run(...key.split(' '), 'x.json', '--help')).out).toBe(COMMAND_HELP[key]);
    expect((await run('help', ...key.split(' '))).out).toBe(COMMAND_HELP[key]);
  });

  it.each(KEYS)('edgeward %s --no-such-option: names the option, then that command\'s usage; exit 2', async (key) => {
    const r = await run(...key.split(' '), '--no-such-option');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const [first, ...rest] = r.err.split('\n');
    expect(first).toMatch(new RegExp(`^edgeward ${key}: unknown option --no-such-option`));
    expect(rest.join('\n')).toBe(COMMAND_HELP[key]);
    expect(r.err).not.toContain(TOOL_USAGE_LINE);
    expect(r.err).not.toMatch(/ERR_PARSE_ARGS|positional argument|\n\s+at /);
  });

  it('names a missing option value and an unknown subcommand the same way', async () => {
    const missing = await run('trust', 'add', 'ca.pem', '--vendor');
    expect([missing.code, missing.err.split('\n')[0]]).toEqual([2, 'edgeward trust add: option --vendor needs a value']);
    const sub = await run('trust', 'frobnicate');
    expect([sub.code, sub.err.split('\n')[0]]).toEqual([2, 'edgeward trust: unknown subcommand frobnicate (add, list, remove)']);
    expect(sub.err).toContain(COMMAND_HELP.trust);
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.out).toContain(TOOL_USAGE_LINE);
  });

  it.each([
    ['replay', 'gateway/cli/replay-command.ts'],
    ['start', 'gateway/cli/start-command.ts'],
    ['check', 'gateway/cli/check-command.ts'],
    ['bench', 'gateway/cli/bench-command.ts'],
    ['token create', 'gateway/cli/token-command.ts'],
    ['mud learn', 'gateway/cli/mud-learn-command.ts'],
    ['mud explain', 'gateway/cli/mud-explain-command.ts'],
    ['mud sign', 'policies/cli/mud-sign-command.ts'],
    ['trust add', 'gateway/cli/trust-command.ts'],
    ['audit', 'gateway/cli/audit-command.ts'],
  ])('edgeward %s --help lists every option it parses', (key, file) => {
    const options = parsedOptions(file);
    expect(options.length).toBeGreaterThan(0);
    for (const o of options) expect(COMMAND_HELP[key], `--${o}`).toMatch(new RegExp(`--${o}\\b`));
  });

  it('mud explain documents --config', () => {
    expect(COMMAND_HELP['mud explain']).toMatch(/--config FILE +a gateway config/);
  });

  it('the built bin gives the same exit codes and texts', () => {
    const help = spawnSync(process.execPath, [CLI, 'trust', 'add', '--help'], { encoding: 'utf8' });
    expect([help.status, help.stdout]).toEqual([0, COMMAND_HELP['trust add']]);
    const bad = spawnSync(process.execPath, [CLI, 'replay', 'x.pcap', '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`edgeward replay: unknown option --bogus\n${COMMAND_HELP.replay}`);
  });
});

describe('edgeward replay text report', () => {
  it('names both ends, one end, the device, or "-": never an empty peer', () => {
    expect(alertPeers({ src: '10.0.0.2', dst: '198.51.100.7', dport: 443, device: null })).toBe('10.0.0.2 -> 198.51.100.7:443');
    expect(alertPeers({ src: '192.168.1.20', dst: '', dport: null, device: '02:00:00:00:00:01' })).toBe('192.168.1.20');
    expect(alertPeers({ src: '', dst: '198.51.100.7', dport: null, device: null })).toBe('-> 198.51.100.7');
    expect(alertPeers({ src: '', dst: '', dport: null, device: '02:00:00:00:00:01' })).toBe('02:00:00:00:00:01');
    expect(alertPeers({ src: '', dst: '', dport: null, device: null })).toBe('-');
  });

  it('the demo capture: every alert line has its peers, including device.new', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'edgeward-cli-')), 'demo.pcap');
    writeDemoCapture(file);
    const r = await run('replay', file, '--no-progress');
    expect(r.code, r.err).toBe(0);
    const alerts = r.out.split('\n').filter((l) => /^ {2}\d{4}-\d\d-\d\dT/.test(l));
    expect(alerts.length).toBeGreaterThan(5);
    expect(alerts.some((l) => l.includes('device.new'))).toBe(true);
    for (const line of alerts) {
      // rule, two or more spaces, the peers, two spaces, xCOUNT
      const peers = /^ {2}\S+ {2}\S+ +[a-z0-9.-]+ +(.*?) {2}x\d+ /.exec(line)?.[1];
      expect(peers, line).toMatch(/\S/);
      // No arrow pointing at nothing ("192.168.1.20 -> "), nothing before the peers.
      expect(peers, line).not.toMatch(/->\s*$/);
      expect(peers, line).not.toMatch(/^\s/);
    }
  });
});

describe('edgeward check table', () => {
  it('prints PASS, FAIL and UNKNOWN as words, aligned', () => {
    const statuses = ['pass', 'fail', 'unknown', 'pass', 'fail', 'unknown'] as const;
    const items = CHECK_IDS.map((id, i) => checkResult(id, statuses[i % statuses.length]!, [`evidence of ${id}`], `fix ${id}`));
    const text = renderCheckTable({ wan: 'wan0', wanFromRoute: false, lan: 'lan0', netns: null, items, counts: { pass: 2, fail: 2, unknown: 2 } });
    expect(text).not.toContain('?');
    expect(text).toMatch(/^UNKNOWN {2}dns\.filtering/m);
    expect(text).toMatch(/^PASS {5}firewall\.wan-default-drop/m);
    expect(text).toMatch(/^FAIL {5}nat\.masquerade/m);
    expect(text).toMatch(/^ {11}fix: fix nat\.masquerade$/m);
  });
});
