// Link layer: the Ethernet II header (MACs, ethertype, padding excluded from the IP payload), and
// the other framings decodeFrame accepts — Linux cooked v1/v2, BSD loopback, raw IP.

import { describe, expect, it } from 'vitest';
import { macToString } from '../../../../gateway/common/address-text.js';
import { ev } from '../../../../gateway/common/events.js';
import { readMac } from '../../../../gateway/decode/link/ethernet.js';
import { Family } from '../../../../gateway/decode/packet-view.js';
import { hex } from '../../../helpers/hex.js';
import {
  ETHER_IPV4, ETHER_IPV6, LINK, PROTO, decodeBytes, ether, frame, ipv4, ipv6, loopback, padTo, sll, sll2, udp,
} from '../../../helpers/frames.js';

/** A DNS query over IPv4/UDP in Ethernet, every field labelled. */
const ETH_UDP = hex`
  ffffffffffff                 # dst: broadcast
  02005e102030                 # src
  0800                         # ethertype IPv4
  45 00 0024 0001 0000 40 11 0000  # IPv4: IHL 5, total 36, ttl 64, UDP (checksum not checked)
  c0a8010a c0a801ff            # 192.168.1.10 -> 192.168.1.255
  d431 0035 0010 0000          # UDP 54321 -> 53, length 16
  0102030405060708             # 8 payload bytes`;

describe('Ethernet', () => {
  it('reads both MACs, the ethertype and where IPv4 starts', () => {
    const { code, pv } = decodeBytes(ETH_UDP);
    expect(code).toBe(0);
    expect(macToString(pv.dstMac)).toBe('ff:ff:ff:ff:ff:ff');
    expect(macToString(pv.srcMac)).toBe('02:00:5e:10:20:30');
    expect(pv.etherType).toBe(ETHER_IPV4);
    expect(pv.vlan).toBe(-1);
    expect(pv.l3Off).toBe(14);
    expect(pv.l4Off).toBe(34);
    expect([pv.srcPort, pv.dstPort]).toEqual([54321, 53]);
    expect([pv.payloadOff, pv.payloadLen]).toEqual([42, 8]);
  });

  it('reads MACs exactly up to 2^48 - 1', () => {
    expect(readMac(hex`ffffffffffff`, 0)).toBe(2 ** 48 - 1);
    expect(readMac(hex`800000000001`, 0)).toBe(2 ** 47 + 1);
    expect(readMac(hex`00 000000000000`, 1)).toBe(0);
  });

  it('decodes a frame that sits at an offset inside a larger buffer', () => {
    const { code, pv } = decodeBytes(ETH_UDP, { off: 37 });
    expect(code).toBe(0);
    expect(pv.frameOff).toBe(37);
    expect(pv.l3Off).toBe(37 + 14);
    expect(pv.payloadOff).toBe(37 + 42);
    expect(pv.payloadLen).toBe(8);
    expect(pv.l4End).toBe(37 + ETH_UDP.length);
  });

  it('excludes Ethernet padding from the IP payload (l4End, UDP payload)', () => {
    const f = padTo(frame(
      ether({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', type: ETHER_IPV4 }),
      ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.UDP, payload: udp({ sport: 1000, dport: 2000, payload: hex`aa` }) }),
    ));
    expect(f.length).toBe(60);
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect(pv.ipLen).toBe(29);
    expect(pv.l4End).toBe(14 + 29);
    expect(pv.payloadLen).toBe(1);
    expect(pv.payloadOff + pv.payloadLen).toBe(pv.l4End);
  });

  it('reports a frame shorter than 14 bytes as decoder.ethernet.too_small', () => {
    for (let n = 0; n < 14; n++) {
      expect(decodeBytes(ETH_UDP.subarray(0, n)).code).toBe(-ev('decoder.ethernet.too_small'));
    }
    const { code, pv } = decodeBytes(ETH_UDP.subarray(0, 14));
    expect(code).toBe(-ev('decoder.ipv4.too_small'));
    expect(pv.event).toBe(code);
    expect(macToString(pv.srcMac)).toBe('02:00:5e:10:20:30'); // layers before the event stay valid
  });

  it('counts an unknown ethertype but keeps the MACs; LLDP and EAPOL are not errors', () => {
    const unknown = decodeBytes(hex`020000000002 020000000001 88b5 00000000`);
    expect(unknown.code).toBe(-ev('decoder.ethertype.unknown'));
    expect(macToString(unknown.pv.srcMac)).toBe('02:00:00:00:00:01');
    expect(unknown.pv.etherType).toBe(0x88b5);
    expect(unknown.pv.family).toBe(Family.None);
    expect(decodeBytes(hex`0180c200000e 020000000001 88cc 0000`).code).toBe(0); // LLDP
    expect(decodeBytes(hex`0180c2000003 020000000001 888e 0000`).code).toBe(0); // EAPOL
    expect(decodeBytes(hex`ffffffffffff 020000000001 0026 424203`).code).toBe(-ev('decoder.ethertype.unknown')); // 802.3 length + LLC
  });

  it('rejects a capture length past the buffer and a link type it has no decoder for', () => {
    expect(decodeBytes(ETH_UDP, { capLen: ETH_UDP.length + 1 }).code).toBe(-ev('decoder.frame.truncated'));
    expect(decodeBytes(ETH_UDP, { linkType: 105 }).code).toBe(-ev('decoder.link.unsupported')); // 802.11
  });
});

describe('other link framings', () => {
  const ip = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: PROTO.UDP, payload: udp({ sport: 1, dport: 2, payload: hex`00` }) });
  const ip6 = ipv6({ src: 'fe80::1', dst: 'ff02::1', next: PROTO.UDP, payload: udp({ sport: 1, dport: 2 }) });

  it('Linux cooked v1: sender MAC, protocol, 16-byte header', () => {
    const f = hex`
      0004                     # packet type: sent by us
      0001                     # ARPHRD_ETHER
      0006 02aabbccddee 0000   # address length 6, address padded to 8
      0800                     # protocol IPv4
      ${ip}`;
    expect(f.subarray(0, 16)).toEqual(sll({ proto: ETHER_IPV4, addr: '02:aa:bb:cc:dd:ee', pktType: 4 }));
    const { code, pv } = decodeBytes(f, { linkType: LINK.LINUX_SLL });
    expect(code).toBe(0);
    expect(macToString(pv.srcMac)).toBe('02:aa:bb:cc:dd:ee');
    expect(pv.dstMac).toBe(-1);
    expect([pv.etherType, pv.l3Off, pv.family]).toEqual([ETHER_IPV4, 16, Family.V4]);
    expect(decodeBytes(f.subarray(0, 15), { linkType: LINK.LINUX_SLL }).code).toBe(-ev('decoder.sll.too_small'));
  });

  it('Linux cooked v1 with a non-Ethernet address leaves the MAC unset', () => {
    const { code, pv } = decodeBytes(frame(sll({ proto: ETHER_IPV4, hatype: 772 }), ip), { linkType: LINK.LINUX_SLL }); // loopback
    expect(code).toBe(0);
    expect(pv.srcMac).toBe(-1);
  });

  it('Linux cooked v2: protocol, MAC, 20-byte header', () => {
    const f = hex`
      86dd 0000                # protocol IPv6, reserved
      00000003                 # interface index 3
      0001 00 06               # ARPHRD_ETHER, to us, address length 6
      02aabbccddee 0000        # address padded to 8
      ${ip6}`;
    expect(f.subarray(0, 20)).toEqual(sll2({ proto: ETHER_IPV6, ifIndex: 3, addr: '02:aa:bb:cc:dd:ee' }));
    const { code, pv } = decodeBytes(f, { linkType: LINK.LINUX_SLL2 });
    expect(code).toBe(0);
    expect(macToString(pv.srcMac)).toBe('02:aa:bb:cc:dd:ee');
    expect([pv.etherType, pv.l3Off, pv.family]).toEqual([ETHER_IPV6, 20, Family.V6]);
    expect(decodeBytes(f.subarray(0, 19), { linkType: LINK.LINUX_SLL2 }).code).toBe(-ev('decoder.sll2.too_small'));
  });

  it('BSD loopback: family in either byte order, several IPv6 values, unknown family counted', () => {
    for (const [fam, body, want] of [[2, ip, ETHER_IPV4], [24, ip6, ETHER_IPV6], [28, ip6, ETHER_IPV6], [30, ip6, ETHER_IPV6]] as const) {
      for (const bigEndian of [false, true]) {
        const { code, pv } = decodeBytes(frame(loopback({ family: fam, bigEndian }), body), { linkType: LINK.NULL });
        expect(code).toBe(0);
        expect([pv.etherType, pv.l3Off, pv.srcMac]).toEqual([want, 4, -1]);
      }
      expect(decodeBytes(frame(loopback({ family: fam, bigEndian: true }), body), { linkType: LINK.LOOP }).code).toBe(0);
    }
    expect(decodeBytes(frame(loopback({ family: 7 }), ip), { linkType: LINK.NULL }).code).toBe(-ev('decoder.null.unknown_family'));
    expect(decodeBytes(hex`020000`, { linkType: LINK.NULL }).code).toBe(-ev('decoder.null.too_small'));
  });

  it('raw IP: the version nibble picks IPv4 or IPv6', () => {
    const v4 = decodeBytes(ip, { linkType: LINK.RAW });
    expect([v4.code, v4.pv.family, v4.pv.l3Off, v4.pv.srcMac, v4.pv.dstMac]).toEqual([0, Family.V4, 0, -1, -1]);
    const v6 = decodeBytes(ip6, { linkType: LINK.RAW });
    expect([v6.code, v6.pv.family, v6.pv.l3Off]).toEqual([0, Family.V6, 0]);
    expect(decodeBytes(Buffer.alloc(0), { linkType: LINK.RAW }).code).toBe(-ev('decoder.frame.truncated'));
  });
});
