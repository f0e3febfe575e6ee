// Bounded TCP stream reassembly (after Suricata's stream-tcp-reassemble.c): turns the segments of a
// connection into the in-order bytes of each direction for the app modules, within a depth and memcaps.
//
// Semantics (stream offsets count bytes from a direction's first byte; see tcp-stream.ts):
// - Start: a SYN starts its direction at seq+1 (its payload, as with TCP Fast Open, is data at
//   seq+1). A direction picked up mid-stream starts at the seq of its first segment carrying data
//   (or a FIN); bytes before it count as retransmissions. A later SYN does not move the start.
// - Sequence numbers are mod 2^32: a segment's place is its signed 32-bit distance from the next
//   expected seq. More than MAX_SEQ_WINDOW (2^30, RFC 7323's largest window) ahead or behind:
//   `stream.seq_out_of_window`, ignored.
// - In order (starts at the next expected byte, nothing held): delivered as a view of the caller's
//   buffer, no copy, no allocation. Held segments that become contiguous follow.
// - Out of order (ahead): the bytes not already held are copied and held, sorted, if the flow's and
//   the global caps allow (each held segment is charged payload + HELD_SEGMENT_OVERHEAD). If not, a
//   gap is taken: count `stream.flow_memcap` (or `stream.memcap`) and `stream.gap`, tell `out.gap`,
//   skip to the lowest held byte or to the new segment, whichever is first, and deliver what follows;
//   repeated until the rest fits, so the caps are never passed.
// - Retransmission (every byte before the next expected one): dropped, `stream.retransmission`.
// - Overlap: first copy wins (BSD's policy, Suricata's default): bytes already delivered or held
//   are never replaced. Per segment, at most one of `stream.overlap` (no difference seen) or
//   `stream.overlap_different_data` (some byte differs: an evasion attempt or a broken stack); a
//   retransmission that differs counts both `stream.retransmission` and the latter. Held bytes are
//   always compared. Delivered bytes are compared through the overlap window (overlap-window.ts):
//   the last `overlapWindow` bytes (4 KiB) of a direction, kept only once that direction has
//   retransmitted, overlapped or reordered; so the first such segment of a clean direction cannot
//   be compared (a straddling one then counts `stream.overlap`). Windows count towards the global
//   memcap and are armed only while all windows fit in half of it; a clean connection has none.
// - Depth: stream offsets past `depth` are never delivered nor held; `stream.depth_reached` is counted
//   once per direction when such bytes arrive. Once a direction has delivered (or skipped) `depth`
//   bytes, its segments are ignored at once: no memory, no work, however long the transfer.
// - FIN and RST are the caller's business, except: bytes after a FIN's seq are ignored (the first
//   FIN at or after the next expected byte counts; held bytes past it are released), and a RST's
//   payload is not stream data (RFC 9293 §3.5.3; RFC 1122 §4.2.2.12: diagnostic text).
// - `close` delivers what is held with gaps for the holes (and for bytes before a seen FIN that
//   never came), then releases every held byte and the windows; later segments are ignored.
// - `out` is called after the state is updated, so a throw from it leaves the state consistent (it
//   propagates to the caller); `out` may call `close` on the stream it is given.
//
// Memory per connection: ~330 B of heap for TcpStream and its two directions while nothing is held;
// held segments cost their payload + ~256 B each, within maxOutOfOrderPerFlow; an armed overlap
// window costs overlapWindow + ~256 B per direction.
import { DecodeCounters, ev } from '../common/events.js';
import { CMP_DIFFERENT, CMP_NONE, CMP_SAME, windowCompare, windowRecord, type Cmp } from './overlap-window.js';
import { HELD_SEGMENT_OVERHEAD, MAX_SEQ_WINDOW, type StreamConfig } from './stream-config.js';
import { TcpStream, type HeldSegment, type TcpDirection } from './tcp-stream.js';

export { TcpStream } from './tcp-stream.js';

/** TCP header flag bits (RFC 9293 §3.1) that reassembly looks at. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;

const EV_RETRANSMISSION = ev('stream.retransmission');
const EV_OVERLAP = ev('stream.overlap');
const EV_OVERLAP_DIFFERENT = ev('stream.overlap_different_data');
const EV_GAP = ev('stream.gap');
const EV_DEPTH = ev('stream.depth_reached');
const EV_FLOW_MEMCAP = ev('stream.flow_memcap');
const EV_MEMCAP = ev('stream.memcap');
const EV_OUT_OF_WINDOW = ev('stream.seq_out_of_window');

const NO_PIECES: readonly number[] = [];
const NO_BYTES = Buffer.alloc(0);

/** Where reassembled bytes go (the app-layer dispatcher). */
export interface StreamDelivery<O> {
  /** In-order bytes b[off,end) of direction dir of owner's connection, seen at packet time ts (µs). Views: valid only during the call. */
  data(owner: O, dir: number, b: Buffer, off: number, end: number, ts: number): void;
  /** `bytes` of direction dir will never be delivered (lost, or skipped at a cap). */
  gap(owner: O, dir: number, bytes: number): void;
}

/** First index of `held` whose segment ends after stream offset `x` (held is sorted, non-overlapping). */
function firstEndingAfter(held: readonly HeldSegment[], x: number): number {
  let lo = 0;
  let hi = held.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const h = held[mid]!;
    if (h.off + h.buf.length > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Memory charged for holding `n` payload bytes in one segment. */
function charge(n: number): number {
  return n + HELD_SEGMENT_OVERHEAD;
}

/**
 * Reassembles TCP connections for one pipeline. Pure and synchronous: no timers, no I/O; time is
 * the packet time handed in. One instance is shared by every connection so the global cap holds.
 */
export class TcpReassembler<O> {
  private held = 0;
  private windows = 0;

  /**
   * @param cfg caps (stream-config.ts; read once)
   * @param counters where `stream.*` events are counted
   * @param out where in-order bytes and gaps go
   */
  constructor(
    private readonly cfg: Readonly<StreamConfig>,
    private readonly counters: DecodeCounters,
    private readonly out: StreamDelivery<O>,
  ) {}

  /** Memory charged for held out-of-order segments over all connections, bytes (payload + overhead each). */
  get heldBytes(): number {
    return this.held;
  }

  /** Memory of the overlap windows kept over all connections, bytes. */
  get windowBytes(): number {
    return this.windows;
  }

  /** One TCP segment: seq (uint32), TCP flags byte (SYN 0x02, FIN 0x01, RST 0x04), payload b[off, off+len). */
  segment(s: TcpStream<O>, dir: number, seq: number, flags: number, b: Buffer, off: number, len: number, ts: number): void {
    if (s.closed) return;
    const d = dir === 0 ? s.d0 : s.d1;
    s.lastTs = ts;
    // A caller's bad bounds must not turn into a throw on attacker-driven input: clamp to the buffer.
    if (!(off >= 0 && len > 0 && off < b.length)) len = 0;
    else if (len > b.length - off) len = b.length - off;
    if (d.done) {
      // Count the depth once, for the first bytes past it (not for a resend of bytes before it).
      if (len > 0 && !d.depthCounted && d.next >= this.cfg.depth) {
        const rel = (seq + ((flags & TCP_SYN) !== 0 ? 1 : 0) - d.nextSeq) | 0;
        if (rel + len > 0 && rel <= MAX_SEQ_WINDOW) this.depthReached(d);
      }
      return;
    }
    if ((flags & TCP_RST) !== 0) return;
    let dataSeq = seq >>> 0;
    if ((flags & TCP_SYN) !== 0) {
      dataSeq = (dataSeq + 1) >>> 0;
      if (d.isn < 0) this.start(d, dataSeq);
    } else if (d.isn < 0) {
      if (len === 0 && (flags & TCP_FIN) === 0) return;
      this.start(d, dataSeq);
    }
    const rel = (dataSeq - d.nextSeq) | 0;
    if (rel > MAX_SEQ_WINDOW || rel < -MAX_SEQ_WINDOW) {
      this.counters.add(EV_OUT_OF_WINDOW);
      return;
    }
    let so = d.next + rel;
    let end = so + len;
    if ((flags & TCP_FIN) !== 0) this.fin(d, end);
    // A bare ACK or FIN carries no bytes: nothing to compare or deliver (a keep-alive at next-1 is no retransmission).
    if (len === 0) return;

    let cmp: Cmp = CMP_NONE;
    if (so < d.next) {
      // Bytes already delivered: compare what the window still holds of them, deliver none again.
      cmp = d.win === null ? CMP_NONE : windowCompare(d.win, d.winFrom, d.next, b, off, so, so, end);
      this.armWindow(d);
      if (end <= d.next) {
        this.counters.add(EV_RETRANSMISSION);
        if (cmp === CMP_DIFFERENT) this.counters.add(EV_OVERLAP_DIFFERENT);
        return;
      }
      // A straddling segment overlaps delivered bytes even when the window cannot tell how.
      if (cmp === CMP_NONE) cmp = CMP_SAME;
      off += d.next - so;
      so = d.next;
    }
    if (end > d.limit) {
      if (d.limit >= this.cfg.depth && !d.depthCounted) this.depthReached(d);
      end = d.limit;
    }
    if (end <= so) {
      this.countOverlap(cmp);
      return;
    }
    if (so === d.next && d.held === null) {
      // The fast path: a view of the caller's buffer, nothing copied, nothing allocated.
      this.countOverlap(cmp);
      this.deliver(s, d, dir, b, off, end - so, ts);
      return;
    }
    this.slowPath(s, d, dir, b, off, so, end, ts, cmp);
  }

  /**
   * The connection ended (FIN/RST seen by the caller, timeout, eviction, end of capture): deliver
   * what can be delivered of held data (with gaps for the holes), release every held byte.
   * `ts` (µs) is passed with the data delivered now; default the last segment's.
   */
  close(s: TcpStream<O>, ts: number = s.lastTs): void {
    if (s.closed) return;
    s.closed = true;
    try {
      this.flush(s, 0, ts);
      this.flush(s, 1, ts);
    } finally {
      // Even when `out` throws: a closed stream must hold nothing.
      this.release(s.d0);
      this.release(s.d1);
    }
  }

  /** Delivers what is held in one direction at close, with gaps for the holes. */
  private flush(s: TcpStream<O>, dir: number, ts: number): void {
    const d = dir === 0 ? s.d0 : s.d1;
    while (!d.done && d.held !== null) {
      this.gapTo(s, d, dir, d.held[0]!.off);
      this.drain(s, d, dir, NO_BYTES, 0, 0, NO_PIECES, 0, ts);
    }
    // Bytes before a FIN that never came are lost: say so, the app module may be waiting for them.
    if (!d.done && d.finSeen && d.next < d.limit) this.gapTo(s, d, dir, d.limit);
  }

  /** Starts a direction at sequence number `seq` (stream offset 0). */
  private start(d: TcpDirection, seq: number): void {
    d.isn = seq;
    d.nextSeq = seq;
    d.limit = this.cfg.depth;
  }

  /** A FIN ending at stream offset `finOff`: nothing after it is stream data. */
  private fin(d: TcpDirection, finOff: number): void {
    // The first FIN wins (first copy wins, as for data); one inside delivered bytes is bogus.
    if (d.finSeen || finOff < d.next) return;
    d.finSeen = true;
    if (finOff >= d.limit) return;
    d.limit = finOff;
    if (d.held !== null) this.trimHeld(d, finOff);
    if (d.next >= d.limit) this.release(d);
  }

  private depthReached(d: TcpDirection): void {
    d.depthCounted = true;
    this.counters.add(EV_DEPTH);
  }

  private countOverlap(cmp: Cmp): void {
    if (cmp === CMP_DIFFERENT) this.counters.add(EV_OVERLAP_DIFFERENT);
    else if (cmp === CMP_SAME) this.counters.add(EV_OVERLAP);
  }

  /** Delivers b[p, p+n), the bytes at `d.next`: state first, then the callback. */
  private deliver(s: TcpStream<O>, d: TcpDirection, dir: number, b: Buffer, p: number, n: number, ts: number): void {
    const at = d.next;
    d.next = at + n;
    d.nextSeq = (d.nextSeq + n) >>> 0;
    d.delivered += n;
    if (d.win !== null) windowRecord(d.win, at, b, p, n);
    if (d.next >= d.limit) this.release(d);
    this.out.data(s.owner, dir, b, p, p + n, ts);
  }

  /** Skips to stream offset `target` (> d.next, ≤ d.limit): those bytes will never be delivered. */
  private gapTo(s: TcpStream<O>, d: TcpDirection, dir: number, target: number): void {
    const bytes = target - d.next;
    if (bytes <= 0) return;
    d.next = target;
    d.nextSeq = (d.nextSeq + bytes) >>> 0;
    d.skipped += bytes;
    // The ring is not filled across a gap: what it holds before `target` no longer lines up.
    d.winFrom = target;
    if (d.next >= d.limit) this.release(d);
    this.counters.add(EV_GAP);
    this.out.gap(s.owner, dir, bytes);
  }

  /**
   * A segment that is out of order, or meets held data: compare with what is held (first copy
   * wins), deliver what has become contiguous, hold the rest within the caps or take gaps.
   * `b[p]` is at stream offset `so`; the segment ends at `end`; `so ≥ d.next`.
   */
  private slowPath(s: TcpStream<O>, d: TcpDirection, dir: number, b: Buffer, p: number, so: number, end: number, ts: number, cmp: Cmp): void {
    // The new bytes not already held, as flat [start, end) pairs of stream offsets.
    const pieces: number[] = [];
    let cur = so;
    const held = d.held;
    if (held !== null) {
      for (let i = firstEndingAfter(held, so); i < held.length && cur < end; i++) {
        const h = held[i]!;
        const hs = h.off;
        if (hs >= end) break;
        if (hs > cur) pieces.push(cur, hs);
        const z = Math.min(end, hs + h.buf.length);
        const a = Math.max(cur, hs);
        const same = b.compare(h.buf, a - hs, z - hs, p + (a - so), p + (z - so)) === 0;
        cmp = Math.max(cmp, same ? CMP_SAME : CMP_DIFFERENT) as Cmp;
        cur = z;
      }
    }
    if (cur < end) pieces.push(cur, end);
    this.countOverlap(cmp);

    let k = 0;
    for (;;) {
      k = this.drain(s, d, dir, b, p, so, pieces, k, ts);
      if (k >= pieces.length || d.done) return;
      let need = 0;
      for (let j = k; j < pieces.length; j += 2) need += charge(pieces[j + 1]! - pieces[j]!);
      const flowOver = s.d0.heldBytes + s.d1.heldBytes + need > this.cfg.maxOutOfOrderPerFlow;
      const totalOver = this.held + this.windows + need > this.cfg.maxOutOfOrderTotal;
      if (!flowOver && !totalOver) {
        this.hold(d, b, p, so, pieces, k);
        this.armWindow(d);
        return;
      }
      // Exception policy at a cap: give up on the hole, never on the cap.
      this.counters.add(flowOver ? EV_FLOW_MEMCAP : EV_MEMCAP);
      const first = pieces[k]!;
      const target = d.held === null ? first : Math.min(d.held[0]!.off, first);
      // Always past d.next (drain took what was there); the guard makes a broken invariant lose
      // data instead of spinning forever on attacker-driven input.
      if (target <= d.next) return;
      this.gapTo(s, d, dir, target);
    }
  }

  /**
   * Delivers, while there is one, the next piece of the new segment (`pieces` from index `k`, see
   * slowPath) or held segment that starts at `d.next`. Returns the index of the first piece left.
   */
  private drain(s: TcpStream<O>, d: TcpDirection, dir: number, b: Buffer, p: number, so: number, pieces: readonly number[], k: number, ts: number): number {
    for (;;) {
      if (d.done) return pieces.length;
      if (k < pieces.length && pieces[k] === d.next) {
        this.deliver(s, d, dir, b, p + (pieces[k]! - so), pieces[k + 1]! - pieces[k]!, ts);
        k += 2;
        continue;
      }
      const held = d.held;
      if (held !== null && held[0]!.off === d.next) {
        const h = held.shift()!;
        if (held.length === 0) d.held = null;
        this.unhold(d, charge(h.buf.length));
        this.deliver(s, d, dir, h.buf, 0, h.buf.length, ts);
        continue;
      }
      return k;
    }
  }

  /** Copies the pieces from index `k` into the held list (they fit the caps). */
  private hold(d: TcpDirection, b: Buffer, p: number, so: number, pieces: readonly number[], k: number): void {
    const held = d.held ?? (d.held = []);
    let c = 0;
    for (; k < pieces.length; k += 2) {
      const a = pieces[k]!;
      const z = pieces[k + 1]!;
      // Not from the shared pool: a pooled slice would pin 8 KiB for a one-byte segment.
      const buf = Buffer.allocUnsafeSlow(z - a);
      b.copy(buf, 0, p + (a - so), p + (z - so));
      held.splice(firstEndingAfter(held, a), 0, { off: a, buf });
      c += charge(z - a);
    }
    d.heldBytes += c;
    this.held += c;
  }

  private unhold(d: TcpDirection, c: number): void {
    d.heldBytes -= c;
    this.held -= c;
  }

  /** Drops held bytes at or past `limit` (a FIN was seen there). */
  private trimHeld(d: TcpDirection, limit: number): void {
    const held = d.held!;
    while (held.length > 0) {
      const h = held[held.length - 1]!;
      if (h.off + h.buf.length <= limit) break;
      held.pop();
      this.unhold(d, charge(h.buf.length));
      if (h.off < limit) {
        const buf = Buffer.allocUnsafeSlow(limit - h.off);
        h.buf.copy(buf, 0, 0, buf.length);
        held.push({ off: h.off, buf });
        d.heldBytes += charge(buf.length);
        this.held += charge(buf.length);
        break;
      }
    }
    if (held.length === 0) d.held = null;
  }

  /** Starts keeping the overlap window of a direction that has shown loss, reordering or overlap. */
  private armWindow(d: TcpDirection): void {
    const w = this.cfg.overlapWindow;
    const total = this.cfg.maxOutOfOrderTotal;
    if (d.win !== null || d.done || w <= 0 || this.windows + w > total / 2 || this.held + this.windows + w > total) return;
    d.win = Buffer.allocUnsafeSlow(w);
    d.winFrom = d.next;
    this.windows += w;
  }

  /** The direction is finished: nothing more is delivered; every held byte and the window go. */
  private release(d: TcpDirection): void {
    d.done = true;
    if (d.held !== null) {
      this.unhold(d, d.heldBytes);
      d.held = null;
    }
    if (d.win !== null) {
      this.windows -= d.win.length;
      d.win = null;
    }
  }
}
