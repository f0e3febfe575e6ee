// 802.1Q and 802.1ad (QinQ) tags: outer VLAN id, ethertype after the tags, the depth cap
// (decode.maxVlanDepth) and tags cut short.

import { describe, expect, it } from 'vitest';
import { ipv4ToString, macToString } from '../../../../gateway/common/address-text.js';
import { DEFAULT_DECODE_LIMITS } from '../../../../gateway/decode/decode-frame.js';
import { ev } from '../../../../gateway/common/events.js';
import { hex } from '../../../helpers/hex.js';
import { ETHER_ARP, ETHER_IPV4, ETHER_QINQ, PROTO, arp, decodeBytes, ether, frame, ipv4, udp } from '../../../helpers/frames.js';

const MACS = { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' };
const IP_UDP = ipv4({ src: '10.1.2.3', dst: '10.1.2.4', proto: PROTO.UDP, payload: udp({ sport: 4000, dport: 4001, payload: hex`cafe` }) });

describe('VLAN tags', () => {
  it('reads one 802.1Q tag: VLAN id without the priority bits, inner ethertype, network offset', () => {
    const f = hex`
      020000000002 020000000001
      8100 a064                  # 802.1Q: PCP 5, DEI 0, VID 100
      0800                       # IPv4
      ${IP_UDP}`;
    expect(f.subarray(0, 18)).toEqual(ether({ ...MACS, type: ETHER_IPV4, vlans: [{ id: 100, pcp: 5 }] }));
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect(pv.vlan).toBe(100);
    expect(pv.etherType).toBe(ETHER_IPV4);
    expect(pv.l3Off).toBe(18);
    expect(macToString(pv.srcMac)).toBe('02:00:00:00:00:01');
    expect(ipv4ToString(pv.src0)).toBe('10.1.2.3');
    expect([pv.srcPort, pv.dstPort, pv.payloadLen]).toEqual([4000, 4001, 2]);
  });

  it('QinQ (802.1ad outer, 802.1Q inner): the outer VLAN id is kept, IP after both tags', () => {
    const f = frame(ether({ ...MACS, type: ETHER_IPV4, vlans: [{ id: 300, tpid: ETHER_QINQ }, { id: 42, dei: true }] }), IP_UDP);
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect(pv.vlan).toBe(300);
    expect(pv.l3Off).toBe(22);
    expect([pv.srcPort, pv.dstPort]).toEqual([4000, 4001]);
  });

  it('accepts the pre-standard 0x9100 TPID', () => {
    const { code, pv } = decodeBytes(frame(ether({ ...MACS, type: ETHER_IPV4, vlans: [{ id: 7, tpid: 0x9100 }, 8] }), IP_UDP));
    expect(code).toBe(0);
    expect(pv.vlan).toBe(7);
    expect(pv.l3Off).toBe(22);
  });

  it('carries ARP inside a tag', () => {
    const f = frame(ether({ ...MACS, type: ETHER_ARP, vlans: [10] }), arp({ senderMac: MACS.src, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }));
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect([pv.vlan, pv.etherType, pv.arpOp]).toEqual([10, ETHER_ARP, 1]);
  });

  it('caps the tag depth at decode.maxVlanDepth (default 2)', () => {
    expect(DEFAULT_DECODE_LIMITS.maxVlanDepth).toBe(2);
    const three = frame(ether({ ...MACS, type: ETHER_IPV4, vlans: [{ id: 1, tpid: ETHER_QINQ }, 2, 3] }), IP_UDP);
    const deep = decodeBytes(three);
    expect(deep.code).toBe(-ev('decoder.vlan.too_many_layers'));
    expect(deep.pv.vlan).toBe(1);
    const allowed = decodeBytes(three, { limits: { ...DEFAULT_DECODE_LIMITS, maxVlanDepth: 3 } });
    expect(allowed.code).toBe(0);
    expect(allowed.pv.l3Off).toBe(26);
    const none = decodeBytes(frame(ether({ ...MACS, type: ETHER_IPV4, vlans: [5] }), IP_UDP), { limits: { ...DEFAULT_DECODE_LIMITS, maxVlanDepth: 0 } });
    expect(none.code).toBe(-ev('decoder.vlan.too_many_layers'));
  });

  it('reports a tag cut short as decoder.vlan.too_small', () => {
    const f = frame(ether({ ...MACS, type: ETHER_IPV4, vlans: [{ id: 300, tpid: ETHER_QINQ }, 42] }), IP_UDP);
    for (let n = 14; n < 22; n++) expect(decodeBytes(f.subarray(0, n)).code, `cut at ${n}`).toBe(-ev('decoder.vlan.too_small'));
    expect(decodeBytes(f.subarray(0, 22)).code).toBe(-ev('decoder.ipv4.too_small'));
  });
});
