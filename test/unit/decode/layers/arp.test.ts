// ARP for Ethernet/IPv4 (RFC 826): request and reply fields, Ethernet padding, other
// hardware/protocol pairs and packets cut short.

import { describe, expect, it } from 'vitest';
import { ipv4ToString, macToString } from '../../../../gateway/common/address-text.js';
import { ev } from '../../../../gateway/common/events.js';
import { Family } from '../../../../gateway/decode/packet-view.js';
import { hex } from '../../../helpers/hex.js';
import { ETHER_ARP, arp, decodeBytes, ether, frame, padTo } from '../../../helpers/frames.js';

const REQUEST = hex`
  ffffffffffff 02aabbccdd01 0806   # Ethernet: broadcast, ARP
  0001 0800 06 04                  # Ethernet / IPv4, lengths 6 and 4
  0001                             # request
  02aabbccdd01 c0a8010a            # sender 02:aa:bb:cc:dd:01 192.168.1.10
  000000000000 c0a80101            # target unknown, 192.168.1.1`;

describe('ARP', () => {
  it('reads a request: operation, sender and target pairs', () => {
    const { code, pv } = decodeBytes(REQUEST);
    expect(code).toBe(0);
    expect(pv.etherType).toBe(ETHER_ARP);
    expect(pv.family).toBe(Family.None);
    expect(pv.arpOp).toBe(1);
    expect(macToString(pv.arpSenderMac)).toBe('02:aa:bb:cc:dd:01');
    expect(ipv4ToString(pv.arpSenderIp)).toBe('192.168.1.10');
    expect(macToString(pv.arpTargetMac)).toBe('00:00:00:00:00:00');
    expect(ipv4ToString(pv.arpTargetIp)).toBe('192.168.1.1');
    expect(REQUEST.subarray(14)).toEqual(arp({ senderMac: '02:aa:bb:cc:dd:01', senderIp: '192.168.1.10', targetIp: '192.168.1.1' }));
  });

  it('reads a padded reply (60-byte frame)', () => {
    const f = padTo(frame(
      ether({ dst: '02:aa:bb:cc:dd:01', src: '02:aa:bb:cc:dd:fe', type: ETHER_ARP }),
      arp({ op: 2, senderMac: '02:aa:bb:cc:dd:fe', senderIp: '192.168.1.1', targetMac: '02:aa:bb:cc:dd:01', targetIp: '192.168.1.10' }),
    ));
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect(pv.arpOp).toBe(2);
    expect(macToString(pv.arpSenderMac)).toBe('02:aa:bb:cc:dd:fe');
    expect(ipv4ToString(pv.arpSenderIp)).toBe('192.168.1.1');
    expect(macToString(pv.arpTargetMac)).toBe('02:aa:bb:cc:dd:01');
    expect(ipv4ToString(pv.arpTargetIp)).toBe('192.168.1.10');
  });

  it('reports a packet cut short as decoder.arp.too_small', () => {
    for (let n = 14; n < REQUEST.length; n++) {
      // Under 8 bytes the pair is unknown; from 8 on it is checked first, then the length.
      expect(decodeBytes(REQUEST.subarray(0, n)).code, `cut at ${n}`).toBe(-ev('decoder.arp.too_small'));
    }
  });

  it('reports other hardware/protocol pairs as decoder.arp.unsupported', () => {
    const patch = (at: number, bytes: Buffer): Buffer => {
      const f = Buffer.from(REQUEST);
      bytes.copy(f, 14 + at);
      return f;
    };
    expect(decodeBytes(patch(0, hex`0006`)).code).toBe(-ev('decoder.arp.unsupported')); // IEEE 802 hardware
    expect(decodeBytes(patch(2, hex`86dd`)).code).toBe(-ev('decoder.arp.unsupported'));
    expect(decodeBytes(patch(4, hex`08`)).code).toBe(-ev('decoder.arp.unsupported'));
    expect(decodeBytes(patch(5, hex`10`)).code).toBe(-ev('decoder.arp.unsupported'));
  });
});
