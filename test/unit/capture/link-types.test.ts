// One IPv4/UDP (and one IPv6/UDP) packet wrapped in every link type edgeward reads, decoded by
// decodeFrame to the same addresses, ports and payload; unsupported link types and VLAN depth.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DLT_RAW_BSD_12, DLT_RAW_BSD_14, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW,
} from '../../../gateway/capture/link-types.js';
import { openCapture } from '../../../gateway/capture/open-capture.js';
import { decodeFrame, DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../../gateway/decode/decode-frame.js';
import { ev } from '../../../gateway/common/events.js';
import { Family, PacketView } from '../../../gateway/decode/packet-view.js';
import { makeTempDir, removeTempDir, writeClassicPcap } from '../../helpers/capture-files.js';
import { ascii, hex } from '../../helpers/hex.js';

const PAYLOAD = Buffer.from('edgeward-link!', 'latin1'); // 14 bytes (0x0e)

/** 10.0.0.2:40000 → 192.0.2.1:5683 (CoAP), 14 bytes of payload. */
const IPV4_UDP = hex`
  45 00 002a 1234 0000 40 11 0000         # IPv4, IHL 5, total 42, ttl 64, UDP, checksum unchecked
  0a000002 c0000201                       # 10.0.0.2 → 192.0.2.1
  9c40 1633 0016 0000                     # UDP 40000 → 5683, length 22
  ${ascii('edgeward-link!')}`;

/** [2001:db8::2]:40000 → [2001:db8::1]:5683, the same payload. */
const IPV6_UDP = hex`
  6000 0000 0016 11 40                    # IPv6, payload 22, next header UDP, hop limit 64
  20010db8 00000000 00000000 00000002     # 2001:db8::2
  20010db8 00000000 00000000 00000001     # 2001:db8::1
  9c40 1633 0016 0000                     # UDP 40000 → 5683, length 22
  ${ascii('edgeward-link!')}`;

const DST_MAC = 0x020000000001;
const SRC_MAC = 0x020000000002;
const MACS = hex`020000000001 020000000002`; // destination, source

interface Case {
  name: string;
  linkType: number;
  /** The link header; the IP packet follows. */
  header: Buffer;
  /** Bytes after the IP packet (Ethernet pads short frames to 60 bytes). */
  trailer?: Buffer;
  srcMac: number;
  dstMac: number;
  vlan: number;
}

/** Ethernet pad so the frame (without FCS) is at least 60 bytes. */
const ethPad = (headerLen: number, ipLen: number): Buffer => Buffer.alloc(Math.max(0, 60 - headerLen - ipLen));

function v4Cases(): Case[] {
  const ip = IPV4_UDP.length;
  const eth = (h: Buffer, vlan = -1): Omit<Case, 'name'> => ({ linkType: LINKTYPE_ETHERNET, header: h, trailer: ethPad(h.length, ip), srcMac: SRC_MAC, dstMac: DST_MAC, vlan });
  const bare = (linkType: number, header: Buffer = Buffer.alloc(0)): Omit<Case, 'name'> => ({ linkType, header, srcMac: -1, dstMac: -1, vlan: -1 });
  return [
    { name: 'Ethernet', ...eth(hex`${MACS} 0800`) },
    { name: 'Ethernet + 802.1Q vlan 100', ...eth(hex`${MACS} 8100 0064 0800`, 100) },
    { name: 'Ethernet + 802.1ad 200 + 802.1Q 100 (QinQ)', ...eth(hex`${MACS} 88a8 00c8 8100 0064 0800`, 200) },
    { name: 'Ethernet + 0x9100 300 + 802.1Q 100', ...eth(hex`${MACS} 9100 012c 8100 0064 0800`, 300) },
    {
      name: 'Linux SLL', linkType: LINKTYPE_LINUX_SLL, srcMac: SRC_MAC, dstMac: -1, vlan: -1,
      header: hex`0000 0001 0006 020000000002 0000 0800`, // to us, ARPHRD_ETHER, 6-byte address (+2 pad), IPv4
    },
    {
      name: 'Linux SLL2', linkType: LINKTYPE_LINUX_SLL2, srcMac: SRC_MAC, dstMac: -1, vlan: -1,
      header: hex`0800 0000 00000002 0001 00 06 020000000002 0000`, // IPv4, ifindex 2, ARPHRD_ETHER, to us, 6 bytes
    },
    { name: 'raw (101)', ...bare(LINKTYPE_RAW) },
    { name: 'IPv4 (228)', ...bare(LINKTYPE_IPV4) },
    { name: 'BSD raw (12)', ...bare(DLT_RAW_BSD_12) },
    { name: 'BSD raw (14)', ...bare(DLT_RAW_BSD_14) },
    { name: 'NULL, little-endian host', ...bare(LINKTYPE_NULL, hex`02000000`) }, // AF_INET = 2
    { name: 'NULL, big-endian host', ...bare(LINKTYPE_NULL, hex`00000002`) },
    { name: 'LOOP (108)', ...bare(LINKTYPE_LOOP, hex`00000002`) },
  ];
}

function v6Cases(): Case[] {
  const bare = (linkType: number, header: Buffer = Buffer.alloc(0)): Omit<Case, 'name'> => ({ linkType, header, srcMac: -1, dstMac: -1, vlan: -1 });
  return [
    { name: 'IPv6 (229)', ...bare(LINKTYPE_IPV6) },
    { name: 'raw (101)', ...bare(LINKTYPE_RAW) },
    { name: 'Ethernet', linkType: LINKTYPE_ETHERNET, header: hex`${MACS} 86dd`, srcMac: SRC_MAC, dstMac: DST_MAC, vlan: -1 },
    { name: 'Linux SLL2', linkType: LINKTYPE_LINUX_SLL2, header: hex`86dd 0000 00000002 0001 00 06 020000000002 0000`, srcMac: SRC_MAC, dstMac: -1, vlan: -1 },
    { name: 'NULL, little-endian host, AF_INET6 30 (macOS)', ...bare(LINKTYPE_NULL, hex`1e000000`) },
    { name: 'NULL, big-endian host, AF_INET6 24 (NetBSD/OpenBSD)', ...bare(LINKTYPE_NULL, hex`00000018`) },
    { name: 'LOOP (108), AF_INET6 28 (FreeBSD)', ...bare(LINKTYPE_LOOP, hex`0000001c`) },
  ];
}

/** Bytes placed before and after the frame in its buffer, so offsets and capLen bounds are tested. */
const LEAD = 7;
const JUNK = Buffer.alloc(9, 0xff);

function frameOf(c: Case, ip: Buffer): Buffer {
  return Buffer.concat([c.header, ip, c.trailer ?? Buffer.alloc(0)]);
}

/** Decodes `frame` placed at LEAD inside a larger buffer; returns the view and the result. */
function decode(frame: Buffer, linkType: number, limits: DecodeLimits = DEFAULT_DECODE_LIMITS, capLen = frame.length): { pv: PacketView; rc: number } {
  const b = Buffer.concat([Buffer.alloc(LEAD, 0xee), frame, JUNK]);
  const pv = new PacketView();
  const rc = decodeFrame(pv, b, LEAD, capLen, frame.length, 1_700_000_000_000_000, linkType, 3, limits);
  return { pv, rc };
}

/** What every link type must agree on once decoded. */
function decoded(pv: PacketView, headerLen: number): Record<string, unknown> {
  return {
    l3: pv.l3Off - LEAD - headerLen,
    family: pv.family,
    ipProto: pv.ipProto,
    src: [pv.src0, pv.src1, pv.src2, pv.src3],
    dst: [pv.dst0, pv.dst1, pv.dst2, pv.dst3],
    ports: [pv.srcPort, pv.dstPort],
    payload: [pv.payloadOff - pv.l3Off, pv.payloadLen, Buffer.from(pv.buf.subarray(pv.payloadOff, pv.payloadOff + pv.payloadLen))],
  };
}

const V4_EXPECTED = {
  l3: 0, family: Family.V4, ipProto: 17,
  src: [0x0a000002, 0, 0, 0], dst: [0xc0000201, 0, 0, 0],
  ports: [40000, 5683], payload: [28, PAYLOAD.length, PAYLOAD],
};
const V6_EXPECTED = {
  l3: 0, family: Family.V6, ipProto: 17,
  src: [0x20010db8, 0, 0, 2], dst: [0x20010db8, 0, 0, 1],
  ports: [40000, 5683], payload: [48, PAYLOAD.length, PAYLOAD],
};

describe('decodeFrame: one IPv4/UDP packet in every link type', () => {
  it.each(v4Cases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const frame = frameOf(c, IPV4_UDP);
    const { pv, rc } = decode(frame, c.linkType);
    expect(rc).toBe(0);
    expect(pv.event).toBe(0);
    expect(decoded(pv, c.header.length)).toEqual(V4_EXPECTED);
    expect([pv.srcMac, pv.dstMac, pv.vlan, pv.etherType]).toEqual([c.srcMac, c.dstMac, c.vlan, 0x0800]);
    expect([pv.linkType, pv.ifIndex, pv.capLen, pv.origLen]).toEqual([c.linkType, 3, frame.length, frame.length]);
  });
});

describe('decodeFrame: one IPv6/UDP packet in the link types that carry IPv6', () => {
  it.each(v6Cases().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { pv, rc } = decode(frameOf(c, IPV6_UDP), c.linkType);
    expect(rc).toBe(0);
    expect(decoded(pv, c.header.length)).toEqual(V6_EXPECTED);
    expect([pv.srcMac, pv.dstMac, pv.etherType]).toEqual([c.srcMac, c.dstMac, 0x86dd]);
  });
});

describe('decodeFrame: link-layer details', () => {
  it('reads the SLL and SLL2 source MAC only for ARPHRD_ETHER with a 6-byte address', () => {
    const other = [
      [LINKTYPE_LINUX_SLL, hex`0004 0304 0006 020000000002 0000 0800`], // ARPHRD_LOOPBACK (772), sent by us
      [LINKTYPE_LINUX_SLL, hex`0000 0001 0000 0000000000000000 0800`], // ARPHRD_ETHER, no address
      [LINKTYPE_LINUX_SLL2, hex`0800 0000 00000001 0304 04 06 020000000002 0000`], // ARPHRD_LOOPBACK
      [LINKTYPE_LINUX_SLL2, hex`0800 0000 00000002 0001 00 08 020000000002 0000`], // 8-byte address
    ] as const;
    for (const [lt, h] of other) {
      const { pv, rc } = decode(Buffer.concat([h, IPV4_UDP]), lt);
      expect(rc).toBe(0);
      expect(pv.srcMac).toBe(-1);
      expect(decoded(pv, h.length)).toEqual(V4_EXPECTED);
    }
    const sll2 = decode(Buffer.concat([hex`0800 0000 00000002 0001 00 06 a4c138f00d5e 0000`, IPV4_UDP]), LINKTYPE_LINUX_SLL2);
    expect(sll2.pv.srcMac).toBe(0xa4c138f00d5e);
  });

  it.each([
    ['802.11 (105)', 105],
    ['radiotap (127)', 127],
    ['USER0 (147)', 147],
    ['PPP (9)', 9],
    ['0xffff', 0xffff],
  ])('gives decoder.link.unsupported for %s', (_name, linkType) => {
    const { pv, rc } = decode(IPV4_UDP, linkType);
    expect(rc).toBe(-ev('decoder.link.unsupported'));
    expect(pv.event).toBe(-ev('decoder.link.unsupported'));
    expect([pv.l3Off, pv.family]).toEqual([-1, Family.None]);
  });

  it('gives decoder.null.unknown_family for a loopback family that is neither IPv4 nor IPv6', () => {
    expect(decode(Buffer.concat([hex`07000000`, IPV4_UDP]), LINKTYPE_NULL).rc).toBe(-ev('decoder.null.unknown_family')); // AF_ISO
    expect(decode(Buffer.concat([hex`02000000`, IPV4_UDP]), LINKTYPE_LOOP).rc).toBe(-ev('decoder.null.unknown_family')); // LOOP is big-endian
  });

  it('gives decoder.frame.truncated when capLen runs past the buffer', () => {
    const pv = new PacketView();
    expect(decodeFrame(pv, IPV4_UDP, 4, IPV4_UDP.length, IPV4_UDP.length, 0, LINKTYPE_RAW, 0, DEFAULT_DECODE_LIMITS)).toBe(-ev('decoder.frame.truncated'));
    expect(decodeFrame(pv, IPV4_UDP, 0, 0, 42, 0, LINKTYPE_RAW, 0, DEFAULT_DECODE_LIMITS)).toBe(-ev('decoder.frame.truncated'));
  });
});

describe('decodeFrame: VLAN depth', () => {
  const tags = (...t: string[]): Buffer => hex`${MACS} ${t.join('')} 0800 ${IPV4_UDP}`;
  const TOO_MANY = -ev('decoder.vlan.too_many_layers');

  it('decodes QinQ (two tags) at the default depth and stops a third tag', () => {
    expect(DEFAULT_DECODE_LIMITS.maxVlanDepth).toBe(2);
    expect(decode(tags('88a8 00c8', '8100 0064'), LINKTYPE_ETHERNET).rc).toBe(0);
    const { pv, rc } = decode(tags('88a8 00c8', '8100 0064', '8100 0065'), LINKTYPE_ETHERNET);
    expect(rc).toBe(TOO_MANY);
    expect(pv.event).toBe(TOO_MANY);
    expect(pv.family).toBe(Family.None);
  });

  it('follows the configured depth', () => {
    const limits = (maxVlanDepth: number): DecodeLimits => ({ ...DEFAULT_DECODE_LIMITS, maxVlanDepth });
    expect(decode(tags('8100 0064'), LINKTYPE_ETHERNET, limits(0)).rc).toBe(TOO_MANY);
    expect(decode(tags('88a8 00c8', '8100 0064'), LINKTYPE_ETHERNET, limits(1)).rc).toBe(TOO_MANY);
    const three = decode(tags('88a8 00c8', '8100 0064', '8100 0065'), LINKTYPE_ETHERNET, limits(3));
    expect(three.rc).toBe(0);
    expect([three.pv.vlan, ...decoded(three.pv, 14 + 12).ports as number[]]).toEqual([200, 40000, 5683]);
  });

  it('counts a VLAN tag cut short as decoder.vlan.too_small, not a depth problem', () => {
    const f = hex`${MACS} 8100 00`;
    expect(decode(f, LINKTYPE_ETHERNET).rc).toBe(-ev('decoder.vlan.too_small'));
  });
});

describe('decodeFrame: every truncation of every wrapped frame', () => {
  const cases = [...v4Cases().map((c) => [c, IPV4_UDP] as const), ...v6Cases().map((c) => [c, IPV6_UDP] as const)];
  /** The event a frame cut inside its link header gives, by link type. */
  const linkShort: Record<number, number> = {
    [LINKTYPE_ETHERNET]: -ev('decoder.ethernet.too_small'),
    [LINKTYPE_LINUX_SLL]: -ev('decoder.sll.too_small'),
    [LINKTYPE_LINUX_SLL2]: -ev('decoder.sll2.too_small'),
    [LINKTYPE_NULL]: -ev('decoder.null.too_small'),
    [LINKTYPE_LOOP]: -ev('decoder.null.too_small'),
  };

  it('never throws, and a cut link header gives that link type\'s event', () => {
    for (const [c, ip] of cases) {
      const frame = frameOf(c, ip);
      const fixedHeader = c.linkType === LINKTYPE_ETHERNET ? 14 : c.header.length;
      for (let cap = 0; cap <= frame.length; cap++) {
        const { pv, rc } = decode(frame, c.linkType, DEFAULT_DECODE_LIMITS, cap);
        expect(rc, `${c.name} cut to ${cap}`).toBeLessThanOrEqual(0);
        expect(pv.event, `${c.name} cut to ${cap}`).toBe(rc);
        if (cap < fixedHeader) expect(rc, `${c.name} cut to ${cap}`).toBe(linkShort[c.linkType]);
        if (fixedHeader === 0 && cap === 0) expect(rc).toBe(-ev('decoder.frame.truncated'));
      }
    }
  });
});

describe('link types through a capture file', () => {
  let dir: string;
  beforeAll(() => { dir = makeTempDir(); });
  afterAll(() => removeTempDir(dir));

  it.each(v4Cases().map((c) => [c.name, c] as const))('%s: written as pcap, read back and decoded alike', async (name, c) => {
    const p = join(dir, `${name.replace(/\W+/g, '-')}.pcap`);
    writeClassicPcap(p, { linkType: c.linkType }, [{ ts: 1_700_000_000_000_001, data: frameOf(c, IPV4_UDP) }]);
    const pv = new PacketView();
    const rcs: number[] = [];
    const stats = await openCapture(p).run((buf, off, capLen, origLen, ts, linkType, ifIndex) => {
      rcs.push(decodeFrame(pv, buf, off, capLen, origLen, ts, linkType, ifIndex, DEFAULT_DECODE_LIMITS));
      expect({ ...decoded(pv, c.header.length), l3: pv.l3Off - off - c.header.length }).toEqual(V4_EXPECTED);
      expect(pv.ts).toBe(1_700_000_000_000_001);
    });
    expect(stats.frames).toBe(1);
    expect(rcs).toEqual([0]);
  });
});
