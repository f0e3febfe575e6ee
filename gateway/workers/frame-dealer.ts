// Deals frames to N sensor workers so that everything one detector must see together lands on one
// worker: a frame goes to the worker of the LAN device it belongs to, and every frame of one
// device (both directions of all its flows, its ARP, DHCP and DNS) goes to the same worker.
//
// Which device a frame belongs to, from its addresses alone (no decode beyond the headers):
// - LAN ↔ outside: the LAN side's MAC (the sender of an outbound frame, the receiver of an
//   inbound one), so a scan, flood or brute force aimed at one device, and all of one device's
//   own traffic, stay together;
// - LAN ↔ LAN: the MAC of the side that sent the flow's first frame (its initiator, remembered in
//   a bounded table by the flow's address pair), so a LAN host sweeping its subnet keeps all its
//   probes on one worker; the answering device's per-device detectors do not see that flow (see
//   README "Workers" for what that changes);
// - neither side on the LAN: the lower of the two MACs (a broadcast or multicast side aside);
// - frames without IP (ARP, LLDP): the sender's MAC; an ARP reply, the MAC it answers;
// - captures without MACs (raw IP, Linux cooked): the LAN address instead of the MAC.
// A device seen for the first time goes to the worker that has been dealt the fewest frames so
// far, then stays there: one heavy device (a flood's victim) fills one worker and the others share
// the rest. Every decision depends only on the frames dealt before, so workers that each read the
// same file compute the same deal without talking to each other.
import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW,
} from '../capture/link-types.js';
import type { LocalNetworks } from '../track/local-networks.js';

/** Devices (keys) whose worker is remembered; past it the oldest is forgotten and dealt afresh. */
const MAX_KEYS = 1 << 18;
/** LAN ↔ LAN flows whose initiator is remembered. */
const MAX_LAN_FLOWS = 1 << 16;
/** Keys that are not MACs (2^48 and up) so they never meet one. */
const IPV4_KEY = 2 ** 48;
const IPV6_KEY = 2 ** 49;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_ARP = 0x0806;
const ARP_REPLY = 2;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;

/** What a worker does with a frame (`FrameDealer.share`). */
export const SHARE_MINE = 0;
/** Another worker's frame with an IP header: the flow table's clock moves with it. */
export const SHARE_OTHER_IP = 1;
/** Another worker's frame without IP: only the sensor's tick clock moves. */
export const SHARE_OTHER = 2;

export class FrameDealer {
  /** The last frame given to deal() had an IPv4 or IPv6 header (what moves a flow table's clock). */
  lastHadIp = false;
  /** Frames dealt to each worker. */
  readonly dealt: Float64Array;
  /** Key (device) → worker. */
  private readonly owner = new Map<number, number>();
  /** Hash of a LAN ↔ LAN flow's address pair and ports → the key of its initiator. */
  private readonly lanFlows = new Map<number, number>();

  constructor(readonly workers: number, private readonly local: LocalNetworks) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a whole number of at least 1, got ${workers}`);
    this.dealt = new Float64Array(workers);
  }

  /** Devices with a worker now. */
  get devices(): number {
    return this.owner.size;
  }

  /** SHARE_MINE when worker `me` gets this frame, else SHARE_OTHER_IP or SHARE_OTHER. */
  share(me: number, buf: Buffer, off: number, capLen: number, linkType: number): number {
    if (this.deal(buf, off, capLen, linkType) === me) return SHARE_MINE;
    return this.lastHadIp ? SHARE_OTHER_IP : SHARE_OTHER;
  }

  /** The worker (0 … workers − 1) that gets this frame. */
  deal(buf: Buffer, off: number, capLen: number, linkType: number): number {
    if (this.workers === 1) { this.dealt[0]!++; return 0; }
    const key = this.keyOf(buf, off, capLen, linkType);
    let w = this.owner.get(key);
    if (w === undefined) {
      w = 0;
      for (let i = 1; i < this.workers; i++) if (this.dealt[i]! < this.dealt[w]!) w = i;
      if (this.owner.size >= MAX_KEYS) this.owner.delete(this.owner.keys().next().value!);
      this.owner.set(key, w);
    }
    this.dealt[w]!++;
    return w;
  }

  /** The device key of a frame (see the header); 0 for a frame too short to tell. */
  keyOf(buf: Buffer, off: number, capLen: number, linkType: number): number {
    const end = off + capLen;
    this.lastHadIp = false;
    let l3: number;
    let etherType: number;
    let srcMac = -1;
    let dstMac = -1;
    switch (linkType) {
      case LINKTYPE_ETHERNET: {
        if (capLen < 14) return 0;
        dstMac = buf.readUIntBE(off, 6);
        srcMac = buf.readUIntBE(off + 6, 6);
        let o = off + 12;
        etherType = buf.readUInt16BE(o);
        while ((etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ) && o + 6 <= end) {
          o += 4;
          etherType = buf.readUInt16BE(o);
        }
        l3 = o + 2;
        break;
      }
      case LINKTYPE_RAW: case LINKTYPE_IPV4: case LINKTYPE_IPV6:
        l3 = off;
        etherType = capLen > 0 && (buf[off]! >> 4) === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
        break;
      case LINKTYPE_LINUX_SLL:
        if (capLen < 16) return 0;
        etherType = buf.readUInt16BE(off + 14);
        l3 = off + 16;
        break;
      case LINKTYPE_LINUX_SLL2:
        if (capLen < 20) return 0;
        etherType = buf.readUInt16BE(off);
        l3 = off + 20;
        break;
      case LINKTYPE_NULL: case LINKTYPE_LOOP:
        if (capLen < 5) return 0;
        l3 = off + 4;
        etherType = (buf[l3]! >> 4) === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
        break;
      default:
        return 0;
    }
    if (etherType === ETHERTYPE_IPV4 && l3 + 20 <= end && (buf[l3]! >> 4) === 4) {
      this.lastHadIp = true;
      const s = buf.readUInt32BE(l3 + 12);
      const d = buf.readUInt32BE(l3 + 16);
      const sl = this.local.hasV4(s);
      const dl = this.local.hasV4(d);
      if (sl && !dl) return srcMac >= 0 ? srcMac : IPV4_KEY + s;
      if (dl && !sl) return dstMac >= 0 ? dstMac : IPV4_KEY + d;
      if (sl && dl) {
        const ihl = (buf[l3]! & 15) * 4;
        return this.initiator(s, d, this.ports(buf, l3 + ihl, end, buf[l3 + 9]!), buf[l3 + 9]!, srcMac >= 0 ? srcMac : IPV4_KEY + s);
      }
      return this.senderKey(srcMac, dstMac, IPV4_KEY + Math.min(s, d), true);
    }
    if (etherType === ETHERTYPE_IPV6 && l3 + 40 <= end && (buf[l3]! >> 4) === 6) {
      this.lastHadIp = true;
      const s0 = buf.readUInt32BE(l3 + 8), s1 = buf.readUInt32BE(l3 + 12), s2 = buf.readUInt32BE(l3 + 16), s3 = buf.readUInt32BE(l3 + 20);
      const d0 = buf.readUInt32BE(l3 + 24), d1 = buf.readUInt32BE(l3 + 28), d2 = buf.readUInt32BE(l3 + 32), d3 = buf.readUInt32BE(l3 + 36);
      const sl = this.local.hasV6(s0, s1, s2, s3);
      const dl = this.local.hasV6(d0, d1, d2, d3);
      const sh = mix(mix(s0, s1), mix(s2, s3)) >>> 0;
      const dh = mix(mix(d0, d1), mix(d2, d3)) >>> 0;
      if (sl && !dl) return srcMac >= 0 ? srcMac : IPV6_KEY + sh;
      if (dl && !sl) return dstMac >= 0 ? dstMac : IPV6_KEY + dh;
      // Extension headers are not walked: the next header's ports are read only when it is TCP or UDP.
      if (sl && dl) return this.initiator(sh, dh, this.ports(buf, l3 + 40, end, buf[l3 + 6]!), buf[l3 + 6]!, srcMac >= 0 ? srcMac : IPV6_KEY + sh);
      return this.senderKey(srcMac, dstMac, IPV6_KEY + Math.min(sh, dh), true);
    }
    // An ARP reply belongs with the request it answers (an ARP sweep counts its answers).
    if (etherType === ETHERTYPE_ARP && l3 + 8 <= end && buf.readUInt16BE(l3 + 6) === ARP_REPLY && dstMac >= 0 && !(Math.floor(dstMac / 2 ** 40) & 1)) return dstMac;
    return this.senderKey(srcMac, dstMac, 0, false);
  }

  /**
   * A frame between two non-LAN addresses: the lower of the two MACs (both directions alike; on a
   * LAN with public addresses that is often the router's, and all its traffic shares one worker).
   * A frame without IP (ARP, LLDP): its sender. A group address never names a device.
   */
  private senderKey(srcMac: number, dstMac: number, fallback: number, withIp: boolean): number {
    if (srcMac < 0) return fallback;
    const srcGroup = Math.floor(srcMac / 2 ** 40) & 1;
    const dstGroup = dstMac < 0 || (Math.floor(dstMac / 2 ** 40) & 1);
    if (srcGroup) return dstGroup ? srcMac : dstMac;
    if (!withIp || dstGroup) return srcMac;
    return Math.min(srcMac, dstMac);
  }

  /** The two ports as one word (source port high), or 0 for a protocol without ports. */
  private ports(buf: Buffer, l4: number, end: number, proto: number): number {
    return (proto === 6 || proto === 17 || proto === 132) && l4 + 4 <= end ? buf.readUInt32BE(l4) : 0;
  }

  /** The key of whichever side sent a LAN ↔ LAN flow's first frame; `mine` is this frame's sender's. */
  private initiator(s: number, d: number, ports: number, proto: number, mine: number): number {
    // Order the pair so both directions hash alike (ports swap with the addresses).
    const swapped = s > d || (s === d && (ports >>> 16) > (ports & 0xffff));
    const a = swapped ? d : s, b = swapped ? s : d;
    const p = swapped ? (((ports & 0xffff) << 16) | (ports >>> 16)) >>> 0 : ports;
    const h = mix(mix(a, b), mix(p, proto));
    const known = this.lanFlows.get(h);
    if (known !== undefined) return known;
    if (this.lanFlows.size >= MAX_LAN_FLOWS) this.lanFlows.delete(this.lanFlows.keys().next().value!);
    this.lanFlows.set(h, mine);
    return mine;
  }
}

/** Two 32-bit words into one int32 (Murmur3 finalizer rounds). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b1)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
