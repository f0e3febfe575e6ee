// pcapng reader on files built byte by byte: byte orders, if_tsresol/if_tsoffset, EPB/SPB/OPB,
// several interfaces and sections, skipped blocks, damage; and openCapture's detection by magic.
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_BYTES } from '../../../gateway/capture/chunked-file.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW } from '../../../gateway/capture/link-types.js';
import { detectFormat, openCapture } from '../../../gateway/capture/open-capture.js';
import { PcapReader } from '../../../gateway/capture/pcap-reader.js';
import { PcapngReader } from '../../../gateway/capture/pcapng-reader.js';
import {
  captureErrorCode, lcgSizes, makeTempDir, patternFrame as frame, type PcapngBlock, type PcapngInterface, pcapngBytes,
  readFrames, removeTempDir, writeClassicPcap, writePcapng,
} from '../../helpers/capture-files.js';

/** 2023-11-14T22:13:20Z in µs. */
const T0 = 1_700_000_000_000_000;
const SEC = 1_700_000_000n;

let dir: string;
beforeAll(() => { dir = makeTempDir(); });
afterAll(() => removeTempDir(dir));

const ETH: PcapngInterface = { linkType: LINKTYPE_ETHERNET, snaplen: 65535 };
const epb = (iface: number, tsUnits: bigint, data: Buffer, origLen?: number): PcapngBlock => ({ kind: 'epb', iface, tsUnits, data, origLen });

describe('PcapngReader: section byte order', () => {
  it.each([[false], [true]])('reads EPBs of an Ethernet interface (big-endian %s)', async (bigEndian) => {
    const p = join(dir, `order-${bigEndian}.pcapng`);
    const size = writePcapng(p, [{
      bigEndian,
      interfaces: [ETH],
      blocks: [
        epb(0, BigInt(T0 + 123_456), frame(0, 60)),
        epb(0, BigInt(T0 + 1_000_000), frame(1, 61), 1514), // odd length: padded; cut by snaplen
        { kind: 'epb', iface: 0, tsUnits: BigInt(T0 + 1_999_999), data: frame(2, 3), comment: 'an option after the data' },
        epb(0, 0n, Buffer.alloc(0)),
      ],
    }]);
    const reader = new PcapngReader(p);
    expect(reader.totalBytes).toBe(size);
    const { frames, stats } = await readFrames(reader);
    expect(frames).toEqual([
      { data: frame(0, 60), capLen: 60, origLen: 60, tsMicros: T0 + 123_456, linkType: LINKTYPE_ETHERNET, ifIndex: 0 },
      { data: frame(1, 61), capLen: 61, origLen: 1514, tsMicros: T0 + 1_000_000, linkType: LINKTYPE_ETHERNET, ifIndex: 0 },
      { data: frame(2, 3), capLen: 3, origLen: 3, tsMicros: T0 + 1_999_999, linkType: LINKTYPE_ETHERNET, ifIndex: 0 },
      { data: Buffer.alloc(0), capLen: 0, origLen: 0, tsMicros: 0, linkType: LINKTYPE_ETHERNET, ifIndex: 0 },
    ]);
    expect(stats).toEqual({ frames: 4, bytes: size, dropped: 0, warnings: [] });
    expect(reader.interfaces).toMatchObject([{ linkType: LINKTYPE_ETHERNET, snaplen: 65535, unitsPerSec: 1e6, offsetSec: 0 }]);
  });

  it('reads two sections of different byte orders, each with its own interfaces', async () => {
    const p = join(dir, 'two-sections.pcapng');
    writePcapng(p, [
      {
        bigEndian: false,
        interfaces: [{ linkType: LINKTYPE_ETHERNET, tsresol: 9 }, { linkType: LINKTYPE_LINUX_SLL2 }],
        blocks: [epb(0, SEC * 1_000_000_000n + 123_456_789n, frame(0, 60)), epb(1, BigInt(T0 + 1), frame(1, 40))],
      },
      {
        bigEndian: true,
        interfaces: [{ linkType: LINKTYPE_IPV4 }], // µs: the ns resolution of section 1 does not carry over
        blocks: [
          epb(0, BigInt(T0 + 2), frame(2, 28)),
          epb(1, BigInt(T0 + 3), frame(3, 28)), // interface 1 belonged to section 1 only
          epb(0, BigInt(T0 + 4), frame(4, 28)),
        ],
      },
      { bigEndian: false, interfaces: [{ linkType: LINKTYPE_RAW }], blocks: [epb(0, BigInt(T0 + 5), frame(5, 20))] },
    ]);
    const { frames, stats } = await readFrames(new PcapngReader(p));
    expect(frames.map((f) => [f.data.readUInt32BE(0), f.linkType, f.ifIndex, f.tsMicros])).toEqual([
      [0, LINKTYPE_ETHERNET, 0, T0 + 123_456],
      [1, LINKTYPE_LINUX_SLL2, 1, T0 + 1],
      [2, LINKTYPE_IPV4, 0, T0 + 2],
      [4, LINKTYPE_IPV4, 0, T0 + 4],
      [5, LINKTYPE_RAW, 0, T0 + 5],
    ]);
    expect(stats.warnings).toHaveLength(1); // the packet for interface 1 in section 2
  });
});

describe('PcapngReader: if_tsresol and if_tsoffset', () => {
  /**
   * Timestamps in units of 1/ups s: edge fractions of a second, exact µs multiples and
   * deterministic pseudo-random fractions, over a few seconds from 2023 (from 1970 for units so
   * fine that 2023 overflows 64 bits).
   */
  function unitValues(ups: bigint): bigint[] {
    const base = SEC * ups < 1n << 63n ? SEC : 10_000_000n;
    const fr = [0n, 1n, ups - 1n, ups / 2n, (ups / 1_000_000n) * 123_456n];
    let s = 12345;
    for (let i = 0; i < 200; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const f = (BigInt(s) * ups) >> 32n;
      fr.push(f);
      if (ups > 1_000_000n) fr.push(f - (f % (ups / 1_000_000n))); // an exact microsecond
    }
    return fr.map((f, i) => (base + BigInt(i % 7)) * ups + f);
  }
  const floorMicros = (units: bigint, ups: bigint, offsetSec = 0): number => Number((units * 1_000_000n) / ups) + offsetSec * 1e6;

  it.each([
    ['6 (µs, explicit)', 6, 1_000_000n],
    ['9 (ns)', 9, 1_000_000_000n],
    ['7 (100 ns, Windows)', 7, 10_000_000n],
    ['3 (ms)', 3, 1_000n],
    ['0 (s)', 0, 1n],
    ['0x80|20 (2^-20 s)', 0x80 | 20, 1n << 20n],
    ['0x80|10 (2^-10 s)', 0x80 | 10, 1n << 10n],
    ['0x80|32 (2^-32 s, fallback path)', 0x80 | 32, 1n << 32n],
    ['12 (ps)', 12, 10n ** 12n],
  ])('if_tsresol %s converts every timestamp to µs, floored exactly', async (name, tsresol, ups) => {
    const values = unitValues(ups);
    const p = join(dir, `tsresol-${tsresol}.pcapng`);
    writePcapng(p, [{ interfaces: [{ linkType: LINKTYPE_ETHERNET, tsresol }], blocks: values.map((u, i) => epb(0, u, frame(i, 20))) }]);
    const reader = new PcapngReader(p);
    const { frames, stats } = await readFrames(reader);
    expect(stats.warnings).toEqual([]);
    expect(reader.interfaces[0]!.unitsPerSec).toBe(Number(ups));
    expect(frames.map((f) => f.tsMicros)).toEqual(values.map((u) => floorMicros(u, ups)));
  });

  it('floors ns timestamps that a float scale factor rounds up', async () => {
    // Found by comparing against BigInt: 0.001 is not exact, so these came out 1 µs late.
    const ns = [1671993243267143982n, 1719235312177088940n, 1623586188174328815n, 1727532469484079970n, 1700000000123456000n];
    const p = join(dir, 'ns-edges.pcapng');
    writePcapng(p, [{ interfaces: [{ linkType: LINKTYPE_ETHERNET, tsresol: 9 }], blocks: ns.map((u, i) => epb(0, u, frame(i, 20))) }]);
    const { frames } = await readFrames(new PcapngReader(p));
    expect(frames.map((f) => f.tsMicros)).toEqual([1671993243267143, 1719235312177088, 1623586188174328, 1727532469484079, 1700000000123456]);
  });

  it.each([
    ['+3600 s on ns units', { tsresol: 9, tsoffset: 3600 }, 1_000_000_000n],
    ['-7200 s on µs units', { tsoffset: -7200 }, 1_000_000n],
    ['+1 s on 2^-20 units', { tsresol: 0x80 | 20, tsoffset: 1 }, 1n << 20n],
  ])('if_tsoffset %s is added in seconds', async (name, opts, ups) => {
    const units = [SEC * ups, SEC * ups + ups / 3n, (SEC + 1n) * ups - 1n];
    const p = join(dir, `tsoffset-${name.replace(/\W+/g, '-')}.pcapng`);
    writePcapng(p, [{ interfaces: [{ linkType: LINKTYPE_ETHERNET, ...opts }], blocks: units.map((u, i) => epb(0, u, frame(i, 20))) }]);
    const reader = new PcapngReader(p);
    const { frames } = await readFrames(reader);
    expect(reader.interfaces[0]!.offsetSec).toBe(opts.tsoffset);
    expect(frames.map((f) => f.tsMicros)).toEqual(units.map((u) => floorMicros(u, ups, opts.tsoffset)));
  });

  it('keeps each interface its own resolution', async () => {
    const p = join(dir, 'tsresol-per-iface.pcapng');
    writePcapng(p, [{
      interfaces: [{ linkType: LINKTYPE_ETHERNET, tsresol: 9 }, { linkType: LINKTYPE_ETHERNET }, { linkType: LINKTYPE_ETHERNET, tsresol: 0x80 | 20 }],
      blocks: [epb(0, SEC * 1_000_000_000n + 5_000n, frame(0, 20)), epb(1, SEC * 1_000_000n + 5n, frame(1, 20)), epb(2, (SEC << 20n) + 1n, frame(2, 20))],
    }]);
    const { frames } = await readFrames(new PcapngReader(p));
    expect(frames.map((f) => f.tsMicros)).toEqual([T0 + 5, T0 + 5, T0]);
  });
});

describe('PcapngReader: packet block kinds', () => {
  it('reads SPBs on interface 0 with no timestamp, cut to the snaplen and the original length', async () => {
    const p = join(dir, 'spb.pcapng');
    writePcapng(p, [{
      interfaces: [{ linkType: LINKTYPE_ETHERNET, snaplen: 62 }],
      blocks: [
        // The block holds 62 data bytes + 2 of padding: the snaplen, not the block, bounds the frame.
        { kind: 'spb', data: frame(0, 62), origLen: 1514 },
        // A short frame: the original length bounds it inside its padding.
        { kind: 'spb', data: frame(1, 41) },
      ],
    }, {
      interfaces: [{ linkType: LINKTYPE_IPV4, snaplen: 0 }], // 0: no limit
      blocks: [{ kind: 'spb', data: frame(2, 300) }],
    }]);
    const { frames, stats } = await readFrames(new PcapngReader(p));
    expect(stats.warnings).toEqual([]);
    expect(frames).toEqual([
      { data: frame(0, 62), capLen: 62, origLen: 1514, tsMicros: 0, linkType: LINKTYPE_ETHERNET, ifIndex: 0 },
      { data: frame(1, 41), capLen: 41, origLen: 41, tsMicros: 0, linkType: LINKTYPE_ETHERNET, ifIndex: 0 },
      { data: frame(2, 300), capLen: 300, origLen: 300, tsMicros: 0, linkType: LINKTYPE_IPV4, ifIndex: 0 },
    ]);
  });

  it('skips with a warning an SPB before any interface and an SPB too short for its length field', async () => {
    const p = join(dir, 'spb-bad.pcapng');
    writePcapng(p, [
      { interfaces: [], blocks: [{ kind: 'spb', data: frame(0, 40) }] },
      // Type 3 with an empty body: a 12-byte block with no Original Packet Length field.
      { interfaces: [ETH], blocks: [{ kind: 'unknown', type: 3, body: Buffer.alloc(0) }, { kind: 'spb', data: frame(1, 40) }] },
    ]);
    const { frames, stats } = await readFrames(new PcapngReader(p));
    expect(frames.map((f) => [f.data, f.capLen])).toEqual([[frame(1, 40), 40]]);
    expect(stats.warnings).toHaveLength(2);
  });

  it('reads obsolete Packet Blocks (type 2) with their interface and timestamp', async () => {
    const p = join(dir, 'opb.pcapng');
    writePcapng(p, [{
      interfaces: [ETH, { linkType: LINKTYPE_IPV4, tsresol: 9 }],
      blocks: [
        { kind: 'opb', iface: 1, tsUnits: SEC * 1_000_000_000n + 7_999n, data: frame(0, 33) },
        { kind: 'opb', iface: 0, tsUnits: BigInt(T0 + 8), data: frame(1, 64) },
        { kind: 'opb', iface: 2, tsUnits: BigInt(T0 + 9), data: frame(2, 64) }, // undeclared interface
      ],
    }]);
    const { frames, stats } = await readFrames(new PcapngReader(p));
    expect(frames).toEqual([
      { data: frame(0, 33), capLen: 33, origLen: 33, tsMicros: T0 + 7, linkType: LINKTYPE_IPV4, ifIndex: 1 },
      { data: frame(1, 64), capLen: 64, origLen: 64, tsMicros: T0 + 8, linkType: LINKTYPE_ETHERNET, ifIndex: 0 },
    ]);
    expect(stats.warnings).toHaveLength(1);
  });

  it('gives each frame the link type and index of its interface (Ethernet and raw IPv4)', async () => {
    const p = join(dir, 'two-ifaces.pcapng');
    const blocks = Array.from({ length: 6 }, (_, i) => epb(i % 2, BigInt(T0 + i), frame(i, 40 + i)));
    writePcapng(p, [{ interfaces: [ETH, { linkType: LINKTYPE_IPV4, snaplen: 1500 }], blocks: [...blocks, epb(2, BigInt(T0), frame(9, 40))] }]);
    const reader = new PcapngReader(p);
    const { frames, stats } = await readFrames(reader);
    expect(frames.map((f) => [f.data.readUInt32BE(0), f.capLen, f.linkType, f.ifIndex])).toEqual(
      Array.from({ length: 6 }, (_, i) => [i, 40 + i, i % 2 === 0 ? LINKTYPE_ETHERNET : LINKTYPE_IPV4, i % 2]),
    );
    expect(stats.warnings).toHaveLength(1); // the EPB on undeclared interface 2
    expect(reader.interfaces.map((i) => [i.linkType, i.snaplen])).toEqual([[LINKTYPE_ETHERNET, 65535], [LINKTYPE_IPV4, 1500]]);
  });

  it('skips NRB, ISB, custom and unknown blocks by their length', async () => {
    const p = join(dir, 'skipped.pcapng');
    writePcapng(p, [{
      interfaces: [ETH],
      blocks: [
        { kind: 'nrb' },
        epb(0, BigInt(T0), frame(0, 50)),
        { kind: 'unknown', type: 0x00000005, body: Buffer.alloc(20, 0xee) }, // Interface Statistics Block
        { kind: 'unknown', type: 0x00000bad, body: Buffer.alloc(13, 0x06) }, // custom, padded
        { kind: 'unknown', type: 0x0000000a, body: Buffer.alloc(0) }, // Decryption Secrets, empty
        { kind: 'unknown', type: 0x7fffffff, body: Buffer.from('looks like nothing') },
        epb(0, BigInt(T0 + 1), frame(1, 50)),
        { kind: 'nrb' },
      ],
    }]);
    const { frames } = await readFrames(new PcapngReader(p));
    expect(frames.map((f) => f.data)).toEqual([frame(0, 50), frame(1, 50)]);
  });
});

describe('PcapngReader: damaged files', () => {
  const blocks = [epb(0, BigInt(T0), frame(0, 100)), epb(0, BigInt(T0 + 1), frame(1, 100)), epb(0, BigInt(T0 + 2), frame(2, 100))];

  it.each([
    ['in its trailer', 2],
    ['in its data', 60],
    ['in its header', 100 + 28 + 4 - 6], // 6 bytes of the 12-byte block header remain
  ])('gives the earlier frames and one warning when the last block is cut %s', async (name, cut) => {
    const p = join(dir, `trunc-${name.replace(/\W+/g, '-')}.pcapng`);
    const size = writePcapng(p, [{ interfaces: [ETH], blocks }]);
    truncateSync(p, size - cut);
    const { frames, stats } = await readFrames(new PcapngReader(p));
    expect(frames.map((f) => f.data)).toEqual([frame(0, 100), frame(1, 100)]);
    expect(stats.warnings).toHaveLength(1);
  });

  it.each([
    ['not a multiple of 4', 130],
    ['below 12', 8],
    ['beyond 64 MiB', 0x7ffffff0],
  ])('stops with a warning on a block length %s', async (name, badLen) => {
    const p = join(dir, `bad-len-${name.replace(/\W+/g, '-')}.pcapng`);
    const b = pcapngBytes([{ interfaces: [ETH], blocks }]);
    const secondEpb = b.length - 2 * (12 + 20 + 100);
    b.writeUInt32LE(badLen, secondEpb + 4);
    writeFileSync(p, b);
    const { frames, stats } = await readFrames(new PcapngReader(p));
    expect(frames.map((f) => f.data)).toEqual([frame(0, 100)]);
    expect(stats.warnings).toHaveLength(1);
  });

  it('warns when an EPB says it holds more data than the block does', async () => {
    const p = join(dir, 'epb-overrun.pcapng');
    const b = pcapngBytes([{ interfaces: [ETH], blocks }]);
    const secondEpb = b.length - 2 * (12 + 20 + 100);
    b.writeUInt32LE(101, secondEpb + 20); // captured length one past the data
    writeFileSync(p, b);
    const { frames, stats } = await readFrames(new PcapngReader(p));
    expect(frames.map((f) => f.data)).toEqual([frame(0, 100), frame(2, 100)]);
    expect(stats.warnings).toHaveLength(1);
  });

  it('throws capture.bad_header when the section header has no byte-order magic', () => {
    const p = join(dir, 'no-bom.pcapng');
    const b = pcapngBytes([{ interfaces: [ETH], blocks }]);
    b.writeUInt32LE(0x12345678, 8);
    writeFileSync(p, b);
    expect(captureErrorCode(() => new PcapngReader(p))).toBe('capture.bad_header');
  });

  it('throws capture.bad_magic when the file does not start with a section header', () => {
    const p = join(dir, 'no-shb.pcapng');
    writeFileSync(p, pcapngBytes([{ interfaces: [ETH], blocks }]).subarray(28)); // starts at the IDB
    expect(captureErrorCode(() => new PcapngReader(p))).toBe('capture.bad_magic');
  });
});

describe('PcapngReader: blocks across chunk boundaries', () => {
  it('reads ~9 MiB of EPBs of 1000–1500 byte frames whole and in order', async () => {
    const p = join(dir, 'many-chunks.pcapng');
    const lens = lcgSizes(7_000, 99);
    const size = writePcapng(p, [{ interfaces: [{ linkType: LINKTYPE_ETHERNET, tsresol: 9 }], blocks: lens.map((n, i) => epb(0, BigInt(T0 + i) * 1000n + 999n, frame(i, n))) }]);
    expect(size).toBeGreaterThan(2 * DEFAULT_CHUNK_BYTES);
    let next = 0;
    let bad = 0;
    const stats = await new PcapngReader(p).run((buf, off, capLen, _o, ts) => {
      if (capLen !== lens[next] || ts !== T0 + next || !buf.subarray(off, off + capLen).equals(frame(next, capLen))) bad++;
      next++;
    });
    expect(bad).toBe(0);
    expect(stats).toEqual({ frames: lens.length, bytes: size, dropped: 0, warnings: [] });
  });
});

describe('openCapture: format by magic number, never by extension', () => {
  const ng = [{ interfaces: [ETH], blocks: [epb(0, BigInt(T0), frame(0, 60))] }];

  it('opens a pcapng file named .pcap with the pcapng reader', async () => {
    const p = join(dir, 'really-pcapng.pcap');
    writePcapng(p, ng);
    expect(detectFormat(p)).toBe('pcapng');
    const src = openCapture(p);
    expect(src).toBeInstanceOf(PcapngReader);
    expect(src.label).toBe(p);
    const { frames } = await readFrames(src);
    expect(frames.map((f) => [f.data, f.tsMicros])).toEqual([[frame(0, 60), T0]]);
  });

  it.each([[false], [true]])('opens a pcap file named .pcapng with the pcap reader (big-endian %s)', async (bigEndian) => {
    const p = join(dir, `really-pcap-${bigEndian}.pcapng`);
    writeClassicPcap(p, { bigEndian, nanos: bigEndian, linkType: LINKTYPE_ETHERNET }, [{ ts: T0, data: frame(0, 60) }]);
    expect(detectFormat(p)).toBe('pcap');
    const src = openCapture(p);
    expect(src).toBeInstanceOf(PcapReader);
    const { frames } = await readFrames(src);
    expect(frames.map((f) => [f.data, f.tsMicros])).toEqual([[frame(0, 60), T0]]);
  });

  it.each([
    ['garbage', Buffer.from('GIF89a garbage, not a capture at all')],
    ['empty', Buffer.alloc(0)],
    ['3 bytes of a pcapng magic', Buffer.from([0x0a, 0x0d, 0x0d])],
  ])('throws capture.bad_magic for %s', (name, bytes) => {
    const p = join(dir, `garbage-${name.replace(/\W+/g, '-')}.pcap`);
    writeFileSync(p, bytes);
    expect(detectFormat(p)).toBe(null);
    expect(captureErrorCode(() => openCapture(p))).toBe('capture.bad_magic');
  });

  it('throws capture.open_failed for a missing file', () => {
    expect(captureErrorCode(() => openCapture(join(dir, 'no-such-file.pcap')))).toBe('capture.open_failed');
  });
});
