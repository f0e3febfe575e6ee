// Runs a capture file through the sensor (built by the one builder, with the product's plug-ins)
// from start to end and builds the summary. Used by `edgeward replay`, `bench`, `mud learn`,
// `mud explain` and the tests.
import { DecodeCounters } from '../common/events.js';
import type { AlertManager, AlertsConfig, InputTap } from '../alerts/alert-manager.js';
import type { FrameSink } from '../capture/frame-source.js';
import { openCapture } from '../capture/open-capture.js';
import type { LearnerOptions } from '../learn/learn-config.js';
import { standardPlugins, type PolicyPluginOptions } from '../plugins/standard-plugins.js';
import type { Pipeline } from '../sensor/packet-pipeline.js';
import type { PluginConfig, PluginFactory, PluginSpec } from '../sensor/plugin.js';
import { SHARE_MINE, SHARE_OTHER_IP } from '../workers/frame-dealer.js';
import { buildSensor, type Sensor } from '../sensor/sensor.js';
import type { PipelineConfig } from '../sensor/sensor-config.js';
import { TopFlows } from '../track/flow-record.js';
import { ReplayAlerts } from './replay-alerts.js';
import { buildSummary, type ReplaySummary } from './summary.js';

/** Detection settings of a replay. */
export interface DetectOptions {
  /** Plugin kinds to run. Default: every one in the registry. */
  detectors?: readonly PluginSpec<object>[];
  /** Per-detector overrides (`detect.<name>.<key>`). */
  config?: PluginConfig;
  alerts?: Partial<AlertsConfig>;
  /** SQLite file the alerts are written to before anything else sees them. */
  dbPath?: string;
  /** EVE JSON lines file the alerts are appended to. */
  evePath?: string;
  /** MUD profiles to hold devices to (the policy layer runs only when given). */
  policy?: PolicyPluginOptions;
  /** Devices to learn a MUD profile for (the learner runs only when given). */
  learn?: Partial<LearnerOptions>;
  /** Plug-ins run after the product's (test harnesses: a planted faulty plug-in). */
  extraPlugins?: readonly PluginFactory[];
}

/** Options of a replay. */
export interface ReplayOptions {
  config: Readonly<PipelineConfig>;
  /** How many of the largest flows the summary lists. Default 100. */
  topFlows?: number;
  /** Called with bytes read and packets so far, about every 65,536 packets. */
  onProgress?: (bytesDone: number, packets: number) => void;
  /** Lets the caller attach listeners before the first packet. */
  setup?: (p: Pipeline, sensor: Sensor, alerts: AlertManager) => void;
  /**
   * A sensor worker's share of a capture (replay/worker-replay.ts): SHARE_MINE frames go through
   * the sensor, the others only move its clocks (workers/frame-dealer.ts). Default: every frame.
   */
  frameFilter?: (buf: Buffer, off: number, capLen: number, linkType: number) => number;
  /** Hears every alert input before it is folded (a sensor worker forwards them). */
  tapAlerts?: InputTap;
  /** Detection (default: on, every registered detector); false for the bare pipeline (no plug-ins). */
  detect?: DetectOptions | false;
}

/** Result of a replay: the summary and the sensor, for callers that want more. */
export interface ReplayResult {
  summary: ReplaySummary;
  pipeline: Pipeline;
  sensor: Sensor;
  totalBytes: number | undefined;
}

export async function replayCapture(file: string, opts: ReplayOptions): Promise<ReplayResult> {
  const source = openCapture(file);
  const top = new TopFlows(opts.topFlows ?? 100);
  const det = opts.detect === false ? null : (opts.detect ?? {});
  const counters = new DecodeCounters();
  const out = new ReplayAlerts(det?.alerts, det?.dbPath, det?.evePath, counters);
  const alerts = out.manager;
  if (opts.tapAlerts) alerts.tapInputs(opts.tapAlerts);
  const plugins = det === null ? [] : [...standardPlugins({ detect: det.config, detectors: det.detectors, policy: det.policy, learn: det.learn }), ...(det.extraPlugins ?? [])];
  const sensor = buildSensor({ config: opts.config, plugins, alerts, counters });
  const pipeline = sensor.pipeline;
  pipeline.flows.addListener({ onFlowEnd: (f) => top.offer(f) });
  opts.setup?.(pipeline, sensor, alerts);
  const onProgress = opts.onProgress;
  const filter = opts.frameFilter;
  const sink: FrameSink = filter === undefined ? sensor.sink : (buf, off, capLen, origLen, ts, linkType, ifIndex) => {
    const share = filter(buf, off, capLen, linkType);
    if (share === SHARE_MINE) sensor.sink(buf, off, capLen, origLen, ts, linkType, ifIndex);
    else sensor.pass(ts, share === SHARE_OTHER_IP);
  };
  try {
    const stats = await source.run(sink, onProgress ? (b) => onProgress(b, pipeline.packets) : undefined);
    sensor.finish();
    return { summary: buildSummary(pipeline, file, stats, top.list(), out.finish()), pipeline, sensor, totalBytes: source.totalBytes };
  } finally {
    out.close();
  }
}
