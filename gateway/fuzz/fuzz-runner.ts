// Runs a fuzz campaign: reads the corpus once, spreads the iterations over the targets, runs each
// target's share in a worker thread under a watchdog (an input that never returns gets the worker
// ended, its input written out, and a new worker resumes after it), collects findings and counts.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadCorpus } from './corpus.js';
import { FindingLog, type Finding, type FindingRecord } from './findings.js';
import type { FuzzTarget } from './fuzz-target.js';
import { STATE_CURRENT, STATE_DONE, type WorkerJob, type WorkerMessage } from './fuzz-worker.js';
import { iterationRandom } from './iteration-random.js';

/** Settings of a run. */
export interface FuzzOptions {
  /** Inputs over all targets. */
  iterations: number;
  seed: number;
  targets: readonly FuzzTarget[];
  /** Where reproducers go. */
  outDir: string;
  /** One input taking longer than this (twice) is a finding, ms. Default 250. */
  boundMs?: number;
  /** No progress for this long ends the worker as hung, ms. Default 5000. */
  hangMs?: number;
  /** Targets run at once, one worker each. Default 1. */
  jobs?: number;
  /** The shared fixtures folder; null for built-in seeds only. */
  fixturesDir: string | null;
  /** Most fixture frames in the corpus. Default 3000. */
  maxFrames?: number;
  /** Progress lines (every progressEveryMs), and notes. */
  log?: (line: string) => void;
  /** Default 10,000 ms. */
  progressEveryMs?: number;
  /** The command line that replays one reproducer (written into its JSON). */
  replayCommand?: (f: Finding, file: string) => string;
}

/** Per-target outcome. */
export interface TargetSummary {
  name: string;
  inputs: number;
  /** Time spent in the target's workers, ms. */
  ms: number;
  findings: number;
  /** Workers ended by the watchdog or lost to a crash. */
  restarts: number;
}

/** Outcome of a run. */
export interface FuzzSummary {
  seed: number;
  iterations: number;
  ms: number;
  corpus: { frames: number; captures: number; mud: number; notes: string[] };
  targets: TargetSummary[];
  findings: { total: number; unique: number; list: FindingRecord[] };
  outDir: string;
}

/** Worker heap ceiling: a target that grows without bound becomes a crash finding, not a dead machine. */
const WORKER_HEAP_MB = 1536;
/** A worker that has not said `ready` by then is taken as hung in its setup, ms. */
const SETUP_GRACE_MS = 120_000;
const WATCH_EVERY_MS = 200;

/** Iterations per target: an even share, the remainder to the first targets. */
export function shareIterations(total: number, targets: number): number[] {
  const base = Math.floor(total / targets);
  return Array.from({ length: targets }, (_, i) => base + (i < total % targets ? 1 : 0));
}

/** A folder for the targets' temporary files: tmpfs when the machine has one. */
function scratchFolder(): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, 'edgeward-fuzz-'));
}

/** Runs the campaign. Resolves with the summary; reproducers are in outDir. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const boundMs = opts.boundMs ?? 250;
  const hangMs = opts.hangMs ?? 5000;
  const corpus = await loadCorpus({ fixturesDir: opts.fixturesDir, maxFrames: opts.maxFrames });
  for (const n of corpus.notes) log(`fuzz: note: ${n}`);
  const findings = new FindingLog(opts.outDir, (t) => opts.targets.find((x) => x.name === t)?.ext ?? 'bin', opts.replayCommand ?? (() => ''));
  const shares = shareIterations(opts.iterations, opts.targets.length);
  const summaries: TargetSummary[] = opts.targets.map((t) => ({ name: t.name, inputs: 0, ms: 0, findings: 0, restarts: 0 }));
  const scratch = scratchFolder();
  const live = new Map<string, () => number>();
  let doneInputs = 0;
  const progress = setInterval(() => {
    let n = doneInputs;
    for (const f of live.values()) n += f();
    const pct = opts.iterations > 0 ? ((100 * n) / opts.iterations).toFixed(1) : '100';
    log(`fuzz: ${n.toLocaleString('en-US')}/${opts.iterations.toLocaleString('en-US')} inputs (${pct}%), running ${[...live.keys()].join(', ') || '-'}, ${findings.total} findings, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }, opts.progressEveryMs ?? 10_000);
  progress.unref();

  const runTarget = async (ti: number): Promise<void> => {
    const target = opts.targets[ti]!;
    const sum = summaries[ti]!;
    let generator: ((rng: ReturnType<typeof iterationRandom>) => Buffer) | null = null;
    /** The input of iteration i, generated again (for a hang or a crash, whose worker cannot send it). */
    const inputOf = (i: number): Buffer | null => {
      try {
        return (generator ??= target.generator(corpus))(iterationRandom(opts.seed, target.name, i));
      } catch (e) {
        log(`fuzz: ${target.name}: the input of iteration ${i} cannot be generated again: ${(e as Error).message}`);
        return null;
      }
    };
    let from = 0;
    const to = shares[ti]!;
    while (from < to) {
      const r = await runWorker({ target: target.name, seed: opts.seed, from, to, boundMs, corpus, scratchDir: scratch, state: new SharedArrayBuffer(8) },
        hangMs, (f) => { findings.add(f); }, (f, n) => findings.repeat(f, n), (get) => { if (get) live.set(target.name, get); else live.delete(target.name); });
      sum.ms += r.ms;
      sum.inputs += r.inputs;
      doneInputs += r.inputs;
      if (r.stopped === null) break;
      sum.restarts++;
      const at = r.stopped.iteration;
      findings.add({ target: target.name, seed: opts.seed, iteration: at, kind: r.stopped.kind, error: r.stopped.error, stack: null, ms: r.stopped.kind === 'hang' ? hangMs : 0, input: at >= 0 ? inputOf(at) : null });
      // A worker that died before its first input (setup) or in finish() does not get another go.
      if (at < 0) break;
      sum.inputs++;
      doneInputs++;
      from = at + 1;
    }
  };

  try {
    const queue = opts.targets.map((_, i) => i);
    const jobs = Math.max(1, opts.jobs ?? 1);
    await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      for (let ti = queue.shift(); ti !== undefined; ti = queue.shift()) await runTarget(ti);
    }));
  } finally {
    clearInterval(progress);
    rmSync(scratch, { recursive: true, force: true });
  }
  for (const s of summaries) s.findings = findings.perTarget.get(s.name) ?? 0;
  return {
    seed: opts.seed, iterations: opts.iterations, ms: performance.now() - started,
    corpus: { frames: corpus.frames.length, captures: corpus.captures.length, mud: corpus.mud.length, notes: corpus.notes },
    targets: summaries, findings: { total: findings.total, unique: findings.unique, list: findings.records }, outDir: opts.outDir,
  };
}

/** How a worker ended: normally (stopped null), or ended at an iteration by the watchdog or a crash. */
interface WorkerResult {
  inputs: number;
  ms: number;
  stopped: { iteration: number; kind: 'hang' | 'crash'; error: string } | null;
}

/** Runs one worker to its end, under the watchdog. */
function runWorker(
  job: WorkerJob, hangMs: number, onFinding: (f: Finding) => void, onRepeat: (f: Omit<Finding, 'input'>, n: number) => void,
  track: (get: (() => number) | null) => void,
): Promise<WorkerResult> {
  const state = new Int32Array(job.state);
  Atomics.store(state, STATE_CURRENT, -2);
  const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  const t0 = performance.now();
  return new Promise<WorkerResult>((resolve) => {
    let ready = false;
    let settled = false;
    let lastDone = 0;
    let lastChange = performance.now();
    track(() => Atomics.load(state, STATE_DONE));
    const finish = (r: WorkerResult): void => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      track(null);
      resolve(r);
    };
    /** Where the worker is: the iteration it was on (-1 in finish or setup). */
    const current = (): number => Math.max(-1, Atomics.load(state, STATE_CURRENT));
    const watch = setInterval(() => {
      const done = Atomics.load(state, STATE_DONE);
      const now = performance.now();
      if (done !== lastDone) { lastDone = done; lastChange = now; return; }
      if (now - lastChange > (ready ? hangMs : SETUP_GRACE_MS)) {
        const it = current();
        void worker.terminate();
        finish({ inputs: done, ms: now - t0, stopped: { iteration: it, kind: 'hang', error: `no answer within ${ready ? hangMs : SETUP_GRACE_MS} ms (watchdog)` } });
      }
    }, WATCH_EVERY_MS);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') { ready = true; lastChange = performance.now(); }
      else if (m.type === 'finding') onFinding(m.finding);
      else if (m.type === 'done') {
        for (const r of m.repeats) onRepeat(r.finding, r.count);
        finish({ inputs: m.inputs, ms: m.ms, stopped: null });
        // A target that left a timer or a handle open must not keep its thread alive.
        void worker.terminate();
      }
    });
    worker.on('error', (e: Error) => {
      const code = (e as { code?: string }).code;
      finish({ inputs: Atomics.load(state, STATE_DONE), ms: performance.now() - t0, stopped: { iteration: current(), kind: 'crash', error: `worker died: ${code ? code + ': ' : ''}${e.message}` } });
    });
    worker.on('exit', (code) => {
      finish({ inputs: Atomics.load(state, STATE_DONE), ms: performance.now() - t0, stopped: code === 0 ? null : { iteration: current(), kind: 'crash', error: `worker exited with code ${code}` } });
    });
  });
}
