// The audit's telnet client against a telnet server on 127.0.0.1 that behaves like BusyBox telnetd
// + login (options offered, "Login incorrect", three tries a connection; the real one runs in
// test/e2e/exposure-audit-netns.test.ts): every option is refused, the first pair that logs in is
// reported by its list, nothing is sent after the shell prompt, tries go on over a new connection,
// a port that never prompts is not-offered, a closed one closed. Its patterns are the passive
// telnet module's.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { auditCredentials, type AuditCredential } from '../../gateway/exposure/default-credentials.js';
import { AttemptLimiter } from '../../gateway/exposure/audit/attempt-limiter.js';
import { auditTelnet } from '../../gateway/exposure/audit/telnet-login.js';

const IAC = 255;
const WILL = 251;
const DO = 253;
const WONT = 252;
const DONT = 254;

/** What the server saw of each connection. */
interface Conn { bytes: number[]; afterShell: number[]; shell: boolean }

/** A BusyBox-like telnet login: `good` logs in; `tries` per connection; `prompt: false` never prompts. */
async function telnetServer(good: AuditCredential | null, opts: { tries?: number; prompt?: boolean } = {}): Promise<{ server: Server; port: number; conns: Conn[] }> {
  const conns: Conn[] = [];
  const server = createServer((s: Socket) => {
    const c: Conn = { bytes: [], afterShell: [], shell: false };
    conns.push(c);
    s.on('error', () => {});
    if (opts.prompt === false) { s.write('HTTP/1.0 200 OK\r\n\r\nnothing here'); return; }
    // IAC WILL ECHO, IAC WILL SGA, IAC DO NAWS: what busybox telnetd offers first.
    s.write(Buffer.from([IAC, WILL, 1, IAC, WILL, 3, IAC, DO, 31]));
    s.write('\r\nDebian GNU/Linux 12\r\ntestbox login: ');
    let line = '';
    let user: string | null = null;
    let left = opts.tries ?? 3;
    s.on('data', (d: Buffer) => {
      for (const b of d) {
        c.bytes.push(b);
        if (c.shell) { c.afterShell.push(b); continue; }
        if (b === IAC || (c.bytes.length >= 2 && c.bytes.at(-2) === IAC) || (c.bytes.length >= 3 && c.bytes.at(-3) === IAC)) continue;
        if (b === 0x0d) continue;
        if (b !== 0x0a) { line += String.fromCharCode(b); continue; }
        if (user === null) {
          user = line;
          s.write(`${line}\r\nPassword: `);
        } else if (good !== null && user === good.user && line === good.password) {
          c.shell = true;
          s.write('\r\nWelcome.\r\nThe load is at 100%\r\n~ $ ');
        } else {
          user = null;
          left--;
          s.write('\r\nLogin incorrect\r\n');
          if (left === 0) s.end();
          else setTimeout(() => { if (!s.destroyed) s.write('testbox login: '); }, 50);
        }
        line = '';
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, conns };
}

const servers: Server[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r)))); });

const opts = () => ({ limiter: new AttemptLimiter(1000), connectTimeoutMs: 2000, readTimeoutMs: 3000 });
const MIRAI = auditCredentials(['mirai']);

describe('audit telnet client', () => {
  it('refuses every option, logs in with the 5th pair over a second connection, and sends nothing after the shell prompt', async () => {
    const good = MIRAI[4]!;
    const s = await telnetServer(good);
    servers.push(s.server);
    const r = await auditTelnet('127.0.0.1', s.port, MIRAI, opts());
    expect(r).toEqual({ outcome: 'default-accepted', list: 'mirai', tried: 5, detail: null });
    // Three tries on the first connection (then the server hung up), two on the second.
    expect(s.conns).toHaveLength(2);
    for (const c of s.conns) {
      const b = Buffer.from(c.bytes);
      expect(b.includes(Buffer.from([IAC, DONT, 1])), 'DONT ECHO').toBe(true);
      expect(b.includes(Buffer.from([IAC, DONT, 3])), 'DONT SGA').toBe(true);
      expect(b.includes(Buffer.from([IAC, WONT, 31])), 'WONT NAWS').toBe(true);
      expect(b.includes(Buffer.from([IAC, WILL])) || b.includes(Buffer.from([IAC, DO])), 'never agrees').toBe(false);
    }
    expect(s.conns[1]!.shell).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.conns[1]!.afterShell).toEqual([]);
  });

  it('reports not-accepted after the pairs it was given, each typed once', async () => {
    const s = await telnetServer(null);
    servers.push(s.server);
    const r = await auditTelnet('127.0.0.1', s.port, MIRAI.slice(0, 4), opts());
    expect(r).toEqual({ outcome: 'not-accepted', list: null, tried: 4, detail: null });
    const typed = s.conns.map((c) => Buffer.from(c.bytes.filter((b, i, a) => b !== IAC && a[i - 1] !== IAC && a[i - 2] !== IAC)).toString('latin1')).join('');
    expect(typed.split('\r\n').filter((l) => l !== '')).toEqual(MIRAI.slice(0, 4).flatMap((p) => [p.user, p.password]));
  });

  it('a port that never shows a login prompt is not-offered; a closed one is closed', async () => {
    const s = await telnetServer(null, { prompt: false });
    servers.push(s.server);
    const o = { ...opts(), readTimeoutMs: 300 };
    expect(await auditTelnet('127.0.0.1', s.port, MIRAI, o)).toMatchObject({ outcome: 'not-offered', tried: 0 });
    const closed = await telnetServer(null);
    await new Promise((r) => closed.server.close(r));
    expect(await auditTelnet('127.0.0.1', closed.port, MIRAI, o)).toMatchObject({ outcome: 'closed', tried: 0, detail: 'connection refused' });
  });
});
