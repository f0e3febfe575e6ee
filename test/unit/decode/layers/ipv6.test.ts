// IPv6 (RFC 8200): fixed header fields, the extension-header walk (hop-by-hop, routing, fragment,
// destination options, AH) with its cap, fragments, jumbograms, snaplen cuts and truncated packets.

import { describe, expect, it } from 'vitest';
import { ipv6ToString } from '../../../../gateway/common/address-text.js';
import { DEFAULT_DECODE_LIMITS } from '../../../../gateway/decode/decode-frame.js';
import { ev } from '../../../../gateway/common/events.js';
import { Family, type PacketView } from '../../../../gateway/decode/packet-view.js';
import { hex } from '../../../helpers/hex.js';
import {
  ETHER_IPV6, LINK, PROTO, decodeBytes, ether, fragmentExt, frame, ipv6, ipv6Bytes, tcp, udp, type Ipv6Ext,
} from '../../../helpers/frames.js';

const ETH = ether({ dst: '33:33:00:00:00:01', src: '02:00:00:00:00:01', type: ETHER_IPV6 });
const src = (pv: PacketView): string => ipv6ToString(pv.src0, pv.src1, pv.src2, pv.src3);
const dst = (pv: PacketView): string => ipv6ToString(pv.dst0, pv.dst1, pv.dst2, pv.dst3);

/** IPv6/UDP, labelled. */
const V6_UDP = hex`
  6 00 00000               # version 6, traffic class 0, flow label 0
  0010 11 ff               # payload length 16, next header UDP, hop limit 255
  fe800000000000000000000000000001   # fe80::1
  ff0200000000000000000000000000fb   # ff02::fb
  14e9 14e9 0010 0000      # UDP 5353 -> 5353, length 16
  0000000000000000         # 8 payload bytes`;

const dstOpts = (n = 0): Ipv6Ext => ({ type: PROTO.DSTOPTS, body: Buffer.alloc(n) });

describe('IPv6', () => {
  it('reads addresses, hop limit, protocol and lengths', () => {
    const { code, pv } = decodeBytes(frame(ETH, V6_UDP));
    expect(code).toBe(0);
    expect(pv.family).toBe(Family.V6);
    expect(src(pv)).toBe('fe80::1');
    expect(dst(pv)).toBe('ff02::fb');
    expect(pv.ttl).toBe(255);
    expect(pv.ipProto).toBe(PROTO.UDP);
    expect([pv.ipLen, pv.l3Off, pv.l4Off, pv.l4End]).toEqual([56, 14, 54, 70]);
    expect([pv.srcPort, pv.dstPort, pv.payloadOff, pv.payloadLen]).toEqual([5353, 5353, 62, 8]);
    expect(pv.isFragment).toBe(false);
    expect(V6_UDP).toEqual(ipv6({ src: 'fe80::1', dst: 'ff02::fb', next: PROTO.UDP, hopLimit: 255, transportChecksum: false, payload: udp({ sport: 5353, dport: 5353, payload: Buffer.alloc(8) }) }));
  });

  it('reads all 128 bits of both addresses', () => {
    const f = ipv6({ src: '2001:db8:1234:5678:9abc:def0:fedc:ba98', dst: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe', next: PROTO.NONE, payload: Buffer.alloc(0) });
    const { code, pv } = decodeBytes(f, { linkType: LINK.RAW });
    expect(code).toBe(0);
    expect(src(pv)).toBe('2001:db8:1234:5678:9abc:def0:fedc:ba98');
    expect(dst(pv)).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe');
    expect(ipv6Bytes(dst(pv))).toEqual(f.subarray(24, 40));
  });

  it('excludes bytes after the payload length (padding, FCS) from l4End', () => {
    const { code, pv } = decodeBytes(frame(ETH, V6_UDP, hex`deadbeef`));
    expect(code).toBe(0);
    expect(pv.l4End).toBe(70);
    expect(pv.payloadLen).toBe(8);
  });

  it('walks hop-by-hop, routing, fragment and destination options to UDP', () => {
    const ext: Ipv6Ext[] = [
      { type: PROTO.HOPOPTS, body: hex`05 02 0000` },                           // router alert, padded to 8
      { type: PROTO.ROUTING, body: hex`02 01 00000000 ${'20010db8000000000000000000000002'}` }, // type 2, 24 bytes
      fragmentExt({ offset: 0, more: false, id: 0xabcdef01 }),                    // atomic fragment
      dstOpts(4),                                                               // 8 bytes of Pad1
    ];
    const f = frame(ETH, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: PROTO.UDP, ext, payload: udp({ sport: 521, dport: 521, payload: hex`0102` }) }));
    expect(f.subarray(14 + 40, 14 + 48)).toEqual(hex`2b 00 05020000 0000`); // next = routing, Hdr Ext Len 0
    expect(f.subarray(14 + 48, 14 + 50)).toEqual(hex`2c 02`);               // next = fragment, 3 units
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect(pv.ipProto).toBe(PROTO.UDP);
    expect(pv.l4Off).toBe(14 + 40 + 8 + 24 + 8 + 8);
    expect(pv.isFragment).toBe(true);
    expect(pv.fragOffset).toBe(0);
    expect([pv.srcPort, pv.dstPort, pv.payloadLen]).toEqual([521, 521, 2]);
    expect(pv.ipLen).toBe(40 + 48 + 10);
  });

  it('walks an AH header (length in 4-byte units minus 2) to TCP', () => {
    const ah: Ipv6Ext = { type: PROTO.AH, body: hex`0000 00001000 00000001 ${'11'.repeat(12)}` }; // SPI, seq, 96-bit ICV
    const f = frame(ETH, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: PROTO.TCP, ext: [ah], payload: tcp({ sport: 22, dport: 50022, flags: 'A' }) }));
    expect(f[14 + 41]).toBe(4); // (24 / 4) - 2
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect(pv.ipProto).toBe(PROTO.TCP);
    expect(pv.l4Off).toBe(14 + 40 + 24);
    expect([pv.srcPort, pv.dstPort]).toEqual([22, 50022]);
  });

  it('stops at ESP and No Next Header without an event', () => {
    const esp = decodeBytes(frame(ETH, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: PROTO.ESP, ext: [dstOpts()], payload: Buffer.alloc(16) })));
    expect([esp.code, esp.pv.ipProto, esp.pv.l4Off]).toEqual([0, PROTO.ESP, 14 + 48]);
    const none = decodeBytes(frame(ETH, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: PROTO.NONE, payload: Buffer.alloc(0) })));
    expect([none.code, none.pv.ipProto]).toEqual([0, PROTO.NONE]);
  });

  describe('extension header cap (decode.maxIpv6ExtHeaders, default 8)', () => {
    const chain = (n: number): Buffer => frame(ETH, ipv6({ src: 'fe80::1', dst: 'fe80::2', next: PROTO.UDP, ext: new Array<Ipv6Ext>(n).fill(dstOpts()), payload: udp({ sport: 1, dport: 2 }) }));

    it('follows 8 headers and reports the 9th as decoder.ipv6.exthdr_too_many', () => {
      expect(DEFAULT_DECODE_LIMITS.maxIpv6ExtHeaders).toBe(8);
      const eight = decodeBytes(chain(8));
      expect(eight.code).toBe(0);
      expect(eight.pv.l4Off).toBe(14 + 40 + 64);
      const nine = decodeBytes(chain(9));
      expect(nine.code).toBe(-ev('decoder.ipv6.exthdr_too_many'));
      expect(nine.pv.family).toBe(Family.V6); // the fixed header stays decoded
    });

    it('counts every kind of extension header against a configured cap', () => {
      const ext: Ipv6Ext[] = [{ type: PROTO.HOPOPTS }, fragmentExt({}), { type: PROTO.AH, body: Buffer.alloc(10) }];
      const f = frame(ETH, ipv6({ src: 'fe80::1', dst: 'fe80::2', next: PROTO.UDP, ext, payload: udp({ sport: 1, dport: 2 }) }));
      expect(decodeBytes(f, { limits: { ...DEFAULT_DECODE_LIMITS, maxIpv6ExtHeaders: 3 } }).code).toBe(0);
      expect(decodeBytes(f, { limits: { ...DEFAULT_DECODE_LIMITS, maxIpv6ExtHeaders: 2 } }).code).toBe(-ev('decoder.ipv6.exthdr_too_many'));
    });
  });

  it('reports an extension header that runs past the payload as decoder.ipv6.exthdr_too_small', () => {
    const f = frame(ETH, ipv6({ src: 'fe80::1', dst: 'fe80::2', next: PROTO.UDP, ext: [dstOpts()], payload: udp({ sport: 1, dport: 2 }) }));
    const long = Buffer.from(f);
    long[14 + 41] = 5; // 48 bytes claimed, 16 present
    expect(decodeBytes(long).code).toBe(-ev('decoder.ipv6.exthdr_too_small'));
    const short = ipv6({ src: 'fe80::1', dst: 'fe80::2', next: PROTO.NONE, ext: [{ type: PROTO.HOPOPTS }], payloadLength: 4, payload: Buffer.alloc(0) });
    expect(decodeBytes(short.subarray(0, 44), { linkType: LINK.RAW }).code).toBe(-ev('decoder.ipv6.exthdr_too_small'));
    const frag = ipv6({ src: 'fe80::1', dst: 'fe80::2', next: PROTO.UDP, ext: [fragmentExt({ more: true })], payloadLength: 6, payload: Buffer.alloc(0) });
    expect(decodeBytes(frag.subarray(0, 46), { linkType: LINK.RAW }).code).toBe(-ev('decoder.ipv6.exthdr_too_small'));
  });

  describe('fragments', () => {
    const whole = udp({ sport: 53, dport: 40000, payload: Buffer.alloc(3000, 0x42) });
    const base = { src: '2001:db8::53', dst: '2001:db8::100', next: PROTO.UDP };

    it('the first fragment has its ports', () => {
      const { code, pv } = decodeBytes(frame(ETH, ipv6({ ...base, ext: [fragmentExt({ more: true, id: 9 })], payload: whole.subarray(0, 1448) })));
      expect(code).toBe(0);
      expect([pv.isFragment, pv.fragOffset]).toEqual([true, 0]);
      expect([pv.srcPort, pv.dstPort]).toEqual([53, 40000]);
    });

    it('a later fragment has its offset in bytes and no ports', () => {
      const { code, pv } = decodeBytes(frame(ETH, ipv6({ ...base, ext: [fragmentExt({ offset: 1448, more: true, id: 9 })], payload: whole.subarray(1448, 2896) })));
      expect(code).toBe(0);
      expect([pv.isFragment, pv.fragOffset, pv.ipProto, pv.l4Off]).toEqual([true, 1448, PROTO.UDP, 14 + 48]);
      expect([pv.srcPort, pv.dstPort, pv.payloadOff]).toEqual([-1, -1, -1]);
    });

    it('a later fragment is not walked for extension headers: its bytes are data (RFC 8200 §4.5)', () => {
      // The fragmentable part starts with a destination options header, so the fragment header
      // says 60; in a later fragment the bytes after it are the middle of the data, not a header.
      const data = Buffer.alloc(64, 0x42); // read as a header: Hdr Ext Len 0x42 = 536 bytes, past the end
      const f = frame(ETH, ipv6({ ...base, next: PROTO.DSTOPTS, ext: [fragmentExt({ offset: 1448, id: 9 })], payload: data }));
      const { code, pv } = decodeBytes(f);
      expect(code).toBe(0);
      expect([pv.isFragment, pv.fragOffset, pv.l4Off, pv.srcPort]).toEqual([true, 1448, 14 + 48, -1]);
    });
  });

  describe('lengths', () => {
    it('reports fewer than 40 bytes and a version that is not 6', () => {
      for (let n = 1; n < 40; n++) expect(decodeBytes(V6_UDP.subarray(0, n), { linkType: LINK.RAW }).code, `cut at ${n}`).toBe(-ev('decoder.ipv6.too_small'));
      const v4 = frame(ETH, V6_UDP);
      v4[14] = 0x40;
      expect(decodeBytes(v4).code).toBe(-ev('decoder.ipv6.wrong_version'));
    });

    it('a payload length beyond a whole capture is decoder.ipv6.trunc_pkt, a snaplen cut is not', () => {
      const f = frame(ETH, V6_UDP);
      const cut = f.subarray(0, f.length - 3);
      const trunc = decodeBytes(cut);
      expect(trunc.code).toBe(-ev('decoder.ipv6.trunc_pkt'));
      expect(trunc.pv.family).toBe(Family.None);
      const snap = decodeBytes(cut, { origLen: f.length });
      expect(snap.code).toBe(0);
      expect(snap.pv.ipLen).toBe(56);
      expect(snap.pv.l4End).toBe(cut.length);
      expect([snap.pv.srcPort, snap.pv.payloadLen]).toEqual([5353, 5]);
    });

    it('a jumbogram (payload length 0, RFC 2675) takes the captured length, and UDP length 0 with it', () => {
      const f = ipv6({
        src: 'fe80::1', dst: 'fe80::2', next: PROTO.UDP, payloadLength: 0,
        ext: [{ type: PROTO.HOPOPTS, body: hex`c2 04 00011000` }], // Jumbo Payload option, 69632 bytes
        payload: udp({ sport: 9, dport: 9, length: 0, payload: Buffer.alloc(100) }),
      });
      const { code, pv } = decodeBytes(f, { linkType: LINK.RAW, origLen: 40 + 69632 });
      expect(code).toBe(0);
      expect(pv.ipLen).toBe(f.length);
      expect([pv.srcPort, pv.payloadOff, pv.payloadLen]).toEqual([9, 56, 100]);
    });
  });
});
