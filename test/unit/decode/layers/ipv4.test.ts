// IPv4 header (RFC 791): fields, options accepted or malformed, header and total length checks,
// snaplen cuts versus truncated packets, fragments, and protocols without a decoder.

import { describe, expect, it } from 'vitest';
import { ipv4ToString } from '../../../../gateway/common/address-text.js';
import { ev } from '../../../../gateway/common/events.js';
import { Family } from '../../../../gateway/decode/packet-view.js';
import { hex } from '../../../helpers/hex.js';
import {
  ETHER_IPV4, IPV4_DF, IPV4_MF, LINK, PROTO, decodeBytes, ether, frame, icmp, inetChecksum, ipv4, padTo, tcp, udp,
} from '../../../helpers/frames.js';

const ETH = ether({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', type: ETHER_IPV4 });

/** IPv4/TCP SYN, labelled. */
const SYN = hex`
  45                 # version 4, IHL 5
  10                 # DSCP/ECN
  0028               # total length 40
  beef 4000          # id 0xbeef, DF
  3f 06 0000         # TTL 63, TCP, checksum (not checked)
  0a000005           # 10.0.0.5
  c6336407           # 198.51.100.7
  c001 01bb 00000064 00000000 50 02 ffff 0000 0000  # TCP 49153 -> 443 SYN seq 100`;

/** Ethernet + IPv4 with the given options, carrying a small UDP datagram. */
function withOptions(options: Buffer): Buffer {
  return frame(ETH, ipv4({ src: '10.0.0.1', dst: '224.0.0.22', proto: PROTO.UDP, options, payload: udp({ sport: 7, dport: 9, payload: hex`01020304` }) }));
}

describe('IPv4', () => {
  it('reads version, TTL, protocol, addresses and lengths', () => {
    const { code, pv } = decodeBytes(SYN, { linkType: LINK.RAW });
    expect(code).toBe(0);
    expect(pv.family).toBe(Family.V4);
    expect(pv.ttl).toBe(63);
    expect(pv.ipProto).toBe(PROTO.TCP);
    expect(ipv4ToString(pv.src0)).toBe('10.0.0.5');
    expect(ipv4ToString(pv.dst0)).toBe('198.51.100.7');
    expect([pv.src1, pv.src2, pv.src3, pv.dst1, pv.dst2, pv.dst3]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([pv.ipLen, pv.l3Off, pv.l4Off, pv.l4End]).toEqual([40, 0, 20, 40]);
    expect(pv.isFragment).toBe(false); // DF alone is not a fragment
    expect([pv.srcPort, pv.dstPort]).toEqual([49153, 443]);
  });

  it('builds a header whose checksum verifies', () => {
    const h = ipv4({ src: '192.168.1.10', dst: '8.8.8.8', proto: PROTO.UDP, ttl: 1, id: 7, payload: Buffer.alloc(0) });
    expect(inetChecksum(h.subarray(0, 20))).toBe(0);
  });

  it('reads addresses with the top bit set as unsigned', () => {
    const { pv } = decodeBytes(frame(ETH, ipv4({ src: '255.255.255.255', dst: '224.0.0.251', proto: PROTO.UDP, payload: udp({ sport: 5353, dport: 5353 }) })));
    expect(pv.src0).toBe(0xffffffff);
    expect(ipv4ToString(pv.dst0)).toBe('224.0.0.251');
  });

  describe('options', () => {
    it('accepts NOP, Router Alert, Record Route and EOL followed by anything', () => {
      const cases: Record<string, Buffer> = {
        'router alert': hex`94 04 0000`,
        'NOP NOP router alert': hex`01 01 94 04 0000 0000`,
        'record route, 2 slots': hex`07 0b 04 00000000 00000000 00`,
        'EOL then junk': hex`00 ff ff ff`,
        'max 40 bytes': hex`07 27 04 ${'00'.repeat(36)} 00`,
      };
      for (const [name, opts] of Object.entries(cases)) {
        const { code, pv } = decodeBytes(withOptions(opts));
        expect(code, name).toBe(0);
        const hlen = 20 + Math.ceil(opts.length / 4) * 4;
        expect(pv.l4Off, name).toBe(14 + hlen);
        expect([pv.srcPort, pv.dstPort, pv.payloadLen], name).toEqual([7, 9, 4]);
      }
    });

    it('reports an option that runs past the header, or a length below 2, as decoder.ipv4.opt_malformed', () => {
      const cases: Record<string, Buffer> = {
        'timestamp of 8 in a 4-byte option area': hex`44 08 05 00`,
        'length 0': hex`94 00 0000`,
        'length 1': hex`01 01 07 01`,
        'type byte last, no room for a length': hex`01 01 01 94`,
        'second option runs past the end': hex`94 04 0000 07 0b 04 00`,
      };
      for (const [name, opts] of Object.entries(cases)) {
        const { code, pv } = decodeBytes(withOptions(opts));
        expect(code, name).toBe(-ev('decoder.ipv4.opt_malformed'));
        expect(pv.family, name).toBe(Family.None);
      }
    });
  });

  describe('lengths', () => {
    it('reports fewer than 20 bytes, a version that is not 4, and IHL below 5', () => {
      for (let n = 0; n < 20; n++) expect(decodeBytes(SYN.subarray(0, n), { linkType: LINK.RAW }).code).toBe(n === 0 ? -ev('decoder.frame.truncated') : -ev('decoder.ipv4.too_small'));
      const v5 = Buffer.from(SYN); v5[0] = 0x55;
      expect(decodeBytes(frame(ETH, v5)).code).toBe(-ev('decoder.ipv4.wrong_version'));
      const ihl4 = Buffer.from(SYN); ihl4[0] = 0x44;
      expect(decodeBytes(frame(ETH, ihl4)).code).toBe(-ev('decoder.ipv4.hlen_too_small'));
    });

    it('reports an IHL beyond the captured bytes and a total length below the IHL', () => {
      const f = frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.UDP, ihl: 15, payload: udp({ sport: 1, dport: 2 }) }));
      expect(decodeBytes(f).code).toBe(-ev('decoder.ipv4.hlen_too_big'));
      const g = frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.UDP, totalLength: 19, payload: udp({ sport: 1, dport: 2 }) }));
      expect(decodeBytes(g).code).toBe(-ev('decoder.ipv4.iplen_smaller_than_hlen'));
      const opts = frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.UDP, options: hex`94040000`, totalLength: 20, payload: udp({ sport: 1, dport: 2 }) }));
      expect(decodeBytes(opts).code).toBe(-ev('decoder.ipv4.iplen_smaller_than_hlen'));
    });

    it('a total length beyond a whole capture (capLen === origLen) is decoder.ipv4.trunc_pkt', () => {
      const f = frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.UDP, totalLength: 100, payload: udp({ sport: 1, dport: 2, payload: hex`aabb` }) }));
      const { code, pv } = decodeBytes(f);
      expect(code).toBe(-ev('decoder.ipv4.trunc_pkt'));
      expect(pv.event).toBe(code);
      expect(pv.family).toBe(Family.None);
      expect(pv.srcMac).toBeGreaterThan(0); // the link layer stays decoded
    });

    it('a snaplen cut (capLen < origLen) is not an error: IP fields and ports decode, payload is what was captured', () => {
      const payload = Buffer.alloc(1000, 0x61);
      const f = frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.TCP, payload: tcp({ sport: 80, dport: 50000, flags: 'PA', seq: 1, ack: 2, payload }) }));
      const cap = 96;
      const { code, pv } = decodeBytes(f.subarray(0, cap), { origLen: f.length });
      expect(code).toBe(0);
      expect(pv.capLen).toBe(cap);
      expect(pv.origLen).toBe(f.length);
      expect(pv.ipLen).toBe(20 + 20 + 1000);
      expect(pv.l4End).toBe(cap);
      expect([pv.srcPort, pv.dstPort]).toEqual([80, 50000]);
      expect([pv.payloadOff, pv.payloadLen]).toEqual([54, cap - 54]);
    });

    it('a total length of 0 (TSO/GRO capture) takes the captured length', () => {
      const f = frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.TCP, totalLength: 0, payload: tcp({ sport: 1, dport: 2, flags: 'A', payload: Buffer.alloc(3000) }) }));
      const { code, pv } = decodeBytes(f);
      expect(code).toBe(0);
      expect(pv.ipLen).toBe(3040);
      expect(pv.payloadLen).toBe(3000);
    });

    it('excludes Ethernet padding: l4End is the declared end, not the frame end', () => {
      const f = padTo(frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.ICMP, payload: icmp({ type: 8, body: hex`00010001` }) })));
      const { code, pv } = decodeBytes(f);
      expect(code).toBe(0);
      expect(pv.l4End).toBe(14 + 28);
      expect(pv.payloadLen).toBe(4);
    });
  });

  describe('fragments', () => {
    const data = Buffer.alloc(2000, 0x42);
    const whole = udp({ sport: 5353, dport: 5353, payload: data }); // 2008 bytes
    const ip = { src: '192.168.1.20', dst: '224.0.0.251', proto: PROTO.UDP, id: 0x1111 };

    it('DF alone is not a fragment', () => {
      const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...ip, flags: IPV4_DF, payload: udp({ sport: 1, dport: 2 }) })));
      expect(code).toBe(0);
      expect([pv.isFragment, pv.fragOffset, pv.srcPort]).toEqual([false, 0, 1]);
    });

    it('the first fragment (MF, offset 0) is marked and still has its UDP ports', () => {
      const first = frame(ETH, ipv4({ ...ip, flags: IPV4_MF, payload: whole.subarray(0, 1480) }));
      const { code, pv } = decodeBytes(first);
      expect(code).toBe(0);
      expect(pv.isFragment).toBe(true);
      expect(pv.fragOffset).toBe(0);
      expect([pv.srcPort, pv.dstPort]).toEqual([5353, 5353]);
      expect(pv.payloadOff).toBe(14 + 20 + 8);
      expect(pv.payloadOff + pv.payloadLen).toBeLessThanOrEqual(pv.l4End);
    });

    it('the first fragment of a TCP segment has ports, flags and sequence number', () => {
      const seg = tcp({ sport: 1883, dport: 40000, flags: 'PA', seq: 77, payload: Buffer.alloc(1600) });
      const first = frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.TCP, flags: IPV4_MF, payload: seg.subarray(0, 1480) }));
      const { code, pv } = decodeBytes(first);
      expect(code).toBe(0);
      expect(pv.isFragment).toBe(true);
      expect([pv.srcPort, pv.dstPort, pv.tcpSeq, pv.tcpFlags]).toEqual([1883, 40000, 77, 0x18]);
    });

    it('a first fragment shorter than a transport header is not an error', () => {
      const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...ip, flags: IPV4_MF, payload: whole.subarray(0, 8) })), {});
      expect(code).toBe(0);
      expect(pv.isFragment).toBe(true);
      const tiny = decodeBytes(frame(ETH, ipv4({ ...ip, proto: PROTO.TCP, flags: IPV4_MF, payload: Buffer.alloc(8) })));
      expect(tiny.code).toBe(0);
      expect(tiny.pv.srcPort).toBe(-1);
    });

    it('a later fragment is marked with its offset in bytes and has no ports', () => {
      for (const flags of [IPV4_MF, 0]) {
        const later = frame(ETH, ipv4({ ...ip, flags, fragOffset: 1480, payload: whole.subarray(1480) }));
        const { code, pv } = decodeBytes(later);
        expect(code).toBe(0);
        expect(pv.isFragment).toBe(true);
        expect(pv.fragOffset).toBe(1480);
        expect(pv.ipProto).toBe(PROTO.UDP);
        expect(pv.l4Off).toBe(34);
        expect([pv.srcPort, pv.dstPort, pv.payloadOff, pv.payloadLen]).toEqual([-1, -1, -1, 0]);
      }
    });
  });

  it('keeps addresses for protocols without a decoder; IGMP, ESP and No Next Header are not errors', () => {
    const sctp = decodeBytes(frame(ETH, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 132, payload: Buffer.alloc(12) })));
    expect(sctp.code).toBe(-ev('decoder.ipproto.unknown'));
    expect(sctp.pv.ipProto).toBe(132);
    expect(ipv4ToString(sctp.pv.dst0)).toBe('10.0.0.2');
    for (const proto of [PROTO.IGMP, PROTO.ESP, PROTO.NONE]) {
      expect(decodeBytes(frame(ETH, ipv4({ src: '10.0.0.1', dst: '224.0.0.1', proto, payload: Buffer.alloc(8) }))).code).toBe(0);
    }
  });
});

