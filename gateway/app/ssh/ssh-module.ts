// SSH as an app module: the identification string of each side (RFC 4253 §4.2), "SSH-2.0-OpenSSH_9.6
// Ubuntu-3", as an `ssh.banner` record; the encrypted rest of the connection costs nothing.
import { ev } from '../../common/events.js';
import { Probe, type RecordSink, type TcpAppModule } from '../app-module.js';
import type { StreamState } from '../stream-state.js';

/** RFC 4253 §4.2: the identification string is at most 255 characters, CR LF included. */
export const MAX_SSH_BANNER = 255;
/**
 * Bytes of other lines a server may send before its identification string (RFC 4253 §4.2 allows
 * them, e.g. a legal notice). Default 2 KiB; past it `decoder.ssh.banner_too_long`.
 */
export const MAX_SSH_PRE_BANNER = 2048;

const LF = 0x0a;
const CR = 0x0d;
const SSH_DASH = Buffer.from('SSH-', 'latin1');

const E_MALFORMED = -ev('decoder.ssh.banner_malformed');
const E_TOO_LONG = -ev('decoder.ssh.banner_too_long');

/** One direction: the line being read. */
interface SshSide {
  /** The identification line was read (or the direction gave up). */
  finished: boolean;
  /** The current line, copied (at most MAX_SSH_BANNER bytes). */
  line: Buffer | null;
  lineLen: number;
  /** Bytes of lines before the identification string (server only). */
  preBanner: number;
}

/** Per-connection state of the SSH module. */
export interface SshState extends StreamState {
  sides: [SshSide, SshSide];
}

/** The parts of an identification string. */
export interface SshBanner {
  protoVersion: string;
  software: string;
  comments: string | null;
}

/**
 * Parse an identification line `b[s, e)` (no CR LF): "SSH-" protoversion "-" softwareversion
 * [SP comments] (RFC 4253 §4.2). protoversion and softwareversion are printable US-ASCII without
 * spaces or '-' (the software part may hold '-' in practice: "SSH-2.0-dropbear_2022.83" has none,
 * "SSH-2.0-Cisco-1.25" has one, so only the first '-' after the version splits). Null when the line
 * is not of that form.
 */
export function parseSshBanner(b: Buffer, s: number, e: number): SshBanner | null {
  if (e > b.length) e = b.length;
  if (s < 0 || e - s < SSH_DASH.length + 3 || b.compare(SSH_DASH, 0, SSH_DASH.length, s, s + SSH_DASH.length) !== 0) return null;
  const v = s + SSH_DASH.length;
  let p = v;
  while (p < e && b[p] !== 0x2d && isVisible(b[p]!)) p++;
  if (p === v || p === e || b[p] !== 0x2d) return null;
  const protoVersion = b.toString('latin1', v, p);
  const sw = ++p;
  while (p < e && b[p] !== 0x20 && isVisible(b[p]!)) p++;
  if (p === sw || (p < e && b[p] !== 0x20)) return null;
  const software = b.toString('latin1', sw, p);
  let comments: string | null = null;
  if (p < e) {
    // Comments: printable text; control bytes are replaced, the record is text for analysts.
    comments = b.toString('latin1', p + 1, e).replace(/[^\x20-\x7e]/g, '?');
  }
  return { protoVersion, software, comments };
}

function isVisible(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}

/** "SSH-" at the start of either direction. */
function probeSsh(b: Buffer, off: number, end: number): Probe {
  if (end > b.length) end = b.length;
  const n = Math.min(end - off, SSH_DASH.length);
  for (let i = 0; i < n; i++) if (b[off + i] !== SSH_DASH[i]) return Probe.No;
  return n === SSH_DASH.length ? Probe.Yes : Probe.NeedMore;
}

/**
 * The SSH module. Emits one `ssh.banner` per side, then is done. A client line that is not an
 * identification string is `decoder.ssh.banner_malformed`; a server may send other lines first.
 */
export const sshModule: TcpAppModule<SshState> = {
  name: 'ssh',
  // IANA 22 (ssh); 2222 and 22222 are the usual alternates on devices and honeypots.
  ports: [22, 2222, 22222],
  probe: probeSsh,
  create(): SshState {
    const side = (): SshSide => ({ finished: false, line: null, lineLen: 0, preBanner: 0 });
    return { done: false, sides: [side(), side()] };
  },
  feed(st, dir, b, off, end, ts, out) {
    if (st.done) return 0;
    const d = dir === 0 ? 0 : 1;
    const side = st.sides[d];
    if (side.finished) return 0;
    if (end > b.length) end = b.length;
    let p = off;
    while (p < end && !side.finished) {
      let lf = p;
      while (lf < end && b[lf] !== LF && lf - p < MAX_SSH_BANNER) lf++;
      if (lf === end || b[lf] !== LF) {
        // No line end yet: keep the partial line (bounded) for the next feed.
        if (side.lineLen + (lf - p) >= MAX_SSH_BANNER || lf < end) return stop(st, E_TOO_LONG);
        if (side.line === null) side.line = Buffer.allocUnsafe(MAX_SSH_BANNER);
        b.copy(side.line, side.lineLen, p, lf);
        side.lineLen += lf - p;
        return 0;
      }
      let lb = b, ls = p, le = lf;
      if (side.lineLen > 0) {
        if (side.lineLen + (lf - p) >= MAX_SSH_BANNER) return stop(st, E_TOO_LONG);
        b.copy(side.line!, side.lineLen, p, lf);
        lb = side.line!;
        ls = 0;
        le = side.lineLen + (lf - p);
        side.lineLen = 0;
      }
      const next = lf + 1;
      const r = line(side, d, lb, ls, le > ls && lb[le - 1] === CR ? le - 1 : le, next - p, ts, out);
      if (r < 0) return stop(st, r);
      p = next;
    }
    if (st.sides[0].finished && st.sides[1].finished) st.done = true;
    return 0;
  },
  gap(st, dir) {
    const side = st.sides[dir === 0 ? 0 : 1];
    side.finished = true;
    side.line = null;
    if (st.sides[0].finished && st.sides[1].finished) st.done = true;
  },
};

/** One complete line `b[s, e)` (CR LF removed) of `bytes` bytes on the wire. */
function line(side: SshSide, d: 0 | 1, b: Buffer, s: number, e: number, bytes: number, ts: number, out: RecordSink): number {
  const banner = parseSshBanner(b, s, e);
  if (banner === null) {
    // RFC 4253 §4.2: "The server MAY send other lines of data before sending the version string"
    // (and they MUST NOT begin with "SSH-"). The client sends its identification first.
    if (d === 0 || (e - s >= 4 && b.compare(SSH_DASH, 0, SSH_DASH.length, s, s + SSH_DASH.length) === 0)) return E_MALFORMED;
    side.preBanner += bytes;
    return side.preBanner > MAX_SSH_PRE_BANNER ? E_TOO_LONG : 0;
  }
  side.finished = true;
  side.line = null;
  out({ kind: 'ssh.banner', ts, dir: d, ...banner });
  return 0;
}

function stop(st: SshState, event: number): number {
  st.done = true;
  st.sides[0].line = st.sides[1].line = null;
  return event;
}
