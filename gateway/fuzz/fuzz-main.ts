// `npm run fuzz`: the bounded fuzzer of every decoder, reader and parser that meets attacker bytes.
// Deterministic for a seed; prints progress on stderr every ~10 s and a summary at the end; exits
// 1 when anything was found (reproducers in --out), 2 on a usage error. `--replay` runs one file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultFixturesDir, loadCorpus } from './corpus.js';
import { describeError } from './findings.js';
import { runFuzz, type FuzzSummary } from './fuzz-runner.js';
import type { FuzzTarget } from './fuzz-target.js';
import { iterationRandom } from './iteration-random.js';
import { FUZZ_TARGETS, targetByName, targetNames } from './target-registry.js';

const USAGE = `usage: fuzz-main [--iterations N] [--seed S] [--out DIR] [--targets a,b] [--bound-ms MS] [--hang-ms MS]
                 [--jobs N] [--fixtures DIR] [--max-frames N] [--json]
       fuzz-main --replay FILE --targets NAME [--seed S --iteration I]
       fuzz-main --list

  --iterations N   inputs over all targets, spread evenly (default 10000)
  --seed S         32-bit seed; the same seed gives the same inputs (default 1)
  --out DIR        where reproducers go (default ./fuzz-findings)
  --targets a,b    targets to run (default: all; --list names them; fault-* are test doubles)
  --bound-ms MS    one input slower than this, twice, is a finding (default 250)
  --hang-ms MS     no progress for this long ends a worker as hung (default 5000)
  --jobs N         targets run at once, one worker thread each (default 1)
  --fixtures DIR   the shared fixtures (default ../shared/fixtures beside the package)
  --json           the summary as JSON on stdout
  --replay FILE    run one input (a reproducer) through the target, in this process
`;

class UsageError extends Error {}

function intOption(v: string | undefined, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number${min > 0 ? ` from ${min}` : ''}, not ${v}`);
  return n;
}

function pickTargets(list: string | undefined): FuzzTarget[] {
  if (list === undefined) return [...FUZZ_TARGETS];
  return list.split(',').map((s) => s.trim()).filter((s) => s !== '').map((n) => {
    const t = targetByName(n);
    if (t === undefined) throw new UsageError(`unknown target ${n} (known: ${targetNames().join(', ')})`);
    return t;
  });
}

function table(s: FuzzSummary): string {
  const rows = s.targets.map((t) => [t.name, t.inputs.toLocaleString('en-US'), (t.ms / 1000).toFixed(1), Math.round(t.inputs / Math.max(t.ms / 1000, 1e-3)).toLocaleString('en-US'), String(t.findings)]);
  const head = ['target', 'inputs', 'seconds', 'inputs/s', 'findings'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const out = [line(head), ...rows.map(line)];
  out.push(`seed ${s.seed}, ${s.targets.reduce((n, t) => n + t.inputs, 0).toLocaleString('en-US')} inputs in ${(s.ms / 1000).toFixed(1)} s; corpus: ${s.corpus.frames} frames, ${s.corpus.captures} capture files, ${s.corpus.mud} MUD files`);
  if (s.findings.total === 0) out.push('no findings');
  else {
    out.push(`${s.findings.total} findings (${s.findings.unique} distinct), reproducers in ${s.outDir}:`);
    for (const f of s.findings.list) out.push(`  ${f.target} #${f.iteration} ${f.kind}: ${f.error.split('\n')[0]}${f.file ? ` -> ${f.file}` : ''}`);
  }
  return out.join('\n') + '\n';
}

async function replay(file: string, target: FuzzTarget, seed: number, iteration: number | undefined, fixturesDir: string): Promise<number> {
  const corpus = await loadCorpus({ fixturesDir });
  const input = readFileSync(file);
  const rng = iterationRandom(seed, target.name, iteration ?? 0);
  // The run drew the input from this stream first: draw it again so the target sees the same state.
  if (iteration !== undefined) target.generator(corpus)(rng);
  const scratch = mkdtempSync(join(tmpdir(), 'edgeward-fuzz-'));
  try {
    const session = await target.open(corpus, { scratchDir: scratch });
    const t0 = performance.now();
    try {
      await session.run(input, rng);
      await session.finish?.();
    } catch (e) {
      const d = describeError(e);
      if (target.documented?.(e)) {
        process.stdout.write(`${target.name}: documented outcome ${d.error} (${(performance.now() - t0).toFixed(1)} ms)\n`);
        return 0;
      }
      process.stdout.write(`${target.name}: FINDING ${d.stack ?? d.error}\n`);
      return 1;
    }
    process.stdout.write(`${target.name}: no finding (${(performance.now() - t0).toFixed(1)} ms)\n`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      iterations: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, targets: { type: 'string' },
      'bound-ms': { type: 'string' }, 'hang-ms': { type: 'string' }, jobs: { type: 'string' }, fixtures: { type: 'string' },
      'max-frames': { type: 'string' }, json: { type: 'boolean' }, replay: { type: 'string' }, iteration: { type: 'string' },
      list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if (values.list) {
    for (const n of targetNames()) process.stdout.write(`${n.padEnd(16)} ${targetByName(n)!.description}\n`);
    return 0;
  }
  const seed = intOption(values.seed, 'seed', 1) >>> 0;
  const fixturesDir = resolve(values.fixtures ?? defaultFixturesDir());
  const targets = pickTargets(values.targets);
  if (values.replay !== undefined) {
    if (targets.length !== 1 || values.targets === undefined) throw new UsageError('--replay needs one --targets NAME');
    return replay(values.replay, targets[0]!, seed, values.iteration === undefined ? undefined : intOption(values.iteration, 'iteration', 0), fixturesDir);
  }
  const outDir = resolve(values.out ?? 'fuzz-findings');
  const self = relative(process.cwd(), process.argv[1] ?? 'dist/gateway/fuzz/fuzz-main.js') || 'dist/gateway/fuzz/fuzz-main.js';
  const summary = await runFuzz({
    iterations: intOption(values.iterations, 'iterations', 10_000), seed, targets, outDir, fixturesDir,
    boundMs: intOption(values['bound-ms'], 'bound-ms', 250, 1), hangMs: intOption(values['hang-ms'], 'hang-ms', 5000, 100),
    jobs: intOption(values.jobs, 'jobs', 1, 1), maxFrames: values['max-frames'] === undefined ? undefined : intOption(values['max-frames'], 'max-frames', 3000),
    log: (l) => process.stderr.write(l + '\n'),
    replayCommand: (f, file) => `node ${self} --replay ${file} --targets ${f.target} --seed ${f.seed} --iteration ${f.iteration}`,
  });
  if (values.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else process.stdout.write(table(summary));
  return summary.findings.total > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`fuzz-main: ${(e as Error).message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`fuzz-main: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 2;
    }
  },
);
