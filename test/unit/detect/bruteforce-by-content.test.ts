// bruteforce.ssh / bruteforce.telnet / cleartext.telnet follow the protocol the app layer finds by
// content, not the port: built captures through the whole sensor. nmap's ssh-brute on port 902
// (many short SSH sessions, each with banners and a key exchange), telnet with failed logins on a
// port no list names, and the counter-cases: one long SSH session on 902, and many short HTTP
// sessions on port 22 (the port says SSH, the content does not).
import { describe, expect, it } from 'vitest';
import { bruteforce } from '../../../gateway/detect/detectors/bruteforce.js';
import { cleartextTelnet } from '../../../gateway/detect/detectors/cleartext-telnet.js';
import { ether, ETHER_IPV4, frame, ipv4, padTo, PROTO, tcp } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const CLIENT = '192.168.1.99', CLIENT_MAC = '02:00:00:00:00:63';
const SERVER = '192.168.1.60', SERVER_MAC = '02:00:00:00:00:3c';
const detectors = [bruteforce, cleartextTelnet];

/** One TCP session: handshake, the payloads in order (`c` client, `s` server), FIN both ways. */
function session(t: number, sport: number, dport: number, lines: Array<['c' | 's', Buffer | string]>, close = true): TimedFrame[] {
  const out: TimedFrame[] = [];
  let cs = 1000, ss = 5000;
  const c = (flags: string, payload: Buffer = Buffer.alloc(0)) => {
    out.push({ t, data: padTo(frame(ether({ src: CLIENT_MAC, dst: SERVER_MAC, type: ETHER_IPV4 }), ipv4({ src: CLIENT, dst: SERVER, proto: PROTO.TCP, payload: tcp({ sport, dport, flags, seq: cs, ack: ss, payload }) }))) });
    cs += payload.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    t += 0.01;
  };
  const s = (flags: string, payload: Buffer = Buffer.alloc(0)) => {
    out.push({ t, data: padTo(frame(ether({ src: SERVER_MAC, dst: CLIENT_MAC, type: ETHER_IPV4 }), ipv4({ src: SERVER, dst: CLIENT, proto: PROTO.TCP, payload: tcp({ sport: dport, dport: sport, flags, seq: ss, ack: cs, payload }) }))) });
    ss += payload.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    t += 0.01;
  };
  c('S'); s('SA'); c('A');
  for (const [who, p] of lines) (who === 'c' ? c : s)('PA', typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
  if (close) { c('FA'); s('FA'); c('A'); }
  return out;
}

/** What one ssh-brute guess carries: both identification strings, KEXINIT and key exchange (opaque), an auth attempt. */
const SSH_GUESS: Array<['c' | 's', Buffer | string]> = [
  ['s', 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n'], ['c', 'SSH-2.0-libssh_0.9.6\r\n'],
  ['c', Buffer.alloc(1200, 0x14)], ['s', Buffer.alloc(1100, 0x14)], ['c', Buffer.alloc(48, 0x1e)], ['s', Buffer.alloc(1500, 0x1f)],
  ['c', Buffer.alloc(96, 0x77)], ['s', Buffer.alloc(64, 0x78)], ['c', Buffer.alloc(112, 0x79)], ['s', Buffer.alloc(80, 0x7a)],
];

const IAC_DO = Buffer.from([255, 253, 24, 255, 253, 32, 255, 253, 35, 255, 253, 39]);

describe('brute force and telnet by content', () => {
  it('SSH brute force on port 902 (20 short sessions with banners and key exchange): one bruteforce.ssh', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 20; i++) frames.push(...session(i * 1.5, 42000 + i, 902, SSH_GUESS));
    const { summary } = await replayFrames(frames, { detect: { detectors } });
    expect(summary.alerts.map((a) => [a.rule, a.severity])).toEqual([['bruteforce.ssh', 'critical']]);
    expect(summary.alerts[0]).toMatchObject({ src: CLIENT, dst: SERVER, dport: 902, count: 1 });
    expect(summary.alerts[0]!.evidence).toMatchObject({ service: 'ssh', trigger: 'sessions', app: 'ssh', portMismatch: true, sessions: 20, failures: 0 });
  });

  it('SSH on port 902 in one long session: no alert', async () => {
    const lines: Array<['c' | 's', Buffer | string]> = [...SSH_GUESS];
    for (let i = 0; i < 40; i++) lines.push(['c', Buffer.alloc(64, 0x5e)], ['s', Buffer.alloc(1400, 0x5e)]);
    const { summary } = await replayFrames(session(0, 42000, 902, lines), { detect: { detectors } });
    expect(summary.alerts).toEqual([]);
  });

  it('many short HTTP sessions on port 22 are no SSH brute force (the content says HTTP)', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 20; i++) {
      frames.push(...session(i, 43000 + i, 22, [['c', 'GET /status HTTP/1.1\r\nHost: 192.168.1.60:22\r\n\r\n'], ['s', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']]));
    }
    const { summary } = await replayFrames(frames, { detect: { detectors } });
    expect(summary.alerts).toEqual([]);
  });

  it('telnet on port 2300 with failed logins: bruteforce.telnet and cleartext.telnet (both by content)', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 12; i++) {
      frames.push(...session(i * 2, 44000 + i, 2300, [
        ['s', IAC_DO], ['c', Buffer.from([255, 252, 24, 255, 252, 32, 255, 252, 35, 255, 252, 39])],
        ['s', 'login: '], ['c', 'root\r\n'], ['s', 'Password: '], ['c', 'xc3511\r\n'], ['s', '\r\nLogin incorrect\r\n'],
      ]));
    }
    const { summary } = await replayFrames(frames, { detect: { detectors } });
    const got = summary.alerts.map((a) => [a.rule, a.severity, a.dport, a.count]);
    expect(got).toEqual([['cleartext.telnet', 'medium', 2300, 12], ['bruteforce.telnet', 'critical', 2300, 1]]);
    const brute = summary.alerts.find((a) => a.rule === 'bruteforce.telnet')!;
    expect(brute.evidence).toMatchObject({ service: 'telnet', trigger: 'failures', failures: 12, app: 'telnet', portMismatch: true });
    const clear = summary.alerts.find((a) => a.rule === 'cleartext.telnet')!;
    expect(clear).toMatchObject({ device: SERVER_MAC, src: CLIENT, dst: SERVER });
    expect(clear.evidence).toMatchObject({ role: 'server', port: 2300, trigger: 'content', portMismatch: true });
  });

  it('one telnet session on port 2300 that logs in: cleartext.telnet only', async () => {
    const { summary } = await replayFrames(session(0, 44100, 2300, [
      ['s', IAC_DO], ['s', 'login: '], ['c', 'admin\r\n'], ['s', 'Password: '], ['c', 'admin\r\n'], ['s', '\r\nBusyBox v1.31\r\n# '],
    ]), { detect: { detectors } });
    expect(summary.alerts.map((a) => [a.rule, a.evidence.trigger])).toEqual([['cleartext.telnet', 'content']]);
  });
});
