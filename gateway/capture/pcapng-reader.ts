// pcapng file reader (draft-ietf-opsawg-pcapng): sections in either byte order, interfaces with
// their own link type and if_tsresol/if_tsoffset, Enhanced, Simple and obsolete Packet Blocks.
// Every other block type is skipped by its length. Frames are views into one chunk buffer.
import { ChunkedFile, yieldToLoop } from './chunked-file.js';
import { CaptureError, type FrameSink, type FrameSource, type SourceStats } from './frame-source.js';

/** Block types (pcapng §11.1). */
const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_OPB = 0x00000002; // obsolete Packet Block
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** IDB options. */
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const YIELD_EVERY = 1 << 16;
/** Largest block accepted before the file is taken as corrupt. */
const MAX_BLOCK = 64 * 1024 * 1024;

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (default 10^6, pcapng §4.2 if_tsresol). */
  unitsPerSec: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  offsetSec: number;
  /** Microseconds per timestamp unit as the exact fraction tsNum / tsDen (1/1 for µs). */
  tsNum: number;
  tsDen: number;
}

/** toMicros is exact in doubles while tsNum + tsDen stays within this (see there). */
const EXACT_RATIO_MAX = 2 ** 21;

/** Reads a pcapng file. */
export class PcapngReader implements FrameSource {
  readonly totalBytes: number;
  private file: ChunkedFile;
  private stopped = false;
  private le = true;
  private ifaces: Iface[] = [];

  constructor(readonly label: string) {
    this.file = new ChunkedFile(label);
    this.totalBytes = this.file.size;
    const f = this.file;
    if (!f.ensure(12) || f.buf.readUInt32LE(0) !== BT_SHB) {
      f.close();
      throw new CaptureError('capture.bad_magic', `${label}: not a pcapng file`);
    }
    const bom = f.buf.readUInt32LE(8);
    if (bom !== BYTE_ORDER_MAGIC && bom !== 0x4d3c2b1a) {
      f.close();
      throw new CaptureError('capture.bad_header', `${label}: pcapng section header has no byte-order magic`);
    }
  }

  /** Interfaces of the current section, in IDB order (for tests and diagnostics). */
  get interfaces(): readonly Readonly<Iface>[] {
    return this.ifaces;
  }

  async run(sink: FrameSink, onProgress?: (bytesDone: number) => void): Promise<SourceStats> {
    const f = this.file;
    const stats: SourceStats = { frames: 0, bytes: 0, dropped: 0, warnings: [] };
    let sinceYield = 0;
    try {
      while (!this.stopped) {
        if (!f.ensure(12)) {
          if (f.available > 0) stats.warnings.push(`truncated block header at end of file (${f.available} bytes)`);
          break;
        }
        let b = f.buf;
        let p = f.pos;
        const typeLe = b.readUInt32LE(p);
        if (typeLe === BT_SHB) {
          // The byte order of a section is known only from its own header (pcapng §4.1).
          const bom = b.readUInt32LE(p + 8);
          if (bom === BYTE_ORDER_MAGIC) this.le = true;
          else if (bom === 0x4d3c2b1a) this.le = false;
          else {
            stats.warnings.push(`section header at file offset ${f.consumed} has no byte-order magic; stopped reading`);
            break;
          }
          this.ifaces = [];
        }
        const le = this.le;
        const type = le ? typeLe : b.readUInt32BE(p);
        const blockLen = le ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
        if (blockLen < 12 || blockLen % 4 !== 0 || blockLen > MAX_BLOCK) {
          stats.warnings.push(`corrupt block at file offset ${f.consumed}: length ${blockLen}; stopped reading`);
          break;
        }
        if (!f.ensure(blockLen)) {
          stats.warnings.push(`truncated last block at file offset ${f.consumed} (${f.available} of ${blockLen} bytes)`);
          break;
        }
        b = f.buf;
        p = f.pos;
        const bodyEnd = p + blockLen - 4;
        switch (type) {
          case BT_EPB: {
            if (blockLen < 32) { stats.warnings.push(`short enhanced packet block at ${f.consumed}`); break; }
            const ifId = le ? b.readUInt32LE(p + 8) : b.readUInt32BE(p + 8);
            const hi = le ? b.readUInt32LE(p + 12) : b.readUInt32BE(p + 12);
            const lo = le ? b.readUInt32LE(p + 16) : b.readUInt32BE(p + 16);
            const cap = le ? b.readUInt32LE(p + 20) : b.readUInt32BE(p + 20);
            const orig = le ? b.readUInt32LE(p + 24) : b.readUInt32BE(p + 24);
            const iface = this.ifaces[ifId];
            if (iface === undefined) { stats.warnings.push(`packet for undeclared interface ${ifId} at ${f.consumed}`); break; }
            if (p + 28 + cap > bodyEnd) { stats.warnings.push(`packet data overruns its block at ${f.consumed}`); break; }
            sink(b, p + 28, cap, orig, toMicros(iface, hi, lo), iface.linkType, ifId);
            stats.frames++;
            break;
          }
          case BT_SPB: {
            // Simple Packet Block: interface 0, no timestamp (pcapng §4.4); captured length is
            // the smaller of the original length and what the block holds.
            // Below 16 bytes there is no length field: the trailer would be read as one.
            if (blockLen < 16) { stats.warnings.push(`short simple packet block at ${f.consumed}`); break; }
            const iface = this.ifaces[0];
            if (iface === undefined) { stats.warnings.push(`simple packet block before any interface at ${f.consumed}`); break; }
            const orig = le ? b.readUInt32LE(p + 8) : b.readUInt32BE(p + 8);
            let cap = Math.min(orig, bodyEnd - (p + 12));
            if (iface.snaplen > 0 && cap > iface.snaplen) cap = iface.snaplen;
            sink(b, p + 12, cap, orig, 0, iface.linkType, 0);
            stats.frames++;
            break;
          }
          case BT_OPB: {
            if (blockLen < 32) { stats.warnings.push(`short packet block at ${f.consumed}`); break; }
            const ifId = le ? b.readUInt16LE(p + 8) : b.readUInt16BE(p + 8);
            const hi = le ? b.readUInt32LE(p + 12) : b.readUInt32BE(p + 12);
            const lo = le ? b.readUInt32LE(p + 16) : b.readUInt32BE(p + 16);
            const cap = le ? b.readUInt32LE(p + 20) : b.readUInt32BE(p + 20);
            const orig = le ? b.readUInt32LE(p + 24) : b.readUInt32BE(p + 24);
            const iface = this.ifaces[ifId];
            if (iface === undefined || p + 28 + cap > bodyEnd) { stats.warnings.push(`bad packet block at ${f.consumed}`); break; }
            sink(b, p + 28, cap, orig, toMicros(iface, hi, lo), iface.linkType, ifId);
            stats.frames++;
            break;
          }
          case BT_IDB:
            this.ifaces.push(readIdb(b, p, bodyEnd, le));
            break;
          default:
            break; // SHB handled above; NRB, ISB, DSB, custom and unknown blocks are skipped
        }
        f.pos = p + blockLen;
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

/** Reads an Interface Description Block (pcapng §4.2) with its timestamp options. */
function readIdb(b: Buffer, p: number, bodyEnd: number, le: boolean): Iface {
  const iface: Iface = { linkType: 0, snaplen: 0, unitsPerSec: 1e6, offsetSec: 0, tsNum: 1, tsDen: 1 };
  if (p + 16 > bodyEnd) return iface;
  iface.linkType = le ? b.readUInt16LE(p + 8) : b.readUInt16BE(p + 8);
  iface.snaplen = le ? b.readUInt32LE(p + 12) : b.readUInt32BE(p + 12);
  let o = p + 16;
  while (o + 4 <= bodyEnd) {
    const code = le ? b.readUInt16LE(o) : b.readUInt16BE(o);
    const len = le ? b.readUInt16LE(o + 2) : b.readUInt16BE(o + 2);
    if (code === OPT_ENDOFOPT) break;
    const v = o + 4;
    if (v + len > bodyEnd) break;
    if (code === OPT_IF_TSRESOL && len >= 1) {
      const r = b[v]!;
      const e = r & 0x7f;
      // MSB clear: negative power of 10; set: negative power of 2. µs per unit, reduced:
      // 10^6 / 10^e and 10^6 / 2^e = 15625 * 2^(6-e).
      if (r & 0x80) {
        iface.unitsPerSec = 2 ** e;
        iface.tsNum = e <= 6 ? 15625 * 2 ** (6 - e) : 15625;
        iface.tsDen = e <= 6 ? 1 : 2 ** (e - 6);
      } else {
        iface.unitsPerSec = 10 ** e;
        iface.tsNum = e <= 6 ? 10 ** (6 - e) : 1;
        iface.tsDen = e <= 6 ? 1 : 10 ** (e - 6);
      }
    } else if (code === OPT_IF_TSOFFSET && len >= 8) {
      const hi = le ? b.readInt32LE(v + 4) : b.readInt32BE(v);
      const lo = le ? b.readUInt32LE(v) : b.readUInt32BE(v + 4);
      iface.offsetSec = hi * 4294967296 + lo;
    }
    o = v + ((len + 3) & ~3);
  }
  return iface;
}

/**
 * Converts a 64-bit timestamp in the interface's units to microseconds since the epoch, floored.
 * Integer arithmetic only: a float scale (1e6 / 1e9 = 0.001, inexact) put about one ns timestamp
 * in six 1 µs late. floor((hi * 2^32 + lo) * num / den) by long division over the two halves:
 * hi * num < 2^53 and (remainder * 2^32 + lo * num) < (den + num) * 2^32 <= 2^53, so every step is
 * an exact integer in a double and each quotient floors exactly.
 */
function toMicros(iface: Iface, hi: number, lo: number): number {
  const off = iface.offsetSec * 1e6;
  const num = iface.tsNum;
  const den = iface.tsDen;
  if (num === 1 && den === 1) return hi * 4294967296 + lo + off;
  if (num + den <= EXACT_RATIO_MAX) {
    const a = hi * num;
    const q1 = Math.floor(a / den);
    const rest = (a - q1 * den) * 4294967296 + lo * num;
    return q1 * 4294967296 + Math.floor(rest / den) + off;
  }
  // Units finer than 10^-12 s or 2^-26 s (not seen in practice): exact in BigInt, which allocates.
  return Number((((BigInt(hi) << 32n) | BigInt(lo)) * BigInt(num)) / BigInt(den)) + off;
}
