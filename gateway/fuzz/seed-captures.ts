// Capture files built in memory for the reader target: pcap in both byte orders and resolutions,
// pcapng with two sections (LE, BE), if_tsresol/if_tsoffset, EPB, SPB and the obsolete PB.
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from '../capture/link-types.js';
import type { SeedFrame } from './seed-frames.js';

/** A writer of fixed-width integers in one byte order. */
class Out {
  private readonly parts: Buffer[] = [];
  constructor(private readonly le: boolean) {}
  u16(v: number): this { const b = Buffer.alloc(2); if (this.le) b.writeUInt16LE(v); else b.writeUInt16BE(v); this.parts.push(b); return this; }
  u32(v: number): this { const b = Buffer.alloc(4); if (this.le) b.writeUInt32LE(v >>> 0); else b.writeUInt32BE(v >>> 0); this.parts.push(b); return this; }
  bytes(b: Buffer, pad4 = false): this { this.parts.push(b); if (pad4 && b.length % 4) this.parts.push(Buffer.alloc(4 - (b.length % 4))); return this; }
  done(): Buffer { return Buffer.concat(this.parts); }
}

/** A classic pcap of `frames`, µs or ns timestamps, either byte order. */
function pcap(frames: readonly Buffer[], le: boolean, nanos: boolean, linkType: number): Buffer {
  const o = new Out(le).u32(nanos ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(linkType);
  frames.forEach((f, i) => o.u32(1_700_000_000 + i).u32(i * 1000).u32(f.length).u32(f.length).bytes(f));
  return o.done();
}

/** One pcapng block: type, total length, body (padded), total length again. */
function block(le: boolean, type: number, body: Buffer): Buffer {
  const padded = body.length % 4 ? Buffer.concat([body, Buffer.alloc(4 - (body.length % 4))]) : body;
  const total = 12 + padded.length;
  return new Out(le).u32(type).u32(total).bytes(padded).u32(total).done();
}

/** A pcapng option (code, length, value padded to 4). */
function option(le: boolean, code: number, value: Buffer): Buffer {
  return new Out(le).u16(code).u16(value.length).bytes(value, true).done();
}

function section(le: boolean, frames: readonly Buffer[]): Buffer {
  const shb = block(le, 0x0a0d0d0a, new Out(le).u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).done());
  const end = option(le, 0, Buffer.alloc(0));
  const offset = Buffer.alloc(8);
  if (le) offset.writeBigInt64LE(10n); else offset.writeBigInt64BE(10n);
  const idb0 = block(le, 1, new Out(le).u16(LINKTYPE_ETHERNET).u16(0).u32(262144).bytes(option(le, 9, Buffer.from([9]))).bytes(option(le, 14, offset)).bytes(end).done());
  const idb1 = block(le, 1, new Out(le).u16(LINKTYPE_RAW).u16(0).u32(96).bytes(option(le, 9, Buffer.from([0x80 | 10]))).bytes(end).done());
  const blocks: Buffer[] = [shb, idb0, idb1];
  frames.forEach((f, i) => {
    const kind = i % 3;
    // EPBs alternate between the two interfaces (the second reads the frame as raw IP, in 2^-10 s units).
    if (kind === 0) blocks.push(block(le, 6, new Out(le).u32((i / 3) % 2).u32(0x0006).u32(0x1234 + i).u32(f.length).u32(f.length).bytes(f, true).bytes(option(le, 1, Buffer.from('c'))).bytes(end).done()));
    else if (kind === 1) blocks.push(block(le, 3, new Out(le).u32(f.length).bytes(f, true).done()));
    else blocks.push(block(le, 2, new Out(le).u16(0).u16(0).u32(0x0006).u32(i).u32(f.length).u32(f.length).bytes(f, true).done()));
  });
  // An unknown block type, to be skipped by its length.
  blocks.push(block(le, 0x0bad, Buffer.from('skip me')));
  return Buffer.concat(blocks);
}

/** The built captures, from the first few Ethernet seed frames. */
export function builtCaptures(frames: readonly SeedFrame[]): { name: string; data: Buffer }[] {
  const eth = frames.filter((f) => f.linkType === LINKTYPE_ETHERNET).slice(0, 12).map((f) => f.data);
  if (eth.length === 0) return [];
  return [
    { name: 'built:pcap-us-le', data: pcap(eth, true, false, LINKTYPE_ETHERNET) },
    { name: 'built:pcap-ns-be', data: pcap(eth, false, true, LINKTYPE_ETHERNET) },
    { name: 'built:pcapng-two-sections', data: Buffer.concat([section(true, eth), section(false, eth.slice(0, 4))]) },
  ];
}
