// The shared truncation suite for the link/network/transport decoders: decodeFrame over every
// truncation of valid frames covering every layer, and over seeded random byte mutations; parseNdp
// over every truncation of a neighbor advertisement.
//
// Each decode must not throw, must return 0 or a known event code, and must keep every offset it
// reports inside the frame. Reads outside [off, off + n) are caught by decoding the same bytes three
// ways: alone in a buffer of exactly their length, and at an odd offset inside a larger buffer whose
// bytes before and after are all 0xff, then all 0x00. A decoder that only reads its window gives the
// same view all three times.

import { describe, expect, it } from 'vitest';
import { decodeFrame, DEFAULT_DECODE_LIMITS } from '../../../../gateway/decode/decode-frame.js';
import { DECODE_EVENT_COUNT, eventName } from '../../../../gateway/common/events.js';
import { PacketView } from '../../../../gateway/decode/packet-view.js';
import { parseNdp } from '../../../../gateway/decode/transport/icmpv6.js';
import { hex } from '../../../helpers/hex.js';
import {
  ETHER_ARP, ETHER_IPV4, ETHER_IPV6, ETHER_QINQ, IPV4_MF, LINK, NA_SOLICITED, NDP_OPT, PROTO,
  arp, echoBody, ether, fragmentExt, frame, icmp, ipv4, ipv6, loopback, ndpOption, neighborAdvert, padTo, sll, sll2, tcp, udp,
} from '../../../helpers/frames.js';
import { prng, seedOf } from '../../../helpers/prng.js';

/** Bytes before the frame in the padded buffers (odd, so alignment assumptions show too). */
const PREFIX = 13;
/** Bytes after the cut in the padded buffers. */
const SUFFIX = 64;
const MUTATIONS_PER_SAMPLE = 5000;

const MAC_A = '02:00:00:00:00:0a';
const MAC_B = '02:00:00:00:00:0b';
const eth = (type: number, vlans?: Array<number | { id: number; tpid: number }>): Buffer => ether({ dst: MAC_B, src: MAC_A, type, vlans });

const TCP_OPTIONS = hex`0204 05b4 0402 080a 00a1b2c3 00000000 01 0303 07`; // MSS, SACK ok, TS, NOP, WS
const NA = neighborAdvert({
  target: 'fe80::a', flags: NA_SOLICITED,
  options: [ndpOption(NDP_OPT.TARGET_LL, MAC_A), ndpOption(14, hex`0102030405 06`)], // TLLA, nonce
});

interface Sample {
  linkType: number;
  bytes: Buffer;
  /** View fields the whole frame must decode to (shows the sample reaches the layer it is for). */
  want: Partial<Record<'ipProto' | 'srcPort' | 'icmpType' | 'arpOp' | 'payloadLen' | 'vlan', number>>;
}

const SAMPLES: Record<string, Sample> = {
  'ethernet/ipv4/tcp options+payload': {
    linkType: LINK.ETHERNET,
    bytes: frame(eth(ETHER_IPV4), ipv4({ src: '192.168.1.10', dst: '93.184.216.34', proto: PROTO.TCP,
      payload: tcp({ sport: 50000, dport: 443, seq: 1, ack: 2, flags: 'PA', options: TCP_OPTIONS, payload: Buffer.from('hello, world') }) })),
    want: { ipProto: PROTO.TCP, srcPort: 50000, payloadLen: 12 },
  },
  'ethernet/ipv4 options/udp': {
    linkType: LINK.ETHERNET,
    bytes: padTo(frame(eth(ETHER_IPV4), ipv4({ src: '10.0.0.1', dst: '224.0.0.22', proto: PROTO.UDP, ttl: 1, options: hex`94040000 0101 070b04 00000000 00000000`,
      payload: udp({ sport: 5353, dport: 5353, payload: hex`00000000` }) }))),
    want: { ipProto: PROTO.UDP, srcPort: 5353, payloadLen: 4 },
  },
  'ethernet/ipv4/udp padded': {
    linkType: LINK.ETHERNET,
    bytes: padTo(frame(eth(ETHER_IPV4), ipv4({ src: '192.168.1.10', dst: '192.168.1.1', proto: PROTO.UDP, payload: udp({ sport: 40000, dport: 53, payload: hex`abcd` }) }))),
    want: { ipProto: PROTO.UDP, srcPort: 40000, payloadLen: 2 },
  },
  'ethernet/ipv4/icmp': {
    linkType: LINK.ETHERNET,
    bytes: frame(eth(ETHER_IPV4), ipv4({ src: '192.168.1.10', dst: '192.168.1.1', proto: PROTO.ICMP, payload: icmp({ type: 8, body: echoBody({ id: 1, seq: 2, data: Buffer.alloc(24, 0x61) }) }) })),
    want: { ipProto: PROTO.ICMP, icmpType: 8, payloadLen: 28 },
  },
  'ethernet/ipv4 first fragment/udp': {
    linkType: LINK.ETHERNET,
    bytes: frame(eth(ETHER_IPV4), ipv4({ src: '192.168.1.10', dst: '192.168.1.1', proto: PROTO.UDP, flags: IPV4_MF, id: 5,
      payload: udp({ sport: 53, dport: 40000, payload: Buffer.alloc(200) }).subarray(0, 48) })),
    want: { ipProto: PROTO.UDP, srcPort: 53, payloadLen: 40 },
  },
  'ethernet/qinq/ipv4/udp': {
    linkType: LINK.ETHERNET,
    bytes: frame(eth(ETHER_IPV4, [{ id: 100, tpid: ETHER_QINQ }, 200]), ipv4({ src: '10.1.0.1', dst: '10.1.0.2', proto: PROTO.UDP,
      payload: udp({ sport: 1900, dport: 1900, payload: Buffer.from('M-SEARCH * HTTP/1.1\r\n\r\n') }) })),
    want: { vlan: 100, ipProto: PROTO.UDP, srcPort: 1900, payloadLen: 23 },
  },
  'ethernet/arp': {
    linkType: LINK.ETHERNET,
    bytes: padTo(frame(eth(ETHER_ARP), arp({ op: 2, senderMac: MAC_A, senderIp: '192.168.1.10', targetMac: MAC_B, targetIp: '192.168.1.1' }))),
    want: { arpOp: 2 },
  },
  'ethernet/ipv6/hop+routing+fragment+dstopts/udp': {
    linkType: LINK.ETHERNET,
    bytes: frame(eth(ETHER_IPV6), ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: PROTO.UDP, ext: [
      { type: PROTO.HOPOPTS, body: hex`05020000` },
      { type: PROTO.ROUTING, body: hex`02 01 00000000 20010db8000000000000000000000003` },
      fragmentExt({ id: 77 }),
      { type: PROTO.DSTOPTS, body: hex`01 0a ${'00'.repeat(10)}` }, // PadN
    ], payload: udp({ sport: 547, dport: 546, payload: hex`07 000001` }) })),
    want: { ipProto: PROTO.UDP, srcPort: 547, payloadLen: 4 },
  },
  'ethernet/ipv6/ah/tcp': {
    linkType: LINK.ETHERNET,
    bytes: frame(eth(ETHER_IPV6), ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: PROTO.TCP,
      ext: [{ type: PROTO.AH, body: hex`0000 00001000 00000001 ${'11'.repeat(12)}` }],
      payload: tcp({ sport: 22, dport: 50022, flags: 'PA', options: hex`0101080a 00000001 00000002`, payload: hex`5353482d` }) })),
    want: { ipProto: PROTO.TCP, srcPort: 22, payloadLen: 4 },
  },
  'ethernet/ipv6/tcp': {
    linkType: LINK.ETHERNET,
    bytes: frame(eth(ETHER_IPV6), ipv6({ src: 'fe80::a', dst: 'fe80::b', next: PROTO.TCP,
      payload: tcp({ sport: 8883, dport: 40001, seq: 0xfffffff0, flags: 'SA', options: TCP_OPTIONS }) })),
    want: { ipProto: PROTO.TCP, srcPort: 8883, payloadLen: 0 },
  },
  'ethernet/ipv6/icmpv6 NA': {
    linkType: LINK.ETHERNET,
    bytes: frame(eth(ETHER_IPV6), ipv6({ src: 'fe80::a', dst: 'ff02::1', next: PROTO.ICMPV6, hopLimit: 255, payload: NA })),
    want: { ipProto: PROTO.ICMPV6, icmpType: 136, payloadLen: NA.length - 4 },
  },
  'sll/ipv4/udp': {
    linkType: LINK.LINUX_SLL,
    bytes: frame(sll({ proto: ETHER_IPV4, addr: MAC_A }), ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.UDP, payload: udp({ sport: 67, dport: 68, payload: Buffer.alloc(16, 1) }) })),
    want: { ipProto: PROTO.UDP, srcPort: 67, payloadLen: 16 },
  },
  'sll2/ipv6/udp': {
    linkType: LINK.LINUX_SLL2,
    bytes: frame(sll2({ proto: ETHER_IPV6, addr: MAC_A, ifIndex: 2 }), ipv6({ src: 'fe80::a', dst: 'ff02::fb', next: PROTO.UDP, payload: udp({ sport: 5353, dport: 5353, payload: Buffer.alloc(12) }) })),
    want: { ipProto: PROTO.UDP, srcPort: 5353, payloadLen: 12 },
  },
  'null/ipv4/udp': {
    linkType: LINK.NULL,
    bytes: frame(loopback({ family: 2 }), ipv4({ src: '127.0.0.1', dst: '127.0.0.1', proto: PROTO.UDP, payload: udp({ sport: 1234, dport: 53, payload: hex`00` }) })),
    want: { ipProto: PROTO.UDP, srcPort: 1234, payloadLen: 1 },
  },
  'raw/ipv4/tcp': {
    linkType: LINK.RAW,
    bytes: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: PROTO.TCP, payload: tcp({ sport: 1883, dport: 40000, flags: 'A', options: TCP_OPTIONS, payload: hex`30 00` }) }),
    want: { ipProto: PROTO.TCP, srcPort: 1883, payloadLen: 2 },
  },
  'raw/ipv6/udp': {
    linkType: LINK.RAW,
    bytes: ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: PROTO.UDP, ext: [{ type: PROTO.DSTOPTS }], payload: udp({ sport: 123, dport: 123, payload: Buffer.alloc(48) }) }),
    want: { ipProto: PROTO.UDP, srcPort: 123, payloadLen: 48 },
  },
};

/** View fields compared across the three decodes (everything but the buffer itself). */
const FIELDS = [
  'capLen', 'origLen', 'linkType', 'dstMac', 'srcMac', 'vlan', 'etherType',
  'arpOp', 'arpSenderMac', 'arpSenderIp', 'arpTargetMac', 'arpTargetIp',
  'family', 'ipProto', 'ttl', 'src0', 'src1', 'src2', 'src3', 'dst0', 'dst1', 'dst2', 'dst3',
  'ipLen', 'isFragment', 'fragOffset', 'srcPort', 'dstPort', 'tcpFlags', 'tcpSeq', 'tcpAck', 'tcpWindow',
  'icmpType', 'icmpCode', 'payloadLen', 'event',
] as const;
/** Offset fields, compared relative to the frame start (-1 stays -1). */
const OFFSETS = ['l3Off', 'l4Off', 'l4End', 'payloadOff'] as const;

/** Decode `bytes` at `off` in `buf`; fail with a clear message if anything escapes. */
function decodeAt(s: Sample, buf: Buffer, off: number, n: number, what: string): { code: number; view: Record<string, unknown> } {
  const pv = new PacketView();
  let code: number;
  try {
    code = decodeFrame(pv, buf, off, n, n, 0, s.linkType, 0, DEFAULT_DECODE_LIMITS);
  } catch (err) {
    throw new Error(`decodeFrame threw on ${what}: ${String(err)}`, { cause: err });
  }
  const problem = boundsProblem(pv, code, off, n);
  if (problem !== null) expect.fail(`${what}: ${problem}`);
  const view: Record<string, unknown> = { code };
  for (const f of FIELDS) view[f] = pv[f];
  for (const f of OFFSETS) view[f] = pv[f] < 0 ? pv[f] : pv[f] - off;
  // Neighbor Discovery is parsed later from the same window (gateway/pipeline/app-layer.ts).
  if (code === 0 && pv.ipProto === PROTO.ICMPV6 && pv.l4Off >= 0) view.ndp = ndpAt(buf, pv.l4Off, pv.l4End, what);
  return { code, view };
}

/**
 * What is wrong with a decode, or null: the code must be 0 or a known event (left in pv.event),
 * and every reported offset must lie inside [off, off + n]. Plain comparisons, with one expect()
 * on failure: the suite makes a few hundred thousand of these checks.
 */
function boundsProblem(pv: PacketView, code: number, off: number, n: number): string | null {
  const end = off + n;
  if (!Number.isInteger(code) || code > 0 || code < -(DECODE_EVENT_COUNT - 1)) return `unknown code ${code}`;
  if (code !== 0 && !eventName(code).startsWith('decoder.')) return `code ${code} is not a decoder event`;
  if (pv.event !== code) return `pv.event ${pv.event} but returned ${code}`;
  if (pv.payloadLen < 0) return `payloadLen ${pv.payloadLen}`;
  if (pv.payloadOff >= 0) {
    if (pv.payloadOff < off) return `payloadOff ${pv.payloadOff} before the frame at ${off}`;
    if (pv.payloadOff + pv.payloadLen > end) return `payload [${pv.payloadOff}, +${pv.payloadLen}) past the cut at ${end}`;
  } else if (pv.payloadLen !== 0) return `payloadLen ${pv.payloadLen} without payloadOff`;
  if (pv.l4End > end) return `l4End ${pv.l4End} past the cut at ${end}`;
  if (pv.l3Off >= 0 && (pv.l3Off < off || pv.l3Off > end)) return `l3Off ${pv.l3Off} outside [${off}, ${end}]`;
  if (pv.l4Off >= 0 && (pv.l4Off < pv.l3Off || pv.l4Off > pv.l4End)) return `l4Off ${pv.l4Off} outside [l3Off ${pv.l3Off}, l4End ${pv.l4End}]`;
  return null;
}

/** parseNdp over [o, end): no throw, null, a record, or a known negated event. */
function ndpAt(buf: Buffer, o: number, end: number, what: string): unknown {
  let r: ReturnType<typeof parseNdp>;
  try {
    r = parseNdp(buf, o, end);
  } catch (err) {
    throw new Error(`parseNdp threw on ${what}: ${String(err)}`, { cause: err });
  }
  if (typeof r === 'number' && (!Number.isInteger(r) || r > -1 || r < -(DECODE_EVENT_COUNT - 1))) expect.fail(`${what}: parseNdp returned ${r}`);
  return r;
}

/** A buffer holding `bytes` at PREFIX, every other byte `fill`. */
function padded(bytes: Buffer, fill: number): Buffer {
  const b = Buffer.alloc(PREFIX + bytes.length + SUFFIX, fill);
  bytes.copy(b, PREFIX);
  return b;
}

/** Decode the first n bytes three ways; the views must agree. Returns the code. */
function decodeThreeWays(s: Sample, bytes: Buffer, what: string): number {
  const n = bytes.length;
  const alone = decodeAt(s, Buffer.from(bytes), 0, n, what);
  for (const fill of [0xff, 0x00]) {
    const r = decodeAt(s, padded(bytes, fill), PREFIX, n, `${what} (fill 0x${fill.toString(16)})`);
    if (!sameView(r.view, alone.view)) expect(r.view, `${what}: differs with 0x${fill.toString(16)} around the frame`).toEqual(alone.view);
  }
  return alone.code;
}

/** Cheap equality of two views (the NDP record compared by deep equality only when present). */
function sameView(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  for (const k of Object.keys(b)) {
    if (k === 'ndp') continue;
    if (a[k] !== b[k]) return false;
  }
  if (('ndp' in a) !== ('ndp' in b)) return false;
  return !('ndp' in b) || JSON.stringify(a.ndp) === JSON.stringify(b.ndp);
}



describe('decodeFrame truncation and mutation', () => {
  for (const [name, s] of Object.entries(SAMPLES)) {
    it(`${name}: decodes whole, and every truncation 0..${s.bytes.length} stays inside the frame`, () => {
      expect(decodeThreeWays(s, s.bytes, `${name} whole`), `${name} whole`).toBe(0);
      const pv = new PacketView();
      decodeFrame(pv, s.bytes, 0, s.bytes.length, s.bytes.length, 0, s.linkType, 0, DEFAULT_DECODE_LIMITS);
      for (const [k, v] of Object.entries(s.want)) expect(pv[k as keyof Sample['want']], `${name}: ${k}`).toBe(v);

      for (let n = 0; n <= s.bytes.length; n++) decodeThreeWays(s, s.bytes.subarray(0, n), `${name} cut at ${n}`);
    });

    it(`${name}: ${MUTATIONS_PER_SAMPLE} seeded random mutations never throw or leave the frame`, () => {
      const rand = prng(seedOf(name));
      const int = (k: number): number => Math.floor(rand() * k);
      for (let i = 0; i < MUTATIONS_PER_SAMPLE; i++) {
        const m = Buffer.from(s.bytes);
        const flips = 1 + int(4);
        for (let f = 0; f < flips; f++) {
          const p = int(m.length);
          // Half set a random byte (lengths, types), half flip one bit.
          if (rand() < 0.5) m[p] = int(256);
          else m[p]! ^= 1 << int(8);
        }
        const n = rand() < 0.25 ? int(m.length + 1) : m.length;
        decodeThreeWays(s, m.subarray(0, n), `${name} mutation ${i}`);
      }
    });
  }
});

describe('parseNdp truncation', () => {
  it(`a neighbor advertisement cut at every length 0..${NA.length} gives null, a record or a known event, the same three ways`, () => {
    const whole = parseNdp(NA, 0, NA.length);
    expect(whole).toMatchObject({ type: 136, targetLinkAddr: 0x02000000000a });
    for (let n = 0; n <= NA.length; n++) {
      const what = `NA cut at ${n}`;
      const bytes = NA.subarray(0, n);
      const alone = ndpAt(Buffer.from(bytes), 0, n, what);
      // A cut at an option boundary is a shorter valid NA; any other cut is malformed.
      const boundary = n === 24 || n === 32 || n === NA.length;
      expect(typeof alone, what).toBe(boundary ? 'object' : 'number');
      for (const fill of [0xff, 0x00]) expect(ndpAt(padded(bytes, fill), PREFIX, PREFIX + n, what), what).toEqual(alone);
    }
  });
});
