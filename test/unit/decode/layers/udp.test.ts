// UDP header (RFC 768): ports, payload located by the UDP length (not the frame), and the length
// checks: below 8, beyond the IP payload, 0 outside IPv6 jumbograms, header cut short.

import { describe, expect, it } from 'vitest';
import { ipv4ToString } from '../../../../gateway/common/address-text.js';
import { ev } from '../../../../gateway/common/events.js';
import { hex } from '../../../helpers/hex.js';
import { ETHER_IPV4, ETHER_IPV6, PROTO, decodeBytes, ether, frame, ipv4, ipv6, padTo, udp } from '../../../helpers/frames.js';

const ETH = ether({ dst: '01:00:5e:00:00:fb', src: '02:00:00:00:00:01', type: ETHER_IPV4 });
const IP = { src: '192.168.1.10', dst: '224.0.0.251', proto: PROTO.UDP };

/** IPv4/UDP DHCP discover start, labelled (the DHCP body itself is the app parser's business). */
const DHCP = hex`
  ffffffffffff 02aabbccdd01 0800
  45 00 0024 0000 0000 80 11 0000 00000000 ffffffff   # 0.0.0.0 -> 255.255.255.255, total 36
  0044 0043 0010 0000                                 # UDP 68 -> 67, length 16
  01 01 06 00 12345678                                # op, htype, hlen, hops, xid`;

describe('UDP', () => {
  it('reads ports and locates the payload', () => {
    const { code, pv } = decodeBytes(DHCP);
    expect(code).toBe(0);
    expect(ipv4ToString(pv.dst0)).toBe('255.255.255.255');
    expect([pv.srcPort, pv.dstPort]).toEqual([68, 67]);
    expect([pv.l4Off, pv.payloadOff, pv.payloadLen]).toEqual([34, 42, 8]);
    expect(pv.buf.subarray(pv.payloadOff, pv.payloadOff + 4)).toEqual(hex`01010600`);
  });

  it('takes the payload length from the UDP length, ignoring IP payload after it and Ethernet padding', () => {
    const inner = frame(ETH, ipv4({ ...IP, payload: Buffer.concat([udp({ sport: 5353, dport: 5353, payload: hex`aabbcc` }), hex`dddd`]) }));
    const { code, pv } = decodeBytes(padTo(inner));
    expect(code).toBe(0);
    expect(pv.l4End).toBe(14 + 20 + 13);
    expect([pv.payloadOff, pv.payloadLen]).toEqual([42, 3]);
  });

  it('an empty datagram (length 8) has no payload', () => {
    const { code, pv } = decodeBytes(padTo(frame(ETH, ipv4({ ...IP, payload: udp({ sport: 1, dport: 2 }) }))));
    expect(code).toBe(0);
    expect([pv.payloadOff, pv.payloadLen]).toEqual([42, 0]);
  });

  it('reports a length below 8 or beyond the IP payload as decoder.udp.len_invalid', () => {
    for (const length of [1, 7, 17, 0xffff]) {
      const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: udp({ sport: 1, dport: 2, length, payload: hex`0102030405060708` }) })));
      expect(code, `length ${length}`).toBe(-ev('decoder.udp.len_invalid'));
      expect(pv.srcPort).toBe(-1);
    }
    const v6 = frame(
      ether({ dst: '33:33:00:00:00:fb', src: '02:00:00:00:00:01', type: ETHER_IPV6 }),
      ipv6({ src: 'fe80::1', dst: 'ff02::fb', next: PROTO.UDP, payload: udp({ sport: 1, dport: 2, length: 9 }) }),
    );
    expect(decodeBytes(v6).code).toBe(-ev('decoder.udp.len_invalid'));
  });

  it('length 0 is an error over IPv4 (RFC 2675 allows it only in IPv6 jumbograms)', () => {
    const { code } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: udp({ sport: 1, dport: 2, length: 0, payload: hex`01020304` }) })));
    expect(code).toBe(-ev('decoder.udp.len_invalid'));
  });

  it('reports fewer than 8 bytes as decoder.udp.too_small', () => {
    for (let n = 0; n < 8; n++) {
      const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: udp({ sport: 1, dport: 2 }).subarray(0, n) })));
      expect(code, `${n} bytes`).toBe(-ev('decoder.udp.too_small'));
      expect(pv.ipProto).toBe(PROTO.UDP);
    }
  });

  it('a snaplen cut keeps the declared length valid and the payload to what was captured', () => {
    const f = frame(ETH, ipv4({ ...IP, payload: udp({ sport: 5353, dport: 5353, payload: Buffer.alloc(500) }) }));
    const { code, pv } = decodeBytes(f.subarray(0, 64), { origLen: f.length });
    expect(code).toBe(0);
    expect([pv.srcPort, pv.payloadOff, pv.payloadLen]).toEqual([5353, 42, 22]);
    const whole = decodeBytes(f.subarray(0, 64));
    expect(whole.code).toBe(-ev('decoder.ipv4.trunc_pkt'));
  });
});
