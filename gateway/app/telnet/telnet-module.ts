// Telnet as an app module: strips option negotiation (RFC 854, RFC 855) from the server's bytes and
// reads its text for login and password prompts, failure messages and a shell prompt after a password.
import { Probe, type RecordSink, type TcpAppModule } from '../app-module.js';
import type { TelnetRecord } from '../app-record.js';
import type { StreamState } from '../stream-state.js';

/**
 * Server bytes read per connection. Default 16 KiB: a login dialogue, several failed tries and a
 * banner fit many times over; past it the module is done (the session is what it is by then).
 */
export const MAX_TELNET_SERVER_BYTES = 16_384;
/** Characters of the current line kept for matching (the end of a longer line is what matters). */
const LINE_CAP = 128;
/** A shell prompt is a short line: "# ", "root@router:~$ ", "[admin@MikroTik] > ". */
const MAX_SHELL_PROMPT = 80;

/** RFC 854 command bytes. */
const IAC = 255;
const DONT = 254;
const WILL = 251;
const SB = 250;
const SE = 240;
const CR = 0x0d;
const LF = 0x0a;

/** Where the negotiation parser is (RFC 854 "The Telnet Command Structure", RFC 855 subnegotiation). */
const enum Iac {
  Data,
  /** After IAC. */
  Command,
  /** After IAC WILL/WONT/DO/DONT: the option byte. */
  Option,
  /** Inside IAC SB … IAC SE. */
  Sub,
  /** IAC inside a subnegotiation. */
  SubIac,
}

/**
 * Failure messages of common telnet daemons: util-linux and BusyBox login ("Login incorrect"),
 * Cisco IOS ("% Login invalid", "% Authentication failed", "% Bad passwords"), Huawei/ZTE CPEs
 * ("Access denied", "Username or password invalid"), others ("Invalid login", "Wrong password").
 */
const FAILURE = /login incorrect|incorrect (?:login|password|user)|access denied|permission denied|authentication fail|login fail|login invalid|bad password|wrong password|invalid (?:login|password|user|credential)|password invalid|(?:username|user|login) or password (?:is )?(?:incorrect|invalid|wrong)/;
/** A login prompt: "login:", "Username:", "router login:" (getty puts the host name first). "Last login:" is a banner. */
const LOGIN = /^(?:[\w.@-]+ )?(?:login|username|user name|user)\s*:/;
/** A password prompt: "Password:", "admin's password:", "Passcode:". */
const PASSWORD = /(?:^|[\s'])pass(?:word|wd|code)\s*:/;
const SHELL_END = /[#$>%]$/;

/** Per-connection state of the telnet module: the server side's parser and what the dialogue reached. */
export interface TelnetState extends StreamState {
  iac: Iac;
  /** Server bytes read. */
  seen: number;
  /** The current line of server text, lower-cased, and whether it was already reported. */
  line: Buffer;
  lineLen: number;
  lineReported: boolean;
  /** A password prompt was seen and its answer not yet: the next prompt says how it went. */
  awaiting: boolean;
}

/** IAC then WILL, WONT, DO or DONT at the start of either side (servers and many clients negotiate first). */
function probeTelnet(b: Buffer, off: number, end: number): Probe {
  if (end > b.length) end = b.length;
  if (end - off < 1 || b[off] !== IAC) return Probe.No;
  if (end - off < 2) return Probe.NeedMore;
  const c = b[off + 1]!;
  return c >= WILL && c <= DONT ? Probe.Yes : Probe.No;
}

/** Bytes looked at by the port probe. */
const PORT_PROBE_BYTES = 16;

/**
 * On a telnet port (23, 2323) a server that prints its banner at once, without negotiating, is
 * telnet too: IAC, or text (printable ASCII, TAB, CR, LF) in the first 16 bytes. Used by the
 * dispatcher after every strict probe said no, so SSH or HTTP on 2323 are still found.
 */
export function probeTelnetOnPort(b: Buffer, off: number, end: number): Probe {
  if (end > b.length) end = b.length;
  if (end - off < 1) return Probe.NeedMore;
  if (b[off] === IAC) return Probe.Yes;
  const n = Math.min(end - off, PORT_PROBE_BYTES);
  for (let i = off; i < off + n; i++) {
    const c = b[i]!;
    if (!((c >= 0x20 && c < 0x7f) || c === 0x09 || c === CR || c === LF)) return Probe.No;
  }
  return Probe.Yes;
}

/**
 * The telnet module. Emits `telnet` records: login-prompt, password-prompt, login-failure (a failure
 * message, or a login prompt straight after a password), login-success (a short line ending in
 * #, $, > or % after a password, with the server then waiting). Done after a success or
 * MAX_TELNET_SERVER_BYTES. The client's bytes (user names, passwords) are never read.
 */
export const telnetModule: TcpAppModule<TelnetState> = {
  name: 'telnet',
  // IANA 23 (telnet); 2323 is the alternate Mirai scans and many devices open.
  ports: [23, 2323],
  probe: probeTelnet,
  create(): TelnetState {
    return { done: false, iac: Iac.Data, seen: 0, line: Buffer.alloc(LINE_CAP), lineLen: 0, lineReported: false, awaiting: false };
  },
  feed(st, dir, b, off, end, ts, out) {
    if (st.done || dir !== 1) return 0;
    if (end > b.length) end = b.length;
    const room = MAX_TELNET_SERVER_BYTES - st.seen;
    if (end - off > room) end = off + room;
    st.seen += end - off;
    for (let p = off; p < end && !st.done; p++) {
      const c = b[p]!;
      switch (st.iac) {
        case Iac.Data:
          if (c === IAC) st.iac = Iac.Command;
          else text(st, c, ts, out);
          break;
        case Iac.Command:
          if (c === IAC) { st.iac = Iac.Data; text(st, c, ts, out); } // IAC IAC: a data byte 255
          else if (c >= WILL && c <= DONT) st.iac = Iac.Option;
          else if (c === SB) st.iac = Iac.Sub;
          else st.iac = Iac.Data; // NOP, GA, AYT…: two bytes
          break;
        case Iac.Option:
          st.iac = Iac.Data;
          break;
        case Iac.Sub:
          if (c === IAC) st.iac = Iac.SubIac;
          break;
        case Iac.SubIac:
          st.iac = c === SE ? Iac.Data : Iac.Sub;
          break;
      }
    }
    // The server stopped here and waits: a prompt is the unfinished line it left.
    if (!st.done && st.lineLen > 0 && !st.lineReported) judge(st, false, ts, out);
    if (st.seen >= MAX_TELNET_SERVER_BYTES) st.done = true;
    return 0;
  },
  gap(st, dir) {
    // Text lost in the middle of a line: start the next line clean; negotiation state is a guess.
    if (dir !== 1) return;
    st.iac = Iac.Data;
    st.lineLen = 0;
    st.lineReported = true;
  },
  end(st) {
    st.done = true;
  },
};

/** One byte of server text (negotiation removed). */
function text(st: TelnetState, c: number, ts: number, out: RecordSink): void {
  if (c === CR || c === LF) {
    // RFC 854: CR LF is a new line, CR NUL a bare carriage return; both end what is on screen.
    if (st.lineLen > 0 && !st.lineReported) judge(st, true, ts, out);
    st.lineLen = 0;
    st.lineReported = false;
    return;
  }
  if (c < 0x20 || c === 0x7f) return; // NUL after CR, BEL, BS, ESC: not text
  if (st.lineLen === LINE_CAP) {
    // Keep the last half: the end of a line is where prompts are.
    st.line.copyWithin(0, LINE_CAP / 2, LINE_CAP);
    st.lineLen = LINE_CAP / 2;
  }
  st.line[st.lineLen++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Reads the current line: complete (a line end came) or left waiting at the end of a segment. */
function judge(st: TelnetState, complete: boolean, ts: number, out: RecordSink): void {
  const t = st.line.toString('latin1', 0, st.lineLen).trim();
  if (t === '') return;
  const emit = (event: TelnetRecord['event']): void => out({ kind: 'telnet', ts, event });
  if (FAILURE.test(t)) {
    st.lineReported = true;
    st.awaiting = false;
    emit('login-failure');
    return;
  }
  if (PASSWORD.test(t) && (complete || t.endsWith(':'))) {
    st.lineReported = true;
    st.awaiting = true;
    emit('password-prompt');
    return;
  }
  if (LOGIN.test(t) && !t.startsWith('last login') && (complete || t.endsWith(':'))) {
    st.lineReported = true;
    // A login prompt right after a password is a silent failure (some daemons print nothing else).
    if (st.awaiting) emit('login-failure');
    st.awaiting = false;
    emit('login-prompt');
    return;
  }
  if (!complete && st.awaiting && t.length <= MAX_SHELL_PROMPT && SHELL_END.test(t)) {
    st.lineReported = true;
    st.awaiting = false;
    emit('login-success');
    st.done = true;
  }
}
