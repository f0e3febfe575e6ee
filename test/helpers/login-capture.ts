// Built captures of cleartext logins to a LAN device (a camera at 192.168.1.20) from a client behind
// the gateway: telnet (line mode, or typed a character at a time with the server echoing), HTTP
// Basic and FTP, each succeeding or failing as asked. The default-credential tests replay them
// through the real pipeline and the daemon.
import { T0, type TimedFrame } from './replay-frames.js';
import { tcpSession } from './tcp-session.js';
import { PcapWriter } from '../../gateway/capture/pcap-writer.js';

/** A host of the built network. */
export interface Host {
  mac: string;
  ip: string;
}

/** The gateway: next hop of every host behind it on the internet side. */
export const GATEWAY: Host = { mac: '02:00:00:00:00:01', ip: '192.168.1.1' };
/** The LAN device that answers the logins. */
export const CAMERA: Host = { mac: '02:00:00:00:00:20', ip: '192.168.1.20' };
/** A LAN laptop (a client on the LAN side). */
export const LAPTOP: Host = { mac: '02:00:00:00:00:50', ip: '192.168.1.50' };
/** A client on the internet, reaching the camera through the gateway (a port forward). */
export const REMOTE: Host = { mac: GATEWAY.mac, ip: '203.0.113.9' };
/** A server on the internet (for the case of a LAN client logging in outward). */
export const OUTSIDE: Host = { mac: GATEWAY.mac, ip: '198.51.100.30' };

const s = (x: string): Buffer => Buffer.from(x, 'latin1');
const IAC = 255, WILL = 251, DO = 253, SB = 250, SE = 240;

/** One login. */
export interface Login {
  service: 'telnet' | 'http' | 'ftp';
  user: string;
  password: string;
  /** Whether the server accepts it. */
  accepted: boolean;
  client?: Host;
  server?: Host;
  /** Server port; default the service's (23, 80, 21). */
  port?: number;
  /** Telnet: every character in its own segment, echoed by the server (user name only), lines ended CR NUL. */
  charAtATime?: boolean;
  /** Client port. Default 40000. */
  sport?: number;
}

/** The frames of one login starting at `t` seconds (handshake, dialogue, close). */
export function loginFrames(l: Login, t: number): TimedFrame[] {
  const client = l.client ?? REMOTE, server = l.server ?? CAMERA;
  const port = l.port ?? (l.service === 'telnet' ? 23 : l.service === 'http' ? 80 : 21);
  // tcpSession's "device" is the initiator: here the client, the camera is its "server".
  const c = tcpSession({ devMac: client.mac, devIp: client.ip, gwMac: server.mac, server: server.ip, sport: l.sport ?? 40000, dport: port }, t);
  c.client('S'); c.server('SA'); c.client('A');
  if (l.service === 'telnet') telnet(c, l);
  else if (l.service === 'http') http(c, l);
  else ftp(c, l);
  c.client('FA'); c.server('FA'); c.client('A');
  return c.frames;
}

type Session = ReturnType<typeof tcpSession>;

function telnet(c: Session, l: Login): void {
  // BusyBox telnetd: it will echo and suppress go-ahead; the client agrees and sends its terminal type.
  c.server('PA', Buffer.from([IAC, WILL, 1, IAC, WILL, 3]));
  c.client('PA', Buffer.concat([Buffer.from([IAC, DO, 1, IAC, DO, 3, IAC, SB, 24, 0]), s('XTERM'), Buffer.from([IAC, SE])]));
  c.server('PA', s('\r\nipcam login: '));
  if (l.charAtATime) {
    for (const ch of l.user) { c.client('PA', s(ch)); c.server('PA', s(ch)); }
    c.client('PA', Buffer.from([0x0d, 0x00]));
    c.server('PA', s('\r\nPassword: '));
    for (const ch of l.password) c.client('PA', s(ch));
    c.client('PA', Buffer.from([0x0d, 0x00]));
  } else {
    c.client('PA', s(`${l.user}\r\n`));
    c.server('PA', s(`${l.user}\r\nPassword: `));
    c.client('PA', s(`${l.password}\r\n`));
  }
  if (l.accepted) {
    c.server('PA', s('\r\n\r\nBusyBox v1.19.4 (2013-05-07) built-in shell (ash)\r\nEnter \'help\' for a list of built-in commands.\r\n\r\n# '));
    c.client('PA', s('exit\r\n'));
  } else {
    c.server('PA', s('\r\nLogin incorrect\r\nipcam login: '));
  }
}

function http(c: Session, l: Login): void {
  const auth = Buffer.from(`${l.user}:${l.password}`, 'utf8').toString('base64');
  c.client('PA', s(`GET /cgi-bin/admin.cgi HTTP/1.1\r\nHost: ${(l.server ?? CAMERA).ip}\r\nUser-Agent: curl/8.5.0\r\nAuthorization: Basic ${auth}\r\nAccept: */*\r\n\r\n`));
  if (l.accepted) c.server('PA', s('HTTP/1.1 200 OK\r\nServer: GoAhead-Webs\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>'));
  else c.server('PA', s('HTTP/1.1 401 Unauthorized\r\nServer: GoAhead-Webs\r\nWWW-Authenticate: Basic realm="ipcam"\r\nContent-Length: 0\r\n\r\n'));
}

function ftp(c: Session, l: Login): void {
  c.server('PA', s('220 (vsFTPd 3.0.3)\r\n'));
  c.client('PA', s(`USER ${l.user}\r\n`));
  c.server('PA', s('331 Please specify the password.\r\n'));
  c.client('PA', s(`PASS ${l.password}\r\n`));
  if (l.accepted) {
    c.server('PA', s('230 Login successful.\r\n'));
    c.client('PA', s('SYST\r\n'));
    c.server('PA', s('215 UNIX Type: L8\r\n'));
  } else {
    c.server('PA', s('530 Login incorrect.\r\n'));
  }
  c.client('PA', s('QUIT\r\n'));
  c.server('PA', s('221 Goodbye.\r\n'));
}

/** The frames of `logins`, one every 5 s from 1 s, each from its own client port. */
export function loginCapture(logins: readonly Login[]): TimedFrame[] {
  return logins.flatMap((l, i) => loginFrames({ sport: 40000 + i, ...l }, 1 + 5 * i));
}

/** Writes the frames of `logins` to a pcap file. */
export function writeLoginCapture(file: string, logins: readonly Login[]): void {
  const w = new PcapWriter(file);
  for (const f of loginCapture(logins).sort((a, b) => a.t - b.t)) w.write(f.data, T0 + Math.round(f.t * 1e6));
  w.close();
}
