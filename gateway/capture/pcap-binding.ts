// The typed face of edgeward's own libpcap addon (gateway/capture/native/edgeward_pcap.c), loaded
// lazily so that file replay works on machines where it was not built. Record layout and threading
// are described in the C file; live-source.ts is the only intended user.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What an operator runs to get live capture; part of every "unavailable" message. */
export const LIVE_CAPTURE_FIX_HINT = 'apt-get install -y libpcap-dev g++ make && npm run build:capture';

/** The addon's path below the package root. */
export const ADDON_RELATIVE_PATH = join('gateway', 'capture', 'native', 'build', 'Release', 'edgeward_pcap.node');

/** Bytes before each frame in a record: u32 capLen, u32 origLen, f64 tsMicros (host byte order). */
export const RECORD_HEADER_BYTES = 16;

/** Records are padded to a multiple of this many bytes. */
export const RECORD_ALIGN = 8;

/** Counters of one capture handle, cumulative since open. Frames unless said otherwise. */
export interface CaptureStats {
  /** pcap_stats ps_recv: frames the kernel passed through the filter (on lo each frame counts twice: out and in). Refreshed every ~100 ms. */
  received: number;
  /** pcap_stats ps_drop: frames the kernel dropped because its buffer (`bufferSize`) was full. */
  kernelDropped: number;
  /** pcap_stats ps_ifdrop: frames the interface or driver dropped. */
  ifDropped: number;
  /** Frames libpcap handed over that did not fit in the user ring (`ringSize`): JavaScript was behind. */
  ringDropped: number;
  /** Frames written into the ring. */
  captured: number;
  /** Captured bytes (capLen) written into the ring. */
  capturedBytes: number;
}

/** `stats()` of the addon: the counters plus the error that ended the capture thread, if any. */
export interface NativeCaptureStats extends CaptureStats {
  /** libpcap's message when capture stopped on an error (interface went down), else null. */
  error: string | null;
}

/** Options of `open()`; every one has a default in the addon. */
export interface PcapOpenOptions {
  /** Bytes kept of each frame, 1..262144; default 65535. */
  snaplen?: number;
  /** Promiscuous mode; default true. */
  promiscuous?: boolean;
  /** Kernel buffer (pcap_set_buffer_size), bytes; default 32 MiB. */
  bufferSize?: number;
  /** pcap_set_timeout, ms: how long the kernel holds a partly filled TPACKET_V3 block; default 10. */
  timeoutMs?: number;
  /** pcap_set_immediate_mode; default false (TPACKET_V3 blocks, far cheaper at high rates). */
  immediate?: boolean;
  /** BPF filter (pcap-filter(7)); default '' (everything). */
  filter?: string;
  /** User ring between the capture thread and JavaScript, bytes (≥ 65536); default 64 MiB. */
  ringBytes?: number;
  /**
   * Called on the JavaScript thread once after `arm()` when the ring has records again (or the
   * capture thread ended). At most one call is pending at a time.
   */
  onReadable: () => void;
}

/** An open capture: an opaque native handle. */
export type PcapHandle = { readonly __edgewardPcapHandle: unique symbol };

/** What `open()` returns. */
export interface PcapOpened {
  handle: PcapHandle;
  /** pcap_datalink(): the DLT_* value. */
  dlt: number;
  /** pcap_datalink_val_to_name(), e.g. 'EN10MB'. */
  dltName: string;
  /** pcap_activate() warnings (e.g. promiscuous mode not supported). */
  warnings: string[];
}

/** The addon's exports. */
export interface PcapBinding {
  /** Opens and starts capturing on `device`. Throws an Error whose `code` is a PCAP_ERROR_* name. */
  open(device: string, options: PcapOpenOptions): PcapOpened;
  /**
   * Copies whole records into `target` (a Buffer of at least 16 + snaplen bytes, 8-byte aligned);
   * returns the bytes copied, 0 when the ring is empty, -1 once capture has ended and all was read.
   */
  read(handle: PcapHandle, target: Buffer): number;
  /** Asks for one `onReadable` call when records arrive; then read once more (no lost wake-up). */
  arm(handle: PcapHandle): void;
  /** Live counters; the last ones after close. */
  stats(handle: PcapHandle): NativeCaptureStats;
  /** Stops the capture thread and closes libpcap. Idempotent; safe inside `onReadable`. */
  close(handle: PcapHandle): void;
  /** Interface names (pcap_findalldevs); [] when it fails. */
  devices(): string[];
  /** pcap_lib_version(). */
  libVersion(): string;
}

/** The folder holding edgeward's package.json, walking up from this module (src and dist layouts), or null. */
export function edgewardPackageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'edgeward') return dir;
      } catch {
        // an unreadable package.json: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

let loaded: PcapBinding | null | undefined;
let failure: string | null = null;

/**
 * Loads the addon once and caches the answer. Null when it is not built or does not load;
 * `captureUnavailableReason()` then says why and how to fix it.
 */
export function loadPcapBinding(): PcapBinding | null {
  if (loaded !== undefined) return loaded;
  const root = edgewardPackageRoot();
  if (root === null) {
    failure = `live capture is unavailable: the edgeward package root was not found from ${fileURLToPath(import.meta.url)}`;
    return (loaded = null);
  }
  const path = join(root, ADDON_RELATIVE_PATH);
  if (!existsSync(path)) {
    failure = `live capture is unavailable: the capture addon is not built (${path} is missing); fix: ${LIVE_CAPTURE_FIX_HINT}`;
    return (loaded = null);
  }
  try {
    const mod = createRequire(import.meta.url)(path) as Partial<PcapBinding>;
    if (typeof mod?.open !== 'function' || typeof mod.read !== 'function') {
      failure = `live capture is unavailable: ${path} is not edgeward's capture addon; fix: ${LIVE_CAPTURE_FIX_HINT}`;
      return (loaded = null);
    }
    return (loaded = mod as PcapBinding);
  } catch (e) {
    const first = String((e as Error)?.message ?? e).split('\n')[0];
    failure = `live capture is unavailable: the capture addon does not load (${first}); fix: ${LIVE_CAPTURE_FIX_HINT}`;
    return (loaded = null);
  }
}

/** Why live capture is unavailable, naming the fix command; null when the addon loads. Tries to load it. */
export function captureUnavailableReason(): string | null {
  return loadPcapBinding() === null ? failure : null;
}
