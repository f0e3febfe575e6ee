// Live capture from a network interface through the optional native module `cap` (libpcap, BPF
// filter). `cap` is loaded lazily so that file replay works on machines where it did not build.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { CaptureError, type FrameSink, type FrameSource, type SourceStats } from './frame-source.js';
import {
  DLT_RAW_BSD_12,
  DLT_RAW_BSD_14,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from './link-types.js';

/** What an operator must do when `cap` is missing; part of every "unavailable" message. */
export const CAP_FIX_HINT =
  'live capture needs the optional native module `cap`: apt-get install libpcap-dev && npm install --no-save cap@0.2.1 && npm rebuild cap';

/** 802.11 plus radiotap header (LINKTYPE_IEEE802_11_RADIOTAP); edgeward does not decode it. */
const LINKTYPE_IEEE802_11_RADIOTAP = 127;
/** cap 0.2.1 sets libpcap's snaplen to 65535 whatever it is asked; a longer buffer is never filled. */
const CAP_FIXED_SNAPLEN = 65535;
/** Largest snaplen libpcap accepts (MAXIMUM_SNAPLEN in pcap-int.h), bytes. */
const MAX_SNAPLEN = 262144;
/** cap reads bufSize as a positive int32. */
const MAX_BUFFER_SIZE = 0x7fffffff;
/** How often the live clock is compared with the wall clock, ms of monotonic time. */
const CLOCK_RESYNC_MS = 1000;
/** A wall-clock difference larger than this (ms) moves the live clock (Date.now() has 1 ms steps). */
const CLOCK_RESYNC_TOLERANCE_MS = 2;

/** The part of a `cap` handle (an EventEmitter made by `new Cap()`) that edgeward uses. */
export interface CapHandle {
  /** Opens `device`; returns the link type as a name ('ETHERNET', 'NULL', …). Throws on error. */
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  /** Stops capturing; true when a capture was open. */
  close(): boolean;
  /** Windows (Npcap) only in cap 0.2.1. */
  setMinBytes?(nBytes: number): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): unknown;
  removeAllListeners(event?: string): unknown;
}

/** An interface as listed by `Cap.deviceList()`. */
export interface CapDevice {
  name: string;
  description?: string;
  addresses: { addr?: string; netmask?: string; broadaddr?: string; dstaddr?: string }[];
  flags?: string;
}

/** The `cap` module's exports that edgeward uses. */
export interface CapModule {
  Cap: {
    new (): CapHandle;
    deviceList(): CapDevice[];
    findDevice(ip?: string): string | undefined;
  };
}

let capLoad: Promise<CapModule | null> | null = null;
let capFailure: string | null = null;

/**
 * Loads `cap` (CommonJS, native) once and caches the answer. Resolves null when it is not
 * installed or does not load (not built, libpcap missing); `capUnavailableReason()` then says why.
 */
export function loadCap(): Promise<CapModule | null> {
  capLoad ??= Promise.resolve().then(() => {
    try {
      const require = createRequire(import.meta.url);
      const mod = require('cap') as Partial<CapModule>;
      if (typeof mod?.Cap !== 'function') {
        capFailure = `${CAP_FIX_HINT} (the installed \`cap\` exports no Cap class)`;
        return null;
      }
      return mod as CapModule;
    } catch (e) {
      const first = String((e as Error)?.message ?? e).split('\n')[0];
      capFailure = `${CAP_FIX_HINT} (${first})`;
      return null;
    }
  });
  return capLoad;
}

/** Why live capture is unavailable, naming the fix; null until `loadCap()` has failed. */
export function capUnavailableReason(): string | null {
  return capFailure;
}

/**
 * LINKTYPE_* number for the link-type name `cap.open()` returns, or null when unknown.
 * cap 0.2.1 names DLT_NULL 'NULL', DLT_EN10MB 'ETHERNET', DLT_IEEE802_11_RADIO 'IEEE802_11_RADIO',
 * DLT_LINUX_SLL 'LINKTYPE_LINUX_SLL', DLT_RAW 'RAW', and any other 'Unknown linktype <DLT>';
 * the other names are accepted for forks and later versions.
 */
export function capLinkType(name: string): number | null {
  switch (name) {
    case 'NULL':
      return LINKTYPE_NULL;
    case 'ETHERNET':
      return LINKTYPE_ETHERNET;
    case 'LINUX_SLL':
    case 'LINKTYPE_LINUX_SLL':
      return LINKTYPE_LINUX_SLL;
    case 'LINUX_SLL2':
    case 'LINKTYPE_LINUX_SLL2':
      return LINKTYPE_LINUX_SLL2;
    case 'RAW':
      return LINKTYPE_RAW;
    case 'IPV4':
      return LINKTYPE_IPV4;
    case 'IPV6':
      return LINKTYPE_IPV6;
    case 'LOOP':
      return LINKTYPE_LOOP;
    case 'IEEE802_11_RADIO':
      return LINKTYPE_IEEE802_11_RADIOTAP;
  }
  const m = /^Unknown linktype (\d+)$/.exec(name);
  if (m === null) return null;
  const dlt = Number(m[1]);
  // DLT_* and LINKTYPE_* differ only where a BSD gave raw IP its own number
  // (https://www.tcpdump.org/linktypes.html); 12 is DLT_LOOP on OpenBSD, but cap names 12 'RAW'
  // on every other system, so only OpenBSD can get here with it.
  if (dlt === DLT_RAW_BSD_12) return process.platform === 'openbsd' ? LINKTYPE_LOOP : LINKTYPE_RAW;
  if (dlt === DLT_RAW_BSD_14) return LINKTYPE_RAW;
  return dlt;
}

/** Options of a live capture. */
export interface LiveSourceOptions {
  /** Interface name, e.g. 'lo', 'eth0', 'br-lan'. */
  device: string;
  /** BPF filter (pcap-filter(7)); default '' (everything). */
  filter?: string;
  /**
   * Bytes kept of each frame, default 65535. cap fixes libpcap's own snaplen at 65535, so this is
   * applied by the size of the copy buffer: a smaller value truncates frames, a larger one has no
   * effect beyond 65535 (a warning says so).
   */
  snaplen?: number;
  /** Kernel capture buffer, bytes; default 10 MiB. See `LiveSource` about lo's large frames. */
  bufferSize?: number;
  /**
   * Promiscuous mode, default true. cap 0.2.1 always opens in promiscuous mode; false is not
   * honoured and leaves a warning.
   */
  promiscuous?: boolean;
}

/** Defaults of `LiveSourceOptions`. */
export const LIVE_SOURCE_DEFAULTS = Object.freeze({
  filter: '',
  /** bytes */
  snaplen: 65535,
  /** bytes (10 MiB) */
  bufferSize: 10 * 1024 * 1024,
  promiscuous: true,
});

/**
 * Cap handles that are done with, kept for the life of the process: cap 0.2.1's destructor is
 * not safe to run. After a failed open() the handle holds a pcap_t but an uninitialised libuv
 * poll handle, and close() or the destructor (on GC) calls uv_poll_stop() on it: segfault. After
 * a successful open, close() stops the poll handle but never uv_close()s it, so it stays linked
 * in the event loop's handle list, and a destructor would leave that list pointing into freed
 * memory (the pattern of node_pcap issue 270). So a failed handle is never closed, and no handle
 * is ever let go. One small object (and, after a failed open, one pcap_t) per capture session.
 */
const retiredHandles: CapHandle[] = [];

type State = 'new' | 'opening' | 'open' | 'stopped';

/**
 * Live frames from one interface through libpcap (`cap`). One capture session per instance:
 * `open()` (or `run()`, which opens when needed), then `stop()`; a stopped source stays stopped.
 *
 * - Time: cap does not pass libpcap's packet timestamp, so `tsMicros` is the time the frame was
 *   delivered to JavaScript: the wall clock at open, advanced by the monotonic clock with µs
 *   resolution, realigned with the wall clock when it moves by more than 2 ms, and never going
 *   backwards (a wall clock stepped back holds time until it catches up). Delivery lags capture
 *   by the event loop's latency, and frames of one burst may share close timestamps.
 * - Lengths: cap gives the copied length and a truncated flag, not the frame's length on the
 *   wire, so `origLen` equals `capLen` (shorter than the wire for a truncated frame).
 * - Drops: cap 0.2.1 has no binding for pcap_stats(), so `dropped` counts only frames that came
 *   between `open()` and `run()`; kernel ring overruns are not seen. On Linux with immediate mode
 *   the ring's slots are sized by the interface's MTU: on lo (MTU 65536) the default 10 MiB held
 *   only about 80 frames before the kernel dropped (measured, libpcap 1.10); an Ethernet MTU
 *   gives far more slots. Raise `bufferSize` for bursty links.
 * - Errors: a failure to open rejects with CaptureError `capture.open_failed`; a missing cap with
 *   `capture.live_unavailable`. If the sink throws, the frame is skipped and counted (`sinkErrors`), and capture goes on.
 */
export class LiveSource implements FrameSource {
  readonly label: string;
  readonly totalBytes: number | undefined = undefined;
  private readonly device: string;
  private readonly filter: string;
  private readonly bufferSize: number;
  /**
   * The buffer cap copies each frame into. cap keeps only a raw pointer to it (Buffer::Data),
   * not a reference: if nothing in JavaScript held it, garbage collection would free it and the
   * next frame would be written into freed memory, killing the process after a few hundred
   * packets. This field holds it for the whole life of the instance, which the open cap handle
   * keeps alive through its 'packet' listener. Never replace it. (Regression test: 100,000+
   * live packets with forced GC in test/live/live-source.test.ts.)
   */
  private readonly buffer: Buffer;
  private cap: CapHandle | null = null;
  private state: State = 'new';
  /** stop() was called (as opposed to a failed open). */
  private stopRequested = false;
  private opening: Promise<number> | null = null;
  private sink: FrameSink | null = null;
  private finish: ((stats: SourceStats) => void) | null = null;
  private fail: ((err: unknown) => void) | null = null;
  private truncatedWarned = false;
  private readonly st: SourceStats = { frames: 0, bytes: 0, dropped: 0, sinkErrors: 0, warnings: [] };
  private link = -1;
  // Live clock: tsMicros = (offsetMs + performance.now()) * 1000.
  private clockOffsetMs = 0;
  private nextResyncMs = 0;
  private lastTs = 0;

  constructor(opts: LiveSourceOptions) {
    const o = { ...LIVE_SOURCE_DEFAULTS, ...stripUndefined(opts) };
    if (typeof o.device !== 'string' || o.device === '') {
      throw new CaptureError('capture.open_failed', 'live capture: device must be a non-empty interface name');
    }
    this.label = o.device;
    if (typeof o.filter !== 'string') throw new CaptureError('capture.open_failed', `${o.device}: filter must be a string`);
    if (!Number.isInteger(o.snaplen) || o.snaplen < 1 || o.snaplen > MAX_SNAPLEN) {
      throw new CaptureError('capture.open_failed', `${o.device}: snaplen must be an integer in 1..${MAX_SNAPLEN}, got ${o.snaplen}`);
    }
    if (!Number.isInteger(o.bufferSize) || o.bufferSize < 1 || o.bufferSize > MAX_BUFFER_SIZE) {
      throw new CaptureError('capture.open_failed', `${o.device}: bufferSize must be a positive integer of bytes below 2 GiB, got ${o.bufferSize}`);
    }
    this.device = o.device;
    this.filter = o.filter;
    this.bufferSize = o.bufferSize;
    if (o.snaplen > CAP_FIXED_SNAPLEN) {
      this.st.warnings.push(`snaplen ${o.snaplen} reduced to ${CAP_FIXED_SNAPLEN}: cap fixes libpcap's snaplen`);
    }
    if (o.promiscuous === false) {
      this.st.warnings.push('promiscuous: false is not honoured: cap always opens the interface in promiscuous mode');
    }
    this.buffer = Buffer.alloc(Math.min(o.snaplen, CAP_FIXED_SNAPLEN));
  }

  /** LINKTYPE_* of the open interface; -1 before `open()` has resolved. */
  get linkType(): number {
    return this.link;
  }

  /**
   * Opens the interface and starts capturing; resolves to its LINKTYPE_* value. Idempotent.
   * Frames that arrive before `run()` gives a sink are counted as dropped: call `run()` right
   * after (tests use this to know capture has started before they send).
   */
  open(): Promise<number> {
    if (this.opening !== null) return this.opening;
    if (this.stopRequested) return Promise.reject(new CaptureError('capture.open_failed', `${this.device}: source was stopped`));
    this.opening = this.doOpen();
    return this.opening;
  }

  private async doOpen(): Promise<number> {
    this.state = 'opening';
    const mod = await loadCap();
    if (mod === null) {
      this.state = 'stopped';
      throw new CaptureError('capture.live_unavailable', capUnavailableReason() ?? CAP_FIX_HINT);
    }
    // stop() may have come while cap was loading.
    if (this.stopRequested) throw new CaptureError('capture.open_failed', `${this.device}: source was stopped`);
    const cap = new mod.Cap();
    let name: string;
    try {
      name = cap.open(this.device, this.filter, this.bufferSize, this.buffer);
    } catch (e) {
      retiredHandles.push(cap); // no close(): it would segfault (see retiredHandles)
      this.state = 'stopped';
      throw new CaptureError('capture.open_failed', `${this.device}: ${(e as Error)?.message ?? String(e)}`);
    }
    const link = capLinkType(name);
    if (link === null) {
      cap.close();
      retiredHandles.push(cap);
      this.state = 'stopped';
      throw new CaptureError('capture.open_failed', `${this.device}: unsupported link type from cap: ${name}`);
    }
    this.link = link;
    this.cap = cap;
    this.state = 'open';
    // Windows only in cap 0.2.1 (Npcap min-to-copy); on Linux cap sets immediate mode itself.
    cap.setMinBytes?.(0);
    this.clockOffsetMs = Date.now() - performance.now();
    this.nextResyncMs = performance.now() + CLOCK_RESYNC_MS;
    cap.on('packet', (nbytes, truncated) => this.onPacket(nbytes, truncated));
    return link;
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
    this.open().catch((e: unknown) => this.settle(this.stopRequested ? null : e));
    return done;
  }

  /** Closes the handle and resolves `run()`. Safe to call twice, and before `open()`. */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.state = 'stopped';
    const cap = this.cap;
    if (cap !== null) {
      // Inside a 'packet' callback cap defers pcap_close() until its dispatch loop ends.
      cap.close();
      cap.removeAllListeners('packet');
      retiredHandles.push(cap);
    }
    if (this.opening === null || cap !== null) this.settle(null);
  }

  /** A snapshot of the counters so far (frames, bytes captured, dropped, warnings). */
  stats(): SourceStats {
    return { frames: this.st.frames, bytes: this.st.bytes, dropped: this.st.dropped, sinkErrors: this.st.sinkErrors ?? 0, warnings: [...this.st.warnings] };
  }

  private settle(err: unknown): void {
    const finish = this.finish;
    const fail = this.fail;
    this.finish = null;
    this.fail = null;
    if (err !== null && err !== undefined) fail?.(err);
    else finish?.(this.stats());
  }

  private onPacket(nbytes: number, truncated: boolean): void {
    const sink = this.sink;
    if (sink === null) {
      this.st.dropped++;
      return;
    }
    if (this.state !== 'open') return;
    if (truncated && !this.truncatedWarned) {
      this.truncatedWarned = true;
      this.st.warnings.push(`frames longer than ${this.buffer.length} bytes are truncated (origLen is the captured length)`);
    }
    this.st.frames++;
    this.st.bytes += nbytes;
    // The sensor contains its plug-ins' throws (sensor/plugin-bus.ts); one that still escapes the
    // sink is counted and the frame skipped: one bad packet never ends monitoring of the network.
    try {
      sink(this.buffer, 0, nbytes, nbytes, this.nowMicros(), this.link, 0);
    } catch (e) {
      if (this.st.sinkErrors === undefined || this.st.sinkErrors++ === 0) this.st.warnings.push(`the sink threw (frame skipped, capture goes on): ${(e as Error)?.message ?? String(e)}`);
    }
  }

  /** Delivery time, µs since the Unix epoch; never decreases. */
  private nowMicros(): number {
    const mono = performance.now();
    if (mono >= this.nextResyncMs) {
      this.nextResyncMs = mono + CLOCK_RESYNC_MS;
      const offset = Date.now() - mono;
      if (Math.abs(offset - this.clockOffsetMs) > CLOCK_RESYNC_TOLERANCE_MS) this.clockOffsetMs = offset;
    }
    let ts = Math.floor((this.clockOffsetMs + mono) * 1000);
    if (ts < this.lastTs) ts = this.lastTs;
    this.lastTs = ts;
    return ts;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
