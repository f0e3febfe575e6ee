// What the live worker pool (workers/worker-pool.ts) gives each sensor worker
// (sensor/sensor-worker.ts), and what a worker posts back. Plain data: it crosses threads.
import type { AlertInput } from '../alerts/alert.js';
import type { AlertsConfig } from '../alerts/alert-manager.js';
import type { RuleId } from '../alerts/rules.js';
import type { FrameRingMemory } from './frame-ring.js';
import type { PluginConfig } from '../sensor/plugin.js';
import type { PipelineConfig } from '../sensor/sensor-config.js';

export interface WorkerSetup {
  index: number;
  ring: FrameRingMemory;
  config: PipelineConfig;
  detect: PluginConfig;
  /** The detectors this worker runs, by registry name. */
  detectors: string[];
  alerts: Partial<AlertsConfig>;
}

/** An alert input as a worker's alert manager was given it, to raise again on the main thread. */
export interface PostedInput {
  input: AlertInput;
  /** Set when it opened a storm (AlertManager.openStorm). */
  storm: { rules: RuleId[]; untilTs: number } | null;
}

/**
 * A copy of an input fit to cross threads later: a detector may reuse its evidence object after
 * raise(), so the evidence is copied now, as given.
 */
export function postedInput(input: AlertInput, storm: { rules: readonly RuleId[]; untilTs: number } | null): PostedInput {
  return { input: { ...input, evidence: structuredClone(input.evidence) }, storm: storm === null ? null : { rules: [...storm.rules], untilTs: storm.untilTs } };
}

export interface WorkerPost {
  worker: number;
  /** Alert inputs since the last post, in the order raised. */
  inputs: PostedInput[];
  /** Frames read so far. */
  frames: number;
  faults: number;
  disabled: string[];
  /** The worker's last post (its ring was closed and read to the end). */
  final: boolean;
}

/**
 * A worker's heap, as `npm start` sizes the main thread's (--max-semi-space-size=32,
 * --max-old-space-size=384): a worker does not take those flags.
 */
export const WORKER_HEAP = Object.freeze({ maxYoungGenerationSizeMb: 96, maxOldGenerationSizeMb: 384 });
