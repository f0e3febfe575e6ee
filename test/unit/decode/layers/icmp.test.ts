// ICMPv4 (RFC 792): type and code, the payload after the 4-byte header (padding excluded), and a
// message cut short.

import { describe, expect, it } from 'vitest';
import { ev } from '../../../../gateway/common/events.js';
import { hex } from '../../../helpers/hex.js';
import { ETHER_IPV4, PROTO, decodeBytes, echoBody, ether, frame, icmp, inetChecksum, ipv4, padTo, udp } from '../../../helpers/frames.js';

const ETH = ether({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', type: ETHER_IPV4 });
const IP = { src: '192.168.1.10', dst: '192.168.1.1', proto: PROTO.ICMP };

/** Echo request, labelled. */
const PING = hex`
  08 00 f7fd   # echo request, code 0, checksum
  0001 0001    # identifier 1, sequence 1`;

describe('ICMPv4', () => {
  it('reads type and code of an echo request; identifier and sequence are payload', () => {
    expect(PING).toEqual(icmp({ type: 8, body: echoBody({ id: 1, seq: 1 }) }));
    expect(inetChecksum(PING)).toBe(0);
    const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: PING })));
    expect(code).toBe(0);
    expect([pv.icmpType, pv.icmpCode]).toEqual([8, 0]);
    expect([pv.srcPort, pv.dstPort]).toEqual([-1, -1]);
    expect([pv.l4Off, pv.payloadOff, pv.payloadLen]).toEqual([34, 38, 4]);
  });

  it('excludes Ethernet padding from the payload', () => {
    const { code, pv } = decodeBytes(padTo(frame(ETH, ipv4({ ...IP, payload: PING }))));
    expect(code).toBe(0);
    expect(pv.payloadLen).toBe(4);
  });

  it('reads a destination unreachable that quotes the offending packet', () => {
    const quoted = ipv4({ src: '192.168.1.1', dst: '192.168.1.10', proto: PROTO.UDP, payload: udp({ sport: 5000, dport: 9999 }) });
    const msg = icmp({ type: 3, code: 3, body: Buffer.concat([Buffer.alloc(4), quoted]) }); // port unreachable
    const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: msg })));
    expect(code).toBe(0);
    expect([pv.icmpType, pv.icmpCode]).toEqual([3, 3]);
    expect(pv.payloadLen).toBe(4 + 28);
    expect(pv.srcPort).toBe(-1); // the quoted ports are not this packet's
  });

  it('reports fewer than 4 bytes as decoder.icmpv4.too_small', () => {
    for (let n = 0; n < 4; n++) {
      const { code, pv } = decodeBytes(frame(ETH, ipv4({ ...IP, payload: PING.subarray(0, n) })));
      expect(code, `${n} bytes`).toBe(-ev('decoder.icmpv4.too_small'));
      expect(pv.icmpType).toBe(-1);
    }
    expect(decodeBytes(frame(ETH, ipv4({ ...IP, payload: PING.subarray(0, 4) }))).code).toBe(0);
  });
});
