// TCP stream reassembly, behaviour by behaviour: order, reordering, retransmission, overlap (first
// copy wins, differing data counted against held and delivered bytes), gaps at close, FIN and RST,
// mid-stream pickup and sequence wrap-around. Counters are asserted by event name.
import { describe, expect, it } from 'vitest';
import { HELD_SEGMENT_OVERHEAD } from '../../gateway/stream/stream-config.js';
import { hex } from '../helpers/hex.js';
import { ACK, FIN, harness, RST, SYN } from './stream-harness.js';

const ISN = 1000; // client SYN seq: data starts at 1001
const RSN = 5000; // server SYN seq

describe('TcpReassembler', () => {
  it('delivers in-order segments as views of the caller\'s buffer, holding nothing', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 1, RSN, SYN | ACK);
    const b1 = h.send(c, 0, ISN + 1, ACK, 'GET / HTTP/1.1\r\n', 10);
    h.send(c, 0, ISN + 17, ACK, 'Host: x\r\n\r\n', 20);
    h.send(c, 1, RSN + 1, ACK, 'HTTP/1.1 200 OK\r\n\r\n', 30);
    expect(h.text(0)).toBe('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(h.text(1)).toBe('HTTP/1.1 200 OK\r\n\r\n');
    expect(h.views[0]!.b).toBe(b1);
    expect(h.views[0]!.off).toBe(3); // the very buffer the caller passed: no copy
    expect(h.out.map((d) => ('ts' in d ? d.ts : -1))).toEqual([10, 20, 30]);
    expect(h.events()).toEqual({});
    expect(h.r.heldBytes).toBe(0);
    expect(h.r.windowBytes).toBe(0); // a clean connection keeps no overlap window
    expect([c.bytesDelivered(0), c.bytesDelivered(1), c.initialSeq(0)]).toEqual([27, 19, ISN + 1]);
  });

  it('reorders three segments sent in reverse, holding copies until the first arrives', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 9, 0, 'cccc', 1);
    h.send(c, 0, ISN + 5, 0, 'bbbb', 2);
    expect(h.out).toEqual([]);
    expect(h.r.heldBytes).toBe(8 + 2 * HELD_SEGMENT_OVERHEAD);
    expect(c.heldBytes).toBe(h.r.heldBytes);
    h.send(c, 0, ISN + 1, 0, 'aaaa', 3);
    expect(h.text(0)).toBe('aaaabbbbcccc');
    // Held data goes out with the time of the packet that made it deliverable.
    expect(h.out.map((d) => ('ts' in d ? d.ts : -1))).toEqual([3, 3, 3]);
    expect(h.r.heldBytes).toBe(0);
    expect(h.events()).toEqual({});
  });

  it('drops a retransmission and counts it', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 1, 0, 'hello ');
    h.send(c, 0, ISN + 1, 0, 'hello ');
    h.send(c, 0, ISN + 7, 0, 'world');
    h.send(c, 0, ISN + 3, 0, 'llo'); // a part of what was delivered
    h.send(c, 0, ISN + 11, ACK); // a bare ACK (keep-alive) behind the next byte is no retransmission
    expect(h.text(0)).toBe('hello world');
    expect(h.events()).toEqual({ 'stream.retransmission': 2 });
  });

  it('counts an overlap with the same data once and delivers each byte once', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 6, 0, 'fghij'); // held
    h.send(c, 0, ISN + 1, 0, 'abcdefgh'); // overlaps the held bytes, same data
    expect(h.text(0)).toBe('abcdefghij');
    expect(h.events()).toEqual({ 'stream.overlap': 1 });
    // A segment straddling the next byte overlaps delivered bytes (the window holds them now: same).
    h.send(c, 0, ISN + 9, 0, 'ijKL');
    expect(h.text(0)).toBe('abcdefghijKL');
    expect(h.events()).toEqual({ 'stream.overlap': 2 });
  });

  it('keeps the first copy against held data and counts differing overlap data', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 6, 0, 'FGHIJ'); // held: first copy of offsets 5..9
    h.send(c, 0, ISN + 1, 0, 'abcdefghijklm'); // disagrees on 5..9, brings 10..12 too
    expect(h.text(0)).toBe('abcdeFGHIJklm');
    expect(h.events()).toEqual({ 'stream.overlap_different_data': 1 });
    // One new segment filling two holes around held bytes: one event, held bytes kept.
    h.send(c, 0, ISN + 16, 0, 'pq');
    h.send(c, 0, ISN + 20, 0, 'tu');
    h.send(c, 0, ISN + 14, 0, 'noPQrsTUvw');
    expect(h.text(0)).toBe('abcdeFGHIJklmnopqrstuvw');
    expect(h.events()).toEqual({ 'stream.overlap_different_data': 2 });
    expect(h.r.heldBytes).toBe(0);
  });

  it('counts differing data against bytes just delivered, through the overlap window', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 1, 0, '0123456789');
    // A clean direction keeps no window: its first retransmission cannot be compared (and arms it).
    h.send(c, 0, ISN + 1, 0, 'XXXXXXXXXX');
    expect(h.events()).toEqual({ 'stream.retransmission': 1 });
    expect(h.r.windowBytes).toBe(4096);
    h.send(c, 0, ISN + 11, 0, 'abcdefghij');
    h.send(c, 0, ISN + 14, 0, 'dEf'); // all delivered, one byte differs
    expect(h.events()).toEqual({ 'stream.retransmission': 2, 'stream.overlap_different_data': 1 });
    h.send(c, 0, ISN + 14, 0, 'def'); // same bytes: a plain retransmission
    expect(h.events()).toEqual({ 'stream.retransmission': 3, 'stream.overlap_different_data': 1 });
    h.send(c, 0, ISN + 19, 0, 'iJKLM'); // straddles: differs on delivered bytes, brings new ones
    expect(h.events()).toEqual({ 'stream.retransmission': 3, 'stream.overlap_different_data': 2 });
    expect(h.text(0)).toBe('0123456789abcdefghijKLM'); // first copy won every time
    h.r.close(c);
    expect(h.r.windowBytes).toBe(0);
  });

  it('compares across the end of a small overlap window ring, and not past what it holds', () => {
    const h = harness({ overlapWindow: 16 });
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 1, 0, 'abcdefghij');
    h.send(c, 0, ISN + 1, 0, 'abcdefghij'); // arms the 16-byte ring at offset 10
    h.send(c, 0, ISN + 11, 0, 'klmnopqrstuvwxyz'); // offsets 10..25: the ring wraps at 16
    h.send(c, 0, ISN + 13, 0, 'mnopqrstuvwxyZ'); // 12..25 spans the ring's end; the last byte differs
    expect(h.events()).toEqual({ 'stream.retransmission': 2, 'stream.overlap_different_data': 1 });
    h.send(c, 0, ISN + 11, 0, 'KLMNOPQRSTuvwxyz'); // differs only at 10..19, and the ring holds 10..25
    expect(h.events()).toEqual({ 'stream.retransmission': 3, 'stream.overlap_different_data': 2 });
    h.send(c, 0, ISN + 27, 0, '0123456789'); // offsets 26..35: the ring now holds 20..35
    h.send(c, 0, ISN + 11, 0, 'KLMNOPQRSTuvwxyz'); // the differing bytes fell out of the window
    expect(h.events()).toEqual({ 'stream.retransmission': 4, 'stream.overlap_different_data': 2 });
    expect(h.text(0)).toBe('abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('arms the window on reordering, so a later resend of the reordered bytes is compared', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 1, 0, 'aaaa');
    h.send(c, 0, ISN + 9, 0, 'cccc'); // out of order: arms the window
    h.send(c, 0, ISN + 5, 0, 'bbbb');
    h.send(c, 0, ISN + 7, 0, 'bbcC'); // resend over just-delivered bytes, last differs
    expect(h.text(0)).toBe('aaaabbbbcccc');
    expect(h.events()).toEqual({ 'stream.retransmission': 1, 'stream.overlap_different_data': 1 });
  });

  it('reports a missing segment as a gap at close and delivers what follows', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 1, 0, 'aaaa');
    h.send(c, 0, ISN + 9, 0, 'cccc'); // bbbb never comes
    h.send(c, 0, ISN + 13, 0, 'dd');
    expect(h.text(0)).toBe('aaaa');
    h.r.close(c, 99);
    expect(h.out.slice(1)).toEqual([{ dir: 0, gap: 4 }, { dir: 0, data: Buffer.from('cccc'), ts: 99 }, { dir: 0, data: Buffer.from('dd'), ts: 99 }]);
    expect(h.events()).toEqual({ 'stream.gap': 1 });
    expect(h.r.heldBytes).toBe(0);
    expect([c.bytesDelivered(0), c.bytesSkipped(0)]).toEqual([10, 4]);
  });

  it('handles a connection cut mid-stream: close flushes holes, bytes before a FIN that never came are a gap', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 1, RSN, SYN | ACK);
    h.send(c, 0, ISN + 1, 0, 'request');
    h.send(c, 1, RSN + 1, 0, 'part1-');
    h.send(c, 1, RSN + 13, 0, 'part3-');
    h.send(c, 1, RSN + 25, FIN, 'end'); // FIN after offset 27; 'part2-' and 'part4-' are lost
    h.r.close(c);
    expect(h.text(0)).toBe('request');
    expect(h.text(1, '?')).toBe('part1-??????part3-??????end');
    expect(h.gaps(1)).toEqual([6, 6]);
    expect(h.r.heldBytes).toBe(0);
    // After close, nothing more is taken.
    h.send(c, 1, RSN + 7, 0, 'part2-');
    h.send(c, 0, ISN + 8, 0, 'more');
    expect(h.text(1, '?')).toBe('part1-??????part3-??????end');
    expect(h.text(0)).toBe('request');
    expect(h.r.heldBytes).toBe(0);
  });

  it('ignores data after the FIN, and the payload of a RST', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 9, 0, 'IJKLMNOP'); // held, partly past the FIN to come
    h.send(c, 0, ISN + 1, FIN, 'abcdefghij'); // FIN at offset 10
    h.send(c, 0, ISN + 11, 0, 'after fin');
    h.send(c, 1, RSN, SYN | ACK);
    h.send(c, 1, RSN + 1, RST, 'diagnostic text');
    expect(h.text(0)).toBe('abcdefghIJ');
    expect(h.text(1)).toBe('');
    expect(h.r.heldBytes).toBe(0);
    expect(h.events()).toEqual({ 'stream.overlap_different_data': 1 });
  });

  it('takes the data of a SYN (TCP Fast Open) and ignores a second SYN', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN, 'tfo:');
    h.send(c, 0, ISN + 5, 0, 'data');
    h.send(c, 0, 77777, SYN); // a stray SYN does not move the start
    h.send(c, 0, ISN + 9, 0, '!');
    expect(h.text(0)).toBe('tfo:data!');
  });

  it('picks up a direction mid-stream at its first data segment', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 1, 70000, ACK); // a bare ACK does not start it
    h.send(c, 1, 90000, ACK | 0x08, 'middle of it');
    h.send(c, 1, 90012, ACK, ' and on');
    h.send(c, 1, 89990, ACK, 'before'); // before the pickup point: a retransmission
    expect(h.text(1)).toBe('middle of it and on');
    expect(c.initialSeq(1)).toBe(90000);
    expect(h.events()).toEqual({ 'stream.retransmission': 1 });
  });

  it('works across the sequence-number wrap, in order and out of order', () => {
    const h = harness();
    const c = h.conn();
    const isn = 0xfffffff8;
    h.send(c, 0, isn, SYN); // data starts at 0xfffffff9
    h.send(c, 0, 0xfffffff9, 0, 'abcd'); // ...fff9 to ...fffc
    h.send(c, 0, 0x00000003, 0, 'klmn'); // past the wrap, ahead: held
    h.send(c, 0, 0xfffffffd, 0, 'efghij'); // ...fffd to 0x2: crosses the wrap
    h.send(c, 0, 0x00000005, 0, 'mnop'); // straddles the delivered bytes after the wrap
    h.send(c, 0, 0xfffffff0, 0, 'xxxx'); // before the start, across nothing: a retransmission
    expect(h.text(0)).toBe('abcdefghijklmnop');
    expect(h.events()).toEqual({ 'stream.overlap': 1, 'stream.retransmission': 1 });
    // 2^31 away is in no window: ignored.
    h.send(c, 0, 0x80000007, 0, 'far');
    h.send(c, 0, 0x00000009 + 2 ** 30 + 1, 0, 'far'); // next is 0x9
    expect(h.count('stream.seq_out_of_window')).toBe(2);
    expect(h.text(0)).toBe('abcdefghijklmnop');
    expect(h.r.heldBytes).toBe(0);
  });

  it('delivers an ELF header split over three segments, sent out of order, byte for byte', () => {
    const elf = hex`
      7f 454c46 02 01 01 00  0000000000000000  # magic, ELFCLASS64, LSB, version 1, SysV ABI, padding
      0200 3e00 01000000                         # e_type EXEC, e_machine x86-64, e_version
      0010400000000000                           # e_entry 0x401000
      4000000000000000  0000000000000000         # e_phoff 64, e_shoff 0
      00000000 4000 3800 0100 0000 0000 0000     # e_flags, e_ehsize 64, e_phentsize 56, e_phnum 1, sh*
    `;
    expect(elf.length).toBe(64);
    const h = harness();
    const c = h.conn();
    h.send(c, 1, RSN, SYN | ACK);
    // Cuts inside e_ident and inside e_entry.
    h.send(c, 1, RSN + 1 + 29, 0, elf.subarray(29));
    h.send(c, 1, RSN + 1, 0, elf.subarray(0, 7));
    h.send(c, 1, RSN + 1 + 7, 0, elf.subarray(7, 29));
    const got = Buffer.concat(h.out.map((d) => ('data' in d ? d.data : Buffer.alloc(0))));
    expect(got.equals(elf)).toBe(true);
    expect(h.out.length).toBe(3);
    expect(h.r.heldBytes).toBe(0);
  });

  it('leaves consistent state when the consumer throws', () => {
    const h = harness();
    const c = h.conn();
    h.send(c, 0, ISN, SYN);
    h.send(c, 0, ISN + 5, 0, 'efgh');
    h.throwing = true;
    expect(() => h.send(c, 0, ISN + 1, 0, 'abcd')).toThrow('app module bug');
    h.throwing = false;
    h.send(c, 0, ISN + 9, 0, 'ijkl');
    h.r.close(c);
    expect(h.text(0)).toBe('efghijkl'); // 'abcd' went to the throwing consumer
    expect(h.r.heldBytes).toBe(0);
    // A throw during close still releases everything.
    const d = h.conn('d');
    h.send(d, 0, ISN, SYN);
    h.send(d, 1, RSN, SYN | ACK);
    h.send(d, 0, ISN + 5, 0, 'held');
    h.send(d, 1, RSN + 5, 0, 'held');
    expect(d.heldBytes).toBe(2 * (4 + HELD_SEGMENT_OVERHEAD));
    expect(h.r.heldBytes).toBeGreaterThan(0);
    h.throwing = true;
    expect(() => h.r.close(d)).toThrow('app module bug');
    h.throwing = false;
    expect(h.r.heldBytes).toBe(0);
    expect(h.r.windowBytes).toBe(0);
  });
});
