// The audit's telnet client: a minimal RFC 854 client over node:net that refuses every option the
// server offers (WILL → DONT, DO → WONT; RFC 854 "the Telnet option negotiation"), waits for a
// login prompt, types a user name and a password, and judges the answer: a short line ending in
// `# $ > %` that stays quiet is a shell (accepted), "Login incorrect" or a new login prompt is a
// refusal. Several pairs are tried on one connection while the server prompts again (BusyBox and
// util-linux login give three), then on a new one. After a shell prompt it disconnects without
// sending a byte more. It reads at most a few KiB a connection.
//
// The prompt and failure patterns are the passive telnet module's (one list of what daemons say).
import type { Socket } from 'node:net';
import { DO, DONT, IAC, TELNET_DATA, TELNET_OPTION, TelnetCommandReader, WILL, WONT } from '../../app/telnet/telnet-bytes.js';
import { TELNET_PATTERNS } from '../../app/telnet/telnet-module.js';
import type { AuditCredential } from '../default-credentials.js';
import { outcomeOf, type ClientOptions, type ClientOutcome } from './audit-client.js';
import { openTcp } from './tcp-open.js';

const { failure: TELNET_FAILURE, login: TELNET_LOGIN, password: TELNET_PASSWORD, shellEnd: TELNET_SHELL_END, maxShellPrompt: TELNET_MAX_SHELL_PROMPT } = TELNET_PATTERNS;

/** Server bytes read per connection at most: a banner, a motd and three tries fit. */
export const MAX_TELNET_AUDIT_BYTES = 8192;
/**
 * How long a would-be shell prompt must stay the last thing on screen before it counts, ms: a motd
 * line cut between two segments ("… 100%") is followed by more text at once, a prompt is not.
 */
const SHELL_QUIET_MS = 300;
/** Characters of the current line kept for matching (its end is where prompts are). */
const LINE_CAP = 128;


/** What the server's text says. */
type TelnetEvent = 'login' | 'password' | 'failure' | 'shell' | 'closed' | 'timeout' | 'overflow';

/** One connection's dialogue: the server's bytes read into events, our lines written. */
class TelnetDialogue {
  private readonly queue: TelnetEvent[] = [];
  private waiter: ((e: TelnetEvent) => void) | null = null;
  private readonly cmd = new TelnetCommandReader();
  private line = '';
  private bytes = 0;
  /** Negotiation answers given, `verb/option`: each is answered once (RFC 854: no answer loops). */
  private readonly answered = new Set<string>();
  /** Answers held while a shell prompt may be on screen: after a success nothing is sent. */
  private held: number[] = [];
  private shellTimer: NodeJS.Timeout | null = null;
  private ended = false;
  /** A user name or password was typed and its verdict is pending: a quiet short prompt is a shell. */
  awaiting = false;
  /** A login prompt was seen on this connection. */
  prompted = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.feed(d));
    socket.on('close', () => this.push('closed'));
    socket.on('error', () => {}); // 'close' follows
  }

  /** The next event, or `timeout` after `ms`. */
  next(ms: number): Promise<TelnetEvent> {
    const e = this.queue.shift();
    if (e !== undefined) return Promise.resolve(e);
    if (this.ended) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.waiter = null; resolve('timeout'); }, ms);
      this.waiter = (ev) => { clearTimeout(timer); resolve(ev); };
    });
  }

  /** Types one line (RFC 854: CR LF ends it). */
  send(text: string): void {
    if (!this.ended) this.socket.write(Buffer.from(`${text}\r\n`, 'utf8'));
  }

  close(): void {
    this.ended = true;
    if (this.shellTimer !== null) clearTimeout(this.shellTimer);
    this.socket.destroy();
  }

  private push(e: TelnetEvent): void {
    if (e === 'closed') {
      if (this.ended) return;
      this.ended = true;
      if (this.shellTimer !== null) clearTimeout(this.shellTimer);
    }
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w(e);
    } else this.queue.push(e);
  }

  private feed(d: Buffer): void {
    if (this.ended) return;
    this.bytes += d.length;
    if (this.bytes > MAX_TELNET_AUDIT_BYTES) {
      this.push('overflow');
      this.close();
      return;
    }
    // More text: whatever looked like a shell prompt was not the end of the screen.
    if (this.shellTimer !== null) {
      clearTimeout(this.shellTimer);
      this.shellTimer = null;
      this.flushHeld();
    }
    for (const c of d) this.byte(c);
    this.judge(false);
  }

  private byte(c: number): void {
    const k = this.cmd.step(c);
    if (k === TELNET_DATA) this.text(c);
    // Refuse everything: the server offers to do (WILL) → DONT; asks us to do (DO) → WONT.
    // WONT and DONT need no answer: "off" is where every option starts.
    else if (k === TELNET_OPTION && (this.cmd.verb === WILL || this.cmd.verb === DO)) this.answer(this.cmd.verb === WILL ? DONT : WONT, c);
  }

  private answer(verb: number, option: number): void {
    const k = `${verb}/${option}`;
    if (this.answered.has(k)) return;
    this.answered.add(k);
    this.held.push(IAC, verb, option);
    if (this.shellTimer === null) this.flushHeld();
  }

  private flushHeld(): void {
    if (this.held.length === 0 || this.ended) return;
    this.socket.write(Buffer.from(this.held));
    this.held = [];
  }

  private text(c: number): void {
    if (c === 0x0d || c === 0x0a) {
      // RFC 854: CR LF is a new line, CR NUL a bare carriage return; both end what is on screen.
      this.judge(true);
      this.line = '';
      return;
    }
    if (c < 0x20 || c === 0x7f) return;
    if (this.line.length >= LINE_CAP) this.line = this.line.slice(LINE_CAP / 2);
    this.line += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
  }

  /** Reads the current line: complete (a line end came) or left at the end of what arrived. */
  private judge(complete: boolean): void {
    const t = this.line.trim();
    if (t === '') return;
    if (TELNET_FAILURE.test(t)) {
      this.awaiting = false;
      this.push('failure');
    } else if (TELNET_PASSWORD.test(t) && (complete || t.endsWith(':'))) {
      this.push('password');
    } else if (TELNET_LOGIN.test(t) && !t.startsWith('last login') && (complete || t.endsWith(':'))) {
      // A login prompt right after a try is a silent refusal.
      if (this.awaiting) this.push('failure');
      this.awaiting = false;
      this.prompted = true;
      this.push('login');
    } else if (!complete && this.awaiting && t.length <= TELNET_MAX_SHELL_PROMPT && TELNET_SHELL_END.test(t)) {
      this.shellTimer = setTimeout(() => { this.shellTimer = null; this.push('shell'); }, SHELL_QUIET_MS);
      return;
    } else return;
    // A reported line is not judged again when more of it (or its line end) arrives.
    this.line = '';
  }
}

/** The audit of one telnet port. */
export async function auditTelnet(host: string, port: number, pairs: readonly AuditCredential[], opts: ClientOptions): Promise<ClientOutcome> {
  let tried = 0;
  let conn: TelnetDialogue | null = null;
  /** A login prompt is on screen, not yet answered. */
  let prompt = false;
  const read = (): Promise<TelnetEvent> => conn!.next(opts.readTimeoutMs);
  try {
    for (let i = 0; i < pairs.length;) {
      if (conn === null) {
        const o = await openTcp(host, port, opts.connectTimeoutMs);
        if (o.kind !== 'open') return tried === 0 ? outcomeOf(o.kind, 0, o.detail) : outcomeOf('error', tried, `${o.detail} after ${tried} tries`);
        conn = new TelnetDialogue(o.socket);
        prompt = false;
      }
      while (!prompt) {
        const e = await read();
        if (e === 'login') prompt = true;
        else if (e === 'closed' || e === 'timeout' || e === 'overflow') {
          const fresh = !conn.prompted;
          conn.close();
          conn = null;
          // A port that never shows a login prompt is something else (or a telnet without logins).
          if (fresh && tried === 0) return outcomeOf('not-offered', 0, e === 'overflow' ? `more than ${MAX_TELNET_AUDIT_BYTES} bytes and no login prompt` : `no login prompt (${e === 'timeout' ? `nothing within ${opts.readTimeoutMs} ms` : 'connection closed'})`);
          if (fresh) return outcomeOf('error', tried, `no login prompt after ${tried} tries (${e})`);
          break;
        }
      }
      if (conn === null) continue;
      const pair = pairs[i++]!;
      await opts.limiter.take();
      tried++;
      prompt = false;
      conn.awaiting = true;
      conn.send(pair.user);
      let e = await read();
      if (e === 'password') {
        conn.send(pair.password);
        conn.awaiting = true;
        e = await read();
        // Some daemons repeat the prompt line once more: the verdict comes after.
        while (e === 'password') e = await read();
      }
      switch (e) {
        case 'shell':
          conn.close();
          conn = null;
          return { outcome: 'default-accepted', list: pair.list, tried, detail: null };
        case 'failure':
        case 'login':
          // The next prompt (a silent refusal brought it already) is read at the loop's top.
          if (e === 'login') prompt = true;
          break;
        case 'closed':
          conn = null;
          break;
        case 'timeout':
          conn.close();
          return outcomeOf('error', tried, `no verdict within ${opts.readTimeoutMs} ms after a try`);
        case 'overflow':
          return outcomeOf('error', tried, `more than ${MAX_TELNET_AUDIT_BYTES} bytes without a verdict`);
        default:
          break;
      }
    }
    return outcomeOf('not-accepted', tried);
  } finally {
    conn?.close();
  }
}
