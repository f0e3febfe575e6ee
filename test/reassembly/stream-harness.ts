// A tiny harness for the reassembly tests: a recording StreamDelivery and a helper that sends one
// segment from a padded buffer which it scribbles over afterwards (as a capture loop reuses its
// packet buffer), so a test fails if the reassembler kept a view instead of a copy.
import { DecodeCounters, ev, type DecodeEventName } from '../../gateway/common/events.js';
import { streamConfig, type StreamConfig } from '../../gateway/stream/stream-config.js';
import { TcpReassembler, TcpStream, type StreamDelivery } from '../../gateway/stream/tcp-reassembler.js';

export const FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10;

/** What the reassembler handed out, in order: copies of the data, and the gaps. */
export type Delivered = { dir: number; data: Buffer; ts: number } | { dir: number; gap: number };

/** A reassembler, its counters, and everything it delivered. */
export interface Harness {
  r: TcpReassembler<string>;
  counters: DecodeCounters;
  out: Delivered[];
  /** The owner (connection name) of each entry of `out`. */
  owners: string[];
  /** The last `b` of each data call and its offset: to check the fast path hands out the caller's buffer. */
  views: { b: Buffer; off: number }[];
  /** While true, the data callback throws (an app module with a bug). */
  throwing: boolean;
  /** A new connection. */
  conn(name?: string): TcpStream<string>;
  /** Sends `payload` (text or bytes) as one segment. */
  send(s: TcpStream<string>, dir: number, seq: number, flags: number, payload?: string | Buffer, ts?: number): Buffer;
  /** Data of direction `dir` joined, with `gapFill` repeated for each gap byte ('' drops gaps). */
  text(dir: number, gapFill?: string): string;
  /** Gap sizes of direction `dir`, in order. */
  gaps(dir: number): number[];
  /** Non-zero event counters by name. */
  events(): Record<string, number>;
  count(name: DecodeEventName): number;
}

export function harness(cfg: Partial<StreamConfig> = {}): Harness {
  const counters = new DecodeCounters();
  const out: Delivered[] = [];
  const owners: string[] = [];
  const views: { b: Buffer; off: number }[] = [];
  const sink: StreamDelivery<string> = {
    data(o, dir, b, off, end, ts) {
      if (h.throwing) throw new Error('app module bug');
      if (!(off >= 0 && off < end && end <= b.length)) throw new Error(`bad view [${off}, ${end}) of ${b.length}`);
      views.push({ b, off });
      out.push({ dir, data: Buffer.from(b.subarray(off, end)), ts });
      owners.push(o);
    },
    gap(o, dir, bytes) {
      out.push({ dir, gap: bytes });
      owners.push(o);
    },
  };
  const r = new TcpReassembler<string>(streamConfig(cfg), counters, sink);
  const h: Harness = {
    r, counters, out, owners, views, throwing: false,
    conn: (name = 'c') => new TcpStream(name),
    send(s, dir, seq, flags, payload = '', ts = 0) {
      const p = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
      const b = Buffer.alloc(p.length + 6, 0x2a);
      p.copy(b, 3);
      r.segment(s, dir, seq >>> 0, flags, b, 3, p.length, ts);
      b.fill(0x23); // the capture loop reuses its buffer: held data must have been copied
      return b;
    },
    text(dir, gapFill = '') {
      return out.filter((d) => d.dir === dir).map((d) => ('data' in d ? d.data.toString('latin1') : gapFill.repeat(d.gap))).join('');
    },
    gaps: (dir) => out.filter((d) => d.dir === dir && 'gap' in d).map((d) => (d as { gap: number }).gap),
    events: () => counters.toJSON(),
    count: (name) => counters.counts[ev(name)]!,
  };
  return h;
}
