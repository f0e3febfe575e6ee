// A single-producer, single-consumer ring of frames in a SharedArrayBuffer: the thread that
// captures (or deals) writes, one sensor worker reads, with no copy through postMessage and no
// lock. A frame that does not fit is dropped and counted by the writer (live capture never waits
// for a slow worker: the kernel would drop instead, unseen). Record: u32 record bytes, u32 capLen,
// u32 origLen, u16 linkType, u16 ifIndex, f64 tsMicros, then the frame, padded to 8 bytes.

const HEADER_INTS = 8;
/** Int32 slots of the control block. */
const HEAD = 0; // next byte the reader reads (mod size), as a running count
const TAIL = 1; // next byte the writer writes
const CLOSED = 2; // 1 once the writer is done
const SIGNAL = 3; // bumped by the writer after a write to an empty ring; the reader waits on it
const RECORD_HEADER = 24;

/** The shared memory of one ring (passed to the worker in workerData). */
export interface FrameRingMemory {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function createFrameRing(bytes: number): FrameRingMemory {
  // A power of two, so that positions (running int32 counts masked by size − 1) stay continuous when the counts wrap.
  if (!Number.isInteger(bytes) || bytes < 65536 || bytes > 2 ** 30 || (bytes & (bytes - 1)) !== 0) throw new RangeError(`ring size must be a power of two from 64 KiB to 1 GiB, got ${bytes}`);
  return { control: new SharedArrayBuffer(HEADER_INTS * 4), data: new SharedArrayBuffer(bytes) };
}

/** A frame as the reader sees it (valid until the next read). */
export type RingFrameSink = (buf: Buffer, off: number, capLen: number, origLen: number, ts: number, linkType: number, ifIndex: number) => void;

export class FrameRingWriter {
  private readonly ctl: Int32Array;
  private readonly buf: Buffer;
  private readonly size: number;
  /** Frames dropped because the ring was full. */
  dropped = 0;
  written = 0;

  constructor(mem: FrameRingMemory) {
    this.ctl = new Int32Array(mem.control);
    this.buf = Buffer.from(mem.data);
    this.size = mem.data.byteLength;
  }

  /** Copies one frame in; false (counted) when the ring has no room for it. */
  write(src: Buffer, off: number, capLen: number, origLen: number, ts: number, linkType: number, ifIndex: number): boolean {
    const need = (RECORD_HEADER + capLen + 7) & ~7;
    const head = Atomics.load(this.ctl, HEAD);
    const tail = this.ctl[TAIL]!;
    const used = (tail - head) | 0;
    let pos = tail & (this.size - 1);
    // A record never wraps: when it would not fit before the end, a filler record (capLen
    // 0xffffffff) sends the reader to the start, and the space it skips counts as used.
    const toEnd = this.size - pos;
    const skip = toEnd < need ? toEnd : 0;
    if (used + skip + need > this.size) { this.dropped++; return false; }
    const b = this.buf;
    if (skip > 0) {
      if (toEnd >= 8) { b.writeUInt32LE(toEnd, pos); b.writeUInt32LE(0xffffffff, pos + 4); }
      pos = 0;
    }
    b.writeUInt32LE(need, pos);
    b.writeUInt32LE(capLen, pos + 4);
    b.writeUInt32LE(origLen, pos + 8);
    b.writeUInt16LE(linkType & 0xffff, pos + 12);
    b.writeUInt16LE(ifIndex & 0xffff, pos + 14);
    b.writeDoubleLE(ts, pos + 16);
    src.copy(b, pos + RECORD_HEADER, off, off + capLen);
    Atomics.store(this.ctl, TAIL, (tail + skip + need) | 0);
    this.written++;
    if (used === 0) { Atomics.add(this.ctl, SIGNAL, 1); Atomics.notify(this.ctl, SIGNAL); }
    return true;
  }

  /** No more frames: the reader ends once it has read what is left. */
  close(): void {
    Atomics.store(this.ctl, CLOSED, 1);
    Atomics.add(this.ctl, SIGNAL, 1);
    Atomics.notify(this.ctl, SIGNAL);
  }
}

export class FrameRingReader {
  private readonly ctl: Int32Array;
  private readonly buf: Buffer;
  private readonly size: number;

  constructor(mem: FrameRingMemory) {
    this.ctl = new Int32Array(mem.control);
    this.buf = Buffer.from(mem.data);
    this.size = mem.data.byteLength;
  }

  /** Hands up to `max` frames to `sink`; returns how many. */
  read(sink: RingFrameSink, max: number): number {
    const b = this.buf;
    let head = this.ctl[HEAD]!;
    const tail = Atomics.load(this.ctl, TAIL);
    let n = 0;
    while (head !== tail && n < max) {
      const pos = head & (this.size - 1);
      const toEnd = this.size - pos;
      if (toEnd < 8 || b.readUInt32LE(pos + 4) === 0xffffffff) {
        head = (head + toEnd) | 0;
        continue;
      }
      const len = b.readUInt32LE(pos);
      sink(b, pos + RECORD_HEADER, b.readUInt32LE(pos + 4), b.readUInt32LE(pos + 8), b.readDoubleLE(pos + 16), b.readUInt16LE(pos + 12), b.readUInt16LE(pos + 14));
      head = (head + len) | 0;
      n++;
      // Free the space as we go, so a writer is not held back by a long batch.
      if ((n & 63) === 0) Atomics.store(this.ctl, HEAD, head);
    }
    Atomics.store(this.ctl, HEAD, head);
    return n;
  }

  /** True once the writer closed and everything was read. */
  get done(): boolean {
    return Atomics.load(this.ctl, CLOSED) === 1 && Atomics.load(this.ctl, TAIL) === this.ctl[HEAD];
  }

  /** Waits up to `ms` for the writer to signal (a frame into an empty ring, or close). */
  wait(ms: number): void {
    const seen = Atomics.load(this.ctl, SIGNAL);
    if (Atomics.load(this.ctl, TAIL) !== this.ctl[HEAD] || Atomics.load(this.ctl, CLOSED) === 1) return;
    Atomics.wait(this.ctl, SIGNAL, seen, ms);
  }
}
