// TCP stream reassembly (gateway/stream/) on fuzzed segment sequences over a few connections with
// small caps. Contract: never throws; each direction's output is its bytes in order, contiguous with
// gaps that cover only bytes never received, never past the depth or the FIN; caps never passed;
// after close every byte received (within depth and FIN) was delivered and nothing is held.
import { DecodeCounters, ev } from '../../common/events.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { HELD_SEGMENT_OVERHEAD, MAX_SEQ_WINDOW, streamConfig, type StreamConfig } from '../../stream/stream-config.js';
import { TCP_FIN, TCP_RST, TCP_SYN, TcpReassembler, TcpStream } from '../../stream/tcp-reassembler.js';
import { mutateBytes } from '../byte-mutator.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance } from '../iteration-random.js';

// Input layout: [caps][window, ISN kind][ISN u32 BE], then 4-byte ops:
//   op[0] bits 0-1 connection (3: close connection (op[0] >> 2) % 3 and open it anew), bit 2
//   direction, 3 SYN, 4 FIN, 5 RST, 6 corrupt (payload differs from the stream), 7 far (delta × 2^16);
//   op[1..2] int16 delta of the segment's first byte from the highest byte sent so far in that
//   direction; op[3] length (≥ 0xf0: (op[3] − 0xef) × 512 bytes).
const HEADER = 6;
const OP = 4;
const CONNS = 3;
const DEPTHS = [1, 7, 64, 300, 1000, 4096, 20_000, 1 << 20];
const FLOW_CAPS = [0, 2 * (16 + HELD_SEGMENT_OVERHEAD), 8 * (64 + HELD_SEGMENT_OVERHEAD), 1 << 16];
const TOTAL_CAPS = [0, 600, 4 * (32 + HELD_SEGMENT_OVERHEAD), 4096, 9000, 40_000, 1 << 20, 64 << 20];
const WINDOWS = [0, 16, 64, 4096];
const ISNS = [0xffffff00, 0, 0x7fffff00];

/** The byte a sender puts at sequence number `seq` of direction `dir` of connection `conn`. */
function pattern(seq: number, salt: number): number {
  return (Math.imul((seq + salt) >>> 0, 0x9e3779b1) >>> 24) & 0xff;
}

/** Caps of an input, from its first two bytes. */
function caps(input: Buffer): StreamConfig {
  const a = input[0] ?? 0;
  const b = input[1] ?? 0;
  return { depth: DEPTHS[a & 7]!, maxOutOfOrderPerFlow: FLOW_CAPS[(a >> 3) & 3]!, maxOutOfOrderTotal: TOTAL_CAPS[(a >> 5) & 7]!, overlapWindow: WINDOWS[b & 3]! };
}

/** A structured input: SYNs, then mostly in-order data with losses, reordering, resends and the odd FIN, RST, close. */
function structured(rng: SeededRandom): Buffer {
  const ops: number[] = [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255), rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
  const push = (op0: number, delta: number, len: number): void => {
    ops.push(op0 & 0xff, (delta >> 8) & 0xff, delta & 0xff, len & 0xff);
  };
  const withSyn = chance(rng, 0.7);
  for (let c = 0; c < CONNS && withSyn; c++) for (let d = 0; d < 2; d++) push(c | (d << 2) | 0x08, 0, 0);
  const len = (): number => (chance(rng, 0.05) ? rng.int(0xf0, 0xff) : rng.int(chance(rng, 0.2) ? 0 : 1, 120));
  for (let n = rng.int(1, 120); n > 0; n--) {
    const c = rng.int(0, CONNS - 1) | (rng.int(0, 1) << 2);
    const r = rng.next();
    if (r < 0.55) push(c, 0, len());
    else if (r < 0.67) push(c, rng.int(1, 600), len());
    else if (r < 0.79) push(c, -rng.int(1, 400), len());
    else if (r < 0.84) push(c | 0x10, rng.int(-2, 2), len());
    else if (r < 0.86) push(c | 0x20, 0, len());
    else if (r < 0.88) push(3 | (rng.int(0, 2) << 2), 0, 0);
    else if (r < 0.90) push(c | 0x80, rng.int(-32768, 32767), len());
    else if (r < 0.93) push(c | 0x40, rng.int(-200, 200), len());
    else if (r < 0.95) push(c | 0x08, rng.int(-300, 10), len());
    else push(c, rng.int(-40, 40), len());
  }
  return Buffer.from(ops);
}

export const reassemblerTarget: FuzzTarget = {
  name: 'reassembler',
  description: 'TcpReassembler on fuzzed segment sequences (3 connections, small caps): never throws, in-order contiguous output within depth and caps, nothing held after close',
  ext: 'bin',
  generator() {
    return (rng: SeededRandom) => {
      const s = structured(rng);
      return chance(rng, 0.8) ? s : mutateBytes(s, rng, [], { maxLen: HEADER + OP * 400 });
    };
  },
  open() {
    let scratch = Buffer.alloc(16 * 1024);
    return {
      run(input: Buffer, rng: SeededRandom): void {
        if (input.length < HEADER) return;
        const cfg = caps(input);
        const kind = (input[1]! >> 2) & 3;
        const baseIsn = kind < 3 ? ISNS[kind]! : input.readUInt32BE(2);
        const counters = new DecodeCounters();
        // Per connection and direction: where the consumer is, whether a corrupt copy was sent, the
        // stream offsets of every byte the reassembler took in (flat [start, end) pairs), and the
        // stream offset of the FIN that counts (-1: none).
        const pos = [[0, 0], [0, 0], [0, 0]];
        const corrupt = [[false, false], [false, false], [false, false]];
        const sent: number[][][] = [[[], []], [[], []], [[], []]];
        const fin = [[-1, -1], [-1, -1], [-1, -1]];
        const high = [[0, 0], [0, 0], [0, 0]];
        /** Fails if a gap of direction dir of c over [a, z) covers a byte the reassembler took in. */
        const gapCoversNothing = (c: number, dir: number, a: number, z: number): void => {
          const l = sent[c]![dir]!;
          for (let i = 0; i < l.length; i += 2) {
            if (l[i]! < z && l[i + 1]! > a) throw new FuzzInvariantError(`conn ${c} dir ${dir}: gap [${a}, ${z}) skips received bytes [${l[i]}, ${l[i + 1]})`);
          }
        };
        /** Fails if the consumer is past the depth or the FIN. */
        const within = (c: number, dir: number, what: string): void => {
          const p = pos[c]![dir]!;
          if (p > cfg.depth) throw new FuzzInvariantError(`conn ${c} dir ${dir}: ${what} up to ${p}, past the depth ${cfg.depth}`);
          const f = fin[c]![dir]!;
          if (f >= 0 && p > f) throw new FuzzInvariantError(`conn ${c} dir ${dir}: ${what} up to ${p}, past the FIN at ${f}`);
        };
        let anyCorrupt = false;
        let gapCalls = 0;
        let directions = 0;
        const streams: TcpStream<number>[] = [];
        const r = new TcpReassembler<number>(streamConfig(cfg), counters, {
          data(c, dir, b, off, end) {
            if (!(Number.isInteger(off) && Number.isInteger(end) && off >= 0 && off < end && end <= b.length)) {
              throw new FuzzInvariantError(`conn ${c} dir ${dir}: view [${off}, ${end}) of a ${b.length}-byte buffer`);
            }
            const s = streams[c]!;
            const p = pos[c]![dir]!;
            if (!corrupt[c]![dir]) {
              const isn = s.initialSeq(dir);
              for (let i = off; i < end; i++) {
                const want = pattern(isn + p + i - off, c * 2 + dir);
                if (b[i] !== want) throw new FuzzInvariantError(`conn ${c} dir ${dir}: byte at offset ${p + i - off} is ${b[i]}, the stream has ${want} (order or overlap broken)`);
              }
            }
            pos[c]![dir] = p + end - off;
            within(c, dir, 'delivered');
          },
          gap(c, dir, bytes) {
            gapCalls++;
            if (!(Number.isInteger(bytes) && bytes > 0)) throw new FuzzInvariantError(`conn ${c} dir ${dir}: gap of ${bytes} bytes`);
            gapCoversNothing(c, dir, pos[c]![dir]!, pos[c]![dir]! + bytes);
            pos[c]![dir]! += bytes;
            within(c, dir, 'skipped');
          },
        });
        const open = (c: number): void => {
          streams[c] = new TcpStream(c);
          pos[c] = [0, 0];
          corrupt[c] = [false, false];
          sent[c] = [[], []];
          fin[c] = [-1, -1];
          directions += 2;
        };
        /** After close: every byte taken in, below the depth and the FIN, was delivered. */
        const complete = (c: number): void => {
          for (let dir = 0; dir < 2; dir++) {
            const lim = Math.min(cfg.depth, fin[c]![dir]! >= 0 ? fin[c]![dir]! : Infinity);
            const l = sent[c]![dir]!;
            let want = 0;
            for (let i = 0; i < l.length; i += 2) if (l[i]! < lim) want = Math.max(want, Math.min(l[i + 1]!, lim));
            if (pos[c]![dir]! < want) throw new FuzzInvariantError(`conn ${c} dir ${dir}: closed at ${pos[c]![dir]}, but bytes up to ${want} were taken in`);
            // Bytes before a FIN that never came are a gap at close: the consumer ends at the FIN.
            if (lim !== Infinity && lim !== cfg.depth && pos[c]![dir] !== lim) throw new FuzzInvariantError(`conn ${c} dir ${dir}: closed at ${pos[c]![dir]}, the FIN is at ${lim}`);
          }
        };
        for (let c = 0; c < CONNS; c++) open(c);

        for (let o = HEADER; o + OP <= input.length; o += OP) {
          const op0 = input[o]!;
          if ((op0 & 3) === 3) {
            const c = (op0 >> 2) % CONNS;
            r.close(streams[c]!);
            complete(c);
            open(c);
            continue;
          }
          const c = op0 & 3;
          const dir = (op0 >> 2) & 1;
          const flags = ((op0 & 0x08) !== 0 ? TCP_SYN : 0) | ((op0 & 0x10) !== 0 ? TCP_FIN : 0) | ((op0 & 0x20) !== 0 ? TCP_RST : 0);
          const far = (op0 & 0x80) !== 0;
          const delta = input.readInt16BE(o + 1) * (far ? 65536 : 1);
          const l = input[o + 3]!;
          const len = l >= 0xf0 ? (l - 0xef) * 512 : l;
          const isn = (baseIsn + c * 0x11111111 + dir * 0x40000000) >>> 0; // the SYN's seq: data starts at isn + 1
          const relStart = high[c]![dir]! + delta; // from the sender's first byte
          const dataSeq = (isn + 1 + relStart) >>> 0;
          const pad = rng.int(0, 7);
          if (scratch.length < pad + len + 8) scratch = Buffer.alloc((pad + len + 8) * 2);
          const salt = c * 2 + dir;
          const bad = (op0 & 0x40) !== 0 && len > 0;
          for (let i = 0; i < len; i++) scratch[pad + i] = pattern(dataSeq + i, salt) ^ (bad ? 0x5a : 0);
          scratch.fill(0xee, pad + len, pad + len + 8); // bytes past the segment: never delivered
          if (bad) { corrupt[c]![dir] = true; anyCorrupt = true; }
          const seq = (flags & TCP_SYN) !== 0 ? (dataSeq - 1) >>> 0 : dataSeq;
          const s = streams[c]!;
          const d = s.dir(dir);
          const before = { done: d.done, next: d.next, nextSeq: d.isn < 0 ? -1 : d.nextSeq };
          r.segment(s, dir, seq, flags, scratch, pad, len, o);
          // What the reassembler took in, by its documented rules: not a RST, not a finished
          // direction, within 2^30 of the next expected byte (the start, for a new direction).
          const rel = (dataSeq - (before.nextSeq < 0 ? d.isn : before.nextSeq)) | 0;
          if (!before.done && (flags & TCP_RST) === 0 && d.isn >= 0 && rel <= MAX_SEQ_WINDOW && rel >= -MAX_SEQ_WINDOW) {
            const at = before.next + rel;
            if (len > 0 && at + len > 0) {
              sent[c]![dir]!.push(Math.max(at, 0), at + len);
            }
            // The first FIN at or after the next expected byte counts.
            if ((flags & TCP_FIN) !== 0 && fin[c]![dir]! < 0 && at + len >= before.next) fin[c]![dir] = at + len;
          }
          if (!far) high[c]![dir] = Math.max(high[c]![dir]!, relStart + len);
          scratch.fill(0xdd); // the buffer is reused: anything held must be a copy

          if (r.heldBytes + r.windowBytes > cfg.maxOutOfOrderTotal) throw new FuzzInvariantError(`held ${r.heldBytes} + windows ${r.windowBytes} bytes, over the global cap ${cfg.maxOutOfOrderTotal}`);
          if (s.heldBytes > cfg.maxOutOfOrderPerFlow) throw new FuzzInvariantError(`conn ${c} holds ${s.heldBytes} bytes, over the flow cap ${cfg.maxOutOfOrderPerFlow}`);
          if (s.bytesDelivered(dir) + s.bytesSkipped(dir) !== pos[c]![dir]) throw new FuzzInvariantError(`conn ${c} dir ${dir}: the stream counts ${s.bytesDelivered(dir)} + ${s.bytesSkipped(dir)} bytes, the consumer saw ${pos[c]![dir]}`);
        }
        for (let c = 0; c < CONNS; c++) {
          r.close(streams[c]!);
          complete(c);
        }
        if (r.heldBytes !== 0 || r.windowBytes !== 0) throw new FuzzInvariantError(`after closing every connection: ${r.heldBytes} bytes held, ${r.windowBytes} in windows`);
        if (counters.counts[ev('stream.gap')] !== gapCalls) throw new FuzzInvariantError(`stream.gap counted ${counters.counts[ev('stream.gap')]}, gap() called ${gapCalls} times`);
        if (!anyCorrupt && counters.counts[ev('stream.overlap_different_data')]! > 0) throw new FuzzInvariantError('stream.overlap_different_data counted, but every copy sent was the same');
        if (counters.counts[ev('stream.depth_reached')]! > directions) throw new FuzzInvariantError(`stream.depth_reached counted ${counters.counts[ev('stream.depth_reached')]} times over ${directions} directions`);
      },
    };
  },
};
