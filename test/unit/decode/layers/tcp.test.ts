// TCP header (RFC 9293 §3.1): ports, sequence and acknowledgment numbers, flags, window, options
// skipped by data offset, payload located (Ethernet padding excluded), and bad data offsets.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { PacketView } from '../../../../gateway/decode/packet-view.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../../../gateway/decode/transport/tcp.js';
import { hex } from '../../../helpers/hex.js';
import { ETHER_IPV4, ETHER_IPV6, PROTO, TCP_FLAG, decodeBytes, ether, frame, ipv4, ipv6, padTo, tcp, tcpFlags } from '../../../helpers/frames.js';

const ETH = ether({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', type: ETHER_IPV4 });
const IP = { src: '192.168.1.10', dst: '93.184.216.34', proto: PROTO.TCP };

/** A SYN with the usual Linux options, labelled. */
const SYN_OPTIONS = hex`
  c350 01bb              # 50000 -> 443
  fedcba98               # seq 4275878552 (top bit set)
  00000000               # ack 0
  a0 02                  # data offset 10 (40 bytes), SYN
  faf0 0000 0000         # window 64240, checksum, urgent pointer
  0204 05b4              # MSS 1460
  0402                   # SACK permitted
  080a 00a1b2c3 00000000 # timestamps
  01                     # NOP
  0303 07                # window scale 7`;

describe('TCP', () => {
  it('reads ports, seq, flags, window and skips options by data offset', () => {
    const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: SYN_OPTIONS })));
    expect(code).toBe(0);
    expect([pv.srcPort, pv.dstPort]).toEqual([50000, 443]);
    expect(pv.tcpSeq).toBe(0xfedcba98);
    expect(pv.tcpAck).toBe(0);
    expect(pv.tcpFlags).toBe(TCP_SYN);
    expect(pv.tcpWindow).toBe(64240);
    expect(pv.l4Off).toBe(34);
    expect([pv.payloadOff, pv.payloadLen]).toEqual([34 + 40, 0]);
    expect(SYN_OPTIONS).toEqual(tcp({ sport: 50000, dport: 443, seq: 0xfedcba98, flags: 'S', window: 64240, options: SYN_OPTIONS.subarray(20) }));
  });

  it('reads ack, every flag bit and the payload', () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n', 'latin1');
    const seg = tcp({ sport: 50000, dport: 80, seq: 1, ack: 0xffffffff, flags: 'PA', window: 502, payload });
    const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: seg })));
    expect(code).toBe(0);
    expect(pv.tcpAck).toBe(0xffffffff);
    expect(pv.tcpFlags).toBe(TCP_PSH | TCP_ACK);
    expect([pv.payloadOff, pv.payloadLen]).toEqual([54, payload.length]);
    expect(pv.buf.subarray(pv.payloadOff, pv.payloadOff + pv.payloadLen)).toEqual(payload);
    for (const [letters, bits] of [['F', TCP_FIN], ['R', TCP_RST], ['FA', TCP_FIN | TCP_ACK], ['FSRPAUEC', 0xff]] as const) {
      expect(decodeBytes(frame(ETH, ipv4({ ...IP, payload: tcp({ sport: 1, dport: 2, flags: letters }) }))).pv.tcpFlags).toBe(bits);
      expect(tcpFlags(letters)).toBe(bits);
    }
    expect(TCP_FLAG.U).toBe(0x20);
  });

  it('excludes Ethernet padding: a bare ACK in a 60-byte frame has no payload', () => {
    const f = padTo(frame(ETH, ipv4({ ...IP, payload: tcp({ sport: 50000, dport: 443, seq: 5, ack: 6, flags: 'A' }) })));
    expect(f.length).toBe(60);
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect(pv.l4End).toBe(54);
    expect([pv.payloadOff, pv.payloadLen]).toEqual([54, 0]);
  });

  it('decodes over IPv6', () => {
    const f = frame(
      ether({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', type: ETHER_IPV6 }),
      ipv6({ src: '2001:db8::10', dst: '2001:db8::1', next: PROTO.TCP, payload: tcp({ sport: 8883, dport: 41000, seq: 9, ack: 10, flags: 'SA', payload: hex`00` }) }),
    );
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect([pv.srcPort, pv.dstPort, pv.tcpSeq, pv.tcpAck, pv.tcpFlags]).toEqual([8883, 41000, 9, 10, TCP_SYN | TCP_ACK]);
    expect([pv.payloadOff, pv.payloadLen]).toEqual([14 + 40 + 20, 1]);
  });

  it('reports fewer than 20 bytes as decoder.tcp.too_small, keeping the IP layer', () => {
    const seg = tcp({ sport: 1, dport: 2, flags: 'S' });
    for (let n = 0; n < 20; n++) {
      const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: seg.subarray(0, n) })));
      expect(code, `${n} bytes`).toBe(-ev('decoder.tcp.too_small'));
      expect(pv.ipProto).toBe(PROTO.TCP);
      expect(pv.srcPort).toBe(-1);
    }
  });

  it('reports a data offset below 5 as decoder.tcp.hlen_too_small', () => {
    for (const dataOffset of [0, 1, 4]) {
      const { code } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: tcp({ sport: 1, dport: 2, flags: 'A', dataOffset, payload: Buffer.alloc(40) }) })));
      expect(code, `data offset ${dataOffset}`).toBe(-ev('decoder.tcp.hlen_too_small'));
    }
  });

  it('reports a data offset past the segment as decoder.tcp.hlen_too_big; exactly at the end is fine', () => {
    const big = decodeBytes(frame(ETH, ipv4({ ...IP, payload: tcp({ sport: 1, dport: 2, flags: 'A', dataOffset: 15, payload: Buffer.alloc(39) }) })));
    expect(big.code).toBe(-ev('decoder.tcp.hlen_too_big'));
    const exact = decodeBytes(frame(ETH, ipv4({ ...IP, payload: tcp({ sport: 1, dport: 2, flags: 'A', dataOffset: 15, payload: Buffer.alloc(40) }) })));
    expect(exact.code).toBe(0);
    expect([exact.pv.payloadOff, exact.pv.payloadLen]).toEqual([34 + 60, 0]);
    // Options hidden in Ethernet padding do not count: the IP total length ends the segment.
    const padded = Buffer.concat([frame(ETH, ipv4({ ...IP, payload: tcp({ sport: 1, dport: 2, flags: 'A', dataOffset: 6 }) })), Buffer.alloc(8)]);
    expect(decodeBytes(padded).code).toBe(-ev('decoder.tcp.hlen_too_big'));
  });

  it('a snaplen cut inside the payload keeps the header and the captured part of the payload', () => {
    const f = frame(ETH, ipv4({ ...IP, payload: tcp({ sport: 443, dport: 50000, flags: 'A', payload: Buffer.alloc(1400) }) }));
    const { code, pv } = decodeBytes(f.subarray(0, 100), { origLen: f.length });
    expect(code).toBe(0);
    expect([pv.payloadOff, pv.payloadLen]).toEqual([54, 46]);
    const inHeader = decodeBytes(f.subarray(0, 44), { origLen: f.length });
    expect(inHeader.code).toBe(-ev('decoder.tcp.too_small'));
  });

  it('a reused view carries no ports or payload from the previous frame', () => {
    const pv = new PacketView();
    decodeBytes(frame(ETH, ipv4({ ...IP, payload: tcp({ sport: 1, dport: 2, flags: 'PA', payload: hex`01` }) })), { pv });
    const { code } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: hex`0001` })), { pv });
    expect(code).toBe(-ev('decoder.tcp.too_small'));
    expect([pv.srcPort, pv.dstPort, pv.tcpFlags, pv.payloadOff, pv.payloadLen]).toEqual([-1, -1, 0, -1, 0]);
  });
});
