// Live capture from a network interface through edgeward's libpcap addon (pcap-binding.ts): a
// capture thread fills a byte ring, and this source drains it in batches into one reused buffer,
// handing each frame to the sink with libpcap's own timestamp and wire length.
import { CaptureError, type FrameSink, type FrameSource, type SourceStats } from './frame-source.js';
import { DLT_RAW_BSD_12, DLT_RAW_BSD_14, LINKTYPE_LOOP, LINKTYPE_RAW } from './link-types.js';
import {
  LIVE_CAPTURE_FIX_HINT,
  RECORD_ALIGN,
  RECORD_HEADER_BYTES,
  captureUnavailableReason,
  loadPcapBinding,
  type CaptureStats,
  type NativeCaptureStats,
  type PcapBinding,
  type PcapHandle,
} from './pcap-binding.js';

export { LIVE_CAPTURE_FIX_HINT, captureUnavailableReason, type CaptureStats };

/** Largest snaplen libpcap accepts (MAXIMUM_SNAPLEN in pcap-int.h), bytes. */
const MAX_SNAPLEN = 262144;
/** pcap_set_buffer_size takes an int. */
const MAX_BUFFER_SIZE = 0x7fffffff;
/** Smallest and largest user ring, bytes. */
const MIN_RING_SIZE = 64 * 1024;
const MAX_RING_SIZE = 2 ** 32;
/** Largest pcap_set_timeout accepted here, ms. */
const MAX_TIMEOUT_MS = 60_000;
/** The buffer records are copied into; holds a whole record of the largest snaplen. */
const READ_BUFFER_BYTES = 1024 * 1024;
/** One drain turn hands over at most this many bytes or records, then yields to the event loop. */
const YIELD_BYTES = 4 * 1024 * 1024;
const YIELD_RECORDS = 16_384;

/**
 * LINKTYPE_* number (the pcap file formats') for a DLT_* number (what libpcap's pcap_datalink()
 * returns). They are the same but where a BSD gave raw IP its own number
 * (https://www.tcpdump.org/linktypes.html): DLT 14 is raw IP, and DLT 12 is raw IP everywhere but
 * OpenBSD, where it is DLT_LOOP. Any other value is passed on (the decoder counts what it does
 * not know as decoder.link.unsupported).
 */
export function dltToLinkType(dlt: number): number {
  if (dlt === DLT_RAW_BSD_12) return process.platform === 'openbsd' ? LINKTYPE_LOOP : LINKTYPE_RAW;
  if (dlt === DLT_RAW_BSD_14) return LINKTYPE_RAW;
  return dlt;
}

/** Options of a live capture. Which ones can change at run time: none (a new source is opened). */
export interface LiveSourceOptions {
  /** Interface name, e.g. 'lo', 'eth0', 'br-lan'. */
  device: string;
  /** BPF filter (pcap-filter(7)); default '' (everything). */
  filter?: string;
  /** Bytes kept of each frame, 1..262144; default 65535. Longer frames keep their wire length in origLen. */
  snaplen?: number;
  /** Kernel capture buffer (pcap_set_buffer_size), bytes; default 32 MiB. */
  bufferSize?: number;
  /** User ring between the capture thread and JavaScript, bytes, 64 KiB..4 GiB; default 64 MiB. */
  ringSize?: number;
  /** How long the kernel holds a partly filled block before handing it over (pcap_set_timeout), ms, 1..60000; default 10. */
  timeoutMs?: number;
  /** Promiscuous mode; default true. */
  promiscuous?: boolean;
  /** libpcap immediate mode: each frame at once, at a much higher cost per frame at high rates; default false. */
  immediate?: boolean;
}

/** Defaults of `LiveSourceOptions`. */
export const LIVE_SOURCE_DEFAULTS = Object.freeze({
  filter: '',
  /** bytes */
  snaplen: 65535,
  /** bytes (32 MiB) */
  bufferSize: 32 * 1024 * 1024,
  /** bytes (64 MiB) */
  ringSize: 64 * 1024 * 1024,
  /** ms */
  timeoutMs: 10,
  promiscuous: true,
  immediate: false,
});

/** `captureStats()`: the addon's counters plus what this source did with the frames. */
export interface LiveCaptureStats extends CaptureStats {
  /** Frames handed to the sink. */
  delivered: number;
  /** Frames whose sink threw (skipped). */
  sinkErrors: number;
}

const ZERO_STATS: Readonly<NativeCaptureStats> = Object.freeze({
  received: 0,
  kernelDropped: 0,
  ifDropped: 0,
  ringDropped: 0,
  captured: 0,
  capturedBytes: 0,
  error: null,
});

type State = 'new' | 'opening' | 'open' | 'stopped';

/**
 * Live frames from one interface through libpcap. One capture session per instance: `open()` (or
 * `run()`, which opens when needed), then `stop()`; a stopped source stays stopped.
 *
 * - Time and lengths: `tsMicros` is libpcap's timestamp of the frame (kernel receive time, µs),
 *   `origLen` its length on the wire, `capLen` at most `snaplen`.
 * - Buffering: the kernel buffer (`bufferSize`) feeds a capture thread, which copies frames into
 *   the user ring (`ringSize`); JavaScript drains the ring in batches and yields to the event loop
 *   every 4 MiB or 16,384 frames, so a flood does not starve timers. Frames that arrive between
 *   `open()` and `run()` wait in the ring.
 * - Drops: `captureStats()` tells kernel (`kernelDropped`, full kernel buffer), interface
 *   (`ifDropped`) and ring (`ringDropped`, JavaScript too slow) drops apart; `stats().dropped` is
 *   their sum. The kernel counters are refreshed every ~100 ms.
 * - Errors: a failure to open rejects with CaptureError `capture.open_failed`; a missing addon
 *   with `capture.live_unavailable` (its message names {@link LIVE_CAPTURE_FIX_HINT}); an error
 *   that ends the capture later (interface gone) rejects `run()` with `capture.open_failed`. If
 *   the sink throws, the frame is skipped and counted (`sinkErrors`), and capture goes on.
 */
export class LiveSource implements FrameSource {
  readonly label: string;
  readonly totalBytes: number | undefined = undefined;
  private readonly device: string;
  /** The options, checked, defaults filled in. */
  private readonly o: Required<Omit<LiveSourceOptions, 'device'>>;
  /** Records are copied here; the views read their headers (records are 8-byte aligned). */
  private buf: Buffer | null = null;
  private u32: Uint32Array | null = null;
  private f64: Float64Array | null = null;
  private binding: PcapBinding | null = null;
  private handle: PcapHandle | null = null;
  private state: State = 'new';
  /** stop() was called (as opposed to a failed open). */
  private stopRequested = false;
  private opening: Promise<number> | null = null;
  private sink: FrameSink | null = null;
  private finish: ((stats: SourceStats) => void) | null = null;
  private fail: ((err: unknown) => void) | null = null;
  /** A drain runs or is scheduled (setImmediate): onReadable then has nothing to do. */
  private draining = false;
  private truncatedWarned = false;
  private readonly st = { frames: 0, bytes: 0, warnings: [] as string[] };
  private sinkErrorCount = 0;
  private link = -1;
  private linkName = '';
  /** The counters at close, kept for stats() after stop(). */
  private finalStats: NativeCaptureStats | null = null;

  constructor(opts: LiveSourceOptions) {
    const o = { ...LIVE_SOURCE_DEFAULTS, ...stripUndefined(opts) };
    if (typeof o.device !== 'string' || o.device === '') {
      throw new CaptureError('capture.open_failed', 'live capture: device must be a non-empty interface name');
    }
    this.label = o.device;
    const bad = (what: string) => new CaptureError('capture.open_failed', `${o.device}: ${what}`);
    if (typeof o.filter !== 'string') throw bad('filter must be a string');
    if (!Number.isInteger(o.snaplen) || o.snaplen < 1 || o.snaplen > MAX_SNAPLEN) {
      throw bad(`snaplen must be an integer in 1..${MAX_SNAPLEN}, got ${o.snaplen}`);
    }
    if (!Number.isInteger(o.bufferSize) || o.bufferSize < 1 || o.bufferSize > MAX_BUFFER_SIZE) {
      throw bad(`bufferSize must be a positive integer of bytes below 2 GiB, got ${o.bufferSize}`);
    }
    if (!Number.isInteger(o.ringSize) || o.ringSize < MIN_RING_SIZE || o.ringSize > MAX_RING_SIZE) {
      throw bad(`ringSize must be an integer of bytes in ${MIN_RING_SIZE}..${MAX_RING_SIZE}, got ${o.ringSize}`);
    }
    if (!Number.isInteger(o.timeoutMs) || o.timeoutMs < 1 || o.timeoutMs > MAX_TIMEOUT_MS) {
      throw bad(`timeoutMs must be an integer of ms in 1..${MAX_TIMEOUT_MS}, got ${o.timeoutMs}`);
    }
    if (typeof o.promiscuous !== 'boolean') throw bad('promiscuous must be a boolean');
    if (typeof o.immediate !== 'boolean') throw bad('immediate must be a boolean');
    this.device = o.device;
    this.o = o;
    const largestRecord = RECORD_HEADER_BYTES + alignUp(o.snaplen);
    if (largestRecord > o.ringSize) {
      this.st.warnings.push(`ringSize ${o.ringSize} holds no frame longer than ${o.ringSize - RECORD_HEADER_BYTES} bytes: longer ones are counted as ringDropped`);
    }
  }

  /** LINKTYPE_* of the open interface; -1 before `open()` has resolved. */
  get linkType(): number {
    return this.link;
  }

  /** libpcap's name of the interface's DLT ('EN10MB', 'LINUX_SLL2'…); '' before `open()` has resolved. */
  get linkTypeName(): string {
    return this.linkName;
  }

  /**
   * Opens the interface and starts capturing; resolves to its LINKTYPE_* value. Idempotent.
   * Frames wait in the ring until `run()` gives a sink (tests open first to know capture has
   * started before they send).
   */
  open(): Promise<number> {
    if (this.opening !== null) return this.opening;
    if (this.stopRequested) return Promise.reject(new CaptureError('capture.open_failed', `${this.device}: source was stopped`));
    this.opening = this.doOpen();
    return this.opening;
  }

  private async doOpen(): Promise<number> {
    this.state = 'opening';
    await Promise.resolve(); // open() answers asynchronously, whatever happens
    const b = loadPcapBinding();
    if (b === null) {
      this.state = 'stopped';
      throw new CaptureError('capture.live_unavailable', captureUnavailableReason() ?? `live capture is unavailable; fix: ${LIVE_CAPTURE_FIX_HINT}`);
    }
    if (this.stopRequested) throw new CaptureError('capture.open_failed', `${this.device}: source was stopped`);
    let opened;
    try {
      const { snaplen, promiscuous, bufferSize, timeoutMs, immediate, filter, ringSize } = this.o;
      opened = b.open(this.device, { snaplen, promiscuous, bufferSize, timeoutMs, immediate, filter, ringBytes: ringSize, onReadable: () => this.onReadable() });
    } catch (e) {
      this.state = 'stopped';
      const err = e as Error & { code?: string };
      let msg = String(err?.message ?? e);
      if (!msg.startsWith(`${this.device}:`)) msg = `${this.device}: ${msg}`;
      if (err?.code === 'PCAP_ERROR_NO_SUCH_DEVICE') msg += ` (interfaces: ${b.devices().join(', ') || 'none found'})`;
      throw new CaptureError('capture.open_failed', msg);
    }
    this.binding = b;
    this.handle = opened.handle;
    this.link = dltToLinkType(opened.dlt);
    this.linkName = opened.dltName;
    for (const w of opened.warnings) this.st.warnings.push(w);
    this.buf = Buffer.alloc(READ_BUFFER_BYTES);
    this.u32 = new Uint32Array(this.buf.buffer, this.buf.byteOffset, this.buf.length >>> 2);
    this.f64 = new Float64Array(this.buf.buffer, this.buf.byteOffset, this.buf.length >>> 3);
    this.state = 'open';
    if (this.sink !== null) this.drain();
    return this.link;
  }

  /**
   * Hands every captured frame to `sink` until `stop()`; resolves with the stats then. Opens the
   * interface if `open()` was not called. `onProgress` is not used (no total for a live source).
   */
  run(sink: FrameSink, _onProgress?: (bytesDone: number) => void): Promise<SourceStats> {
    if (this.sink !== null) return Promise.reject(new CaptureError('capture.open_failed', `${this.device}: run() called twice`));
    if (this.stopRequested) return Promise.resolve(this.stats());
    this.sink = sink;
    const done = new Promise<SourceStats>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    // A stop() while opening makes open() reject; run() then ends normally.
    if (this.state === 'open') this.drain();
    else this.open().catch((e: unknown) => this.settle(this.stopRequested ? null : e));
    return done;
  }

  /** Closes the handle and resolves `run()`. Safe to call twice, before `open()` and from the sink. */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    const wasOpen = this.handle !== null;
    this.closeHandle();
    if (this.opening === null || wasOpen) this.settle(null);
  }

  /** A snapshot of the counters so far (frames and bytes delivered, drops of every kind, warnings). */
  stats(): SourceStats {
    const n = this.nativeStats();
    return {
      frames: this.st.frames,
      bytes: this.st.bytes,
      dropped: n.kernelDropped + n.ifDropped + n.ringDropped,
      sinkErrors: this.sinkErrorCount,
      warnings: [...this.st.warnings],
    };
  }

  /** Live capture counters (zeros before `open()`, the last ones after `stop()`) and the sink's. */
  captureStats(): LiveCaptureStats {
    const n = this.nativeStats();
    return {
      received: n.received,
      kernelDropped: n.kernelDropped,
      ifDropped: n.ifDropped,
      ringDropped: n.ringDropped,
      captured: n.captured,
      capturedBytes: n.capturedBytes,
      delivered: this.st.frames,
      sinkErrors: this.sinkErrorCount,
    };
  }

  private nativeStats(): NativeCaptureStats {
    if (this.finalStats !== null) return this.finalStats;
    if (this.binding === null || this.handle === null) return ZERO_STATS;
    return this.binding.stats(this.handle);
  }

  private closeHandle(): void {
    this.state = 'stopped';
    const b = this.binding;
    const h = this.handle;
    if (b === null || h === null) return;
    this.handle = null;
    b.close(h); // safe inside onReadable and inside the sink
    this.finalStats = b.stats(h);
  }

  private settle(err: unknown): void {
    const finish = this.finish;
    const fail = this.fail;
    this.finish = null;
    this.fail = null;
    if (err !== null && err !== undefined) fail?.(err);
    else finish?.(this.stats());
  }

  /** The addon's wake-up: records arrived after `arm()`, or the capture thread ended. */
  private onReadable(): void {
    if (!this.draining && this.sink !== null) this.drain();
  }

  /**
   * Copies records out of the ring and hands them to the sink until the ring is empty, then arms
   * the wake-up and reads once more (a record that came in between is not left waiting). Yields
   * with setImmediate after YIELD_BYTES or YIELD_RECORDS.
   */
  private drain(): void {
    this.draining = false;
    const b = this.binding;
    const h = this.handle;
    const buf = this.buf;
    if (b === null || h === null || buf === null || this.state !== 'open') return;
    let bytes = 0;
    let records = 0;
    let armed = false;
    for (;;) {
      const n = b.read(h, buf);
      if (n > 0) {
        armed = false;
        records += this.deliver(n);
        if (this.state !== 'open') return; // the sink stopped the source
        bytes += n;
        if (bytes >= YIELD_BYTES || records >= YIELD_RECORDS) {
          this.draining = true;
          setImmediate(() => this.drain());
          return;
        }
        continue;
      }
      if (n < 0) {
        this.ended();
        return;
      }
      if (armed) return;
      b.arm(h);
      armed = true;
    }
  }

  /** Hands the `n` bytes of records in the read buffer to the sink; returns how many there were. */
  private deliver(n: number): number {
    const buf = this.buf!;
    const u32 = this.u32!;
    const f64 = this.f64!;
    const sink = this.sink!;
    const link = this.link;
    let count = 0;
    for (let p = 0; p < n; ) {
      const capLen = u32[p >>> 2]!;
      const origLen = u32[(p >>> 2) + 1]!;
      const ts = f64[(p >>> 3) + 1]!;
      const off = p + RECORD_HEADER_BYTES;
      p = off + alignUp(capLen);
      count++;
      if (capLen < origLen && !this.truncatedWarned) {
        this.truncatedWarned = true;
        this.st.warnings.push(`frames longer than snaplen ${this.o.snaplen} bytes are truncated (origLen keeps their length on the wire)`);
      }
      this.st.frames++;
      this.st.bytes += capLen;
      // The sensor contains its plug-ins' throws (sensor/plugin-bus.ts); one that still escapes the
      // sink is counted and the frame skipped: one bad packet never ends monitoring of the network.
      try {
        sink(buf, off, capLen, origLen, ts, link, 0);
      } catch (e) {
        if (this.sinkErrorCount++ === 0) this.st.warnings.push(`the sink threw (frame skipped, capture goes on): ${(e as Error)?.message ?? String(e)}`);
      }
      if (this.state !== 'open') break;
    }
    return count;
  }

  /** The capture thread ended on its own: an error (the interface went away). */
  private ended(): void {
    if (this.state !== 'open') return;
    const err = this.nativeStats().error ?? 'capture ended';
    this.closeHandle();
    this.stopRequested = true;
    this.settle(new CaptureError('capture.open_failed', `${this.device}: capture stopped: ${err}`));
  }
}

function alignUp(n: number): number {
  return (n + RECORD_ALIGN - 1) & ~(RECORD_ALIGN - 1);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
