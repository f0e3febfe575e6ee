// Runs a capture file through the pipeline from start to end and builds the summary. Used by
// `edgeward replay`, `edgeward bench` and the tests.
import { openCapture } from '../capture/open-capture.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { TopFlows } from './flow-record.js';
import { Pipeline } from './pipeline.js';
import { buildSummary, type ReplaySummary } from './summary.js';

/** Options of a replay. */
export interface ReplayOptions {
  config: Readonly<PipelineConfig>;
  /** How many of the largest flows the summary lists. Default 100. */
  topFlows?: number;
  /** Called with bytes read and packets so far, about every 65,536 packets. */
  onProgress?: (bytesDone: number, packets: number) => void;
  /** Lets the caller attach observers before the first packet. */
  setup?: (p: Pipeline) => void;
}

/** Result of a replay: the summary and the pipeline, for callers that want more. */
export interface ReplayResult {
  summary: ReplaySummary;
  pipeline: Pipeline;
  totalBytes: number | undefined;
}

export async function replayCapture(file: string, opts: ReplayOptions): Promise<ReplayResult> {
  const source = openCapture(file);
  const pipeline = new Pipeline(opts.config);
  const top = new TopFlows(opts.topFlows ?? 100);
  pipeline.flows.addListener({ onFlowEnd: (f) => top.offer(f) });
  opts.setup?.(pipeline);
  const onProgress = opts.onProgress;
  const stats = await source.run(pipeline.sink, onProgress ? (b) => onProgress(b, pipeline.packets) : undefined);
  pipeline.finish();
  return { summary: buildSummary(pipeline, file, stats, top.list(), []), pipeline, totalBytes: source.totalBytes };
}
