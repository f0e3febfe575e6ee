// Classic libpcap file reader (https://www.tcpdump.org/manpages/pcap-savefile.5.html): both byte
// orders, microsecond (a1b2c3d4) and nanosecond (a1b23c4d) magic. Records are handed to the sink as
// views into one chunk buffer; nothing is allocated per packet.
import { ChunkedFile, yieldToLoop } from './chunked-file.js';
import { CaptureError, type FrameSink, type FrameSource, type SourceStats } from './frame-source.js';

/** Magic numbers as read little-endian from the first 4 bytes of the file. */
export const PCAP_MAGIC_US_LE = 0xa1b2c3d4; // written by a little-endian host
export const PCAP_MAGIC_US_BE = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_LE = 0xa1b23c4d;
export const PCAP_MAGIC_NS_BE = 0x4d3cb2a1;

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** Records between yields to the event loop. */
const YIELD_EVERY = 1 << 16;
/** A record longer than this is taken as corruption (libpcap caps snaplen at 256 KiB). */
const MAX_RECORD = 16 * 1024 * 1024;

/** Reads a classic pcap file. */
export class PcapReader implements FrameSource {
  readonly totalBytes: number;
  private file: ChunkedFile;
  private stopped = false;
  /** Link type from the global header. */
  readonly linkType: number;
  readonly snaplen: number;
  private readonly littleEndian: boolean;
  private readonly nanos: boolean;

  constructor(readonly label: string) {
    this.file = new ChunkedFile(label);
    this.totalBytes = this.file.size;
    const f = this.file;
    if (!f.ensure(GLOBAL_HEADER)) {
      f.close();
      throw new CaptureError('capture.bad_header', `${label}: shorter than the 24-byte pcap header`);
    }
    const magic = f.buf.readUInt32LE(0);
    if (magic === PCAP_MAGIC_US_LE || magic === PCAP_MAGIC_NS_LE) this.littleEndian = true;
    else if (magic === PCAP_MAGIC_US_BE || magic === PCAP_MAGIC_NS_BE) this.littleEndian = false;
    else {
      f.close();
      throw new CaptureError('capture.bad_magic', `${label}: not a pcap file (magic ${magic.toString(16)})`);
    }
    this.nanos = magic === PCAP_MAGIC_NS_LE || magic === PCAP_MAGIC_NS_BE;
    const b = f.buf;
    this.snaplen = this.littleEndian ? b.readUInt32LE(16) : b.readUInt32BE(16);
    // The link type is the low 16 bits (libpcap LT_LINKTYPE): above them sit reserved bits, the
    // FCS-present flag 0x04000000 and the FCS length 0xF0000000 (pcap-savefile(5)).
    this.linkType = (this.littleEndian ? b.readUInt32LE(20) : b.readUInt32BE(20)) & 0xffff;
    f.pos = GLOBAL_HEADER;
  }

  async run(sink: FrameSink, onProgress?: (bytesDone: number) => void): Promise<SourceStats> {
    const f = this.file;
    const le = this.littleEndian;
    const fracDiv = this.nanos ? 1000 : 1;
    const linkType = this.linkType;
    const stats: SourceStats = { frames: 0, bytes: 0, dropped: 0, warnings: [] };
    let sinceYield = 0;
    try {
      while (!this.stopped) {
        if (f.len - f.pos < RECORD_HEADER && !f.ensure(RECORD_HEADER)) {
          if (f.available > 0) stats.warnings.push(`truncated record header at end of file (${f.available} bytes)`);
          break;
        }
        let b = f.buf;
        let p = f.pos;
        const sec = le ? b.readUInt32LE(p) : b.readUInt32BE(p);
        const frac = le ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
        const incl = le ? b.readUInt32LE(p + 8) : b.readUInt32BE(p + 8);
        const orig = le ? b.readUInt32LE(p + 12) : b.readUInt32BE(p + 12);
        if (incl > MAX_RECORD) {
          stats.warnings.push(`corrupt record at file offset ${f.consumed}: captured length ${incl}; stopped reading`);
          break;
        }
        const need = RECORD_HEADER + incl;
        if (f.len - p < need) {
          if (!f.ensure(need)) {
            stats.warnings.push(`truncated last record at file offset ${f.consumed} (${f.available} of ${need} bytes)`);
            break;
          }
          b = f.buf;
          p = f.pos;
        }
        const ts = sec * 1e6 + (fracDiv === 1 ? frac : Math.floor(frac / fracDiv));
        sink(b, p + RECORD_HEADER, incl, orig, ts, linkType, 0);
        f.pos = p + need;
        stats.frames++;
        if (++sinceYield === YIELD_EVERY) {
          sinceYield = 0;
          onProgress?.(f.consumed);
          await yieldToLoop();
        }
      }
    } finally {
      stats.bytes = f.consumed;
      onProgress?.(f.consumed);
      f.close();
    }
    return stats;
  }

  stop(): void {
    this.stopped = true;
  }
}
