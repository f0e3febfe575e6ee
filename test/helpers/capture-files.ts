// Capture files written byte by byte from the format specs, for the reader tests: classic pcap
// (pcap-savefile(5), draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng). Deliberately
// independent of the project's own reader and writer, so a shared misreading cannot hide.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError, type FrameSource, type SourceStats } from '../../gateway/capture/frame-source.js';

/** A fresh directory under the OS temp dir; remove it with `removeTempDir`. */
export function makeTempDir(prefix = 'edgeward-capture-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Appends fixed-size integers in one byte order; `bytes()` returns everything written. */
class ByteWriter {
  private parts: Buffer[] = [];
  constructor(private readonly bigEndian: boolean) {}

  u8(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    if (this.bigEndian) b.writeUInt16BE(v); else b.writeUInt16LE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    if (this.bigEndian) b.writeUInt32BE(v >>> 0); else b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  i64(v: bigint): this {
    const b = Buffer.alloc(8);
    if (this.bigEndian) b.writeBigInt64BE(v); else b.writeBigInt64LE(v);
    this.parts.push(b);
    return this;
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  /** Zero bytes up to the next multiple of 4 (pcapng §3.1: every field is 32-bit aligned). */
  pad32(): this {
    const n = this.length % 4;
    if (n !== 0) this.parts.push(Buffer.alloc(4 - n));
    return this;
  }
  get length(): number {
    return this.parts.reduce((s, p) => s + p.length, 0);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

// ---------------------------------------------------------------- classic pcap

export interface ClassicPcapOptions {
  /** Write every header field big-endian (as a big-endian host would). Default false. */
  bigEndian?: boolean;
  /** Nanosecond magic a1b23c4d instead of microsecond a1b2c3d4. Default false. */
  nanos?: boolean;
  /** The 32-bit link-type field as written (may carry FCS bits above the LINKTYPE_* value). */
  linkType: number;
  /** Default 262144. */
  snaplen?: number;
}

export interface ClassicPcapRecord {
  /** Microseconds since the epoch (integer). */
  ts: number;
  data: Buffer;
  /** Original length; default data.length. */
  origLen?: number;
  /** Nanosecond files only: nanoseconds past `ts` (0–999), to test flooring to µs. */
  subMicroNs?: number;
  /** Written as incl_len instead of data.length, to fake a corrupt record header. */
  inclLen?: number;
}

/** Bytes of a classic pcap file: 24-byte global header, then 16-byte record headers and data. */
export function classicPcapBytes(opts: ClassicPcapOptions, records: ClassicPcapRecord[]): Buffer {
  const w = new ByteWriter(opts.bigEndian ?? false);
  // pcap-savefile(5): magic written in the host's order, so a reader tells the order from it.
  w.u32(opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(opts.snaplen ?? 262144).u32(opts.linkType);
  for (const r of records) {
    const sec = Math.floor(r.ts / 1e6);
    const us = r.ts - sec * 1e6;
    const frac = opts.nanos ? us * 1000 + (r.subMicroNs ?? 0) : us;
    w.u32(sec).u32(frac).u32(r.inclLen ?? r.data.length).u32(r.origLen ?? r.data.length).raw(r.data);
  }
  return w.bytes();
}

/** Writes a classic pcap file (see `classicPcapBytes`); returns its size in bytes. */
export function writeClassicPcap(path: string, opts: ClassicPcapOptions, records: ClassicPcapRecord[]): number {
  const b = classicPcapBytes(opts, records);
  writeFileSync(path, b);
  return b.length;
}

// ---------------------------------------------------------------- pcapng

export interface PcapngInterface {
  /** LINKTYPE_* value (16 bits in the IDB). */
  linkType: number;
  /** Default 0 (no limit). */
  snaplen?: number;
  /** Raw if_tsresol byte (option 9): MSB clear = 10^-n s, set = 2^-n s. Absent = µs. */
  tsresol?: number;
  /** if_tsoffset (option 14) in seconds, signed 64-bit. */
  tsoffset?: number;
}

export type PcapngBlock =
  | { kind: 'epb'; iface: number; tsUnits: bigint; data: Buffer; origLen?: number; /** opt_comment */ comment?: string }
  | { kind: 'spb'; data: Buffer; origLen?: number }
  | { kind: 'opb'; iface: number; tsUnits: bigint; data: Buffer }
  | { kind: 'unknown'; type: number; body: Buffer }
  | { kind: 'nrb' };

export interface PcapngSection {
  bigEndian?: boolean;
  interfaces: PcapngInterface[];
  blocks: PcapngBlock[];
}

// Block types, pcapng §11.1.
const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_OPB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_NRB = 0x00000004;
const BT_EPB = 0x00000006;
// Option codes, pcapng §3.5 and §4.2.
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** One block: type, total length, body padded to 32 bits, total length again (pcapng §3.1). */
function block(bigEndian: boolean, type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const total = 12 + padded.length;
  return new ByteWriter(bigEndian).u32(type).u32(total).raw(padded).u32(total).bytes();
}

/** Options list: each code(2) length(2) value padded to 32 bits, closed by opt_endofopt. */
function options(bigEndian: boolean, opts: Array<[code: number, value: Buffer]>): Buffer {
  if (opts.length === 0) return Buffer.alloc(0);
  const w = new ByteWriter(bigEndian);
  for (const [code, value] of opts) w.u16(code).u16(value.length).raw(value).pad32();
  w.u16(OPT_ENDOFOPT).u16(0);
  return w.bytes();
}

/** Bytes of a pcapng file with the given sections, each SHB, IDBs, then blocks in order. */
export function pcapngBytes(sections: PcapngSection[]): Buffer {
  const out: Buffer[] = [];
  for (const s of sections) {
    const be = s.bigEndian ?? false;
    const w = (): ByteWriter => new ByteWriter(be);
    // SHB §4.1: byte-order magic, version 1.0, section length -1 (not given).
    out.push(block(be, BT_SHB, w().u32(0x1a2b3c4d).u16(1).u16(0).i64(-1n).bytes()));
    for (const i of s.interfaces) {
      const opts: Array<[number, Buffer]> = [];
      if (i.tsresol !== undefined) opts.push([IF_TSRESOL, Buffer.from([i.tsresol])]);
      if (i.tsoffset !== undefined) opts.push([IF_TSOFFSET, w().i64(BigInt(i.tsoffset)).bytes()]);
      // IDB §4.2: LinkType(2) reserved(2) SnapLen(4) options.
      out.push(block(be, BT_IDB, w().u16(i.linkType).u16(0).u32(i.snaplen ?? 0).raw(options(be, opts)).bytes()));
    }
    for (const b of s.blocks) {
      switch (b.kind) {
        case 'epb': {
          // EPB §4.3: Interface ID(4) ts high(4) ts low(4) captured(4) original(4) data, options.
          const opts: Array<[number, Buffer]> = b.comment === undefined ? [] : [[OPT_COMMENT, Buffer.from(b.comment, 'utf8')]];
          const body = w()
            .u32(b.iface).u32(Number(b.tsUnits >> 32n)).u32(Number(b.tsUnits & 0xffffffffn))
            .u32(b.data.length).u32(b.origLen ?? b.data.length).raw(b.data).pad32()
            .raw(options(be, opts));
          out.push(block(be, BT_EPB, body.bytes()));
          break;
        }
        case 'spb':
          // SPB §4.4: Original Packet Length(4) data; interface 0, no timestamp.
          out.push(block(be, BT_SPB, w().u32(b.origLen ?? b.data.length).raw(b.data).bytes()));
          break;
        case 'opb': {
          // Obsolete Packet Block (Appendix A): Interface ID(2) Drops Count(2) ts high ts low caplen len data.
          const body = w()
            .u16(b.iface).u16(0).u32(Number(b.tsUnits >> 32n)).u32(Number(b.tsUnits & 0xffffffffn))
            .u32(b.data.length).u32(b.data.length).raw(b.data);
          out.push(block(be, BT_OPB, body.bytes()));
          break;
        }
        case 'unknown':
          out.push(block(be, b.type, b.body));
          break;
        case 'nrb': {
          // NRB §4.5: nrb_record_ipv4 (type 1) 192.0.2.1 "camera.local", then nrb_record_end.
          const value = Buffer.concat([Buffer.from([192, 0, 2, 1]), Buffer.from('camera.local\0', 'latin1')]);
          out.push(block(be, BT_NRB, w().u16(1).u16(value.length).raw(value).pad32().u16(0).u16(0).bytes()));
          break;
        }
      }
    }
  }
  return Buffer.concat(out);
}

/** Writes a pcapng file (see `pcapngBytes`); returns its size in bytes. */
export function writePcapng(path: string, sections: PcapngSection[]): number {
  const b = pcapngBytes(sections);
  writeFileSync(path, b);
  return b.length;
}

// ---------------------------------------------------------------- reading back

/** Frame `i` of `len` bytes: bytes that depend on `i` and position, led by a big-endian counter when ≥ 4 bytes. */
export function patternFrame(i: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let j = 0; j < len; j++) b[j] = (i * 31 + j) & 0xff;
  if (len >= 4) b.writeUInt32BE(i, 0);
  return b;
}

/** Deterministic sizes in [min, max] from a small LCG (no Math.random in tests). */
export function lcgSizes(count: number, seed: number, min = 1000, max = 1500): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return min + (s % (max - min + 1));
  });
}

/** One frame as a source delivered it, its bytes copied out of the reader's chunk buffer. */
export interface ReadFrame {
  data: Buffer;
  capLen: number;
  origLen: number;
  tsMicros: number;
  linkType: number;
  ifIndex: number;
}

/** Runs a source to its end and returns every frame (copied) and the stats. */
export async function readFrames(source: FrameSource): Promise<{ frames: ReadFrame[]; stats: SourceStats }> {
  const frames: ReadFrame[] = [];
  const stats = await source.run((buf, off, capLen, origLen, tsMicros, linkType, ifIndex) => {
    frames.push({ data: Buffer.from(buf.subarray(off, off + capLen)), capLen, origLen, tsMicros, linkType, ifIndex });
  });
  return { frames, stats };
}

/** The code of the CaptureError that `fn` throws; rethrows anything else, fails if nothing is thrown. */
export function captureErrorCode(fn: () => unknown): CaptureError['code'] {
  try {
    fn();
  } catch (e) {
    if (e instanceof CaptureError) return e.code;
    throw e;
  }
  throw new Error('expected a CaptureError, nothing was thrown');
}
