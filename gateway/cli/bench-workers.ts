// `edgeward bench --workers 1,2`: the sensor with every plug-in over N worker threads (README
// "Workers"): each worker reads the file and takes its share, this thread merges. Beside N
// workers together it times worker 0's share alone: on a machine whose cores share a memory
// system too small for the working set, a share run alone is much faster than the same share
// run beside the others, and that gap is what keeps N workers from being N times one.
import { join } from 'node:path';
import { packageRoot } from '../common/package-root.js';
import { POLICY_DEFAULTS } from '../policy/policy-config.js';
import { replayCaptureWorkers, type WorkerReplayOptions } from '../replay/worker-replay.js';
import { PIPELINE_DEFAULTS } from '../sensor/sensor-config.js';
import { bestOf } from './bench-runs.js';
import type { CliIo } from './cli-io.js';

export interface WorkerBench {
  lines: string[];
  json: Record<string, unknown>;
}

/** `binds`: the [MAC, MUD file] pairs the main bench bound (`--bind-busiest`). */
export async function benchWorkers(file: string, counts: readonly number[], runs: number, binds: [string, string][], packets: number, io: CliIo): Promise<WorkerBench> {
  const lines: string[] = [];
  const json: Record<string, unknown> = {};
  const rate = (s: number): string => `${s.toFixed(3)} s, ${(packets / s / 1e6).toFixed(3)} M packets/s`;
  for (const n of counts) {
    const opts: WorkerReplayOptions = {
      workers: n, config: PIPELINE_DEFAULTS, topFlows: 10, bare: false, detect: {}, alerts: {}, learn: null,
      policy: { config: POLICY_DEFAULTS, profilesDir: join(packageRoot(), 'policies', 'profiles'), binds },
    };
    const together = await bestOf(runs, `${n} worker${n > 1 ? 's' : ''}`, io, () => replayCaptureWorkers(file, opts));
    const { dealt, summary } = together.value;
    const row: Record<string, unknown> = { seconds: +together.seconds.toFixed(3), packetsPerSecond: Math.round(packets / together.seconds), alerts: summary.alerts.length, dealt };
    lines.push(`  every plug-in over ${n} worker thread${n > 1 ? 's' : ''}: ${rate(together.seconds)}, ${summary.alerts.length} alerts (frames dealt: ${dealt.join(' / ')})`);
    if (n > 1) {
      const alone = await bestOf(runs, `worker 0 of ${n} alone`, io, () => replayCaptureWorkers(file, { ...opts, onlyShare: 0 }));
      row.share0AloneSeconds = +alone.seconds.toFixed(3);
      lines.push(`    worker 0's share (${dealt[0]} frames) alone: ${alone.seconds.toFixed(3)} s; all ${n} together: ${together.seconds.toFixed(3)} s`);
    }
    json[String(n)] = row;
  }
  return { lines, json };
}
