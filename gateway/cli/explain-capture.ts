// Explains the MUD verdicts of a capture: replays it through the sensor the config describes (the
// MUD policy and its denial recorder among the plug-ins), records why each denied flow was denied
// as it is judged, keeps the records of the profiled devices' flows, and builds the report at the end.
import { compileProfile } from '../../policies/index.js';
import type { PipelineConfig } from '../sensor/sensor-config.js';
import { macToString, parseMac } from '../common/address-text.js';
import { flowRecord, type FlowRecord } from '../track/flow-record.js';
import { replayCapture } from '../replay/replay.js';
import type { ReplaySummary } from '../replay/summary.js';
import type { MudPolicy } from '../policy/mud-policy.js';
import type { PolicyConfig } from '../policy/policy-config.js';
import type { ProfileStore } from '../policy/profile-store.js';
import type { DenialRecorder } from '../explain/denial-recorder.js';
import type { PluginConfig } from '../sensor/plugin.js';
import { explain, type ExplainDevice } from '../explain/explain.js';
import type { ExplainReport } from '../explain/explain-report.js';

/** Options of {@link explainCapture}. */
export interface ExplainCaptureOptions {
  config: Readonly<PipelineConfig>;
  /** The profiles (directory by MUD URL, MAC bindings) and what the MUD classes stand for. */
  policy: { config: Readonly<PolicyConfig>; store: ProfileStore };
  /** `detect.<name>` settings of the config (the detectors run as in any replay; their alerts are not reported). */
  detect?: PluginConfig;
  /** MACs bound on the command line: explained even when the capture never shows them. */
  boundMacs?: readonly string[];
  /** Only flows that begin within this many seconds of the capture's first packet. Default: all. */
  windowSeconds?: number | null;
  /** Flows listed in the replay summary (`flows.top`), as `replay --top-flows`. Default 0. */
  topFlows?: number;
  /** Denied flows listed per device. Default 1,000. */
  maxDeniedListed?: number;
}

/** The report, the replay it came from, and the policy layer as the capture left it. */
export interface ExplainCaptureResult {
  report: ExplainReport;
  summary: ReplaySummary;
  policy: MudPolicy;
}

/** Replays `file` with the profiles and explains every verdict. */
export async function explainCapture(file: string, opts: ExplainCaptureOptions): Promise<ExplainCaptureResult> {
  const records: FlowRecord[] = [];
  let policy: MudPolicy | undefined;
  let recorder: DenialRecorder | undefined;
  const { summary } = await replayCapture(file, {
    config: opts.config,
    topFlows: opts.topFlows ?? 0,
    // Every denial of the capture is kept: the report accounts for each one.
    detect: { config: opts.detect, policy: { ...opts.policy, denialsKept: Number.MAX_SAFE_INTEGER } },
    setup: (p, sensor) => {
      policy = sensor.plugin<MudPolicy>('mudPolicy')!;
      recorder = sensor.plugin<DenialRecorder>('denialRecorder');
      const mp = policy;
      p.flows.addListener({
        onFlowEnd: (f) => {
          if (Array.isArray(f.verdict) || (f.aMac >= 0 && mp.policyOf(f.aMac)) || (f.bMac >= 0 && mp.policyOf(f.bMac))) records.push(flowRecord(f));
        },
      });
    },
  });
  const devices: ExplainDevice[] = [];
  for (const cp of policy!.policies()) {
    const mac = cp.context.deviceMac ?? macToString(cp.deviceMac);
    devices.push({ mac, policy: cp, file: policy!.storedOf(parseMac(mac))?.file ?? null });
  }
  // A binding for a device the capture never shows: its ACEs, all unused.
  for (const text of opts.boundMacs ?? []) {
    const mac = macToString(parseMac(text));
    const sp = opts.policy.store.forDevice(parseMac(mac), null);
    if (sp === undefined || devices.some((d) => d.mac === mac)) continue;
    devices.push({ mac, policy: compileProfile(sp.profile, { deviceMac: mac }), file: sp.file, seen: false });
  }
  devices.sort((x, y) => (x.mac < y.mac ? -1 : x.mac > y.mac ? 1 : 0));
  const fromUs = summary.firstTs !== null ? Date.parse(summary.firstTs) * 1000 : null;
  const toUs = fromUs !== null && opts.windowSeconds != null ? fromUs + opts.windowSeconds * 1e6 : null;
  const report = explain({
    devices, flows: records, denials: recorder ?? null,
    window: { fromUs: opts.windowSeconds != null ? fromUs : null, toUs },
    ...(opts.maxDeniedListed !== undefined && { maxDeniedListed: opts.maxDeniedListed }),
  });
  return { report, summary, policy: policy! };
}
