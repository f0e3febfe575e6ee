// The bounds of TCP stream reassembly: the per-flow and global memcaps (a gap is taken, never the
// cap passed), the depth (a 1 GB transfer in order holds nothing and delivers exactly the depth),
// the overlap windows' share of the global cap, and the strict config check.
import { describe, expect, it } from 'vitest';
import { DecodeCounters } from '../../gateway/common/events.js';
import { checkStreamConfig, HELD_SEGMENT_OVERHEAD, STREAM_DEFAULTS, streamConfig } from '../../gateway/stream/stream-config.js';
import { TcpReassembler, TcpStream } from '../../gateway/stream/tcp-reassembler.js';
import { ACK, harness, SYN } from './stream-harness.js';

const SEG10 = 10 + HELD_SEGMENT_OVERHEAD; // what one held 10-byte segment is charged

describe('reassembly memcaps', () => {
  it('takes a gap at the per-flow cap instead of holding more', () => {
    const h = harness({ maxOutOfOrderPerFlow: 2 * SEG10 });
    const c = h.conn();
    const peak: number[] = [];
    const send = (dir: number, seq: number, p: string): void => {
      h.send(c, dir, seq, ACK, p);
      peak.push(c.heldBytes);
    };
    h.send(c, 0, 0, SYN);
    h.send(c, 1, 100, SYN | ACK);
    // Direction 0 loses offsets 0..9, then three segments come after the hole.
    send(0, 11, 'bbbbbbbbbb');
    send(1, 111, 'YYYYYYYYYY'); // direction 1 loses 0..9 too: the flow now holds two segments
    send(0, 21, 'cccccccccc'); // a third would pass the cap: gap in this direction
    expect(h.events()).toEqual({ 'stream.flow_memcap': 1, 'stream.gap': 1 });
    expect(h.text(0, '?')).toBe('??????????bbbbbbbbbbcccccccccc');
    expect(c.heldBytes).toBe(SEG10); // direction 1 still holds its segment
    send(0, 1, 'aaaaaaaaaa'); // the lost bytes, too late: a retransmission
    expect(h.count('stream.retransmission')).toBe(1);
    expect(Math.max(...peak)).toBeLessThanOrEqual(2 * SEG10);
    h.r.close(c);
    expect(h.text(1, '?')).toBe('??????????YYYYYYYYYY');
    expect(h.r.heldBytes).toBe(0);
  });

  it('delivers a segment larger than the per-flow cap after a gap rather than hold it', () => {
    const h = harness({ maxOutOfOrderPerFlow: 100 });
    const c = h.conn();
    h.send(c, 0, 0, SYN);
    h.send(c, 0, 11, 0, 'x'.repeat(500));
    expect(h.gaps(0)).toEqual([10]);
    expect(h.text(0)).toBe('x'.repeat(500));
    expect(h.r.heldBytes).toBe(0);
    expect(h.events()).toEqual({ 'stream.flow_memcap': 1, 'stream.gap': 1 });
  });

  it('takes a gap at the global cap, in the connection that would pass it', () => {
    const h = harness({ maxOutOfOrderTotal: 2 * SEG10, overlapWindow: 0 });
    const a = h.conn('a'), b = h.conn('b'), c = h.conn('c');
    for (const s of [a, b, c]) h.send(s, 0, 0, SYN);
    h.send(a, 0, 11, 0, 'AAAAAAAAAA');
    h.send(b, 0, 11, 0, 'BBBBBBBBBB');
    expect(h.r.heldBytes).toBe(2 * SEG10);
    h.send(b, 0, 31, 0, 'bbbbbbbbbb'); // b would pass the global cap: b skips to its lowest held byte
    expect(h.events()).toEqual({ 'stream.memcap': 1, 'stream.gap': 1 });
    expect(h.out).toEqual([{ dir: 0, gap: 10 }, { dir: 0, data: Buffer.from('BBBBBBBBBB'), ts: 0 }]);
    expect(h.r.heldBytes).toBe(2 * SEG10); // ...which made room for the new segment
    h.send(b, 0, 51, 0, 'dddddddddd'); // again: skips to 'bbbbbbbbbb', holds 'dddddddddd'
    h.send(c, 0, 11, 0, 'CCCCCCCCCC'); // c holds nothing and there is no room: gap to its own segment
    expect(h.count('stream.memcap')).toBe(3);
    expect(h.r.heldBytes).toBe(2 * SEG10);
    for (const s of [a, b, c]) h.r.close(s);
    expect(h.r.heldBytes).toBe(0);
    expect(h.events()).toEqual({ 'stream.memcap': 3, 'stream.gap': 5 });
    const stream = (name: string): string => h.out.filter((_, i) => h.owners[i] === name).map((d) => ('data' in d ? d.data.toString() : '?'.repeat(d.gap))).join('');
    expect(stream('a')).toBe('??????????AAAAAAAAAA');
    expect(stream('b')).toBe('??????????BBBBBBBBBB??????????bbbbbbbbbb??????????dddddddddd');
    expect(stream('c')).toBe('??????????CCCCCCCCCC');
  });

  it('keeps overlap windows within half of the global cap', () => {
    const h = harness({ maxOutOfOrderTotal: 3 * 4096, overlapWindow: 4096 });
    const conns = [h.conn('a'), h.conn('b'), h.conn('c')];
    for (const s of conns) {
      h.send(s, 0, 0, SYN);
      h.send(s, 0, 1, 0, 'abc');
      h.send(s, 0, 1, 0, 'abc'); // a retransmission arms the window, if there is room
    }
    expect(h.r.windowBytes).toBe(4096); // one fits in half of 12 KiB, a second does not
    for (const s of conns) h.r.close(s);
    expect(h.r.windowBytes).toBe(0);
  });
});

describe('reassembly depth', () => {
  it('stops a direction at the depth, counting it once, and trims held bytes past it', () => {
    const h = harness({ depth: 100 });
    const c = h.conn();
    h.send(c, 0, 0, SYN);
    h.send(c, 1, 500, SYN | ACK);
    h.send(c, 0, 91, 0, 'y'.repeat(30)); // offsets 90..119: held up to 99 only
    expect(h.events()).toEqual({ 'stream.depth_reached': 1 });
    expect(h.r.heldBytes).toBe(10 + HELD_SEGMENT_OVERHEAD);
    h.send(c, 0, 1, 0, 'x'.repeat(90));
    expect(h.text(0)).toBe('x'.repeat(90) + 'y'.repeat(10));
    h.send(c, 0, 121, 0, 'z'.repeat(30));
    // Exactly the depth, delivered: the next data is past it and counts once.
    h.send(c, 1, 501, 0, 'r'.repeat(100));
    h.send(c, 1, 591, 0, 'r'.repeat(10)); // a resend of bytes before the depth: not past it
    expect(h.events()).toEqual({ 'stream.depth_reached': 1 });
    h.send(c, 1, 601, 0, 'more');
    h.send(c, 1, 605, 0, 'more');
    expect(h.events()).toEqual({ 'stream.depth_reached': 2 });
    expect([c.bytesDelivered(0), c.bytesDelivered(1)]).toEqual([100, 100]);
    expect(h.r.heldBytes).toBe(0);
  });

  it('holds nothing and delivers exactly the depth of a 1 GB transfer in order', () => {
    const counters = new DecodeCounters();
    let delivered = 0, calls = 0, gaps = 0;
    const r = new TcpReassembler<null>(STREAM_DEFAULTS, counters, {
      data(_o, _d, _b, off, end) { delivered += end - off; calls++; },
      gap() { gaps++; },
    });
    const s = new TcpStream(null);
    const buf = Buffer.alloc(1040, 0x41); // ONE buffer, as a capture loop reuses its own
    const isn = 0xf0000000; // the transfer wraps the sequence space 256 MiB in
    r.segment(s, 0, isn, SYN, buf, 0, 0, 0);
    const heap0 = process.memoryUsage().heapUsed;
    let maxHeld = 0;
    for (let i = 0; i < 1_000_000; i++) {
      r.segment(s, 0, (isn + 1 + i * 1000) >>> 0, ACK, buf, 20, 1000, i);
      if (i % 50_000 === 0) maxHeld = Math.max(maxHeld, r.heldBytes, r.windowBytes);
    }
    const grew = process.memoryUsage().heapUsed - heap0;
    r.close(s);
    expect(delivered).toBe(STREAM_DEFAULTS.depth);
    expect(calls).toBe(Math.ceil(STREAM_DEFAULTS.depth / 1000));
    expect(gaps).toBe(0);
    expect(maxHeld).toBe(0);
    expect(r.heldBytes).toBe(0);
    expect(counters.toJSON()).toEqual({ 'stream.depth_reached': 1 });
    // Nothing is allocated per in-order segment: 1 GB in, a few MB of heap at most (no GC forced).
    expect(grew).toBeLessThan(16 << 20);
  });
});

describe('stream config', () => {
  it('has frozen defaults with the documented values', () => {
    expect(STREAM_DEFAULTS).toEqual({ depth: 1 << 20, maxOutOfOrderPerFlow: 256 << 10, maxOutOfOrderTotal: 64 << 20, overlapWindow: 4096 });
    expect(Object.isFrozen(STREAM_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(streamConfig({ depth: 10 }))).toBe(true);
  });

  it('reports every problem at once, unknown keys included', () => {
    expect(checkStreamConfig({ depth: 0, maxOutOfOrderTotal: -1, overlapWindow: 1.5, window: 3 })).toEqual([
      'stream.depth: must be a whole number from 1 to 2^40',
      'stream.maxOutOfOrderTotal: must be a whole number from 0 to 2^40',
      'stream.overlapWindow: must be a whole number from 0 to 2^40',
      'stream.window: unknown key (known: depth, maxOutOfOrderPerFlow, maxOutOfOrderTotal, overlapWindow)',
    ]);
    expect(checkStreamConfig(undefined)).toEqual([]);
    expect(checkStreamConfig([])).toEqual(['stream: must be an object']);
    expect(() => streamConfig({ depth: -5 })).toThrow(RangeError);
  });
});
