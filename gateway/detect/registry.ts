// Every detector kind, in the order they run. One file each under detectors/.
import type { DetectorSpec } from './detector.js';

/** The registry. The config key of each is its `name`. */
export const DETECTORS: readonly DetectorSpec<object>[] = [];
