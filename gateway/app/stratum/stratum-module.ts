// Stratum (mining pool JSON-RPC, one message a line) as an app module: the miner's calls
// (mining.subscribe/authorize/submit, eth_submitLogin, the CryptoNote login/submit/keepalived) and
// the pool's pushes (mining.notify, mining.set_difficulty, job) as `stratum` records.
import { ev } from '../../common/events.js';
import { Probe, type RecordSink, type TcpAppModule } from '../app-module.js';
import type { StreamState } from '../stream-state.js';
import { miningHello } from './parse-stratum.js';

/** Longest line read, bytes. Default 4 KiB: XMRig's login (agent, algorithm list) is under 1 KiB, a mining.notify under 1 KiB. */
export const MAX_STRATUM_LINE = 4096;
/**
 * Mining records emitted per direction of a connection; then that direction is no longer read.
 * Default 8: the subscribe, authorize or login that name the miner come first, and a share every
 * few seconds (mining.submit) or a job every block would otherwise make a record stream of its own.
 */
export const MAX_STRATUM_RECORDS = 8;
/** Bytes read per direction of a connection before it is no longer read. Default 64 KiB. */
export const MAX_STRATUM_BYTES = 65_536;

const LF = 0x0a;
const METHOD = Buffer.from('"method"', 'latin1');
const E_LINE_TOO_LONG = -ev('decoder.stratum.line_too_long');

/** One direction: its current line when it spans feeds, and what was read. */
interface StratumSide {
  line: Buffer | null;
  lineLen: number;
  records: number;
  seen: number;
  /** No longer read (its caps reached). */
  finished: boolean;
}

/** Per-connection state: both directions (the miner's calls, the pool's pushes). */
export interface StratumState extends StreamState {
  sides: [StratumSide, StratumSide];
}

/**
 * The first line of either direction. The initiator's: "{" (after white space) and "method" before
 * the line ends (a miner's first call; JSON-RPC that is no mining is read and emits nothing). The
 * responder's, strict, since the pool speaks first only when a capture starts mid-connection or the
 * initiator is the pool: a whole line that is a mining message (mining.notify, job…).
 */
function probeStratum(b: Buffer, off: number, end: number, dir: number): Probe {
  if (end > b.length) end = b.length;
  let p = off;
  while (p < end && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x0d || b[p] === LF)) p++;
  if (p === end) return Probe.NeedMore;
  if (b[p] !== 0x7b) return Probe.No;
  let lf = p;
  while (lf < end && b[lf] !== LF) lf++;
  if (dir !== 0) {
    if (lf === end) return Probe.NeedMore;
    return miningHello(b, p, lf) !== null ? Probe.Yes : Probe.No;
  }
  const m = b.subarray(p, lf).indexOf(METHOD);
  if (m >= 0) return Probe.Yes;
  return lf < end ? Probe.No : Probe.NeedMore;
}

/**
 * The Stratum module: reads each direction's lines and emits a record for each mining message, up
 * to MAX_STRATUM_RECORDS per direction. Lines that are JSON but no mining method (answers, other
 * JSON-RPC) emit nothing. Done when both directions are finished.
 */
export const stratumModule: TcpAppModule<StratumState> = {
  name: 'stratum',
  // No IANA port. 3333, 4444, 5555, 7777, 14444 and 45700 are the customary pool ports (Monero,
  // Ethereum and Bitcoin pools list them; XMRig's examples use 3333 and 14444). Any other port
  // (nanopool's 6666 for Zcash, 443) is found by content.
  ports: [3333, 4444, 5555, 7777, 14444, 45700],
  probe: probeStratum,
  create(): StratumState {
    const side = (): StratumSide => ({ line: null, lineLen: 0, records: 0, seen: 0, finished: false });
    return { done: false, sides: [side(), side()] };
  },
  feed(st, dir, b, off, end, ts, out) {
    if (st.done) return 0;
    const side = st.sides[dir === 0 ? 0 : 1];
    if (side.finished) return 0;
    if (end > b.length) end = b.length;
    if (end - off > MAX_STRATUM_BYTES - side.seen) end = off + (MAX_STRATUM_BYTES - side.seen);
    side.seen += end - off;
    const r = lines(side, b, off, end, ts, out);
    if (r < 0) {
      // A miner's call past the cap is malformed; a pool's long line (a large answer) only ends
      // the reading of the pool's side.
      if (dir === 0) return stop(st, r);
      finish(st, side);
      return 0;
    }
    if (side.finished || side.seen >= MAX_STRATUM_BYTES) finish(st, side);
    return 0;
  },
  gap(st, dir) {
    // Lines resync at the next LF: drop the partial one.
    st.sides[dir === 0 ? 0 : 1].lineLen = 0;
  },
  end(st) {
    st.done = true;
  },
};

/** Reads the complete lines of `b[off, end)`, keeping a partial last line; 0 or a negated event. */
function lines(side: StratumSide, b: Buffer, off: number, end: number, ts: number, out: RecordSink): number {
  let p = off;
  while (p < end && !side.finished) {
    let lf = p;
    while (lf < end && b[lf] !== LF) lf++;
    if (lf === end) {
      if (side.lineLen + (end - p) > MAX_STRATUM_LINE) return E_LINE_TOO_LONG;
      if (side.line === null) side.line = Buffer.allocUnsafe(MAX_STRATUM_LINE);
      b.copy(side.line, side.lineLen, p, end);
      side.lineLen += end - p;
      break;
    }
    let lb = b, ls = p, le = lf;
    if (side.lineLen > 0) {
      if (side.lineLen + (lf - p) > MAX_STRATUM_LINE) return E_LINE_TOO_LONG;
      b.copy(side.line!, side.lineLen, p, lf);
      lb = side.line!;
      ls = 0;
      le = side.lineLen + (lf - p);
      side.lineLen = 0;
    } else if (lf - p > MAX_STRATUM_LINE) {
      return E_LINE_TOO_LONG;
    }
    const hello = miningHello(lb, ls, le);
    if (hello !== null) {
      out({ kind: 'stratum', ts, method: hello.method, agent: hello.agent });
      if (++side.records >= MAX_STRATUM_RECORDS) side.finished = true;
    }
    p = lf + 1;
  }
  return 0;
}

function finish(st: StratumState, side: StratumSide): void {
  side.finished = true;
  side.line = null;
  if (st.sides[0].finished && st.sides[1].finished) st.done = true;
}

function stop(st: StratumState, event: number): number {
  st.done = true;
  st.sides[0].line = st.sides[1].line = null;
  return event;
}
