// Live sensor workers (config `capture.workers`, README "Workers"): the main thread keeps the
// sensor the API reads (device and flow tables, DNS, the MUD policy and its enforcement, the
// learner, the traffic meter, and the detectors whose state spans devices: deviceNew,
// stormReconnect, baseline), and deals every frame to one of N worker threads by device
// (workers/frame-dealer.ts) through a shared-memory ring each (workers/frame-ring.ts); the workers
// run every other detector. Their alert inputs come back in batches and are raised into the one
// alert manager, so deduplication, storms and the store work as with one thread.
import { Worker } from 'node:worker_threads';
import type { AlertManager, AlertsConfig } from '../alerts/alert-manager.js';
import type { FrameSink } from '../capture/frame-source.js';
import type { EventLog } from '../common/event-log.js';
import { builtWorkerScript } from '../common/package-root.js';
import { DETECTORS } from '../detect/registry.js';
import { lanNetworks } from '../track/local-networks.js';
import { FrameDealer } from './frame-dealer.js';
import { createFrameRing, FrameRingWriter } from './frame-ring.js';
import type { PluginConfig } from '../sensor/plugin.js';
import type { PipelineConfig } from '../sensor/sensor-config.js';
import { WORKER_HEAP, type WorkerPost, type WorkerSetup } from './worker-messages.js';

/** Detectors that stay on the main thread: their state spans devices, or they read what only the main thread's policy sets (a device's profile). */
export const MAIN_THREAD_DETECTORS: readonly string[] = ['stormReconnect', 'deviceNew', 'baseline'];

export interface WorkerPoolOptions {
  workers: number;
  /** Bytes of each worker's ring (rounded up to a power of two). */
  ringBytes: number;
  config: PipelineConfig;
  detect: PluginConfig;
  /** Settings of each worker's own alert manager (it folds only to grade findings; the inputs come here). */
  alertsConfig: Partial<AlertsConfig>;
  /** Where the workers' alert inputs are raised again (the daemon's alert manager). */
  alerts: Pick<AlertManager, 'raise' | 'openStorm'>;
  log?: EventLog;
}

/** What the pool tells about itself. */
export interface WorkerPoolStats {
  workers: number;
  /** Frames dealt to each worker, dropped at its full ring, and read by it. */
  dealt: number[];
  dropped: number[];
  read: number[];
}

export class SensorWorkerPool {
  private readonly dealer: FrameDealer;
  private readonly writers: FrameRingWriter[] = [];
  private readonly threads: Worker[] = [];
  private readonly read: number[];
  private readonly faults: number[];
  private readonly disabled: string[][];
  private readonly ended: Promise<void>[] = [];

  constructor(private readonly opts: WorkerPoolOptions) {
    const script = builtWorkerScript('gateway/workers/sensor-worker.js', 'capture.workers');
    if (!Number.isInteger(opts.workers) || opts.workers < 1 || opts.workers > 64) throw new RangeError(`capture.workers must be 0 to 64, got ${opts.workers}`);
    this.dealer = new FrameDealer(opts.workers, lanNetworks(opts.config.devices.localNetworks));
    const ringBytes = 2 ** Math.ceil(Math.log2(Math.max(65536, Math.min(opts.ringBytes, 2 ** 30))));
    const detectors = DETECTORS.map((d) => d.name).filter((n) => !MAIN_THREAD_DETECTORS.includes(n));
    this.read = new Array<number>(opts.workers).fill(0);
    this.faults = new Array<number>(opts.workers).fill(0);
    this.disabled = Array.from({ length: opts.workers }, () => []);
    for (let index = 0; index < opts.workers; index++) {
      const ring = createFrameRing(ringBytes);
      this.writers.push(new FrameRingWriter(ring));
      const setup: WorkerSetup = { index, ring, config: opts.config, detect: opts.detect, detectors, alerts: opts.alertsConfig };
      const w = new Worker(script, { workerData: setup, resourceLimits: WORKER_HEAP });
      this.threads.push(w);
      this.ended.push(new Promise<void>((resolve) => {
        w.on('message', (m: WorkerPost) => { this.take(m); if (m.final) resolve(); });
        w.once('error', (e) => { opts.log?.('capture.worker_failed', { worker: index, error: e.message }); resolve(); });
        w.once('exit', () => resolve());
      }));
    }
  }

  /** Deals one frame to its worker's ring (copied; dropped and counted when that ring is full). */
  readonly sink: FrameSink = (buf, off, capLen, origLen, ts, linkType, ifIndex) => {
    this.writers[this.dealer.deal(buf, off, capLen, linkType)]!.write(buf, off, capLen, origLen, ts, linkType, ifIndex);
  };

  /** Frames dropped at full worker rings, in all. */
  get dropped(): number {
    let n = 0;
    for (const w of this.writers) n += w.dropped;
    return n;
  }

  stats(): WorkerPoolStats {
    return {
      workers: this.opts.workers, dealt: Array.from(this.dealer.dealt), dropped: this.writers.map((w) => w.dropped), read: [...this.read],
    };
  }

  /** The workers' plug-ins switched off by the fault boundary, and their faults in all (the daemon's health adds them to its own). */
  pluginHealth(): { faults: number; disabled: string[] } {
    return { faults: this.faults.reduce((a, b) => a + b, 0), disabled: [...new Set(this.disabled.flat())] };
  }

  /** Closes the rings; resolves once every worker has read its ring to the end and posted its last alerts. */
  async stop(): Promise<void> {
    for (const w of this.writers) w.close();
    await Promise.all(this.ended);
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  private take(m: WorkerPost): void {
    this.read[m.worker] = m.frames;
    this.faults[m.worker] = m.faults;
    this.disabled[m.worker] = m.disabled;
    for (const { input, storm } of m.inputs) {
      if (storm !== null) this.opts.alerts.openStorm(input, storm.rules, storm.untilTs);
      else this.opts.alerts.raise(input);
    }
  }
}
