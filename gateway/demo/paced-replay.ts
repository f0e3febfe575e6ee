// A FrameSource that replays a small capture in a loop at real-time pace (times a speed factor),
// moving packet times to a new origin so they run on monotonically from loop to loop: what
// `npm start` feeds the pipeline when there is no live interface.
import { performance } from 'node:perf_hooks';
import { LINKTYPE_ETHERNET } from '../capture/link-types.js';
import type { FrameSink, FrameSource, SourceStats } from '../capture/frame-source.js';
import { openCapture } from '../capture/open-capture.js';

/** One frame to replay. `ts` is its packet time in the capture, µs. */
export interface ReplayFrame {
  ts: number;
  data: Buffer;
  /** Bytes on the wire. Default data.length. */
  origLen?: number;
  /** LINKTYPE_* of the frame. Default the replay's linkType. */
  linkType?: number;
  ifIndex?: number;
}

/** Options of a PacedReplay. Give `frames` or `file`. */
export interface PacedReplayOptions {
  /** The frames, in capture order. */
  frames?: readonly ReplayFrame[];
  /** A pcap or pcapng file, read (whole, into memory: meant for small captures) when run() starts. */
  file?: string;
  /** Link type of frames that carry none. Default Ethernet. */
  linkType?: number;
  /** Packet time given to the first frame of the first loop, µs since the epoch (the daemon passes the wall clock). */
  startTimeUs: number;
  /** Pace: 1 is real time, 10 ten times faster. Packet times keep the capture's spacing at any speed. Default 1. */
  speed?: number;
  /** Silence after the last frame of a loop before the next loop's first, µs (at least 1). Default 1,000,000. */
  gapUs?: number;
  /** Start of one loop to the start of the next, µs; overrides gapUs. Must exceed the capture's duration. */
  periodUs?: number;
  /** Loops after which run() ends. Default: none (until stop()). */
  maxLoops?: number;
  /** Most frames delivered in one turn of the event loop before the replay yields. Default 2048. */
  maxBurst?: number;
  /** Monotonic clock in ms that paces the replay. Default performance.now. */
  clock?: () => number;
}

/** Longest sleep between two wakes, ms: a wake with nothing due just sleeps again. */
const MAX_SLEEP_MS = 1000;

/**
 * Replays frames in a loop: frame i of loop k gets packet time
 * `startTimeUs + k × period + (ts_i − ts_0)` and is handed to the sink when that much time (divided
 * by `speed`) has passed since run() began. Frames whose times went backwards in the capture keep
 * the time of the frame before them, so packet time never decreases. Timers only: every frame due
 * at a wake is delivered (at most `maxBurst`, then it yields), the event loop is never blocked.
 * The sink gets the replay's own buffers: like every source's, they are valid only during the call.
 */
export class PacedReplay implements FrameSource {
  readonly label: string;
  readonly totalBytes = undefined;
  /** Frames handed to the sink so far. */
  frames = 0;
  /** Bytes handed to the sink so far (captured lengths). */
  bytes = 0;
  /** Loops completed. */
  loops = 0;

  private list: readonly ReplayFrame[];
  /** Offset of each frame from the first, µs, never decreasing. */
  private offsets = new Float64Array(0);
  private periodUs = 0;
  private readonly speed: number;
  private readonly startUs: number;
  private readonly clock: () => number;
  private readonly maxBurst: number;
  private readonly maxLoops: number;
  private readonly warnings: string[] = [];
  /** Clock reading when the first frame was due; null before. */
  private wallStart: number | null = null;
  private next = 0;
  private started = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** Ends run(): resolves it on null, rejects it with the error otherwise. */
  private settle: ((failure: { error: unknown } | null) => void) | null = null;

  /** Throws a RangeError on a bad option. */
  constructor(private readonly opts: PacedReplayOptions) {
    if ((opts.frames === undefined) === (opts.file === undefined)) throw new RangeError('PacedReplay: give frames or file');
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0 && Number.isFinite(this.speed))) throw new RangeError('PacedReplay: speed must be a positive number');
    if (!Number.isFinite(opts.startTimeUs)) throw new RangeError('PacedReplay: startTimeUs must be a number');
    this.startUs = Math.round(opts.startTimeUs);
    this.maxLoops = opts.maxLoops ?? Infinity;
    if (!(this.maxLoops >= 1)) throw new RangeError('PacedReplay: maxLoops must be at least 1');
    this.maxBurst = opts.maxBurst ?? 2048;
    if (!(Number.isInteger(this.maxBurst) && this.maxBurst >= 1)) throw new RangeError('PacedReplay: maxBurst must be a whole number of at least 1');
    if (opts.gapUs !== undefined && !(opts.gapUs >= 1)) throw new RangeError('PacedReplay: gapUs must be at least 1');
    this.clock = opts.clock ?? (() => performance.now());
    this.label = opts.file ?? 'demo frames';
    this.list = opts.frames ?? [];
  }

  /** Start of one loop to the start of the next, µs (known once run() has the frames). */
  get loopUs(): number {
    return this.periodUs;
  }

  /** The replay's packet clock now, µs: where packet time stands between frames (for time-outs when the link is quiet). */
  packetClockUs(): number {
    return this.wallStart === null ? this.startUs : this.startUs + Math.floor((this.clock() - this.wallStart) * 1000 * this.speed);
  }

  async run(sink: FrameSink, onProgress?: (bytesDone: number) => void): Promise<SourceStats> {
    if (this.started) throw new Error('PacedReplay: run() called twice');
    this.started = true;
    if (this.opts.file !== undefined) this.list = await this.load(this.opts.file);
    this.prepare();
    if (this.list.length > 0 && !this.stopped) {
      this.wallStart = this.clock();
      await new Promise<void>((resolve, reject) => {
        this.settle = (failure) => (failure === null ? resolve() : reject(failure.error));
        this.wake(sink, onProgress);
      });
    }
    return { frames: this.frames, bytes: this.bytes, dropped: 0, warnings: [...this.warnings] };
  }

  /** Ends the run; its promise resolves. Safe to call twice, and before run(). */
  stop(): void {
    this.stopped = true;
    this.finish();
  }

  private finish(error?: unknown): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const settle = this.settle;
    this.settle = null;
    settle?.(error === undefined ? null : { error });
  }

  /** Reads a capture file into memory, copying each frame out of the reader's chunk buffer. */
  private async load(file: string): Promise<ReplayFrame[]> {
    const out: ReplayFrame[] = [];
    const src = openCapture(file);
    const stats = await src.run((buf, off, capLen, origLen, ts, linkType, ifIndex) => {
      out.push({ ts, data: Buffer.from(buf.subarray(off, off + capLen)), origLen, linkType, ifIndex });
    });
    this.warnings.push(...stats.warnings);
    return out;
  }

  /** Offsets from the first frame (never decreasing) and the loop period. */
  private prepare(): void {
    const n = this.list.length;
    this.offsets = new Float64Array(n);
    const first = n > 0 ? this.list[0]!.ts : 0;
    for (let i = 1; i < n; i++) this.offsets[i] = Math.max(this.offsets[i - 1]!, Math.round(this.list[i]!.ts - first));
    const duration = n > 0 ? this.offsets[n - 1]! : 0;
    this.periodUs = this.opts.periodUs ?? duration + Math.round(this.opts.gapUs ?? 1e6);
    if (!(this.periodUs > duration)) throw new RangeError(`PacedReplay: periodUs ${this.periodUs} does not exceed the capture's duration ${duration} µs`);
  }

  /** Delivers every frame that is due (up to maxBurst) and sleeps until the next one is. */
  private wake(sink: FrameSink, onProgress?: (bytesDone: number) => void): void {
    this.timer = null;
    if (this.stopped) return;
    const dueUs = (this.clock() - this.wallStart!) * 1000 * this.speed;
    const list = this.list;
    const link = this.opts.linkType ?? LINKTYPE_ETHERNET;
    let sent = 0;
    let atUs = this.loops * this.periodUs + this.offsets[this.next]!;
    try {
      while (sent < this.maxBurst && atUs <= dueUs && !this.stopped) {
        const f = list[this.next]!;
        sink(f.data, 0, f.data.length, f.origLen ?? f.data.length, this.startUs + atUs, f.linkType ?? link, f.ifIndex ?? 0);
        this.frames++;
        this.bytes += f.data.length;
        sent++;
        if (++this.next === list.length) {
          this.next = 0;
          if (++this.loops >= this.maxLoops) {
            onProgress?.(this.bytes);
            this.finish();
            return;
          }
        }
        atUs = this.loops * this.periodUs + this.offsets[this.next]!;
      }
    } catch (e) {
      this.finish(e);
      return;
    }
    if (sent > 0) onProgress?.(this.bytes);
    if (this.stopped) return;
    const waitMs = sent >= this.maxBurst ? 0 : Math.min(MAX_SLEEP_MS, Math.max(0, (atUs - dueUs) / (1000 * this.speed)));
    this.timer = setTimeout(() => this.wake(sink, onProgress), waitMs);
  }
}
