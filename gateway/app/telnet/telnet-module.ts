// Telnet as an app module: strips option negotiation (RFC 854, RFC 855) from the server's bytes and
// reads its text for login and password prompts, failure messages and a shell prompt after a password.
// With the default-credential check on (privacy.defaultCredentials), it also reads the client's
// bytes, for that check only: the line typed after a login prompt and the one after a password
// prompt, in two small buffers that are zeroed once the login is judged. Only the name of the list
// a successful pair is on leaves the module; the typed bytes never do.
import { Probe, type RecordSink, type TcpAppModule } from '../app-module.js';
import type { TelnetRecord } from '../app-record.js';
import { CredentialLine, judgePair, type CredentialCheck } from '../credential-check.js';
import type { StreamState } from '../stream-state.js';
import { DONT, EC, EL, IAC, TELNET_COMMAND, TELNET_DATA, TelnetCommandReader, WILL } from './telnet-bytes.js';

/**
 * Server bytes read per connection. Default 16 KiB: a login dialogue, several failed tries and a
 * banner fit many times over; past it the module is done (the session is what it is by then).
 */
export const MAX_TELNET_SERVER_BYTES = 16_384;
/**
 * Client bytes read per connection (only with the credential check on). Default 16 KiB: option
 * negotiation and many login tries; past it the client side is no longer read.
 */
export const MAX_TELNET_CLIENT_BYTES = 16_384;
/** Characters of the current line kept for matching (the end of a longer line is what matters). */
const LINE_CAP = 128;
/** A shell prompt is a short line: "# ", "root@router:~$ ", "[admin@MikroTik] > ". */
const MAX_SHELL_PROMPT = 80;

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0;
const BS = 0x08;
const DEL = 0x7f;
/** ^U: a tty's kill character, erases the line typed so far. */
const NAK = 0x15;

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

/** Which login line the client is typing: none, the user name (after a login prompt), the password. */
const enum Typing {
  None,
  User,
  Password,
}

/** The client side, read only for the credential check. */
interface ClientSide {
  readonly check: CredentialCheck;
  readonly cmd: TelnetCommandReader;
  /** Client bytes read. */
  seen: number;
  typing: Typing;
  /** The last data byte ended a line with CR: a following LF or NUL belongs to that line end (RFC 854). */
  afterCr: boolean;
  user: CredentialLine;
  password: CredentialLine;
}

/** Per-connection state of the telnet module: the server side's parser and what the dialogue reached. */
export interface TelnetState extends StreamState {
  /** The client side, or null when the credential check is off (its bytes are then never read). */
  client: ClientSide | null;
  readonly cmd: TelnetCommandReader;
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
 * MAX_TELNET_SERVER_BYTES. With `check`, a login-success carries `credentialList`: the list the
 * user name and password typed are on, or null; without it the client's bytes are never read.
 */
export function telnetModuleWith(check: CredentialCheck | null): TcpAppModule<TelnetState> {
  return {
    name: 'telnet',
    // IANA 23 (telnet); 2323 is the alternate Mirai scans and many devices open.
    ports: [23, 2323],
    probe: probeTelnet,
    create(): TelnetState {
      const client: ClientSide | null = check === null ? null : {
        check, cmd: new TelnetCommandReader(), seen: 0, typing: Typing.None, afterCr: false,
        user: new CredentialLine(check.maxBytes), password: new CredentialLine(check.maxBytes),
      };
      return { done: false, client, cmd: new TelnetCommandReader(), seen: 0, line: Buffer.alloc(LINE_CAP), lineLen: 0, lineReported: false, awaiting: false };
    },
    feed: feedTelnet,
    gap(st, dir) {
      if (dir !== 1) {
        // Typed bytes lost: the line being typed cannot be judged.
        if (st.client !== null) {
          st.client.cmd.reset();
          st.client.afterCr = false;
        }
        forget(st);
        return;
      }
      // Text lost in the middle of a line: start the next line clean; negotiation state is a guess.
      st.cmd.reset();
      st.lineLen = 0;
      st.lineReported = true;
    },
    end(st) {
      finish(st);
    },
  };
}

/** The telnet module without the credential check (the client's bytes are never read). */
export const telnetModule: TcpAppModule<TelnetState> = telnetModuleWith(null);

/** Done: nothing typed is kept. */
function finish(st: TelnetState): void {
  st.done = true;
  forget(st);
}

/** One segment of either side: the server's text is judged, the client's typing kept for the check. */
function feedTelnet(st: TelnetState, dir: number, b: Buffer, off: number, end: number, ts: number, out: RecordSink): number {
  if (st.done) return 0;
  if (end > b.length) end = b.length;
  if (dir !== 1) {
    if (st.client !== null) typed(st.client, b, off, end);
    return 0;
  }
  const room = MAX_TELNET_SERVER_BYTES - st.seen;
  if (end - off > room) end = off + room;
  st.seen += end - off;
  for (let p = off; p < end && !st.done; p++) {
    const c = b[p]!;
    // Negotiation and commands (NOP, GA, AYT…) say nothing of the login.
    if (st.cmd.step(c) === TELNET_DATA) text(st, c, ts, out);
  }
  // The server stopped here and waits: a prompt is the unfinished line it left.
  if (!st.done && st.lineLen > 0 && !st.lineReported) judge(st, false, ts, out);
  if (st.seen >= MAX_TELNET_SERVER_BYTES) finish(st);
  return 0;
}

/**
 * Client bytes `b[off, end)`: negotiation removed, the data bytes of the line being typed after a
 * prompt go to its buffer, with the line editing a login sees (BS, DEL, ^U, telnet EC and EL). A
 * line ends at CR (CR LF, CR NUL) or a bare LF; typing between lines, or before any prompt, is skipped.
 */
function typed(c: ClientSide, b: Buffer, off: number, end: number): void {
  const room = MAX_TELNET_CLIENT_BYTES - c.seen;
  if (room <= 0) return;
  if (end - off > room) end = off + room;
  c.seen += end - off;
  for (let p = off; p < end; p++) {
    const x = b[p]!;
    const k = c.cmd.step(x);
    if (k === TELNET_DATA) typedByte(c, x);
    else if (k === TELNET_COMMAND) {
      if (x === EC) typingLine(c)?.erase();
      else if (x === EL) typingLine(c)?.clear();
    }
  }
  if (c.seen >= MAX_TELNET_CLIENT_BYTES) {
    // Past the budget the rest is unread: a line in progress cannot be judged.
    c.typing = Typing.None;
    c.user.clear();
    c.password.clear();
  }
}

/** The line the client is typing, or null. */
function typingLine(c: ClientSide): CredentialLine | null {
  return c.typing === Typing.User ? c.user : c.typing === Typing.Password ? c.password : null;
}

/** One data byte the client sent. */
function typedByte(c: ClientSide, x: number): void {
  if (c.afterCr) {
    c.afterCr = false;
    if (x === LF || x === NUL) return;
  }
  const line = typingLine(c);
  if (line === null) return;
  if (x === CR || x === LF) {
    line.complete = true;
    c.typing = Typing.None;
    c.afterCr = x === CR;
  } else if (x === BS || x === DEL) line.erase();
  else if (x === NAK) line.clear();
  else if (x >= 0x20) line.push(x);
}

/** The server asked for a user name or a password: the client's next line is that one. */
function prompted(st: TelnetState, what: Typing): void {
  const c = st.client;
  if (c === null) return;
  if (what === Typing.User) {
    // A new try: nothing of the last one is kept.
    c.user.clear();
    c.password.clear();
  } else {
    // The server took the user line as it stands (some clients end it in a later segment).
    if (c.typing === Typing.User) c.user.complete = true;
    c.password.clear();
  }
  c.typing = what;
  c.afterCr = false;
}

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
    forget(st);
    emit('login-failure');
    return;
  }
  if (PASSWORD.test(t) && (complete || t.endsWith(':'))) {
    st.lineReported = true;
    st.awaiting = true;
    prompted(st, Typing.Password);
    emit('password-prompt');
    return;
  }
  if (LOGIN.test(t) && !t.startsWith('last login') && (complete || t.endsWith(':'))) {
    st.lineReported = true;
    // A login prompt right after a password is a silent failure (some daemons print nothing else).
    if (st.awaiting) emit('login-failure');
    st.awaiting = false;
    prompted(st, Typing.User);
    emit('login-prompt');
    return;
  }
  if (!complete && st.awaiting && t.length <= MAX_SHELL_PROMPT && SHELL_END.test(t)) {
    st.lineReported = true;
    st.awaiting = false;
    const c = st.client;
    if (c === null) out({ kind: 'telnet', ts, event: 'login-success' });
    else out({ kind: 'telnet', ts, event: 'login-success', credentialList: judgePair(c.check, c.user, c.password) });
    finish(st);
  }
}

/** A failed try, or the end: what was typed is forgotten (zeroed). */
function forget(st: TelnetState): void {
  const c = st.client;
  if (c === null) return;
  c.user.clear();
  c.password.clear();
  c.typing = Typing.None;
}

/** The dialogue patterns (lower-cased, trimmed lines), which the exposure audit's telnet client judges by too. */
export const TELNET_PATTERNS = Object.freeze({ failure: FAILURE, login: LOGIN, password: PASSWORD, shellEnd: SHELL_END, maxShellPrompt: MAX_SHELL_PROMPT });
