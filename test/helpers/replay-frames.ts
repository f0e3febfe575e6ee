// Runs frames built in code through the whole pipeline and the detectors, by way of a real pcap
// file written with the project's PcapWriter: exact cases without hand-made capture files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../gateway/capture/pcap-writer.js';
import { pipelineConfig, type Overrides, type PipelineConfig } from '../../gateway/sensor/sensor-config.js';
import { replayCapture, type DetectOptions, type ReplayResult } from '../../gateway/replay/replay.js';

/** One frame at packet time `t` (seconds since 2026-01-01T00:00:00Z). */
export interface TimedFrame {
  t: number;
  data: Buffer;
}

/** Packet-time origin of the built cases: 2026-01-01T00:00:00Z in µs. */
export const T0 = Date.UTC(2026, 0, 1) * 1000;

/** Writes `frames` (sorted by time) to a temporary pcap and replays it; returns the result. */
export async function replayFrames(
  frames: readonly TimedFrame[],
  opts: { detect?: DetectOptions | false; config?: Overrides<PipelineConfig> } = {},
): Promise<ReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-case-'));
  const file = join(dir, 'case.pcap');
  try {
    const w = new PcapWriter(file);
    for (const f of [...frames].sort((a, b) => a.t - b.t)) w.write(f.data, T0 + Math.round(f.t * 1e6));
    w.close();
    return await replayCapture(file, { config: pipelineConfig(opts.config ?? {}), topFlows: 1000, detect: opts.detect });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
