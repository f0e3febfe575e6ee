// Small built cases for the profile learner: a home LAN (gateway 192.168.1.1 serving DHCP, DNS
// and NTP; the device 192.168.1.50; a phone 192.168.1.20), frame builders for its conversations,
// and learnFrames(), which writes the frames to a real pcap and runs them through the pipeline
// with a ProfileLearner attached (as `edgeward mud learn` does).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../gateway/capture/pcap-writer.js';
import { pipelineConfig } from '../../gateway/sensor/sensor-config.js';
import type { LearnerOptions } from '../../gateway/learn/learn-config.js';
import { ProfileLearner } from '../../gateway/learn/profile-learner.js';
import { replayCapture, type ReplayResult } from '../../gateway/replay/replay.js';
import { POLICY_DEFAULTS, type PolicyConfig } from '../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../gateway/policy/profile-store.js';
import { encodeName } from '../helpers/dns-wire.js';
import { ETHER_IPV4, ETHER_IPV6, PROTO, echoBody, ether, frame, icmp, ipv4, ipv6, ipv6Bytes, tcp, udp } from '../helpers/frames.js';
import { T0, type TimedFrame } from '../helpers/replay-frames.js';

export const DEV_MAC = '02:00:00:00:00:50';
export const DEV_IP = '192.168.1.50';
export const DEV_IP6 = '2001:db8:1::50';
export const GW_MAC = '02:00:00:00:00:01';
export const GW_IP = '192.168.1.1';
export const PHONE_MAC = '02:00:00:00:00:20';
export const PHONE_IP = '192.168.1.20';

/** Which MAC owns which address on the built LAN (internet hosts sit behind the gateway's MAC). */
function macOf(ip: string): string {
  // 0.0.0.0: a DHCP client before it has an address.
  if (ip === DEV_IP || ip === DEV_IP6 || ip === '0.0.0.0') return DEV_MAC;
  if (ip === PHONE_IP) return PHONE_MAC;
  if (ip === '255.255.255.255') return 'ff:ff:ff:ff:ff:ff';
  return GW_MAC;
}

/** One IPv4 or IPv6 packet between two hosts of the built LAN (or the internet). */
export function packet(src: string, dst: string, proto: number, payload: Buffer): Buffer {
  const v6 = src.includes(':');
  return frame(
    ether({ src: macOf(src), dst: macOf(dst), type: v6 ? ETHER_IPV6 : ETHER_IPV4 }),
    v6 ? ipv6({ src, dst, next: proto, payload }) : ipv4({ src, dst, proto, payload }),
  );
}

/** A TCP connection from (src, sport) to (dst, dport) opened at `t`: SYN, SYN-ACK, ACK, one data segment each way, FIN both ways. */
export function tcpSession(t: number, src: string, sport: number, dst: string, dport: number): TimedFrame[] {
  const fw = (dt: number, flags: string, payload?: Buffer): TimedFrame => ({ t: t + dt, data: packet(src, dst, PROTO.TCP, tcp({ sport, dport, flags, ...(payload && { payload }) })) });
  const bw = (dt: number, flags: string, payload?: Buffer): TimedFrame => ({ t: t + dt, data: packet(dst, src, PROTO.TCP, tcp({ sport: dport, dport: sport, flags, ...(payload && { payload }) })) });
  return [
    fw(0, 'S'), bw(0.01, 'SA'), fw(0.02, 'A'), fw(0.03, 'PA', Buffer.from('hello')), bw(0.04, 'PA', Buffer.from('world')),
    fw(0.05, 'FA'), bw(0.06, 'FA'), fw(0.07, 'A'),
  ];
}

/** Data segments of a TCP connection whose opening was not captured: the server (dst) speaks first. */
export function tcpMidstream(t: number, client: string, cport: number, server: string, sport: number): TimedFrame[] {
  return [
    { t, data: packet(server, client, PROTO.TCP, tcp({ sport, dport: cport, flags: 'PA', payload: Buffer.from('data') })) },
    { t: t + 0.01, data: packet(client, server, PROTO.TCP, tcp({ sport: cport, dport: sport, flags: 'A' })) },
  ];
}

/** A UDP request and its answer. */
export function udpExchange(t: number, src: string, sport: number, dst: string, dport: number, payload = Buffer.from('q')): TimedFrame[] {
  return [
    { t, data: packet(src, dst, PROTO.UDP, udp({ sport, dport, payload })) },
    { t: t + 0.01, data: packet(dst, src, PROTO.UDP, udp({ sport: dport, dport: sport, payload })) },
  ];
}

/** An ICMP echo request from src and the reply. */
export function ping(t: number, src: string, dst: string): TimedFrame[] {
  return [
    { t, data: packet(src, dst, PROTO.ICMP, icmp({ type: 8, body: echoBody({ id: 7, seq: 1 }) })) },
    { t: t + 0.01, data: packet(dst, src, PROTO.ICMP, icmp({ type: 0, body: echoBody({ id: 7, seq: 1 }) })) },
  ];
}

/**
 * A DNS response to the device for `question`, following `cnames` (question → first alias → …)
 * to the A (or, for IPv6 text, AAAA) records `addresses` (TTL 300), from the gateway's resolver
 * over IPv4. RFC 1035 §4, no compression.
 */
export function dnsAnswer(t: number, question: string, addresses: readonly string[], cnames: readonly string[] = [], sport = 40000): TimedFrame[] {
  const rr = (owner: string, type: number, rdata: Buffer): Buffer => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(300, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([encodeName(owner), fixed, rdata]);
  };
  const chain = [question, ...cnames];
  const answers: Buffer[] = [];
  for (let i = 0; i + 1 < chain.length; i++) answers.push(rr(chain[i]!, 5, encodeName(chain[i + 1]!)));
  for (const a of addresses) answers.push(a.includes(':') ? rr(chain.at(-1)!, 28, ipv6Bytes(a)) : rr(chain.at(-1)!, 1, Buffer.from(a.split('.').map(Number))));
  const head = (qr: boolean, an: number): Buffer => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(0x4242, 0);
    h.writeUInt16BE(qr ? 0x8180 : 0x0100, 2);
    h.writeUInt16BE(1, 4);
    h.writeUInt16BE(an, 6);
    return h;
  };
  const q = Buffer.concat([encodeName(question), Buffer.from([0, 1, 0, 1])]);
  return [
    { t, data: packet(DEV_IP, GW_IP, PROTO.UDP, udp({ sport, dport: 53, payload: Buffer.concat([head(false, 0), q]) })) },
    { t: t + 0.005, data: packet(GW_IP, DEV_IP, PROTO.UDP, udp({ sport: 53, dport: sport, payload: Buffer.concat([head(true, answers.length), q, ...answers]) })) },
  ];
}

/** Writes frames (sorted by time, seconds after T0) to a temporary pcap file and returns its path; `cleanup` removes it. */
export function writeCase(frames: readonly TimedFrame[]): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-learn-'));
  const file = join(dir, 'case.pcap');
  const w = new PcapWriter(file);
  for (const f of [...frames].sort((a, b) => a.t - b.t)) w.write(f.data, T0 + Math.round(f.t * 1e6));
  w.close();
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the frames through the pipeline with a learner for DEV_MAC (or `opts.devices`); returns it. */
export async function learnFrames(frames: readonly TimedFrame[], opts: Partial<LearnerOptions> = {}): Promise<ProfileLearner> {
  const c = writeCase(frames);
  try {
    const { sensor } = await replayCapture(c.file, {
      config: pipelineConfig({}), topFlows: 0, detect: { detectors: [], learn: { devices: [DEV_MAC], ...opts } },
    });
    return sensor.plugin<ProfileLearner>('profileLearner')!;
  } finally {
    c.cleanup();
  }
}

/**
 * Replays `file` with `mudJson` bound to `mac` (no detectors: the MUD policy layer only) under the
 * policy config `policy`; returns the replay result.
 */
export async function replayBound(file: string, mac: string, mudJson: object, policy: Partial<PolicyConfig> = {}): Promise<ReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-bind-'));
  try {
    const mudFile = join(dir, 'learned.json');
    writeFileSync(mudFile, JSON.stringify(mudJson));
    const store = new ProfileStore();
    store.bind(mac, mudFile);
    return await replayCapture(file, {
      config: pipelineConfig({}), topFlows: 0,
      detect: { detectors: [], policy: { config: { ...POLICY_DEFAULTS, ...policy }, store } },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
