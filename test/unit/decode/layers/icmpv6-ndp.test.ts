// ICMPv6 (RFC 4443) type and code through decodeFrame, and Neighbor Discovery (RFC 4861) through
// parseNdp: targets, link-layer address options, and malformed options by event code.

import { describe, expect, it } from 'vitest';
import { ipv6ToString, macToString } from '../../../../gateway/common/address-text.js';
import { ev } from '../../../../gateway/common/events.js';
import { parseNdp, type NdpInfo } from '../../../../gateway/decode/transport/icmpv6.js';
import { hex } from '../../../helpers/hex.js';
import {
  ETHER_IPV6, NA_OVERRIDE, NA_SOLICITED, NDP_OPT, PROTO, decodeBytes, echoBody, ether, frame, icmpv6, inetChecksum, ipv6,
  ipv6Bytes, ndpOption, neighborAdvert, neighborSolicit,
} from '../../../helpers/frames.js';

const ETH = ether({ dst: '33:33:00:00:00:01', src: '02:11:22:33:44:55', type: ETHER_IPV6 });

/** Neighbor Advertisement with a target link-layer address option, labelled. */
const NA = hex`
  88 00 0000                          # type 136, code 0, checksum (filled by ipv6())
  60000000                            # flags: solicited, override
  fe800000000000000211 22fffe334455   # target fe80::211:22ff:fe33:4455
  02 01 021122334455                  # option 2 (target link-layer address), 1 unit`;

/** parseNdp over the whole buffer; fails the test on anything but a record. */
function ndp(msg: Buffer): NdpInfo {
  const r = parseNdp(msg, 0, msg.length);
  if (r === null || typeof r === 'number') throw new Error(`expected an NDP record, got ${String(r)}`);
  return r;
}

const targetText = (t: Buffer | null): string | null =>
  t === null ? null : ipv6ToString(t.readUInt32BE(0), t.readUInt32BE(4), t.readUInt32BE(8), t.readUInt32BE(12));

describe('ICMPv6 through decodeFrame', () => {
  it('reads type and code of a neighbor advertisement; the view points at the message', () => {
    const f = frame(ETH, ipv6({ src: 'fe80::211:22ff:fe33:4455', dst: 'ff02::1', next: PROTO.ICMPV6, hopLimit: 255, payload: NA }));
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect([pv.ipProto, pv.icmpType, pv.icmpCode, pv.ttl]).toEqual([PROTO.ICMPV6, 136, 0, 255]);
    expect([pv.l4Off, pv.l4End, pv.payloadOff, pv.payloadLen]).toEqual([54, 54 + 32, 58, 28]);
    // The checksum ipv6() filled in verifies over the pseudo-header.
    const pseudo = Buffer.concat([f.subarray(22, 54), hex`00000020 000000 3a`]);
    expect(inetChecksum(pseudo, f.subarray(54))).toBe(0);
    const r = parseNdp(pv.buf, pv.l4Off, pv.l4End);
    expect(r).not.toBeNull();
    expect(typeof r).toBe('object');
  });

  it('reads an echo request', () => {
    const f = frame(ETH, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: PROTO.ICMPV6, payload: icmpv6({ type: 128, body: echoBody({ id: 7, seq: 1, data: hex`abcd` }) }) }));
    const { code, pv } = decodeBytes(f);
    expect(code).toBe(0);
    expect([pv.icmpType, pv.icmpCode, pv.payloadLen]).toEqual([128, 0, 6]);
    expect(parseNdp(pv.buf, pv.l4Off, pv.l4End)).toBeNull();
  });

  it('reports fewer than 4 bytes as decoder.icmpv6.too_small', () => {
    for (let n = 0; n < 4; n++) {
      const f = frame(ETH, ipv6({ src: 'fe80::1', dst: 'fe80::2', next: PROTO.ICMPV6, payload: NA.subarray(0, n) }));
      expect(decodeBytes(f).code, `${n} bytes`).toBe(-ev('decoder.icmpv6.too_small'));
      expect(parseNdp(NA, 0, n)).toBe(-ev('decoder.icmpv6.too_small'));
    }
  });
});

describe('parseNdp', () => {
  it('reads a neighbor advertisement: target and target link-layer address', () => {
    expect(NA).toEqual(neighborAdvert({
      target: 'fe80::211:22ff:fe33:4455', flags: NA_SOLICITED | NA_OVERRIDE, options: [ndpOption(NDP_OPT.TARGET_LL, '02:11:22:33:44:55')],
    }));
    const r = ndp(NA);
    expect(r.type).toBe(136);
    expect(targetText(r.target)).toBe('fe80::211:22ff:fe33:4455');
    expect(macToString(r.targetLinkAddr)).toBe('02:11:22:33:44:55');
    expect(r.sourceLinkAddr).toBe(-1);
  });

  it('copies the target out of the packet buffer', () => {
    const buf = Buffer.from(NA);
    const r = ndp(buf);
    buf.fill(0);
    expect(targetText(r.target)).toBe('fe80::211:22ff:fe33:4455');
  });

  it('reads a neighbor solicitation with a source link-layer address, skipping unknown options', () => {
    const msg = neighborSolicit({
      target: '2001:db8::42',
      options: [ndpOption(14, hex`0102030405 06`), ndpOption(NDP_OPT.SOURCE_LL, '02:aa:bb:cc:dd:ee')], // nonce (RFC 3971), then SLLA
    });
    const r = ndp(msg);
    expect(r.type).toBe(135);
    expect(targetText(r.target)).toBe('2001:db8::42');
    expect(macToString(r.sourceLinkAddr)).toBe('02:aa:bb:cc:dd:ee');
    expect(r.targetLinkAddr).toBe(-1);
  });

  it('reads a neighbor advertisement without options, and a router solicitation and advertisement', () => {
    const bare = ndp(neighborAdvert({ target: 'fe80::1' }));
    expect([bare.type, targetText(bare.target), bare.targetLinkAddr]).toEqual([136, 'fe80::1', -1]);

    const rs = ndp(icmpv6({ type: 133, body: Buffer.concat([Buffer.alloc(4), ndpOption(NDP_OPT.SOURCE_LL, '02:00:00:00:00:09')]) }));
    expect([rs.type, rs.target, macToString(rs.sourceLinkAddr)]).toEqual([133, null, '02:00:00:00:00:09']);

    const prefix = hex`40 c0 00278d00 00093a80 00000000 20010db8000000010000000000000000`; // /64, L+A, lifetimes
    const ra = ndp(icmpv6({ type: 134, body: Buffer.concat([
      hex`40 00 0708 00000000 00000000`,                // hop limit 64, router lifetime 1800, reachable, retrans
      ndpOption(NDP_OPT.SOURCE_LL, '02:00:00:00:00:01'),
      ndpOption(NDP_OPT.MTU, hex`0000 000005dc`),
      ndpOption(NDP_OPT.PREFIX, prefix),
    ]) }));
    expect([ra.type, ra.target, macToString(ra.sourceLinkAddr)]).toEqual([134, null, '02:00:00:00:00:01']);
  });

  it('reads a redirect: target, then options after the destination', () => {
    const r = ndp(icmpv6({ type: 137, body: Buffer.concat([
      Buffer.alloc(4), ipv6Bytes('fe80::99'), ipv6Bytes('2001:db8::77'), ndpOption(NDP_OPT.TARGET_LL, '02:00:00:00:00:99'),
    ]) }));
    expect([r.type, targetText(r.target), macToString(r.targetLinkAddr)]).toEqual([137, 'fe80::99', '02:00:00:00:00:99']);
  });

  it('returns null for ICMPv6 messages that are not NDP', () => {
    for (const type of [1, 128, 129, 130, 143]) expect(parseNdp(icmpv6({ type, body: Buffer.alloc(20) }), 0, 24)).toBeNull();
  });

  describe('decoder.icmpv6.ndp_malformed', () => {
    const E = -ev('decoder.icmpv6.ndp_malformed');

    it('an option of length 0', () => {
      const msg = neighborAdvert({ target: 'fe80::1', options: [ndpOption(NDP_OPT.TARGET_LL, '02:00:00:00:00:01', 0)] });
      expect(parseNdp(msg, 0, msg.length)).toBe(E);
      // A zero-length option after a good one, too (an endless loop without the check).
      const after = neighborAdvert({ target: 'fe80::1', options: [ndpOption(NDP_OPT.TARGET_LL, '02:00:00:00:00:01'), hex`0e00 000000000000`] });
      expect(parseNdp(after, 0, after.length)).toBe(E);
    });

    it('an option that runs past the message, or a stray byte after the last option', () => {
      const long = neighborAdvert({ target: 'fe80::1', options: [ndpOption(NDP_OPT.TARGET_LL, '02:00:00:00:00:01', 2)] });
      expect(parseNdp(long, 0, long.length)).toBe(E);
      const stray = Buffer.concat([NA, hex`02`]);
      expect(parseNdp(stray, 0, stray.length)).toBe(E);
    });

    it('a message shorter than its fixed part', () => {
      for (let n = 4; n < 24; n++) expect(parseNdp(NA, 0, n), `NA cut at ${n}`).toBe(E);
      const rs = icmpv6({ type: 133, body: Buffer.alloc(4) });
      for (let n = 4; n < 8; n++) expect(parseNdp(rs, 0, n), `RS cut at ${n}`).toBe(E);
      expect(parseNdp(NA, 0, 24)).toEqual({ type: 136, target: NA.subarray(8, 24), sourceLinkAddr: -1, targetLinkAddr: -1 });
    });
  });
});
