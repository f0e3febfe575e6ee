// Replays a capture over N sensor worker threads (config `capture.workers`, `replay --workers`,
// `bench --workers`): each worker builds the same sensor with the product's plug-ins and takes
// its share of the frames (workers/frame-dealer.ts: all of one device's traffic on one worker); this
// thread merges their summaries and raises their alert inputs again, in capture order, into one
// alert manager (with the SQLite store and EVE file when asked), so deduplication and storms
// fold across workers exactly as in one sensor. What cannot be exact is in README "Workers".
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTS_DEFAULTS, AlertManager } from '../alerts/alert-manager.js';
import { AlertStore } from '../alerts/alert-store.js';
import type { Alert, AlertInput } from '../alerts/alert.js';
import { EveWriter } from '../alerts/eve-writer.js';
import { packageRoot } from '../common/package-root.js';
import { deviceNewMessage } from '../detect/detectors/device-new.js';
import { WORKER_HEAP } from '../workers/worker-messages.js';
import { mergeSummaries } from './summary-merge.js';
import type { ReplaySummary } from './summary.js';
import type { ReplayShare, ShareResult, SharedInput } from './worker-share.js';

/** Options of a replay over workers: those of one sensor, as plain data (they cross to each worker). */
export interface WorkerReplayOptions extends Omit<ReplayShare, 'file' | 'index'> {
  /** SQLite file and EVE file the merged alerts go to. */
  dbPath?: string;
  evePath?: string;
}

export interface WorkerReplayResult {
  summary: ReplaySummary;
  /** Frames dealt to each worker. */
  dealt: number[];
  /** Devices placed by the dealer. */
  devices: number;
}

/** The built worker script (workers run JavaScript: `npm run build` makes it). */
export function replayWorkerScript(): string {
  return join(packageRoot(), 'dist', 'gateway', 'replay', 'replay-worker.js');
}

export async function replayCaptureWorkers(file: string, opts: WorkerReplayOptions): Promise<WorkerReplayResult> {
  const script = replayWorkerScript();
  if (!existsSync(script)) throw new Error(`replay workers need the built package (${script} is missing): run npm run build`);
  const shares = await Promise.all(Array.from({ length: opts.workers }, (_, index) => runShare(script, { ...stripPaths(opts), file, index })));
  shares.sort((a, b) => a.index - b.index);
  const alerts = raiseMerged(shares, opts);
  return { summary: mergeSummaries(shares.map((s) => s.summary), opts.topFlows, alerts), dealt: shares[0]!.dealt, devices: shares[0]!.dealtDevices };
}

function stripPaths(o: WorkerReplayOptions): Omit<ReplayShare, 'file' | 'index'> {
  const { dbPath: _d, evePath: _e, ...rest } = o;
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

/**
 * The workers' alert inputs, raised in the order one sensor would have raised them: by the capture
 * frame they came at (each frame went to one worker), then worker by worker for the inputs of one
 * frame (the once-a-second tick runs in every worker at the same frame).
 */
/** Rules a plug-in raises once per device (deviceNew, the MUD policy's no-profile finding). */
const ONCE_PER_DEVICE: ReadonlySet<string> = new Set(['device.new', 'mud.no-profile']);

/**
 * A device can be seen by several workers (the router answers every device; a LAN device answers
 * flows its peers began), and each worker raises its once-per-device alerts once. One sensor
 * raises them once, at the first sighting, with the addresses and name it had learned by then:
 * so the earliest stands, rewritten with what any worker had learned by the frame it was raised
 * at, and the others are dropped.
 */
function mergeOncePerDevice(all: SharedInput[], shares: readonly ShareResult[]): void {
  const first = new Map<string, SharedInput>();
  let dropped = 0;
  for (const s of all) {
    const i = s.input;
    if (!ONCE_PER_DEVICE.has(i.rule) || i.device === null) continue;
    const key = `${i.rule}|${i.device}`;
    const f = first.get(key);
    if (f !== undefined && f.input.ts <= i.ts) { s.input = DROPPED; dropped++; continue; }
    if (f !== undefined) { f.input = DROPPED; dropped++; }
    first.set(key, s);
  }
  if (dropped === 0) return;
  const macs = new Set([...first.values()].map((s) => s.input.device));
  const learned = shares.flatMap((s) => s.learned).filter((l) => macs.has(l.mac)).sort((a, b) => a.frame - b.frame);
  for (const s of first.values()) {
    const mac = s.input.device!;
    const ips: string[] = [];
    let hostname: string | null = null;
    for (const l of learned) {
      if (l.frame > s.frame) break;
      if (l.mac !== mac) continue;
      if (l.field === 'hostname') hostname = l.value;
      else if (!ips.includes(l.value)) ips.push(l.value);
    }
    const ev = s.input.evidence as { vendor?: string | null; hostname?: string | null; ips?: string[] };
    if ('hostname' in ev) ev.hostname = hostname;
    if (s.input.rule !== 'device.new') continue;
    s.input.src = ips[0] ?? '';
    ev.ips = ips.slice(0, 4);
    s.input.message = deviceNewMessage(mac, ev.vendor ?? null, hostname);
  }
  let w = 0;
  for (const s of all) if (s.input !== DROPPED) all[w++] = s;
  all.length = w;
}

const DROPPED: AlertInput = { rule: 'device.new', ts: 0, device: null, src: '', dst: '', proto: '', sport: null, dport: null, message: '', evidence: {} };

/** Replaces the worker-local alert ids an input's message and evidence cite (16 hex digits) with the merged ones. */
function citeMergedIds(input: AlertInput, worker: number, ids: ReadonlyMap<string, string>): void {
  const swap = (text: string): string => text.replace(/\b[0-9a-f]{16}\b/g, (id) => ids.get(`${worker}|${id}`) ?? id);
  input.message = swap(input.message);
  const ev = JSON.stringify(input.evidence);
  const swapped = swap(ev);
  if (swapped !== ev) input.evidence = JSON.parse(swapped) as Record<string, unknown>;
}

function raiseMerged(shares: readonly ShareResult[], opts: WorkerReplayOptions): Alert[] {
  const store = opts.dbPath ? new AlertStore(opts.dbPath) : null;
  const eve = opts.evePath ? new EveWriter(opts.evePath) : null;
  try {
    const alerts = new AlertManager({ ...ALERTS_DEFAULTS, ...opts.alerts }, store, true);
    const written = new Map<string, number>();
    if (eve) alerts.addListener((a, isNew) => { if (isNew) { eve.write(a); written.set(a.id, a.count); } });
    const all: (SharedInput & { worker: number })[] = [];
    for (const s of shares) for (const i of s.inputs) all.push({ ...i, worker: s.index });
    // Stable sort: within a worker and a frame, the worker's own order stands.
    all.sort((a, b) => a.frame - b.frame);
    mergeOncePerDevice(all, shares);
    let nextExpire = -Infinity;
    // Alert ids are made here; a worker's evidence citing one of its own ids is given this one's.
    const ids = new Map<string, string>();
    for (const { input, storm, localId, worker } of all) {
      if (input.ts >= nextExpire) { alerts.expire(input.ts); nextExpire = input.ts + 1e6; }
      if (ids.size > 0) citeMergedIds(input, worker, ids);
      const a = storm !== null ? alerts.openStorm(input, storm.rules, storm.untilTs) : alerts.raise(input);
      if (a !== null && localId !== null) ids.set(`${worker}|${localId}`, a.id);
    }
    alerts.flush();
    if (eve) for (const a of alerts.all()) if ((written.get(a.id) ?? 0) !== a.count) eve.write(a);
    return [...alerts.all()].sort((x, y) => (x.firstTs < y.firstTs ? -1 : x.firstTs > y.firstTs ? 1 : 0));
  } finally {
    eve?.close();
    store?.close();
  }
}
