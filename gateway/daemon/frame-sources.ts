// Where the daemon's frames come from: the live interface (libpcap), the bundled
// demo (a generated home-network capture, or the file demo.capture names, replayed in a loop at
// real-time pace, its packet times moved to the wall clock so the dashboard reads "now"), or nothing (frames arrive only through
// ingestCapture, as in the API tests).
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { FrameSink } from '../capture/frame-source.js';
import { LiveSource } from '../capture/live-source.js';
import type { GatewayConfig } from '../config/load-config.js';
import { PacedReplay } from '../demo/paced-replay.js';
import { writeDemoCapture } from '../demo/demo-network.js';
import type { EventLog } from '../common/event-log.js';
import type { CaptureStats } from '../capture/pcap-binding.js';

export type SourceKind = 'live' | 'demo' | 'none';

/** A started source: stop() resolves once no more frames will come. */
export interface RunningSource {
  stop(): Promise<void>;
  /** Packet time now, µs: the wall clock for a live link, the replay's own clock for the demo (faster at speed > 1). */
  clockUs(): number;
  /**
   * The live capture's counters since open (kernel, interface and ring drops, frames captured);
   * null for the demo. The rest of the daemon reads capture loss only through this, whichever
   * machinery (one capture thread, a worker pool) makes the frames.
   */
  captureStats(): CaptureStats | null;
}

/** Opens and starts the source of `kind`; frames go to `sink` from then on. */
export async function startSource(kind: SourceKind, cfg: Readonly<GatewayConfig>, sink: FrameSink, log: EventLog): Promise<RunningSource | null> {
  if (kind === 'none') return null;
  if (kind === 'live') {
    const c = cfg.capture;
    const src = new LiveSource({ device: c.interface, filter: c.filter, snaplen: c.snaplen, bufferSize: c.bufferSize, ringSize: c.ringSize, timeoutMs: c.timeoutMs, promiscuous: c.promiscuous });
    const linkType = await src.open();
    log('capture.opened', { interface: c.interface, linkType });
    const running = src.run(sink).catch((e: unknown) => log('capture.failed', { error: (e as Error).message }));
    return { stop: async () => { src.stop(); await running; }, clockUs: () => Date.now() * 1000, captureStats: () => src.captureStats() };
  }
  const file = cfg.demo.capture !== '' ? ownCapture(cfg.demo.capture) : join(cfg.storage.dataDir, 'demo.pcap');
  // The generated capture is written afresh at each start (it is small and deterministic), so a user
  // can open the very file being replayed in Wireshark; an own capture is read as it is (its frame
  // count is known once it is read: null in the log).
  const frames = cfg.demo.capture !== '' ? null : writeDemoCapture(file);
  const replay = new PacedReplay({ file, speed: cfg.demo.speed, startTimeUs: Date.now() * 1000 });
  log('demo.started', { capture: file, frames, speed: cfg.demo.speed });
  const running = replay.run(sink).catch((e: unknown) => log('demo.failed', { error: (e as Error).message }));
  return { stop: async () => { replay.stop(); await running; }, clockUs: () => replay.packetClockUs(), captureStats: () => null };
}

/**
 * demo.capture, checked readable now: a wrong path stops the start instead of leaving a daemon that
 * never sees a frame (the replay itself reads the file only once it runs).
 */
function ownCapture(file: string): string {
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    throw new Error(`demo.capture: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return file;
}
