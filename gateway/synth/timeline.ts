// The demo capture being written: frames with their packet time, added in any order by the scripts
// of each device and attack, handed out sorted. Plus the endpoint type the scripts address frames
// with, and the IPv4 framing every one of them shares.
import { ETHER_IPV4, PROTO, ether, frame, ipv4, padTo, udp } from './frame-builders.js';

/** One frame of a capture at packet time `ts` (µs since the Unix epoch). */
export interface TimedFrame {
  ts: number;
  data: Buffer;
}

/**
 * One end of a conversation as the gateway's LAN port sees it: the IP address and port, and the
 * MAC on the LAN side of the link (for a host on the internet: the router's).
 */
export interface Endpoint {
  mac: string;
  ip: string;
  port: number;
  /** IPv4 TTL of its packets as they reach the capture point. Default 64 (a LAN host). */
  ttl?: number;
}

/** An IPv4 packet from `src` to `dst` in an Ethernet frame (padded to the 60-byte minimum). */
export function ipFrame(src: Endpoint, dst: Endpoint, proto: number, segment: Buffer, dstMac = dst.mac): Buffer {
  return padTo(frame(
    ether({ dst: dstMac, src: src.mac, type: ETHER_IPV4 }),
    ipv4({ src: src.ip, dst: dst.ip, proto, ttl: src.ttl ?? 64, payload: segment }),
  ));
}

/** A UDP datagram from `src` to `dst`; `dstMac` for broadcast and multicast. */
export function udpFrame(src: Endpoint, dst: Endpoint, payload: Buffer, dstMac = dst.mac): Buffer {
  return ipFrame(src, dst, PROTO.UDP, udp({ sport: src.port, dport: dst.port, payload }), dstMac);
}

/** Collects frames at times in seconds from the start of the capture. */
export class Timeline {
  private readonly list: { t: number; seq: number; data: Buffer }[] = [];

  /** `baseUs`: packet time of second 0, µs since the epoch. */
  constructor(readonly baseUs: number) {}

  /** Adds a frame at `t` seconds; frames added at the same time keep the order they were added in. */
  add(t: number, data: Buffer): void {
    if (!(t >= 0)) throw new RangeError(`timeline: bad time ${t}`);
    this.list.push({ t, seq: this.list.length, data });
  }

  /** Time of the earliest frame, seconds; 0 when there is none. */
  firstTime(): number {
    return this.list.reduce((m, f) => Math.min(m, f.t), this.list.length > 0 ? Infinity : 0);
  }

  /** Every frame in time order, times in whole µs. */
  frames(): TimedFrame[] {
    return [...this.list]
      .sort((a, b) => a.t - b.t || a.seq - b.seq)
      .map((f) => ({ ts: this.baseUs + Math.round(f.t * 1e6), data: f.data }));
  }
}
