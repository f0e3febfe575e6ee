// A classic pcap writer (microsecond, little-endian), buffered. Used by the benchmark to build its
// capture and by tests to build exact cases in code.
import { closeSync, openSync, writeSync } from 'node:fs';
import { LINKTYPE_ETHERNET } from './link-types.js';

/** Writes pcap records to a file through a large buffer. */
export class PcapWriter {
  private readonly fd: number;
  private readonly buf: Buffer;
  private pos = 0;
  /** Records written. */
  count = 0;

  constructor(path: string, linkType = LINKTYPE_ETHERNET, snaplen = 262144, bufferBytes = 4 * 1024 * 1024) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(bufferBytes);
    this.buf.writeUInt32LE(0xa1b2c3d4, 0);
    this.buf.writeUInt16LE(2, 4);
    this.buf.writeUInt16LE(4, 6);
    this.buf.writeInt32LE(0, 8);
    this.buf.writeUInt32LE(0, 12);
    this.buf.writeUInt32LE(snaplen, 16);
    this.buf.writeUInt32LE(linkType, 20);
    this.pos = 24;
  }

  /** Appends one record; `frame` is copied. `tsMicros` is microseconds since the epoch. */
  write(frame: Buffer, tsMicros: number, origLen = frame.length): void {
    if (this.pos + 16 + frame.length > this.buf.length) this.flush();
    if (16 + frame.length > this.buf.length) throw new RangeError('frame larger than the writer buffer');
    const b = this.buf;
    b.writeUInt32LE(Math.floor(tsMicros / 1e6), this.pos);
    b.writeUInt32LE(tsMicros % 1e6, this.pos + 4);
    b.writeUInt32LE(frame.length, this.pos + 8);
    b.writeUInt32LE(origLen, this.pos + 12);
    frame.copy(b, this.pos + 16);
    this.pos += 16 + frame.length;
    this.count++;
  }

  flush(): void {
    if (this.pos > 0) writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
