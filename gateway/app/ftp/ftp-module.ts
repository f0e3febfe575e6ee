// FTP's control connection as an app module (RFC 959): the client's USER and PASS commands and the
// server's replies to them, for one fact: did a login work (230) or fail (530). With the
// default-credential check on (privacy.defaultCredentials) the USER and PASS arguments are held in
// two small buffers until the reply comes, then zeroed; only the name of the list a successful pair
// is on leaves the module. Without the check the arguments are skipped unread.
import { Probe, type RecordSink, type TcpAppModule } from '../app-module.js';
import type { FtpRecord } from '../app-record.js';
import { CredentialLine, judgePair, type CredentialCheck } from '../credential-check.js';
import type { StreamState } from '../stream-state.js';

/**
 * Bytes read of each direction per connection. Default 16 KiB: a banner, several login tries and
 * their replies fit many times over (listings and files go over data connections); past it the
 * module is done.
 */
export const MAX_FTP_BYTES = 16_384;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
/** A command verb and its space: "USER ", "PASS " (RFC 959 §5.3.1, case-insensitive). */
const VERB_LEN = 5;
/** A reply code and the character after it: "230 ", "530-" (RFC 959 §4.2). */
const CODE_LEN = 4;

/** Where a login is: nothing pending, or a USER or a PASS sent and its reply awaited. */
const enum Awaiting {
  None,
  User,
  Password,
}

/** One direction's current line: its first bytes (the verb or the reply code) and how many came. */
interface FtpLine {
  head: Buffer;
  len: number;
  /** Bytes of the whole direction read. */
  seen: number;
}

/** Per-connection state of the FTP module. */
export interface FtpState extends StreamState {
  /** 0 the client's commands, 1 the server's replies. */
  lines: [FtpLine, FtpLine];
  /** The argument of the client's current line goes to this buffer (USER or PASS with the check on), or nowhere. */
  arg: CredentialLine | null;
  awaiting: Awaiting;
  /** The check, and the user name and password of the login under way; null when it is off. */
  creds: { check: CredentialCheck; user: CredentialLine; password: CredentialLine } | null;
}

const USER = Buffer.from('USER ', 'latin1');
const PASS = Buffer.from('PASS ', 'latin1');

/** Whether `b[s, s + 5)` is `verb` ("USER ", upper-case), ignoring ASCII case. */
function isVerb(b: Buffer, s: number, verb: Buffer): boolean {
  for (let i = 0; i < VERB_LEN; i++) {
    const c = b[s + i]!;
    if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== verb[i]) return false;
  }
  return true;
}

/** The reply code of a line starting `b[s, s + 4)`: three digits then SP or '-' (a bare CR tolerated), or -1. */
function replyCode(b: Buffer, s: number): number {
  let code = 0;
  for (let i = 0; i < 3; i++) {
    const c = b[s + i]!;
    if (c < 0x30 || c > 0x39) return -1;
    code = code * 10 + (c - 0x30);
  }
  const sep = b[s + 3]!;
  return sep === SP || sep === 0x2d || sep === CR ? code : -1;
}

/**
 * On port 21, the server's greeting: "220 " or "220-" (service ready; RFC 959 §4.2, and "120" for
 * ready in n minutes), or a client that speaks first with USER. No content probe elsewhere: SMTP and
 * others greet with 220 too.
 */
export function probeFtpOnPort(b: Buffer, off: number, end: number, dir: number): Probe {
  if (end > b.length) end = b.length;
  const want = dir === 0 ? VERB_LEN : CODE_LEN;
  if (end - off < want) return Probe.NeedMore;
  if (dir === 0) return isVerb(b, off, USER) ? Probe.Yes : Probe.No;
  const code = replyCode(b, off);
  return code === 220 || code === 120 ? Probe.Yes : Probe.No;
}

/**
 * The FTP module: emits an `ftp` record for each login reply: login-success (230 after USER or
 * PASS) — then the module is done — or login-failure (530). With `check`, a success carries
 * `credentialList`: the list the USER and PASS arguments are on (a 230 straight after USER is a
 * login with an empty password), or null.
 */
export function ftpModuleWith(check: CredentialCheck | null): TcpAppModule<FtpState> {
  return {
    name: 'ftp',
    // IANA 21 (ftp, the control connection).
    ports: [21],
    // Found by its port only (probeFtpOnPort in the dispatch table).
    probe: () => Probe.No,
    create(): FtpState {
      const line = (): FtpLine => ({ head: Buffer.alloc(VERB_LEN), len: 0, seen: 0 });
      return {
        done: false, lines: [line(), line()], arg: null, awaiting: Awaiting.None,
        creds: check === null ? null : { check, user: new CredentialLine(check.maxBytes), password: new CredentialLine(check.maxBytes) },
      };
    },
    feed(st, dir, b, off, end, ts, out) {
      if (st.done) return 0;
      if (end > b.length) end = b.length;
      const d = dir === 0 ? 0 : 1;
      const line = st.lines[d];
      const room = MAX_FTP_BYTES - line.seen;
      if (end - off > room) end = off + room;
      line.seen += end - off;
      let p = off;
      while (p < end && !st.done) p = d === 0 ? command(st, line, b, p, end) : reply(st, line, b, p, end, ts, out);
      if (line.seen >= MAX_FTP_BYTES) finish(st);
      return 0;
    },
    gap(st, dir) {
      // A line lost in part cannot be read; the next full line can. Its verb or code is forgotten.
      const line = st.lines[dir === 0 ? 0 : 1];
      line.head.fill(0);
      line.len = VERB_LEN; // skip to the next line end
      if (dir === 0) {
        st.arg = null;
        st.creds?.user.clear();
        st.creds?.password.clear();
      }
    },
    end(st) {
      finish(st);
    },
  };
}

/** The FTP module without the default-credential check (arguments are never read). */
export const ftpModule: TcpAppModule<FtpState> = ftpModuleWith(null);

/** Done: nothing typed is kept. */
function finish(st: FtpState): void {
  st.done = true;
  st.arg = null;
  st.creds?.user.clear();
  st.creds?.password.clear();
}

/**
 * Client bytes from `p`: the verb of the line (its first 5 bytes), then its argument, to the buffer
 * of USER or PASS when the check is on. At the line end the command counts. Returns where it stopped.
 */
function command(st: FtpState, line: FtpLine, b: Buffer, p: number, end: number): number {
  for (; p < end; p++) {
    const c = b[p]!;
    if (c === LF || c === CR) {
      if (line.len > 0) endCommand(st, line);
      line.len = 0;
      continue;
    }
    if (line.len < VERB_LEN) {
      line.head[line.len++] = c;
      if (line.len === VERB_LEN && st.creds !== null) {
        if (isVerb(line.head, 0, USER)) st.arg = st.creds.user;
        else if (isVerb(line.head, 0, PASS)) st.arg = st.creds.password;
        st.arg?.clear();
      }
      continue;
    }
    // The argument: up to the line end, in one copy.
    let e = p;
    while (e < end && b[e] !== CR && b[e] !== LF) e++;
    st.arg?.append(b, p, e);
    return e;
  }
  return p;
}

/** A client line ended: USER or PASS now awaits its reply. */
function endCommand(st: FtpState, line: FtpLine): void {
  const verb = line.len === VERB_LEN ? line.head : null;
  if (verb !== null && isVerb(verb, 0, USER)) {
    st.awaiting = Awaiting.User;
    if (st.creds !== null) {
      st.creds.user.complete = true;
      st.creds.password.clear();
    }
  } else if (verb !== null && isVerb(verb, 0, PASS)) {
    st.awaiting = Awaiting.Password;
    if (st.creds !== null) st.creds.password.complete = true;
  }
  st.arg = null;
}

/** Server bytes from `p`: the reply code at the start of each line decides; the rest is skipped. */
function reply(st: FtpState, line: FtpLine, b: Buffer, p: number, end: number, ts: number, out: RecordSink): number {
  for (; p < end && !st.done; p++) {
    const c = b[p]!;
    if (c === LF) {
      line.len = 0;
      continue;
    }
    if (line.len >= CODE_LEN) {
      // Skip to the line end in one scan.
      const lf = b.indexOf(LF, p);
      if (lf < 0 || lf >= end) return end;
      p = lf - 1;
      continue;
    }
    line.head[line.len++] = c;
    if (line.len === CODE_LEN) replyCodeRead(st, replyCode(line.head, 0), ts, out);
  }
  return p;
}

/**
 * One reply line's code (RFC 959 §4.2: a multi-line reply's first line has it too; later lines of
 * the same reply change nothing once the login is settled).
 */
function replyCodeRead(st: FtpState, code: number, ts: number, out: RecordSink): void {
  if (st.awaiting === Awaiting.None || code < 0) return;
  const emit = (event: FtpRecord['event'], credentialList?: string | null): void => {
    out(credentialList === undefined ? { kind: 'ftp', ts, event } : { kind: 'ftp', ts, event, credentialList });
  };
  if (code === 230) {
    const c = st.creds;
    let list: string | null | undefined;
    if (c !== null) {
      // 230 straight after USER: the account has no password.
      if (st.awaiting === Awaiting.User) {
        c.password.clear();
        c.password.complete = true;
      }
      list = judgePair(c.check, c.user, c.password);
    }
    st.awaiting = Awaiting.None;
    emit('login-success', list);
    finish(st);
    return;
  }
  if (code === 530) {
    st.awaiting = Awaiting.None;
    st.creds?.user.clear();
    st.creds?.password.clear();
    emit('login-failure');
    return;
  }
  // 331/332 (password or account needed) answer USER; a PASS sent ahead (pipelined) still awaits its own reply.
  if ((code === 331 || code === 332) && st.awaiting === Awaiting.User) st.awaiting = Awaiting.None;
}
