// What the fuzzer found, written out as the input bytes beside a `.finding.json` record (target,
// seed, iteration, kind, error, stack). Findings of one signature are one bug: the first few are written.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How an input broke a target. */
export type FindingKind =
  /** An exception that is not the target's documented outcome, or a broken invariant. */
  | 'exception'
  /** The input took longer than the per-input bound, twice in a row. */
  | 'slow'
  /** The input never returned: the watchdog ended the worker. */
  | 'hang'
  /** The worker died (out of memory, a native crash). */
  | 'crash';

/** One finding as a worker (or the watchdog) reports it. */
export interface Finding {
  target: string;
  seed: number;
  /** Iteration within the target's share of the run (the input's random stream); -1 for the end of the batch. */
  iteration: number;
  kind: FindingKind;
  /** `Name: message` of the error, or what was exceeded. */
  error: string;
  stack: string | null;
  /** Time the input took, ms (the bound for a hang). */
  ms: number;
  /** The input; null when it could not be had (a crash in finish). */
  input: Uint8Array | null;
}

/** Reproducers written per signature at most. */
export const MAX_WRITTEN_PER_SIGNATURE = 3;

/** The error of a thrown value, as `Name: message` and its stack. */
export function describeError(e: unknown): { error: string; stack: string | null } {
  if (e instanceof Error) return { error: `${e.name}: ${e.message}`, stack: e.stack ?? null };
  return { error: `thrown non-Error: ${thrownText(e)}`, stack: null };
}

/** A thrown non-Error as text: an object (or null) as its JSON, at most 500 characters; else String(). */
function thrownText(e: unknown): string {
  switch (typeof e) {
    case 'object': return `${JSON.stringify(e)?.slice(0, 500)}`;
    case 'function': return e.toString();
    default: return String(e);
  }
}

/** What makes two findings the same bug: kind, error text with numbers blanked, first stack frame. */
export function findingSignature(f: Pick<Finding, 'target' | 'kind' | 'error' | 'stack'>): string {
  // Up to the first quoted or structured value: the data a message quotes differs from input to input.
  const msg = f.error.slice(0, 160).split(/[{"[]/)[0]!.replace(/\d+/g, '#');
  const frame = f.stack?.split('\n').find((l) => l.trimStart().startsWith('at '))?.trim() ?? '';
  return `${f.target}|${f.kind}|${msg}|${frame.replace(/:\d+:\d+\)?$/, '')}`;
}

/** A finding as listed in the summary. */
export interface FindingRecord {
  target: string;
  kind: FindingKind;
  error: string;
  iteration: number;
  /** Reproducer written (null past the per-signature limit). */
  file: string | null;
}

/** Writes reproducers into `dir` (created on the first finding) and keeps the tally. */
export class FindingLog {
  readonly records: FindingRecord[] = [];
  private readonly bySignature = new Map<string, number>();
  /** Findings per target (all of them, written or not). */
  readonly perTarget = new Map<string, number>();

  constructor(private readonly dir: string, private readonly ext: (target: string) => string, private readonly command: (f: Finding, file: string) => string) {}

  /** Records a finding; writes its reproducer unless its signature already has enough. */
  add(f: Finding): FindingRecord {
    const sig = findingSignature(f);
    const seen = this.bySignature.get(sig) ?? 0;
    this.repeat(f, 1);
    let file: string | null = null;
    if (seen < MAX_WRITTEN_PER_SIGNATURE) {
      mkdirSync(this.dir, { recursive: true });
      const base = `${f.target}-s${f.seed}-i${f.iteration}-${f.kind}`;
      file = join(this.dir, `${base}.${f.input === null ? 'none' : this.ext(f.target)}`);
      if (f.input !== null) writeFileSync(file, f.input);
      writeFileSync(join(this.dir, `${base}.finding.json`), JSON.stringify({
        target: f.target, seed: f.seed, iteration: f.iteration, kind: f.kind, error: f.error, stack: f.stack, ms: Math.round(f.ms * 10) / 10,
        inputFile: f.input === null ? null : file, inputBytes: f.input?.length ?? null, signature: sig, reproduce: this.command(f, file),
      }, null, 2) + '\n');
    }
    const r: FindingRecord = { target: f.target, kind: f.kind, error: f.error, iteration: f.iteration, file };
    this.records.push(r);
    return r;
  }

  /** Counts `n` more findings like `f` that a worker did not send one by one (no reproducer). */
  repeat(f: Pick<Finding, 'target' | 'kind' | 'error' | 'stack'>, n: number): void {
    const sig = findingSignature(f);
    this.bySignature.set(sig, (this.bySignature.get(sig) ?? 0) + n);
    this.perTarget.set(f.target, (this.perTarget.get(f.target) ?? 0) + n);
  }

  /** Distinct bugs (signatures) seen. */
  get unique(): number {
    return this.bySignature.size;
  }

  /** Every finding counted, written or not. */
  get total(): number {
    let n = 0;
    for (const v of this.perTarget.values()) n += v;
    return n;
  }
}
