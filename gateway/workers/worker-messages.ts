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

export interface WorkerPost {
  worker: number;
  /** Alert inputs since the last post, in the order raised. */
  inputs: { input: AlertInput; storm: { rules: RuleId[]; untilTs: number } | null }[];
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
