// A file read in large chunks into one reused buffer, so that capture readers walk records with
// plain offsets and the packet path sees views, never per-packet copies. A record that straddles
// two chunks is moved to the front of the buffer before the next read.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Default chunk size: large enough that the per-chunk cost (a syscall, a yield) is noise. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** Sequential reader over a file with a sliding window `buf[pos..len)`. */
export class ChunkedFile {
  buf: Buffer;
  /** Start of unread bytes in `buf`. */
  pos = 0;
  /** End of valid bytes in `buf`. */
  len = 0;
  /** File offset of `buf[0]`. */
  base = 0;
  /** File size in bytes at open. */
  readonly size: number;
  private fd: number;
  private eof = false;

  constructor(
    readonly path: string,
    chunkBytes = DEFAULT_CHUNK_BYTES,
    /** Largest record a reader may ask for; caps buffer growth on corrupt length fields. */
    readonly maxRecordBytes = 64 * 1024 * 1024,
  ) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    this.buf = Buffer.allocUnsafe(Math.max(1024, Math.min(chunkBytes, this.size + 1)));
  }

  /** Bytes consumed so far (file offset of `pos`). */
  get consumed(): number {
    return this.base + this.pos;
  }

  /**
   * Makes at least `n` unread bytes available at `pos`. Returns false at end of file (fewer than
   * `n` remain) or when `n` exceeds maxRecordBytes. Moves the unread tail to the front first.
   */
  ensure(n: number): boolean {
    if (this.len - this.pos >= n) return true;
    if (n > this.maxRecordBytes) return false;
    // A corrupt length field must not make us allocate more than the file can still supply.
    if (this.base + this.pos + n > this.size) {
      this.readToEnd();
      return false;
    }
    const rest = this.len - this.pos;
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.len);
      this.base += this.pos;
      this.pos = 0;
      this.len = rest;
    }
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(this.maxRecordBytes, Math.max(n, this.buf.length * 2)));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    while (this.len < n && !this.eof) {
      const got = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, this.base + this.len);
      if (got === 0) this.eof = true;
      this.len += got;
    }
    return this.len - this.pos >= n;
  }

  /** Reads what is left of the file into the window when it fits (so `available` is honest). */
  private readToEnd(): void {
    const rest = this.size - this.base - this.pos;
    if (rest <= this.buf.length) this.ensure(Math.max(0, rest));
  }

  /** Unread bytes left in the window (without reading more). */
  get available(): number {
    return this.len - this.pos;
  }

  /** True when nothing is left to read in the window or the file. */
  atEnd(): boolean {
    return this.pos >= this.len && (this.eof || this.base + this.len >= this.size) && !this.ensure(1);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Reads the first `n` bytes of a file (for magic-number detection). */
export function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Resolves on the next turn of the event loop, so long file reads let timers and I/O run. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
