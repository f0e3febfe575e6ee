// One interface for every source of frames: classic pcap and pcapng files, live interfaces.
// Sources push frames into a sink; the frame's bytes are a view valid only during the call.

/** Receives one frame. `buf.subarray(off, off + capLen)` is the frame; copy to keep it. */
export type FrameSink = (
  buf: Buffer,
  off: number,
  capLen: number,
  origLen: number,
  /** Packet time, microseconds since the Unix epoch. */
  tsMicros: number,
  /** LINKTYPE_* value of the frame's interface. */
  linkType: number,
  /** Interface index (pcapng IDB order; 0 for pcap and live). */
  ifIndex: number,
) => void;

/** What a source tells about itself when it ends (or when asked, for live sources). */
export interface SourceStats {
  /** Frames handed to the sink. */
  frames: number;
  /** Bytes read from the file or interface (file: size on disk consumed). */
  bytes: number;
  /** Frames the kernel or library dropped (live only; 0 for files). */
  dropped: number;
  /** Frames whose sink threw (skipped; live only, a file source lets the throw end the run). */
  sinkErrors?: number;
  /** Non-fatal format problems met (a truncated last record, an unknown pcapng block skipped). */
  warnings: string[];
}

/** A source of frames. */
export interface FrameSource {
  /** Human label: the file path or the interface name. */
  readonly label: string;
  /** Total bytes when known (files), for progress; undefined for live sources. */
  readonly totalBytes: number | undefined;
  /**
   * Pushes every frame to `sink` until the end of the file or `stop()`. Files run synchronously in
   * chunks and yield to the event loop between chunks; `onProgress` gets bytes consumed so far.
   */
  run(sink: FrameSink, onProgress?: (bytesDone: number) => void): Promise<SourceStats>;
  /** Ends the run early (live capture: closes the handle). Safe to call twice. */
  stop(): void;
}

/** A capture-format error that stops reading: bad magic, a corrupt header. Carries a stable code. */
export class CaptureError extends Error {
  constructor(
    readonly code: 'capture.bad_magic' | 'capture.bad_header' | 'capture.corrupt_record' | 'capture.open_failed' | 'capture.live_unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}
