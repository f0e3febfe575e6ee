// Runs a capture file through the pipeline and the detectors from start to end and builds the
// summary. Used by `edgeward replay`, `edgeward bench` and the tests.
import { ALERTS_DEFAULTS, AlertManager, type AlertsConfig } from '../alerts/alert-manager.js';
import { AlertStore } from '../alerts/alert-store.js';
import { EveWriter } from '../alerts/eve-writer.js';
import { openCapture } from '../capture/open-capture.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { DetectEngine, type DetectConfig } from '../detect/detect-engine.js';
import type { DetectorSpec } from '../detect/detector.js';
import { DETECTORS } from '../detect/registry.js';
import { MudPolicy } from '../policy/mud-policy.js';
import type { PolicyConfig } from '../policy/policy-config.js';
import type { ProfileStore } from '../policy/profile-store.js';
import { TopFlows } from '../track/flow-record.js';
import { Pipeline } from './pipeline.js';
import { buildSummary, type ReplaySummary } from './summary.js';

/** Detection settings of a replay. */
export interface DetectOptions {
  /** Detector kinds to run. Default: every one in the registry. */
  detectors?: readonly DetectorSpec<object>[];
  /** Per-detector overrides (`detect.<name>.<key>`). */
  config?: DetectConfig;
  alerts?: Partial<AlertsConfig>;
  /** SQLite file the alerts are written to before anything else sees them. */
  dbPath?: string;
  /** EVE JSON lines file the alerts are appended to. */
  evePath?: string;
  /** MUD profiles to hold devices to (the policy layer runs only when given). */
  policy?: { config: Readonly<PolicyConfig>; store: ProfileStore };
}

/** Options of a replay. */
export interface ReplayOptions {
  config: Readonly<PipelineConfig>;
  /** How many of the largest flows the summary lists. Default 100. */
  topFlows?: number;
  /** Called with bytes read and packets so far, about every 65,536 packets. */
  onProgress?: (bytesDone: number, packets: number) => void;
  /** Lets the caller attach observers before the first packet. */
  setup?: (p: Pipeline, engine: DetectEngine | null, alerts: AlertManager) => void;
  /** Detection (default: on, every registered detector); false for the bare pipeline. */
  detect?: DetectOptions | false;
}

/** Result of a replay: the summary and the pipeline, for callers that want more. */
export interface ReplayResult {
  summary: ReplaySummary;
  pipeline: Pipeline;
  engine: DetectEngine | null;
  totalBytes: number | undefined;
}

export async function replayCapture(file: string, opts: ReplayOptions): Promise<ReplayResult> {
  const source = openCapture(file);
  const pipeline = new Pipeline(opts.config);
  const top = new TopFlows(opts.topFlows ?? 100);
  pipeline.flows.addListener({ onFlowEnd: (f) => top.offer(f) });
  const det = opts.detect === false ? null : (opts.detect ?? {});
  const store = det?.dbPath ? new AlertStore(det.dbPath) : null;
  const eve = det?.evePath ? new EveWriter(det.evePath) : null;
  const alerts = new AlertManager({ ...ALERTS_DEFAULTS, ...det?.alerts }, store);
  const written = new Map<string, number>();
  if (eve) {
    alerts.addListener((a, isNew) => {
      if (!isNew) return;
      eve.write(a);
      written.set(a.id, a.count);
    });
  }
  const engine = det ? new DetectEngine(pipeline, det.detectors ?? DETECTORS, det.config ?? {}, alerts) : null;
  // The MUD policy layer runs beside the detectors, on the same packets and packet time.
  if (engine && det?.policy) engine.add('mudPolicy', new MudPolicy(engine.host, det.policy.config, det.policy.store));
  opts.setup?.(pipeline, engine, alerts);
  const onProgress = opts.onProgress;
  try {
    const stats = await source.run(pipeline.sink, onProgress ? (b) => onProgress(b, pipeline.packets) : undefined);
    if (engine) engine.finish();
    else pipeline.finish();
    alerts.flush();
    // A final EVE line for every alert that folded more occurrences after it was first written.
    if (eve) for (const a of alerts.all()) if ((written.get(a.id) ?? 0) !== a.count) eve.write(a);
    const list = [...alerts.all()].sort((x, y) => (x.firstTs < y.firstTs ? -1 : x.firstTs > y.firstTs ? 1 : 0));
    return { summary: buildSummary(pipeline, file, stats, top.list(), list), pipeline, engine, totalBytes: source.totalBytes };
  } finally {
    eve?.close();
    store?.close();
  }
}
