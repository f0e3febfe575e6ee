// The small stream modules: SSH identification strings, telnet login dialogues with option
// negotiation interleaved, and Stratum mining requests.
import { describe, expect, it } from 'vitest';
import { parseSshBanner, sshModule } from '../../gateway/app/ssh/ssh-module.js';
import { Probe } from '../../gateway/app/app-module.js';
import { stratumModule } from '../../gateway/app/stratum/stratum-module.js';
import { MAX_TELNET_SERVER_BYTES, telnetModule } from '../../gateway/app/telnet/telnet-module.js';
import { ev } from '../../gateway/common/events.js';
import { ofKind, runTcp, splitAt } from './app-test-kit.js';

const s = (x: string): Buffer => Buffer.from(x, 'latin1');
const IAC = 255, WILL = 251, DO = 253, WONT = 252, SB = 250, SE = 240;

describe('ssh module (RFC 4253 §4.2)', () => {
  it('both banners, the server one after a notice line, the client one split; then done', () => {
    const { recs, rets, state } = runTcp(sshModule, [
      [1, s('Authorized access only\r\nSSH-2.0-dropbear_2019.78\r\n')],
      [0, s('SSH-2.0-Go')], [0, s('\r\n\x00\x00\x01\x0c binary kex')],
      [1, s('\x00\x00\x02\x00 more binary')],
    ], { end: false });
    expect(rets).toEqual([0, 0, 0, 0]);
    expect(ofKind(recs, 'ssh.banner').map((r) => [r.dir, r.protoVersion, r.software, r.comments])).toEqual([
      [1, '2.0', 'dropbear_2019.78', null], [0, '2.0', 'Go', null],
    ]);
    expect(state.done).toBe(true);
  });

  it('parses comments, 1.99, and a software version with a dash', () => {
    const p = (x: string) => parseSshBanner(s(x), 0, x.length);
    expect(p('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6')).toEqual({ protoVersion: '2.0', software: 'OpenSSH_8.9p1', comments: 'Ubuntu-3ubuntu0.6' });
    expect(p('SSH-1.99-Cisco-1.25')).toEqual({ protoVersion: '1.99', software: 'Cisco-1.25', comments: null });
    expect(p('SSH-2.0-')).toBeNull();
    expect(p('SSH-2.0')).toBeNull();
    expect(p('HTTP/1.1 200')).toBeNull();
  });

  it('a client line that is no banner, and a line past 255 bytes, are named events', () => {
    expect(runTcp(sshModule, [[0, s('hello\r\n')]]).rets).toEqual([-ev('decoder.ssh.banner_malformed')]);
    expect(runTcp(sshModule, [[1, s(`SSH-2.0-${'x'.repeat(300)}`)]]).rets).toEqual([-ev('decoder.ssh.banner_too_long')]);
    expect(runTcp(sshModule, [[1, s(`SSH-2.0-${'x'.repeat(200)}`)], [1, s('y'.repeat(100))]]).rets[1]).toBe(-ev('decoder.ssh.banner_too_long'));
    expect(runTcp(sshModule, [[1, s('notice\r\n'.repeat(400))]]).rets).toEqual([-ev('decoder.ssh.banner_too_long')]);
  });
});

describe('telnet module', () => {
  /** A BusyBox telnetd dialogue: negotiation, two failed logins, a success. */
  const server: Buffer[] = [
    Buffer.from([IAC, DO, 24, IAC, DO, 32, IAC, WILL, 1, IAC, WILL, 3]),
    Buffer.concat([Buffer.from([IAC, SB, 24, 1, IAC, SE]), s('\r\nrouter login: ')]),
    s('root\r\n'), // echo of the user name
    Buffer.concat([s('Pass'), Buffer.from([IAC, WONT, 1]), s('word: ')]), // negotiation inside the prompt
    s('\r\nLogin incorrect\r\n'),
    s('router login: '),
    s('admin\r\nPassword: '),
    s('\r\n\r\nBusyBox v1.19.4 (2013-05-07) built-in shell (ash)\r\nEnter \'help\' for a list of built-in commands.\r\n\r\n# '),
    s('ls\r\nbin  etc\r\n# '),
  ];
  const want = ['login-prompt', 'password-prompt', 'login-failure', 'login-prompt', 'password-prompt', 'login-success'];

  it('login prompt, failure, success, with IAC negotiation interleaved; done after success', () => {
    const segs = server.map((b) => [1, b] as [number, Buffer]);
    segs.splice(2, 0, [0, Buffer.from([IAC, WILL, 24, IAC, WONT, 32])], [0, s('root\r\n')]); // the client's bytes are not read
    const { recs, state } = runTcp(telnetModule, segs, { end: false });
    expect(ofKind(recs, 'telnet').map((r) => r.event)).toEqual(want);
    expect(state.done).toBe(true);
  });

  it('a silent failure (login prompt straight after a password) and other failure wordings', () => {
    const ev1 = runTcp(telnetModule, [[1, s('Username: ')], [1, s('x\r\nPassword: ')], [1, s('\r\n\r\nUsername: ')]]).recs;
    expect(ofKind(ev1, 'telnet').map((r) => r.event)).toEqual(['login-prompt', 'password-prompt', 'login-failure', 'login-prompt']);
    for (const msg of ['% Authentication failed', 'Access denied', '% Login invalid', 'Wrong password!']) {
      const r = runTcp(telnetModule, [[1, s('Password: ')], [1, s(`\r\n${msg}\r\n`)]]).recs;
      expect(ofKind(r, 'telnet').map((x) => x.event)).toEqual(['password-prompt', 'login-failure']);
    }
  });

  it('"Last login:" is no prompt, and a literal IAC IAC is data', () => {
    const r = runTcp(telnetModule, [[1, s('Password: ')], [1, s('\r\nLast login: Mon Jan 1 from 10.0.0.2\r\n$ ')]]).recs;
    expect(ofKind(r, 'telnet').map((x) => x.event)).toEqual(['password-prompt', 'login-success']);
    const iac = runTcp(telnetModule, [[1, Buffer.concat([s('log'), Buffer.from([IAC, IAC]), s('in: ')])]]).recs;
    expect(iac).toEqual([]); // "log\xffin:" is not "login:"
  });

  it('reads at most MAX_TELNET_SERVER_BYTES of server text', () => {
    const { recs, state } = runTcp(telnetModule, [[1, s('x'.repeat(MAX_TELNET_SERVER_BYTES))], [1, s('\r\nlogin: ')]], { end: false });
    expect(recs).toEqual([]);
    expect(state.done).toBe(true);
  });

  it('every split point of the dialogue gives the same events', () => {
    const wire = Buffer.concat(server.slice(0, 5));
    for (let cut = 1; cut < wire.length; cut++) {
      const [a, b] = splitAt(wire, cut);
      const got = ofKind(runTcp(telnetModule, [[1, a!], [1, b!]]).recs, 'telnet').map((r) => r.event);
      // A cut inside a prompt may make the module see it one segment later, never twice or not at all.
      expect(got).toEqual(['login-prompt', 'password-prompt', 'login-failure']);
    }
  });
});

describe('stratum module', () => {
  it('mining.subscribe, authorize and submit; XMRig keepalived and login with its agent; other JSON is ignored', () => {
    const lines = [
      '{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n',
      '{"id":2,"method":"mining.authorize","params":["wallet.worker","x"]}\n',
      '{"id":3,"method":"keepalived"}\n',
      '{"id":4,"method":"mining.submit","params":["w","j","00","5f","01"]}\n',
      '{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4A...","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/11.4.0","algo":["rx/0"]}}\n',
    ];
    const wire = s(lines.join(''));
    const { recs, rets } = runTcp(stratumModule, [...splitAt(wire, 30, 200).map((b) => [0, b] as [number, Buffer]), [1, s('{"id":1,"result":true}\n')]]);
    expect(rets.every((r) => r === 0)).toBe(true);
    expect(ofKind(recs, 'stratum').map((r) => [r.method, r.agent])).toEqual([
      ['mining.subscribe', 'cpuminer/2.5.1'], ['mining.authorize', null], ['keepalived', null], ['mining.submit', null], ['login', 'XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/11.4.0'],
    ]);
  });

  it('the pool\'s pushes are read too (mining.notify, a CryptoNote job); its answers and a long pool line emit nothing', () => {
    const pool = [
      '{"id":1,"result":[null,"e66c0000"],"error":null}\n',
      '{"id":null,"method":"mining.notify","params":["1484582181","04000000","225f","04b9","00","25ed7c58","83837b1c",true]}\n',
      `{"id":9,"result":"${'z'.repeat(5000)}"}\n`,
      '{"jsonrpc":"2.0","method":"job","params":{"blob":"0405","job_id":"6775","target":"69ba0000"}}\n',
    ];
    const { recs, rets } = runTcp(stratumModule, [[0, s('{"id":1,"method":"mining.subscribe","params":["m"]}\n')], ...pool.map((l) => [1, s(l)] as [number, Buffer])]);
    expect(rets.every((r) => r === 0)).toBe(true);
    // The 5000-byte answer ends the reading of the pool's side: the job after it is not read.
    expect(ofKind(recs, 'stratum').map((r) => r.method)).toEqual(['mining.subscribe', 'mining.notify']);
    const job = runTcp(stratumModule, [[1, s(pool[3]!)]]);
    expect(ofKind(job.recs, 'stratum').map((r) => r.method)).toEqual(['job']);
  });

  it('probes: any JSON-RPC call from the initiator; from the responder only a whole mining line (a pool pushing first)', () => {
    const probe = (dir: number, text: string) => { const b = s(text); return stratumModule.probe(b, 0, b.length, dir); };
    expect(probe(0, '{"id":1,"method":"status"}\n')).toBe(Probe.Yes);
    expect(probe(1, '{"jsonrpc":"2.0","method":"job","params":{"blob":"04","job_id":"1"}}\n')).toBe(Probe.Yes);
    expect(probe(1, '{"id":null,"method":"mining.notify","params":["1"]}\n')).toBe(Probe.Yes);
    expect(probe(1, '{"jsonrpc":"2.0","method":"Player.OnPlay","params":{}}\n')).toBe(Probe.No);
    expect(probe(1, '{"id":1,"result":true}\n')).toBe(Probe.No);
    expect(probe(1, '{"id":null,"method":"mining.no')).toBe(Probe.NeedMore);
    expect(probe(1, 'HTTP/1.1 200 OK\r\n')).toBe(Probe.No);
  });

  it('eth_submitLogin; a line past the cap is a named event', () => {
    expect(ofKind(runTcp(stratumModule, [[0, s('{"id":1,"method":"eth_submitLogin","params":["0xabc"]}\n')]]).recs, 'stratum')[0]!.method).toBe('eth_submitLogin');
    expect(runTcp(stratumModule, [[0, s(`{"method":"${'a'.repeat(5000)}`)]]).rets).toEqual([-ev('decoder.stratum.line_too_long')]);
  });
});
