// Best of N timed runs, each told on stderr as it ends: the first warms the JIT and the page
// cache, the best is the figure (`edgeward bench`).
import type { CliIo } from './cli-io.js';

export async function bestOf<T>(runs: number, label: string, io: CliIo, run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  let seconds = Infinity;
  let value: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const v = await run();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    io.stderr(`${label} run ${i + 1}: ${secs.toFixed(3)} s\n`);
    if (secs < seconds) { seconds = secs; value = v; }
  }
  return { seconds, value: value! };
}
