// Entry of a live sensor worker thread (config `capture.workers`): reads the frames dealt to it
// from its ring (workers/frame-ring.ts), runs them through its own sensor with the detectors the
// pool gives it, and posts every alert input to the main thread, which raises them into the one
// alert manager (workers/worker-pool.ts). Stops when the ring is closed and read to the end.
import { parentPort, workerData } from 'node:worker_threads';
import { ALERTS_DEFAULTS, AlertManager } from '../alerts/alert-manager.js';
import { DETECTORS } from '../detect/registry.js';
import { standardPlugins } from '../plugins/standard-plugins.js';
import { FrameRingReader } from './frame-ring.js';
import { buildSensor } from '../sensor/sensor.js';
import { postedInput, type WorkerPost, type WorkerSetup } from './worker-messages.js';

const setup = workerData as WorkerSetup;
const reader = new FrameRingReader(setup.ring);
const alerts = new AlertManager({ ...ALERTS_DEFAULTS, ...setup.alerts }, null, false);
let pending: WorkerPost['inputs'] = [];
alerts.tapInputs((input, storm) => pending.push(postedInput(input, storm)));
const sensor = buildSensor({
  config: setup.config, alerts,
  plugins: standardPlugins({ detect: setup.detect, detectors: DETECTORS.filter((d) => setup.detectors.includes(d.name)), detectorsOnly: true }),
});
const sink = sensor.sink;
/** Frames read per batch before the clocks and the post are looked at. */
const BATCH = 4096;
/** Wall-clock ms between two posts of pending alert inputs and stats. */
const POST_MS = 200;
let lastPost = Date.now();
/** Wall-clock ms of the last batch: on a quiet link the packet clock is its last frame's time moved on by the wall clock since. */
let lastBatchWall = 0;

function post(final: boolean): void {
  const h = sensor.health();
  const msg: WorkerPost = { worker: setup.index, inputs: pending, frames: sensor.pipeline.packets, faults: h.faults, disabled: h.disabled, final };
  pending = [];
  parentPort!.postMessage(msg);
}

for (;;) {
  const n = reader.read(sink, BATCH);
  const now = Date.now();
  if (n > 0) lastBatchWall = now;
  else {
    if (reader.done) break;
    // A quiet link: time still passes for flows and windows.
    const lastTs = sensor.pipeline.lastTs;
    if (lastTs >= 0) {
      const us = lastTs + (now - lastBatchWall) * 1000;
      sensor.pipeline.flows.expire(us);
      sensor.tick(us);
    }
    reader.wait(100);
  }
  if (now - lastPost >= POST_MS) {
    lastPost = now;
    alerts.flush();
    post(false);
  }
}
sensor.finish();
alerts.flush();
post(true);
