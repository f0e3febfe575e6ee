// The fuzzer as CI runs it (`npm run fuzz`, built): a short fixed-seed run over every target finds
// nothing, and the test doubles prove that it does report what it must: an exception, an input
// that never returns, a slow input, each with its reproducer and a record of how to replay it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FuzzSummary } from '../../gateway/fuzz/fuzz-runner.js';
import { FAULT_TRIGGER } from '../../gateway/fuzz/targets/fault-targets.js';
import { FUZZ_TARGETS } from '../../gateway/fuzz/target-registry.js';
import { ROOT } from '../helpers/fixtures.js';

const FUZZ = join(ROOT, 'dist/gateway/fuzz/fuzz-main.js');
const out = mkdtempSync(join(tmpdir(), 'edgeward-fuzz-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function fuzz(...args: string[]): { status: number | null; summary: FuzzSummary; stderr: string } {
  const r = spawnSync(process.execPath, [FUZZ, '--json', ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 << 20 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`fuzz-main exited ${r.status}: ${r.stderr}`);
  return { status: r.status, summary: JSON.parse(r.stdout) as FuzzSummary, stderr: r.stderr };
}

describe('npm run fuzz', () => {
  it('20,000 fixed-seed inputs spread over every target find nothing', () => {
    const dir = join(out, 'clean');
    // Generous bounds: a hang (an endless loop) is a finding on any machine, a slow input only
    // when measured on a quiet one (`npm run fuzz` keeps the 250 ms default).
    const { status, summary } = fuzz('--iterations', String(2000 * FUZZ_TARGETS.length), '--seed', '7', '--out', dir, '--bound-ms', '5000', '--hang-ms', '30000');
    expect(summary.findings.list).toEqual([]);
    expect(status).toBe(0);
    expect(summary.targets.map((t) => t.name)).toEqual(FUZZ_TARGETS.map((t) => t.name));
    for (const t of summary.targets) expect(t.inputs).toBe(2000);
    // The corpus came from the fixtures, not only the built-in seeds.
    expect(summary.corpus.frames).toBeGreaterThan(500);
    expect(summary.corpus.mud).toBeGreaterThan(30);
    expect(existsSync(dir)).toBe(false);
  }, 120_000);

  it('reports a throwing, a hanging and a slow target, with reproducers that trigger them', () => {
    const dir = join(out, 'faults');
    // Seed 1 triggers each double at least twice within its 200 inputs (about one input in fifty does).
    // Bounds far from what the doubles do, so the machine's load cannot change a verdict: the slow
    // double spins 400 ms (always past a 350 ms bound, which an ordinary input of microseconds
    // would need a 350 ms stall to reach), and a 3 s watchdog leaves it 2.6 s before it would
    // count as a hang (the hanging double never returns, so any watchdog finds it).
    const { status, summary } = fuzz('--targets', 'fault-throw,fault-hang,fault-slow', '--iterations', '600', '--seed', '1', '--bound-ms', '350', '--hang-ms', '3000', '--out', dir);
    expect(status).toBe(1);
    const kinds = new Map(summary.findings.list.map((f) => [f.target, f.kind]));
    expect(Object.fromEntries(kinds)).toEqual({ 'fault-throw': 'exception', 'fault-hang': 'hang', 'fault-slow': 'slow' });
    for (const f of summary.findings.list.filter((x) => x.file !== null)) {
      // The reproducer holds the very input that broke the target.
      expect(readFileSync(f.file!)[0]).toBe(FAULT_TRIGGER);
      const rec = JSON.parse(readFileSync(f.file!.replace(/\.bin$/, '.finding.json'), 'utf8')) as Record<string, unknown>;
      expect(rec).toMatchObject({ target: f.target, seed: 1, iteration: f.iteration, kind: f.kind });
      expect(rec.reproduce).toContain(`--targets ${f.target}`);
    }
    const thrown = summary.findings.list.find((f) => f.target === 'fault-throw')!;
    expect(thrown.error).toBe('TypeError: injected fault: input opens with 0x2a');
    // The hung worker was replaced: its target still got through all of its inputs.
    expect(summary.targets.find((t) => t.name === 'fault-hang')!.inputs).toBe(200);
    expect(readdirSync(dir).filter((n) => n.endsWith('.finding.json')).length).toBe(summary.findings.list.filter((f) => f.file !== null).length);
  }, 120_000);

  it('is deterministic: the same seed finds the same inputs, and --replay reproduces one', () => {
    // Only exceptions are to be found here: generous time bounds, so that a stall on a loaded machine
    // cannot add a 'slow' finding to one run and not to the other.
    const bounds = ['--bound-ms', '5000', '--hang-ms', '30000'];
    const a = fuzz('--targets', 'fault-throw', '--iterations', '2000', '--seed', '11', ...bounds, '--out', join(out, 'a')).summary;
    const b = fuzz('--targets', 'fault-throw', '--iterations', '2000', '--seed', '11', ...bounds, '--out', join(out, 'b')).summary;
    expect(a.findings.total).toBeGreaterThan(3);
    expect(b.findings.list.map((f) => f.iteration)).toEqual(a.findings.list.map((f) => f.iteration));
    const first = a.findings.list[0]!;
    const r = spawnSync(process.execPath, [FUZZ, '--replay', first.file!, '--targets', 'fault-throw'], { encoding: 'utf8', cwd: ROOT });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FINDING TypeError: injected fault');
  }, 120_000);
});
