// One worker thread runs one target over a range of iterations. It tells the runner which input it
// is on through shared memory (so the watchdog can name the input of a hang without any message),
// times every input, and posts findings; the runner ends it if an input never returns.
import { parentPort, workerData } from 'node:worker_threads';
import { reviveCorpus, type Corpus } from './corpus.js';
import { describeError, findingSignature, MAX_WRITTEN_PER_SIGNATURE, type Finding, type FindingKind } from './findings.js';
import { iterationRandom } from './iteration-random.js';
import { targetByName } from './target-registry.js';

/** What the runner hands a worker. */
export interface WorkerJob {
  target: string;
  seed: number;
  /** Iterations [from, to) of the target's share. */
  from: number;
  to: number;
  /** Per-input time bound, ms. */
  boundMs: number;
  corpus: Corpus;
  scratchDir: string;
  /** Int32Array view: [0] the iteration being run (-1: finishing), [1] inputs completed. */
  state: SharedArrayBuffer;
}

/** Messages a worker posts. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'finding'; finding: Finding }
  | { type: 'done'; inputs: number; ms: number; repeats: { finding: Omit<Finding, 'input'>; count: number }[] };

/** Slots of the shared state. */
export const STATE_CURRENT = 0;
export const STATE_DONE = 1;

async function main(job: WorkerJob): Promise<void> {
  const port = parentPort!;
  const target = targetByName(job.target);
  if (target === undefined) throw new Error(`unknown fuzz target ${job.target}`);
  const state = new Int32Array(job.state);
  const corpus = reviveCorpus(job.corpus);
  const generate = target.generator(corpus);
  const documented = target.documented ?? (() => false);
  const session = await target.open(corpus, { scratchDir: job.scratchDir });
  const sent = new Map<string, { finding: Omit<Finding, 'input'>; count: number }>();
  const report = (kind: FindingKind, iteration: number, input: Buffer | null, err: unknown, ms: number): void => {
    const { error, stack } = err === null ? { error: `took ${ms.toFixed(0)} ms (bound ${job.boundMs} ms), twice`, stack: null } : describeError(err);
    const finding: Finding = { target: job.target, seed: job.seed, iteration, kind, error, stack, ms, input: null };
    const sig = findingSignature(finding);
    const s = sent.get(sig) ?? { finding, count: 0 };
    sent.set(sig, s);
    // The first few of a kind go out with their input; the rest are only counted.
    if (++s.count <= MAX_WRITTEN_PER_SIGNATURE) port.postMessage({ type: 'finding', finding: { ...finding, input: input === null ? null : Uint8Array.from(input) } } satisfies WorkerMessage);
  };
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
  const started = performance.now();
  for (let i = job.from; i < job.to; i++) {
    Atomics.store(state, STATE_CURRENT, i);
    const rng = iterationRandom(job.seed, job.target, i);
    const input = generate(rng);
    const t0 = performance.now();
    let err: unknown = null;
    try {
      const p = session.run(input, rng);
      if (p !== undefined) await p;
    } catch (e) {
      err = e ?? new Error(`thrown ${String(e)}`);
    }
    const ms = performance.now() - t0;
    if (err !== null && !documented(err)) report('exception', i, input, err, ms);
    else if (ms > job.boundMs) {
      // Timed again before it counts: a descheduled thread or a long GC pause is not a finding.
      const rng2 = iterationRandom(job.seed, job.target, i);
      const again = generate(rng2);
      const t1 = performance.now();
      try {
        const p = session.run(again, rng2);
        if (p !== undefined) await p;
      } catch {
        // Already judged above.
      }
      const ms2 = performance.now() - t1;
      if (ms2 > job.boundMs) report('slow', i, input, null, Math.min(ms, ms2));
    }
    Atomics.add(state, STATE_DONE, 1);
  }
  Atomics.store(state, STATE_CURRENT, -1);
  try {
    await session.finish?.();
  } catch (e) {
    report('exception', -1, null, e, 0);
  }
  const repeats = [...sent.values()].filter((s) => s.count > MAX_WRITTEN_PER_SIGNATURE).map((s) => ({ finding: s.finding, count: s.count - MAX_WRITTEN_PER_SIGNATURE }));
  port.postMessage({ type: 'done', inputs: job.to - job.from, ms: performance.now() - started, repeats } satisfies WorkerMessage);
}

if (parentPort !== null) await main(workerData as WorkerJob);
