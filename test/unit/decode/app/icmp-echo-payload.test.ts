// The ICMP echo payload decoder (gateway/app/icmp/echo-payload.ts) and the echo identifier and
// sequence number the ICMP decoders now fill: inner IPv4/IPv6 headers found only when checksum and
// lengths hold, hans' shifted header, ptunnel's magic, the patterns of ordinary pings, and every
// truncation of a payload read without throwing or reading past the end.
import { describe, expect, it } from 'vitest';
import {
  ECHO_INNER_IPV4, ECHO_INNER_IPV6, ECHO_INNER_SHIFTED, ECHO_PATTERNED, ECHO_TOOL_MAGIC, echoPayloadFlags, innerIpSummary,
} from '../../../../gateway/app/icmp/echo-payload.js';
import { PacketView } from '../../../../gateway/decode/packet-view.js';
import {
  decodeBytes, echoBody, ether, ETHER_IPV4, ETHER_IPV6, frame, icmp, icmpv6, ipv4, ipv6, PROTO, tcp, udp,
} from '../../../helpers/frames.js';

const flags = (p: Buffer, declared = p.length): number => echoPayloadFlags(p, 0, p.length, declared);
const inner4 = (n: number): Buffer => ipv4({ src: '10.95.1.1', dst: '10.95.1.2', proto: PROTO.UDP, payload: udp({ sport: 1000, dport: 53, payload: Buffer.alloc(n, 0x41) }) });

/** iputils ping data: a 16-byte struct timeval, then bytes counting up from 0x10. */
function linuxPing(size = 56, sec = 1767225600): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(sec, 0); b.writeUInt32LE(123456, 8);
  for (let i = 16; i < size; i++) b[i] = i & 0xff;
  return b;
}
const WINDOWS_PING = Buffer.from('abcdefghijklmnopqrstuvwabcdefghi');

/** Deterministic pseudo-random bytes (xorshift32). */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

describe('echo payload flags', () => {
  it('finds an inner IPv4 packet at the start, with its addresses', () => {
    const p = inner4(40);
    expect(flags(p)).toBe(ECHO_INNER_IPV4);
    expect(innerIpSummary(p, 0, p.length, ECHO_INNER_IPV4)).toEqual({ family: 4, src: '10.95.1.1', dst: '10.95.1.2', proto: 17 });
  });

  it('finds an inner IPv4 packet after hans\' 5-byte header, and an inner IPv6 packet', () => {
    const hans = Buffer.concat([Buffer.from('hanc\x02', 'latin1'), inner4(20)]);
    expect(flags(hans)).toBe(ECHO_INNER_IPV4 | ECHO_INNER_SHIFTED);
    expect(innerIpSummary(hans, 0, hans.length, flags(hans))).toMatchObject({ src: '10.95.1.1' });
    const v6 = ipv6({ src: 'fd00::1', dst: 'fd00::2', next: PROTO.UDP, payload: udp({ sport: 1, dport: 2, payload: Buffer.alloc(9) }) });
    expect(flags(v6)).toBe(ECHO_INNER_IPV6);
    expect(innerIpSummary(v6, 0, v6.length, ECHO_INNER_IPV6)).toEqual({ family: 6, src: 'fd00::1', dst: 'fd00::2', proto: 17 });
  });

  it('refuses a header whose checksum, version or length does not hold', () => {
    const bad = inner4(40); bad[10] = bad[10]! ^ 0xff; // checksum broken
    expect(flags(bad) & ECHO_INNER_IPV4).toBe(0);
    const long = inner4(40);
    expect(flags(long, long.length - 1) & ECHO_INNER_IPV4).toBe(0); // says more bytes than the payload holds
    const v6 = ipv6({ src: 'fd00::1', dst: 'fd00::2', next: PROTO.UDP, payload: udp({ sport: 1, dport: 2 }) });
    expect(flags(Buffer.concat([v6, Buffer.alloc(3)])) & ECHO_INNER_IPV6).toBe(0); // IPv6 length must fill the payload
    expect(flags(Buffer.from([0x45, ...Buffer.alloc(30)])) & ECHO_INNER_IPV4).toBe(0);
  });

  it('judges a snap-truncated inner packet on the bytes captured', () => {
    const p = inner4(400);
    expect(echoPayloadFlags(p, 0, 30, p.length)).toBe(ECHO_INNER_IPV4);
  });

  it('sees ptunnel\'s magic', () => {
    const p = Buffer.concat([Buffer.from([0xd5, 0x20, 0x08, 0x80]), noise(60, 3)]);
    expect(flags(p) & ECHO_TOOL_MAGIC).toBe(ECHO_TOOL_MAGIC);
  });

  it('calls the payloads of ordinary pings patterned, and ciphertext or text not', () => {
    expect(flags(linuxPing())).toBe(ECHO_PATTERNED);
    expect(flags(linuxPing(1400))).toBe(ECHO_PATTERNED);
    expect(flags(WINDOWS_PING)).toBe(ECHO_PATTERNED);
    expect(flags(Buffer.alloc(56))).toBe(ECHO_PATTERNED); // fping: zeros
    expect(flags(Buffer.alloc(0))).toBe(ECHO_PATTERNED); // nmap: no data
    expect(flags(Buffer.from('ff00'.repeat(100), 'hex'))).toBe(ECHO_PATTERNED); // ping -p ff00
    expect(flags(Buffer.concat(Array.from({ length: 20 }, () => noise(16, 4))))).toBe(ECHO_PATTERNED); // ping -p with 16 bytes
    expect(flags(noise(56, 7))).toBe(0);
    expect(flags(noise(300, 9))).toBe(0);
    expect(flags(Buffer.from('uid=0(root) gid=0(root) groups=0(root)\nLinux iot-cam 4.9.0 armv7l GNU/Linux\n'))).toBe(0);
  });

  it('never throws nor reads past the end, at every truncation, at an offset', () => {
    const samples = [inner4(40), linuxPing(), noise(64, 5), Buffer.concat([Buffer.from('hans\x01'), inner4(8)])];
    for (const s of samples) {
      for (let n = 0; n <= s.length; n++) {
        const b = Buffer.concat([Buffer.alloc(7, 0xff), s.subarray(0, n)]);
        expect(() => echoPayloadFlags(b, 7, n, s.length)).not.toThrow();
        expect(() => echoPayloadFlags(b, 7, n + 50, s.length)).not.toThrow(); // avail beyond the buffer
        expect(() => innerIpSummary(b, 7, n, ECHO_INNER_IPV4 | ECHO_INNER_IPV6)).not.toThrow();
      }
    }
    expect(echoPayloadFlags(Buffer.alloc(4), -1, 4, 4)).toBe(ECHO_PATTERNED);
  });
});

describe('ICMP and ICMPv6 decoders: echo identifier and sequence number', () => {
  const eth4 = ether({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', type: ETHER_IPV4 });
  const eth6 = ether({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', type: ETHER_IPV6 });
  const pv = new PacketView();

  it('reads them for echo, timestamp and mask messages and their replies', () => {
    for (const type of [0, 8, 13, 14, 17, 18]) {
      decodeBytes(frame(eth4, ipv4({ src: '192.168.1.2', dst: '192.168.1.3', proto: PROTO.ICMP, payload: icmp({ type, body: echoBody({ id: 0xfeff, seq: 258 }) }) })), { pv });
      expect([pv.icmpType, pv.icmpId, pv.icmpSeq]).toEqual([type, 0xfeff, 258]);
    }
    for (const type of [128, 129]) {
      decodeBytes(frame(eth6, ipv6({ src: 'fd00::1', dst: 'fd00::2', next: PROTO.ICMPV6, payload: icmpv6({ type, body: echoBody({ id: 9, seq: 1 }) }) })), { pv });
      expect([pv.icmpType, pv.icmpId, pv.icmpSeq]).toEqual([type, 9, 1]);
    }
  });

  it('leaves them -1 for other messages, for a cut echo header, and after a non-ICMP packet', () => {
    decodeBytes(frame(eth4, ipv4({ src: '192.168.1.2', dst: '192.168.1.3', proto: PROTO.ICMP, payload: icmp({ type: 3, code: 1, body: Buffer.alloc(4, 7) }) })), { pv });
    expect([pv.icmpId, pv.icmpSeq]).toEqual([-1, -1]);
    decodeBytes(frame(eth4, ipv4({ src: '192.168.1.2', dst: '192.168.1.3', proto: PROTO.ICMP, payload: icmp({ type: 8, body: Buffer.from([0, 1]) }) })), { pv });
    expect([pv.icmpType, pv.icmpId]).toEqual([8, -1]);
    decodeBytes(frame(eth4, ipv4({ src: '192.168.1.2', dst: '192.168.1.3', proto: PROTO.ICMP, payload: icmp({ type: 8, body: echoBody({ id: 5, seq: 5 }) }) })), { pv });
    expect(pv.icmpId).toBe(5);
    decodeBytes(frame(eth4, ipv4({ src: '192.168.1.2', dst: '192.168.1.3', proto: PROTO.TCP, payload: tcp({ sport: 1, dport: 2, flags: 'S' }) })), { pv });
    expect([pv.icmpId, pv.icmpSeq]).toEqual([-1, -1]);
  });
});
