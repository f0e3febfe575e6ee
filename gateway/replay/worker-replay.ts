// Replays a capture over N sensor worker threads (config `capture.workers`, `replay --workers`,
// `bench --workers`): each worker builds the same sensor with the product's plug-ins and takes
// its share of the frames (workers/frame-dealer.ts: all of one device's traffic on one worker); this
// thread merges their summaries and raises their alert inputs again, in capture order, into one
// alert manager (with the SQLite store and EVE file when asked), so deduplication and storms
// fold across workers exactly as in one sensor. What cannot be exact is in README "Workers".
import { Worker } from 'node:worker_threads';
import type { Alert } from '../alerts/alert.js';
import { builtWorkerScript } from '../common/package-root.js';
import { WORKER_HEAP } from '../workers/worker-messages.js';
import { alertRenderer } from '../alerts/alert-renderer.js';
import { MergedDevices } from './merged-devices.js';
import { ReplayAlerts } from './replay-alerts.js';
import { mergeSummaries } from './summary-merge.js';
import type { ReplaySummary } from './summary.js';
import type { ReplayShare, ShareResult, SharedInput, SharedLearn } from './worker-share.js';

/** Options of a replay over workers: those of one sensor, as plain data (they cross to each worker). */
export interface WorkerReplayOptions extends Omit<ReplayShare, 'file' | 'index'> {
  /** SQLite file and EVE file the merged alerts go to. */
  dbPath?: string;
  evePath?: string;
  /**
   * Runs this one worker's share alone, the others' frames passed over as always (`bench --workers`
   * times a share alone beside the shares together: what running at once costs each).
   */
  onlyShare?: number;
}

export interface WorkerReplayResult {
  summary: ReplaySummary;
  /** Frames dealt to each worker. */
  dealt: number[];
  /** Devices placed by the dealer. */
  devices: number;
}


export async function replayCaptureWorkers(file: string, opts: WorkerReplayOptions): Promise<WorkerReplayResult> {
  const script = builtWorkerScript('gateway/replay/replay-worker.js', 'replay --workers');
  const indexes = opts.onlyShare === undefined ? Array.from({ length: opts.workers }, (_, i) => i) : [opts.onlyShare];
  const shares = await Promise.all(indexes.map((index) => runShare(script, { ...shareOptions(opts), file, index })));
  const alerts = raiseMerged(shares, opts);
  return { summary: mergeSummaries(shares.map((s) => s.summary), opts.topFlows, alerts), dealt: shares[0]!.dealt, devices: shares[0]!.dealtDevices };
}

function shareOptions(o: WorkerReplayOptions): Omit<ReplayShare, 'file' | 'index'> {
  const { dbPath: _d, evePath: _e, onlyShare: _o, ...rest } = o;
  return rest;
}

function runShare(script: string, share: ReplayShare): Promise<ShareResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { workerData: share, resourceLimits: WORKER_HEAP });
    let settled = false;
    w.once('message', (m: { ok: true; result: ShareResult } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(`replay worker ${share.index}: ${m.error}`));
      void w.terminate();
    });
    w.once('error', (e) => { if (!settled) { settled = true; reject(e); } });
    w.once('exit', (code) => { if (!settled) { settled = true; reject(new Error(`replay worker ${share.index} exited with code ${code}`)); } });
  });
}

/** Rules a plug-in raises once per device (deviceNew, the MUD policy's no-profile finding). */
const ONCE_PER_DEVICE: ReadonlySet<string> = new Set(['device.new', 'mud.no-profile']);

/**
 * A device can be seen by several workers (the router answers every device; a LAN device answers
 * flows its peers began), and each worker raises its once-per-device alerts once. One sensor
 * raises them once, at the first sighting, with the addresses and name it had learned by then:
 * so the earliest stands, its evidence rewritten with what any worker had learned by the frame it
 * was raised at (its message is worded from that by the renderer), and the others are left out.
 * `all` and `learned` (every worker's learning) are in capture order.
 */
function oncePerDevice(all: readonly SharedInput[], learned: readonly SharedLearn[]): SharedInput[] {
  const first = new Map<string, SharedInput>();
  for (const s of all) {
    const i = s.input;
    if (!ONCE_PER_DEVICE.has(i.rule) || i.device === null) continue;
    const key = `${i.rule}|${i.device}`;
    const f = first.get(key);
    if (f === undefined || i.ts < f.input.ts) first.set(key, s);
  }
  const kept = new Set(first.values());
  const out = all.filter((s) => !ONCE_PER_DEVICE.has(s.input.rule) || s.input.device === null || kept.has(s));
  if (out.length === all.length) return out;
  for (const s of kept) {
    const mac = s.input.device!;
    const ips: string[] = [];
    let hostname: string | null = null;
    for (const l of learned) {
      if (l.frame > s.frame) break;
      if (l.mac !== mac) continue;
      if (l.field === 'hostname') hostname = l.value;
      else if (l.field === 'ips' && !ips.includes(l.value)) ips.push(l.value);
    }
    const ev = s.input.evidence as { hostname?: string | null; ips?: string[] };
    if ('hostname' in ev) ev.hostname = hostname;
    if (s.input.rule !== 'device.new') continue;
    s.input.src = ips[0] ?? '';
    ev.ips = ips.slice(0, 4);
  }
  return out;
}

/**
 * The workers' alert inputs, raised in the order one sensor would have raised them: by the capture
 * frame they came at (each frame went to one worker), then worker by worker for the inputs of one
 * frame (the once-a-second tick runs in every worker at the same frame). Alert ids depend only on
 * the alert (AlertManager), so ids a worker's evidence cites are the merged alerts' ids too. A new
 * alert is worded (alerts/alert-renderer.ts) with the devices as known at its frame, as one sensor words it.
 */
function raiseMerged(shares: readonly ShareResult[], opts: WorkerReplayOptions): Alert[] {
  const out = new ReplayAlerts(opts.alerts, opts.dbPath, opts.evePath);
  const learned = shares.flatMap((s) => s.learned).sort((a, b) => a.frame - b.frame);
  const devices = new MergedDevices(learned, opts.config.devices.maxAddressesPerDevice);
  out.manager.setRenderer(alertRenderer(devices.lookup));
  try {
    // Stable sort: within a worker and a frame, the worker's own order stands.
    const all = shares.flatMap((s) => s.inputs).sort((a, b) => a.frame - b.frame);
    for (const { input, storm, frame } of oncePerDevice(all, learned)) {
      devices.advance(frame);
      if (storm !== null) out.manager.openStorm(input, storm.rules, storm.untilTs);
      else out.manager.raise(input);
    }
    return out.finish();
  } finally {
    out.close();
  }
}
