// Stratum (mining pool JSON-RPC, one request a line) as an app module: the client's mining methods
// (mining.subscribe/authorize/submit, eth_submitLogin, XMRig's login) as `stratum` records.
import { ev } from '../../common/events.js';
import { Probe, type TcpAppModule } from '../app-module.js';
import type { StreamState } from '../stream-state.js';
import { miningHello } from './parse-stratum.js';

/** Longest request line read, bytes. Default 4 KiB: XMRig's login (agent, algorithm list) is under 1 KiB. */
export const MAX_STRATUM_LINE = 4096;
/**
 * Mining records emitted per connection; then the module is done. Default 8: the subscribe,
 * authorize or login that name the miner come first, and a share every few seconds (mining.submit)
 * would otherwise make a record stream of its own.
 */
export const MAX_STRATUM_RECORDS = 8;
/** Client bytes read per connection before the module is done. Default 64 KiB. */
export const MAX_STRATUM_BYTES = 65_536;

const LF = 0x0a;
const METHOD = Buffer.from('"method"', 'latin1');
const E_LINE_TOO_LONG = -ev('decoder.stratum.line_too_long');

/** Per-connection state: the client's current line when it spans feeds. */
export interface StratumState extends StreamState {
  line: Buffer | null;
  lineLen: number;
  records: number;
  seen: number;
}

/** The client's first line: "{" (after white space) and "method" before the line ends. */
function probeStratum(b: Buffer, off: number, end: number, dir: number): Probe {
  if (dir !== 0) return Probe.No;
  if (end > b.length) end = b.length;
  let p = off;
  while (p < end && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x0d || b[p] === LF)) p++;
  if (p === end) return Probe.NeedMore;
  if (b[p] !== 0x7b) return Probe.No;
  let lf = p;
  while (lf < end && b[lf] !== LF) lf++;
  const m = b.subarray(p, lf).indexOf(METHOD);
  if (m >= 0) return Probe.Yes;
  return lf < end ? Probe.No : Probe.NeedMore;
}

/**
 * The Stratum module: reads the client's lines (the server's answers are not needed) and emits a
 * record for each mining request, up to MAX_STRATUM_RECORDS. Lines that are JSON but no mining
 * method (keepalived, other JSON-RPC) emit nothing.
 */
export const stratumModule: TcpAppModule<StratumState> = {
  name: 'stratum',
  // No IANA port. 3333, 4444, 5555, 7777, 14444 and 45700 are the customary pool ports (Monero,
  // Ethereum and Bitcoin pools list them; XMRig's examples use 3333 and 14444).
  ports: [3333, 4444, 5555, 7777, 14444, 45700],
  probe: probeStratum,
  create(): StratumState {
    return { done: false, line: null, lineLen: 0, records: 0, seen: 0 };
  },
  feed(st, dir, b, off, end, ts, out) {
    if (st.done || dir !== 0) return 0;
    if (end > b.length) end = b.length;
    if (end - off > MAX_STRATUM_BYTES - st.seen) end = off + (MAX_STRATUM_BYTES - st.seen);
    st.seen += end - off;
    let p = off;
    while (p < end && !st.done) {
      let lf = p;
      while (lf < end && b[lf] !== LF) lf++;
      if (lf === end) {
        if (st.lineLen + (end - p) > MAX_STRATUM_LINE) return stop(st, E_LINE_TOO_LONG);
        if (st.line === null) st.line = Buffer.allocUnsafe(MAX_STRATUM_LINE);
        b.copy(st.line, st.lineLen, p, end);
        st.lineLen += end - p;
        break;
      }
      let lb = b, ls = p, le = lf;
      if (st.lineLen > 0) {
        if (st.lineLen + (lf - p) > MAX_STRATUM_LINE) return stop(st, E_LINE_TOO_LONG);
        b.copy(st.line!, st.lineLen, p, lf);
        lb = st.line!;
        ls = 0;
        le = st.lineLen + (lf - p);
        st.lineLen = 0;
      } else if (lf - p > MAX_STRATUM_LINE) {
        return stop(st, E_LINE_TOO_LONG);
      }
      const hello = miningHello(lb, ls, le);
      if (hello !== null) {
        out({ kind: 'stratum', ts, method: hello.method, agent: hello.agent });
        if (++st.records >= MAX_STRATUM_RECORDS) st.done = true;
      }
      p = lf + 1;
    }
    if (st.seen >= MAX_STRATUM_BYTES) st.done = true;
    return 0;
  },
  gap(st, dir) {
    // Lines resync at the next LF: drop the partial one.
    if (dir === 0) st.lineLen = 0;
  },
  end(st) {
    st.done = true;
  },
};

function stop(st: StratumState, event: number): number {
  st.done = true;
  st.line = null;
  return event;
}
