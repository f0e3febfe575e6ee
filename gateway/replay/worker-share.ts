// What a sensor worker is given and sends back when it replays its share of a capture
// (replay/replay-worker.ts runs in the worker, replay/worker-replay.ts deals and merges). Plain
// data only: it crosses a thread boundary by structured clone.
import type { AlertsConfig } from '../alerts/alert-manager.js';
import type { LearnerOptions } from '../learn/learn-config.js';
import type { PolicyConfig } from '../policy/policy-config.js';
import type { PluginConfig } from '../sensor/plugin.js';
import type { PipelineConfig } from '../sensor/sensor-config.js';
import type { PostedInput } from '../workers/worker-messages.js';
import type { ReplaySummary } from './summary.js';

/** MUD profiles, by where they come from (each worker loads its own store). */
export interface PolicySource {
  config: PolicyConfig;
  profilesDir?: string;
  /** [MAC, MUD file] pairs bound before the first packet. */
  binds: [string, string][];
}

/** workerData of a replay worker. */
export interface ReplayShare {
  file: string;
  /** This worker's number, 0 … workers − 1. */
  index: number;
  workers: number;
  config: PipelineConfig;
  topFlows: number;
  /** Detection off: the bare pipeline. */
  bare: boolean;
  detect: PluginConfig;
  /** Detector kinds by name; absent: every one in the registry. */
  detectors?: string[];
  alerts: Partial<AlertsConfig>;
  policy: PolicySource | null;
  learn: Partial<LearnerOptions> | null;
}

/** One alert input as the worker's sensor raised it, with the capture frame it was raised at. */
export interface SharedInput extends PostedInput {
  /** Frames of the capture read before it (every worker counts every frame, dealt or not). */
  frame: number;
}

/** An address or name a worker's device table learned, and the capture frame it learned it at. */
export interface SharedLearn {
  frame: number;
  mac: string;
  field: 'ips' | 'hostname' | 'lldpSystemName';
  value: string;
}

/** What a replay worker posts when its share is done. */
export interface ShareResult {
  index: number;
  summary: ReplaySummary;
  inputs: SharedInput[];
  /** What the device tables learned, in order (device.new announcements are merged with it). */
  learned: SharedLearn[];
  /** Frames the dealer gave each worker (the same in every worker). */
  dealt: number[];
  /** Devices the dealer placed. */
  dealtDevices: number;
}
