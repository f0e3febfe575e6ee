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
import { BoundedTable } from '../common/bounded-table.js';
import { hash30 } from '../common/hash30.js';
import { ETHERTYPE } from '../decode/dispatch.js';
import { isGroupMac } from '../decode/group-address.js';
import type { LocalNetworks } from '../track/local-networks.js';

/** Devices (keys) whose worker is remembered; past it the oldest is forgotten and dealt afresh. */
const MAX_KEYS = 1 << 18;
/** LAN ↔ LAN flows whose initiator is remembered. */
const MAX_LAN_FLOWS = 1 << 16;
/** Second words of the key hashes, so a MAC, an IPv4 and an IPv6 address hash apart. */
const IPV4_DOMAIN = 0x49503400;
const IPV6_DOMAIN = 0x49503600;
const ARP_REPLY = 2;

/**
 * A device key: a 30-bit hash (a small integer, so the tables' keys are never boxed numbers). Two
 * devices that collide share a worker; each still has all its traffic on it.
 */
function macKey(mac: number): number {
  return hash30(Math.floor(mac / 0x100000000), mac >>> 0);
}

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
  private readonly owner = new BoundedTable<number, number>({ name: 'dealer.devices', capacity: MAX_KEYS, order: 'fifo' });
  /** Hash of a LAN ↔ LAN flow's address pair and ports → the key of its initiator. */
  private readonly lanFlows = new BoundedTable<number, number>({ name: 'dealer.lanFlows', capacity: MAX_LAN_FLOWS, order: 'fifo' });

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
    let w = this.owner.peek(key);
    if (w === undefined) {
      w = 0;
      for (let i = 1; i < this.workers; i++) if (this.dealt[i]! < this.dealt[w]!) w = i;
      this.owner.add(key, w); // at the cap the oldest device is forgotten
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
        while ((etherType === ETHERTYPE.VLAN || etherType === ETHERTYPE.QINQ || etherType === ETHERTYPE.VLAN_9100) && o + 6 <= end) {
          o += 4;
          etherType = buf.readUInt16BE(o);
        }
        l3 = o + 2;
        break;
      }
      case LINKTYPE_RAW: case LINKTYPE_IPV4: case LINKTYPE_IPV6:
        l3 = off;
        etherType = capLen > 0 && (buf[off]! >> 4) === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
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
        etherType = (buf[l3]! >> 4) === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
        break;
      default:
        return 0;
    }
    if (etherType === ETHERTYPE.IPV4 && l3 + 20 <= end && (buf[l3]! >> 4) === 4) {
      this.lastHadIp = true;
      const s = buf.readUInt32BE(l3 + 12);
      const d = buf.readUInt32BE(l3 + 16);
      const sl = this.local.hasV4(s);
      const dl = this.local.hasV4(d);
      if (sl && !dl) return srcMac >= 0 ? macKey(srcMac) : hash30(s, IPV4_DOMAIN);
      if (dl && !sl) return dstMac >= 0 ? macKey(dstMac) : hash30(d, IPV4_DOMAIN);
      if (sl && dl) {
        const ihl = (buf[l3]! & 15) * 4;
        return this.initiator(s, d, this.ports(buf, l3 + ihl, end, buf[l3 + 9]!), buf[l3 + 9]!, srcMac >= 0 ? macKey(srcMac) : hash30(s, IPV4_DOMAIN));
      }
      return this.senderKey(srcMac, dstMac, hash30(Math.min(s, d), IPV4_DOMAIN), true);
    }
    if (etherType === ETHERTYPE.IPV6 && l3 + 40 <= end && (buf[l3]! >> 4) === 6) {
      this.lastHadIp = true;
      const s0 = buf.readUInt32BE(l3 + 8), s1 = buf.readUInt32BE(l3 + 12), s2 = buf.readUInt32BE(l3 + 16), s3 = buf.readUInt32BE(l3 + 20);
      const d0 = buf.readUInt32BE(l3 + 24), d1 = buf.readUInt32BE(l3 + 28), d2 = buf.readUInt32BE(l3 + 32), d3 = buf.readUInt32BE(l3 + 36);
      const sl = this.local.hasV6(s0, s1, s2, s3);
      const dl = this.local.hasV6(d0, d1, d2, d3);
      const sh = hash30(hash30(s0, s1), hash30(s2, s3));
      const dh = hash30(hash30(d0, d1), hash30(d2, d3));
      if (sl && !dl) return srcMac >= 0 ? macKey(srcMac) : hash30(sh, IPV6_DOMAIN);
      if (dl && !sl) return dstMac >= 0 ? macKey(dstMac) : hash30(dh, IPV6_DOMAIN);
      // Extension headers are not walked: the next header's ports are read only when it is TCP or UDP.
      if (sl && dl) return this.initiator(sh, dh, this.ports(buf, l3 + 40, end, buf[l3 + 6]!), buf[l3 + 6]!, srcMac >= 0 ? macKey(srcMac) : hash30(sh, IPV6_DOMAIN));
      return this.senderKey(srcMac, dstMac, hash30(Math.min(sh, dh), IPV6_DOMAIN), true);
    }
    // An ARP reply belongs with the request it answers (an ARP sweep counts its answers).
    if (etherType === ETHERTYPE.ARP && l3 + 8 <= end && buf.readUInt16BE(l3 + 6) === ARP_REPLY && dstMac >= 0 && !isGroupMac(dstMac)) return macKey(dstMac);
    return this.senderKey(srcMac, dstMac, 0, false);
  }

  /**
   * A frame between two non-LAN addresses: the lower of the two MACs (both directions alike; on a
   * LAN with public addresses that is often the router's, and all its traffic shares one worker).
   * A frame without IP (ARP, LLDP): its sender. A group address never names a device.
   */
  private senderKey(srcMac: number, dstMac: number, fallback: number, withIp: boolean): number {
    if (srcMac < 0) return fallback;
    const dstGroup = dstMac < 0 || isGroupMac(dstMac);
    if (isGroupMac(srcMac)) return macKey(dstGroup ? srcMac : dstMac);
    return macKey(!withIp || dstGroup ? srcMac : Math.min(srcMac, dstMac));
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
    const h = hash30(hash30(a, b), hash30(p, proto));
    const known = this.lanFlows.peek(h);
    if (known !== undefined) return known;
    this.lanFlows.add(h, mine);
    return mine;
  }
}
