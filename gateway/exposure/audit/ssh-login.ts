// The audit's SSH client, over the pure-JavaScript `ssh2` package: one connection a pair (SSH
// servers drop a client that changes user name mid-connection, RFC 4252 §5 lets them), password
// authentication, or keyboard-interactive answered with the password when the server offers only
// that (RFC 4256; many embedded servers do). Accepted is ssh2's `ready` — the server said
// USERAUTH_SUCCESS — and the socket is destroyed at once: no channel, no shell, no exec, not even a
// DISCONNECT is sent. The host key is not checked: the audit trusts nothing it hears.
// The package's types are ours (ssh2.d.ts): referenced here so that every program compiling this
// file has them (test/tsconfig.json includes no .d.ts of gateway/).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient module declaration cannot be imported
/// <reference path="./ssh2.d.ts" />
import type { Socket } from 'node:net';
import { Client, type NextAuth, type SshError } from 'ssh2';
import type { AuditCredential } from '../default-credentials.js';
import { outcomeOf, type ClientOptions, type ClientOutcome } from './audit-client.js';
import { openTcp } from './tcp-open.js';

/** Server bytes read per connection at most: the version line, key exchange and a few auth answers. */
export const MAX_SSH_AUDIT_BYTES = 32 * 1024;

/** How one try ended. */
type SshTry =
  | { kind: 'accepted' }
  | { kind: 'refused' }
  /** The server allows neither password nor keyboard-interactive logins (keys only). */
  | { kind: 'no-password'; offered: string[] }
  /** Failed before the key exchange ended: maybe not SSH at all. */
  | { kind: 'no-handshake'; detail: string }
  | { kind: 'error'; detail: string };

/** One login try on an open socket. */
function tryPair(socket: Socket, pair: AuditCredential, readTimeoutMs: number): Promise<SshTry> {
  return new Promise((resolve) => {
    const c = new Client();
    let done = false;
    let handshake = false;
    let bytes = 0;
    /** The methods the server named after the first refusal. */
    let offered: string[] | null = null;
    let step = 0;
    const finish = (r: SshTry): void => {
      if (done) return;
      done = true;
      // Nothing more is sent: the socket goes, not even SSH_MSG_DISCONNECT after a success.
      socket.destroy();
      resolve(r);
    };
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes > MAX_SSH_AUDIT_BYTES) finish({ kind: 'error', detail: `more than ${MAX_SSH_AUDIT_BYTES} bytes without a verdict` });
    });
    c.on('handshake', () => { handshake = true; });
    c.on('ready', () => finish({ kind: 'accepted' }));
    c.on('error', (e: SshError) => {
      if (e.level === 'client-authentication') {
        finish(offered !== null && !offered.includes('password') && !offered.includes('keyboard-interactive') ? { kind: 'no-password', offered } : { kind: 'refused' });
      } else if (!handshake) finish({ kind: 'no-handshake', detail: e.level === 'client-timeout' ? `no SSH handshake within ${readTimeoutMs} ms` : e.message.slice(0, 120) });
      else finish({ kind: 'error', detail: e.level === 'client-timeout' ? `no verdict within ${readTimeoutMs} ms` : e.message.slice(0, 120) });
    });
    c.on('close', () => finish(handshake ? { kind: 'error', detail: 'connection closed without a verdict' } : { kind: 'no-handshake', detail: 'connection closed before the SSH handshake' }));
    const kbd: NextAuth = {
      type: 'keyboard-interactive', username: pair.user,
      prompt: (_name, _instructions, _lang, prompts, answer) => answer(prompts.map(() => pair.password)),
    };
    c.connect({
      sock: socket, username: pair.user, readyTimeout: readTimeoutMs, keepaliveInterval: 0, hostVerifier: () => true,
      authHandler: (methodsLeft) => {
        step++;
        if (step === 1) return { type: 'password', username: pair.user, password: pair.password };
        offered = methodsLeft ?? [];
        // Password refused while the server still takes passwords: the pair is wrong. Without a
        // password method, the same password once through keyboard-interactive (one try, one pair).
        if (step === 2 && !offered.includes('password') && offered.includes('keyboard-interactive')) return kbd;
        return false;
      },
    });
  });
}

/** The audit of one SSH port. */
export async function auditSsh(host: string, port: number, pairs: readonly AuditCredential[], opts: ClientOptions): Promise<ClientOutcome> {
  let tried = 0;
  for (const pair of pairs) {
    await opts.limiter.take();
    const o = await openTcp(host, port, opts.connectTimeoutMs);
    if (o.kind !== 'open') return tried === 0 ? outcomeOf(o.kind, 0, o.detail) : outcomeOf('error', tried, `${o.detail} after ${tried} tries`);
    tried++;
    const r = await tryPair(o.socket, pair, opts.readTimeoutMs);
    switch (r.kind) {
      case 'accepted':
        return { outcome: 'default-accepted', list: pair.list, tried, detail: null };
      case 'refused':
        continue;
      case 'no-password':
        return outcomeOf('not-offered', tried, `no password login (the server offers ${r.offered.join(', ') || 'nothing'})`);
      case 'no-handshake':
        // The first connection tells whether SSH answers at all; a later one failing is an error.
        return outcomeOf(tried === 1 ? 'not-offered' : 'error', tried === 1 ? 0 : tried, r.detail);
      case 'error':
        return outcomeOf('error', tried, r.detail);
    }
  }
  return outcomeOf('not-accepted', tried);
}
