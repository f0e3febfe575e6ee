// The built capture of the privacy tests: one LAN device fetches a Mirai-style binary over HTTP
// (URL path, Host and User-Agent), opens TLS with an SNI, and asks a NULL-type DNS query (an
// iodine sign): each field carries a marker made from the device's tag, so a test can look for
// exactly those bytes in the SQLite file, EVE and the API. Raises malware.download and dns.tunnel.
import { PcapWriter } from '../../gateway/capture/pcap-writer.js';
import { SeededRandom } from '../../gateway/synth/seeded-random.js';
import { tlsClientHello } from '../../gateway/synth/tls-payload.js';
import { dnsFrame } from './dns-wire.js';
import { T0, type TimedFrame } from './replay-frames.js';
import { tcpSession } from './tcp-session.js';

/** The gateway (next hop and resolver) of the built network. */
export const GATEWAY = { mac: '02:00:00:00:00:01', ip: '192.168.1.1' };

/** One device of the capture and the marker strings its traffic carries. */
export interface PrivacyDevice {
  mac: string;
  ip: string;
  /** Lower-case letters: the markers are made from it. */
  tag: string;
}

/** The marker text of each metadata field, for a device's tag. */
export function markers(tag: string): { uri: string; host: string; userAgent: string; sni: string; dns: string } {
  return { uri: `/bins/${tag}path.mips`, host: `${tag}host.example`, userAgent: `${tag}Agent/9.9`, sni: `${tag}sni.example`, dns: `${tag}dns.example` };
}

/** A 32-bit big-endian MIPS ELF header and some body: what a Mirai loader fetches. */
function elfBody(): Buffer {
  const b = Buffer.alloc(1200, 0x41);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 1; b[5] = 2; b[6] = 1;
  b.writeUInt16BE(2, 16);
  b.writeUInt16BE(0x08, 18);
  return b;
}

/** The frames of `d`, starting at `t` seconds. */
export function deviceFrames(d: PrivacyDevice, t: number): TimedFrame[] {
  const m = markers(d.tag);
  const out: TimedFrame[] = [];
  // HTTP: the loader's fetch, answered with an ELF.
  const http = tcpSession({ devMac: d.mac, devIp: d.ip, gwMac: GATEWAY.mac, server: '198.51.100.7', sport: 40001, dport: 80 }, t);
  http.client('S'); http.server('SA'); http.client('A');
  http.client('PA', Buffer.from(`GET ${m.uri} HTTP/1.1\r\nHost: ${m.host}\r\nUser-Agent: ${m.userAgent}\r\n\r\n`));
  const body = elfBody();
  http.server('PA', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
  http.client('FA'); http.server('FA'); http.client('A');
  out.push(...http.frames);
  // TLS: a ClientHello naming the server.
  const tls = tcpSession({ devMac: d.mac, devIp: d.ip, gwMac: GATEWAY.mac, server: '203.0.113.20', sport: 40002, dport: 443 }, t + 1);
  tls.client('S'); tls.server('SA'); tls.client('A');
  tls.client('PA', tlsClientHello(new SeededRandom(7), m.sni, ['http/1.1']));
  tls.server('A');
  tls.client('FA'); tls.server('FA'); tls.client('A');
  out.push(...tls.frames);
  // DNS: a NULL query under the marker domain, and its answer.
  const ends = { clientMac: d.mac, clientIp: d.ip, resolverMac: GATEWAY.mac, resolverIp: GATEWAY.ip, sport: 40003 };
  out.push({ t: t + 2, data: dnsFrame(ends, { name: `t1xq.${m.dns}`, type: 10 }) });
  out.push({ t: t + 2.01, data: dnsFrame(ends, { name: `t1xq.${m.dns}`, type: 10, response: true }) });
  // And an A lookup that resolves (what the DNS cache would hold).
  out.push({ t: t + 2.1, data: dnsFrame({ ...ends, sport: 40004 }, { id: 7, name: `www.${m.dns}`, type: 1 }) });
  out.push({ t: t + 2.11, data: dnsFrame({ ...ends, sport: 40004 }, { id: 7, name: `www.${m.dns}`, type: 1, response: true, answers: ['203.0.113.30'] }) });
  return out;
}

/** Writes the frames of every device (the second 10 s after the first, and so on) to `file`. */
export function writePrivacyCapture(file: string, devices: readonly PrivacyDevice[]): void {
  const frames = devices.flatMap((d, i) => deviceFrames(d, 1 + i * 10)).sort((a, b) => a.t - b.t);
  const w = new PcapWriter(file);
  for (const f of frames) w.write(f.data, T0 + Math.round(f.t * 1e6));
  w.close();
}
