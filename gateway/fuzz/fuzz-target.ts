// What a fuzz target is: an input generator over the corpus, and a session that runs one input at a
// time. An exception that is not the documented outcome, a broken invariant or a slow input is a finding.
import type { SeededRandom } from '../synth/seeded-random.js';
import type { Corpus } from './corpus.js';

/** A running target (one per worker): state such as a pipeline lives here across inputs. */
export interface TargetSession {
  /** Feeds one input. Must not throw, except errors the target's `documented` accepts. */
  run(input: Buffer, rng: SeededRandom): void | Promise<void>;
  /** End of the batch (a pipeline ends its flows); its exceptions are findings too. */
  finish?(): void | Promise<void>;
}

/** What a session may use besides the corpus. */
export interface SessionContext {
  /** A folder of its own for temporary files (removed by the runner at the end). */
  scratchDir: string;
}

/** One fuzz target. Every input is bytes, as the code under test receives them from the wire or a file. */
export interface FuzzTarget {
  /** Stable name (`--targets`, reproducer file names, the random stream). */
  readonly name: string;
  /** What is fed, and what the documented outcome of bad input is. */
  readonly description: string;
  /** Extension of reproducer files: `bin`, or `json`/`txt` for text inputs. */
  readonly ext: 'bin' | 'json' | 'txt';
  /** Builds the input generator from the corpus (seeds chosen and parsed once per process). */
  generator(corpus: Corpus): (rng: SeededRandom) => Buffer;
  /** Starts a session. */
  open(corpus: Corpus, ctx: SessionContext): TargetSession | Promise<TargetSession>;
  /** True for an error that is the documented outcome of bad input (a CaptureError, an ApiError). Default: none is. */
  documented?: (err: unknown) => boolean;
}

/** A contract the target checks after a run was broken (a view past the frame, output that depends on bytes past the end). */
export class FuzzInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzInvariantError';
  }
}
