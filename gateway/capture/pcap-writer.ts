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
    this.pos = writeFileHeader(this.buf, linkType, snaplen);
  }

  /** Appends one record; `frame` is copied. `tsMicros` is microseconds since the epoch. */
  write(frame: Buffer, tsMicros: number, origLen = frame.length): void {
    if (this.pos + 16 + frame.length > this.buf.length) this.flush();
    if (16 + frame.length > this.buf.length) throw new RangeError('frame larger than the writer buffer');
    this.pos = writeRecord(this.buf, this.pos, frame, tsMicros, origLen);
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

/** The 24-byte pcap file header at the start of `b`; returns where the first record goes. */
function writeFileHeader(b: Buffer, linkType: number, snaplen: number): number {
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(snaplen, 16);
  b.writeUInt32LE(linkType, 20);
  return 24;
}

/** One record (16-byte header and the frame) at `pos` of `b`; returns the end. */
function writeRecord(b: Buffer, pos: number, frame: Buffer, tsMicros: number, origLen: number): number {
  b.writeUInt32LE(Math.floor(tsMicros / 1e6), pos);
  b.writeUInt32LE(tsMicros % 1e6, pos + 4);
  b.writeUInt32LE(frame.length, pos + 8);
  b.writeUInt32LE(origLen, pos + 12);
  frame.copy(b, pos + 16);
  return pos + 16 + frame.length;
}

/** A whole pcap file of one frame (a capture on alert), as bytes. */
export function onePacketPcap(frame: Buffer, tsMicros: number, origLen: number, linkType = LINKTYPE_ETHERNET): Buffer {
  const b = Buffer.allocUnsafe(24 + 16 + frame.length);
  writeRecord(b, writeFileHeader(b, linkType, Math.max(frame.length, 65535)), frame, tsMicros, origLen);
  return b;
}
