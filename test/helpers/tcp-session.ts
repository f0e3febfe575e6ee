// One TCP connection between a LAN device and a server behind the gateway, built frame by frame
// with the sequence numbers kept (SYN and FIN take one, payload its length): the built captures of
// the download, loader and mining tests.
import { ether, ETHER_IPV4, frame, ipv4, PROTO, tcp } from './frames.js';
import type { TimedFrame } from './replay-frames.js';

export interface TcpEnds {
  devMac: string;
  devIp: string;
  /** The gateway's MAC: the next hop of the device's frames, the sender of the server's. */
  gwMac: string;
  server: string;
  sport: number;
  dport: number;
}

export interface TcpSession {
  /** The frames so far, in order. */
  frames: TimedFrame[];
  /** A segment from the device at `t` (seconds; default the previous frame's time + `step`). */
  client(flags: string, payload?: Buffer, t?: number): void;
  /** A segment from the server. */
  server(flags: string, payload?: Buffer, t?: number): void;
}

/** `start`: time of the first frame when none is given; `step`: gap between frames without a time. */
export function tcpSession(e: TcpEnds, start = 1, step = 0.01): TcpSession {
  const frames: TimedFrame[] = [];
  let cs = 1000, ss = 5000;
  let t = start - step;
  const at = (given: number | undefined): number => (t = given ?? t + step);
  const used = (flags: string, payload?: Buffer): number => (payload?.length ?? 0) + (flags.includes('S') || flags.includes('F') ? 1 : 0);
  return {
    frames,
    client(flags, payload, when) {
      frames.push({ t: at(when), data: frame(ether({ src: e.devMac, dst: e.gwMac, type: ETHER_IPV4 }), ipv4({ src: e.devIp, dst: e.server, proto: PROTO.TCP, payload: tcp({ sport: e.sport, dport: e.dport, flags, seq: cs, ack: ss, payload }) })) });
      cs += used(flags, payload);
    },
    server(flags, payload, when) {
      frames.push({ t: at(when), data: frame(ether({ src: e.gwMac, dst: e.devMac, type: ETHER_IPV4 }), ipv4({ src: e.server, dst: e.devIp, proto: PROTO.TCP, payload: tcp({ sport: e.dport, dport: e.sport, flags, seq: ss, ack: cs, payload }) })) });
      ss += used(flags, payload);
    },
  };
}
