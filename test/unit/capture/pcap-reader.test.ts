// Classic pcap reader on files built byte by byte: both byte orders and both timestamp magics, the
// link-type field's FCS bits, damaged files, records straddling chunk boundaries, PcapWriter round trip.
import { statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CHUNK_BYTES } from '../../../gateway/capture/chunked-file.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_LINUX_SLL } from '../../../gateway/capture/link-types.js';
import { openCapture } from '../../../gateway/capture/open-capture.js';
import { PcapReader } from '../../../gateway/capture/pcap-reader.js';
import { PcapWriter } from '../../../gateway/capture/pcap-writer.js';
import { captureErrorCode, type ClassicPcapRecord, lcgSizes, makeTempDir, patternFrame as frame, readFrames, removeTempDir, writeClassicPcap } from '../../helpers/capture-files.js';

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** 2023-11-14T22:13:20Z in µs: a realistic epoch value well above 2^32 µs. */
const T0 = 1_700_000_000_000_000;

let dir: string;
beforeAll(() => { dir = makeTempDir(); });
afterAll(() => removeTempDir(dir));
afterEach(() => { vi.restoreAllMocks(); });

describe('PcapReader: byte order and timestamp resolution', () => {
  const records: ClassicPcapRecord[] = [
    { ts: T0 + 123_456, data: frame(0, 60) },
    { ts: T0 + 1_000_000, data: frame(1, 64), origLen: 1514 }, // cut by snaplen
    { ts: T0 + 1_999_999, data: frame(2, 1) },
    { ts: 0, data: Buffer.alloc(0), origLen: 0 }, // epoch 0 and an empty record are legal
  ];

  it.each([
    ['little-endian µs', false, false],
    ['big-endian µs', true, false],
    ['little-endian ns', false, true],
    ['big-endian ns', true, true],
  ])('%s: frames, lengths and timestamps', async (_name, bigEndian, nanos) => {
    const p = join(dir, `order-${bigEndian ? 'be' : 'le'}-${nanos ? 'ns' : 'us'}.pcap`);
    // In the ns files every record also carries 999 ns past its µs: the reader floors them away.
    const size = writeClassicPcap(p, { bigEndian, nanos, linkType: LINKTYPE_ETHERNET, snaplen: 65535 },
      records.map((r) => ({ ...r, subMicroNs: nanos ? 999 : 0 })));
    const reader = new PcapReader(p);
    expect(reader.linkType).toBe(LINKTYPE_ETHERNET);
    expect(reader.snaplen).toBe(65535);
    expect(reader.totalBytes).toBe(size);
    const progress: number[] = [];
    const frames: Array<{ data: Buffer; capLen: number; origLen: number; ts: number; linkType: number; ifIndex: number }> = [];
    const stats = await reader.run((buf, off, capLen, origLen, ts, linkType, ifIndex) => {
      frames.push({ data: Buffer.from(buf.subarray(off, off + capLen)), capLen, origLen, ts, linkType, ifIndex });
    }, (n) => progress.push(n));
    expect(frames).toEqual(records.map((r) => ({
      data: r.data, capLen: r.data.length, origLen: r.origLen ?? r.data.length, ts: r.ts, linkType: LINKTYPE_ETHERNET, ifIndex: 0,
    })));
    expect(stats).toEqual({ frames: records.length, bytes: size, dropped: 0, warnings: [] });
    expect(progress.at(-1)).toBe(size);
  });

  it('floors nanoseconds to the microsecond, never rounds', async () => {
    const p = join(dir, 'ns-floor.pcap');
    writeClassicPcap(p, { nanos: true, linkType: LINKTYPE_ETHERNET }, [
      { ts: T0 + 5, data: frame(0, 20), subMicroNs: 0 },
      { ts: T0 + 5, data: frame(1, 20), subMicroNs: 500 },
      { ts: T0 + 5, data: frame(2, 20), subMicroNs: 999 },
      { ts: T0 + 999_999, data: frame(3, 20), subMicroNs: 999 }, // 999 999 999 ns: still the same second
    ]);
    const { frames } = await readFrames(new PcapReader(p));
    expect(frames.map((f) => f.tsMicros)).toEqual([T0 + 5, T0 + 5, T0 + 5, T0 + 999_999]);
  });
});

describe('PcapReader: the link-type field', () => {
  // pcap-savefile(5) / libpcap LT_LINKTYPE(x) = x & 0xFFFF; 0x04000000 says an FCS length is
  // present and 0xF0000000 holds it in 16-bit words.
  const FCS_4_BYTES = (2 << 28) | 0x04000000;

  it.each([[false], [true]])('keeps only the LINKTYPE_* value when FCS bits are set (big-endian %s)', async (bigEndian) => {
    const p = join(dir, `fcs-${bigEndian}.pcap`);
    writeClassicPcap(p, { bigEndian, linkType: FCS_4_BYTES | LINKTYPE_ETHERNET }, [{ ts: T0, data: frame(0, 64) }]);
    const reader = new PcapReader(p);
    expect(reader.linkType).toBe(LINKTYPE_ETHERNET);
    const { frames } = await readFrames(reader);
    expect(frames.map((f) => f.linkType)).toEqual([LINKTYPE_ETHERNET]);
  });

  it('reads a link type above 255 unchanged', () => {
    const p = join(dir, 'lt-276.pcap');
    writeClassicPcap(p, { linkType: 276 }, [{ ts: T0, data: frame(0, 40) }]);
    expect(new PcapReader(p).linkType).toBe(276);
  });
});

describe('PcapReader: damaged files', () => {
  const three = [
    { ts: T0, data: frame(0, 100) },
    { ts: T0 + 1, data: frame(1, 100) },
    { ts: T0 + 2, data: frame(2, 100) },
  ];

  it('gives the earlier frames and one warning when the last record is cut in its data', async () => {
    const p = join(dir, 'trunc-data.pcap');
    const size = writeClassicPcap(p, { linkType: LINKTYPE_ETHERNET }, three);
    truncateSync(p, size - 10);
    const { frames, stats } = await readFrames(new PcapReader(p));
    expect(frames.map((f) => f.data)).toEqual([three[0]!.data, three[1]!.data]);
    expect(stats.frames).toBe(2);
    expect(stats.warnings).toHaveLength(1);
  });

  it('gives the earlier frames and one warning when the last record is cut in its header', async () => {
    const p = join(dir, 'trunc-header.pcap');
    const size = writeClassicPcap(p, { linkType: LINKTYPE_ETHERNET }, three);
    truncateSync(p, size - 100 - 8); // half of the third record header remains
    const { frames, stats } = await readFrames(new PcapReader(p));
    expect(frames).toHaveLength(2);
    expect(stats.warnings).toHaveLength(1);
  });

  it('reads a file of only the global header as empty, without warnings', async () => {
    const p = join(dir, 'header-only.pcap');
    writeClassicPcap(p, { linkType: LINKTYPE_ETHERNET }, []);
    const { frames, stats } = await readFrames(new PcapReader(p));
    expect(frames).toEqual([]);
    expect(stats).toEqual({ frames: 0, bytes: GLOBAL_HEADER, dropped: 0, warnings: [] });
  });

  it.each([
    ['0xffffffff', 0xffffffff],
    ['2^31 - 1', 0x7fffffff],
    ['just past 16 MiB', 16 * 1024 * 1024 + 1],
  ])('stops with a warning on a corrupt captured length of %s, without allocating it', async (_name, inclLen) => {
    const p = join(dir, `huge-incl-${inclLen}.pcap`);
    writeClassicPcap(p, { linkType: LINKTYPE_ETHERNET }, [
      { ts: T0, data: frame(0, 100) },
      { ts: T0 + 1, data: frame(1, 100), inclLen },
      { ts: T0 + 2, data: frame(2, 100) },
    ]);
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    const alloc = vi.spyOn(Buffer, 'alloc');
    const { frames, stats } = await readFrames(new PcapReader(p));
    expect(frames.map((f) => f.data)).toEqual([frame(0, 100)]);
    expect(stats.warnings).toHaveLength(1);
    expect(allocUnsafe).toHaveBeenCalled(); // the spy sees the reader's chunk buffer
    const sizes = [...allocUnsafe.mock.calls, ...alloc.mock.calls].map((c) => c[0]);
    expect(Math.max(0, ...sizes)).toBeLessThan(1024 * 1024);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['3 bytes', Buffer.from([0xd4, 0xc3, 0xb2])],
    ['magic and 19 more bytes', Buffer.concat([Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]), Buffer.alloc(19)])],
  ])('throws capture.bad_header for a file shorter than 24 bytes (%s)', (name, bytes) => {
    const p = join(dir, `short-${name.replace(/\W/g, '_')}.pcap`);
    writeFileSync(p, bytes);
    expect(captureErrorCode(() => new PcapReader(p))).toBe('capture.bad_header');
  });

  it.each([
    ['pcapng SHB', 0x0a0d0d0a],
    ['zeros', 0],
    ['swapped-ns lookalike', 0xa1b2c34d],
  ])('throws capture.bad_magic for a 24-byte header with the wrong magic (%s)', (name, magic) => {
    const p = join(dir, `bad-magic-${name.replace(/\W/g, '_')}.pcap`);
    const b = Buffer.alloc(64);
    b.writeUInt32LE(magic, 0);
    writeFileSync(p, b);
    expect(captureErrorCode(() => new PcapReader(p))).toBe('capture.bad_magic');
  });

  it('stops early when asked from inside the sink', async () => {
    const p = join(dir, 'stop.pcap');
    writeClassicPcap(p, { linkType: LINKTYPE_ETHERNET }, Array.from({ length: 10 }, (_, i) => ({ ts: T0 + i, data: frame(i, 50) })));
    const reader = new PcapReader(p);
    let n = 0;
    const stats = await reader.run(() => { if (++n === 3) { reader.stop(); reader.stop(); } });
    expect(n).toBe(3);
    expect(stats.frames).toBe(3);
    expect(stats.bytes).toBe(GLOBAL_HEADER + 3 * (RECORD_HEADER + 50));
  });
});

describe('PcapReader: records across chunk boundaries', () => {
  const sizes = (count: number, seed: number): number[] => lcgSizes(count, seed);

  /**
   * Frame sizes whose records fill the file from the global header to exactly `target` bytes, so
   * the next record starts at `target`: sizes from `sizes()`, the last one taking what is left.
   */
  function fillTo(target: number, seed: number): number[] {
    const out: number[] = [];
    let left = target - GLOBAL_HEADER;
    for (const len of sizes(5_000, seed)) { // 4 MiB needs ~4100 of them
      if (left - (RECORD_HEADER + len) < RECORD_HEADER + 1000) break;
      out.push(len);
      left -= RECORD_HEADER + len;
    }
    out.push(left - RECORD_HEADER);
    return out;
  }

  /** Writes the frames, reads them back and checks each arrives whole, in order, with its time. */
  async function roundTrip(name: string, lens: number[]): Promise<{ size: number; starts: number[] }> {
    const p = join(dir, name);
    const starts: number[] = [];
    let at = GLOBAL_HEADER;
    const records = lens.map((len, i) => {
      starts.push(at);
      at += RECORD_HEADER + len;
      return { ts: T0 + i * 1000, data: frame(i, len) };
    });
    const size = writeClassicPcap(p, { linkType: LINKTYPE_ETHERNET }, records);
    expect(size).toBe(at);
    let next = 0;
    let bad = 0;
    const stats = await new PcapReader(p).run((buf, off, capLen, _orig, ts) => {
      const want = records[next]!;
      if (capLen !== want.data.length || ts !== want.ts || !buf.subarray(off, off + capLen).equals(want.data)) bad++;
      next++;
    });
    expect(bad).toBe(0);
    expect(next).toBe(lens.length);
    expect(stats).toEqual({ frames: lens.length, bytes: size, dropped: 0, warnings: [] });
    return { size, starts };
  }

  it('reads ~13 MiB of 1000–1500 byte frames whole and in order across every chunk boundary', async () => {
    const lens = sizes(10_500, 7);
    const { size, starts } = await roundTrip('many-chunks.pcap', lens);
    expect(size).toBeGreaterThan(3 * DEFAULT_CHUNK_BYTES);
    // Where the reader's window ends, per ChunkedFile: the first read fills one chunk; a record
    // that does not fit is moved to the front and the window refilled from its start.
    let straddled = 0;
    let windowEnd = DEFAULT_CHUNK_BYTES;
    for (let i = 0; i < starts.length; i++) {
      const end = starts[i]! + RECORD_HEADER + lens[i]!;
      if (end > windowEnd) {
        if (starts[i]! < windowEnd) straddled++;
        windowEnd = starts[i]! + DEFAULT_CHUNK_BYTES;
      }
    }
    expect(straddled).toBeGreaterThanOrEqual(3);
  });

  // The first chunk ends at exactly DEFAULT_CHUNK_BYTES: start a 1200-byte frame's record so that
  // `before` of its bytes (16-byte header, then data) fall before the boundary.
  const STRADDLER = 1200;
  it.each([
    ['its header split 8 | 8', 8],
    ['its header split 1 | 15', 1],
    ['its header split 15 | 1', 15],
    ['its header whole and all data in the next chunk', RECORD_HEADER],
    ['its data split after 500 bytes', RECORD_HEADER + 500],
    ['its data split before the last byte', RECORD_HEADER + STRADDLER - 1],
    ['it starting exactly at the boundary', 0],
  ])('reads a record across the first chunk boundary with %s', async (name, before) => {
    const head = fillTo(DEFAULT_CHUNK_BYTES - before, 11 + before);
    const { starts } = await roundTrip(`boundary-${name.replace(/\W+/g, '-')}.pcap`, [...head, STRADDLER, ...sizes(40, 3)]);
    expect(starts[head.length]).toBe(DEFAULT_CHUNK_BYTES - before);
  });
});

describe('PcapWriter round trip', () => {
  it('reads back what the project writer wrote: data, lengths, µs timestamps, link type', async () => {
    const p = join(dir, 'writer.pcap');
    // A 256-byte buffer forces flushes between records.
    const w = new PcapWriter(p, LINKTYPE_LINUX_SLL, 128, 256);
    const written = [
      { data: frame(0, 60), ts: T0 + 123_456, origLen: 60 },
      { data: frame(1, 128), ts: T0 + 1_000_000, origLen: 1514 },
      { data: frame(2, 200), ts: T0 + 999_999, origLen: 200 },
      { data: frame(3, 10), ts: 42, origLen: 10 },
    ];
    for (const r of written) w.write(r.data, r.ts, r.origLen);
    expect(() => w.write(frame(4, 300), T0)).toThrow(RangeError);
    w.close();
    expect(w.count).toBe(written.length);
    expect(statSync(p).size).toBe(GLOBAL_HEADER + written.reduce((s, r) => s + RECORD_HEADER + r.data.length, 0));

    const reader = openCapture(p);
    expect(reader).toBeInstanceOf(PcapReader);
    expect((reader as PcapReader).linkType).toBe(LINKTYPE_LINUX_SLL);
    expect((reader as PcapReader).snaplen).toBe(128);
    const { frames, stats } = await readFrames(reader);
    expect(stats.warnings).toEqual([]);
    expect(frames).toEqual(written.map((r) => ({
      data: r.data, capLen: r.data.length, origLen: r.origLen, tsMicros: r.ts, linkType: LINKTYPE_LINUX_SLL, ifIndex: 0,
    })));
  });

  it('defaults to Ethernet', async () => {
    const p = join(dir, 'writer-default.pcap');
    const w = new PcapWriter(p);
    w.write(frame(0, 20), T0);
    w.close();
    const { frames } = await readFrames(new PcapReader(p));
    expect(frames.map((f) => [f.linkType, f.origLen])).toEqual([[LINKTYPE_ETHERNET, 20]]);
  });

  it('is read the same through openCapture with another link type', async () => {
    const p = join(dir, 'writer-ipv4.pcap');
    const w = new PcapWriter(p, LINKTYPE_IPV4);
    w.write(frame(0, 20), T0);
    w.close();
    const { frames } = await readFrames(openCapture(p));
    expect(frames.map((f) => f.linkType)).toEqual([LINKTYPE_IPV4]);
  });
});
