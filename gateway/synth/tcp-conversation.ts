// One TCP connection of the demo capture, as the gateway's LAN port sees it: handshake, data in
// MSS-sized segments with delayed ACKs, FIN or RST close, sequence numbers kept straight, each
// packet timed by how far its sender is from the capture point.
import { PROTO, tcp } from './frame-builders.js';
import type { SeededRandom } from './seeded-random.js';
import { ipFrame, type Endpoint, type Timeline } from './timeline.js';

/** Which end sends. */
export type Side = 'client' | 'server';

/** Largest segment payload, bytes (Ethernet MTU 1500 − 20 IPv4 − 20 TCP). */
export const MSS = 1460;
/** MSS option of a SYN (RFC 9293 §3.7.1): kind 2, length 4, 1460. */
const MSS_OPTION = Buffer.from([2, 4, MSS >> 8, MSS & 0xff]);

/** Timing of a conversation, seconds. */
export interface TcpTiming {
  /** From the capture point to the client and back (a LAN device: under a millisecond). Default 0.0005. */
  clientRtt?: number;
  /** From the capture point to the server and back (a cloud: tens of milliseconds). Default 0.030. */
  serverRtt?: number;
  /** Between back-to-back segments of one burst. Default 0.0005. */
  segmentGap?: number;
}

/**
 * A TCP connection writing its frames into a timeline. Methods take the time (s) the step starts
 * and return the time it ends, so a script chains them: `t = c.open(t); t = c.send('client', req, t)`.
 */
export class TcpConversation {
  private seq: Record<Side, number>;
  private readonly clientRtt: number;
  private readonly serverRtt: number;
  private readonly gap: number;

  constructor(
    private readonly out: Timeline,
    readonly client: Endpoint,
    readonly server: Endpoint,
    rnd: SeededRandom,
    timing: TcpTiming = {},
  ) {
    this.seq = { client: rnd.nextU32(), server: rnd.nextU32() };
    this.clientRtt = timing.clientRtt ?? 0.0005;
    this.serverRtt = timing.serverRtt ?? 0.030;
    this.gap = timing.segmentGap ?? 0.0005;
  }

  /** Time for an answer from `side` to a packet the capture point just saw going to it. */
  private rtt(side: Side): number {
    return side === 'client' ? this.clientRtt : this.serverRtt;
  }

  private other(side: Side): Side {
    return side === 'client' ? 'server' : 'client';
  }

  /** One segment from `side` at `t`: flags, payload; advances that side's sequence number. */
  private segment(side: Side, t: number, flags: string, payload?: Buffer, options?: Buffer): void {
    const from = side === 'client' ? this.client : this.server;
    const to = side === 'client' ? this.server : this.client;
    const ack = flags.includes('A') ? this.seq[this.other(side)] : 0;
    const seg = tcp({ sport: from.port, dport: to.port, flags, seq: this.seq[side], ack, window: 64240, payload, options });
    this.out.add(t, ipFrame(from, to, PROTO.TCP, seg));
    this.seq[side] = (this.seq[side] + (payload?.length ?? 0) + (flags.includes('S') || flags.includes('F') ? 1 : 0)) >>> 0;
  }

  /** SYN, SYN-ACK, ACK. */
  open(t: number): number {
    this.segment('client', t, 'S', undefined, MSS_OPTION);
    const synAck = t + this.serverRtt;
    this.segment('server', synAck, 'SA', undefined, MSS_OPTION);
    const ack = synAck + this.clientRtt;
    this.segment('client', ack, 'A');
    return ack;
  }

  /**
   * A SYN scanner's probe (nmap -sS): SYN, then RST-ACK from a closed port, or SYN-ACK from an open
   * one that the scanner tears down with a bare RST instead of completing the handshake.
   */
  synProbe(t: number, open: boolean): number {
    this.segment('client', t, 'S', undefined, MSS_OPTION);
    const answer = t + this.serverRtt;
    if (!open) {
      this.segment('server', answer, 'RA');
      return answer;
    }
    this.segment('server', answer, 'SA', undefined, MSS_OPTION);
    const rst = answer + this.clientRtt;
    this.segment('client', rst, 'R');
    return rst;
  }

  /**
   * `data` from `side` in MSS-sized segments, PSH on the last; the receiver ACKs every second
   * segment and the last one (RFC 9293 §3.8.6.3 delayed ACKs). Returns when the last ACK is seen.
   */
  send(side: Side, data: Buffer, t: number): number {
    const receiver = this.other(side);
    let at = t;
    let acked = t;
    const n = Math.max(1, Math.ceil(data.length / MSS));
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      this.segment(side, at, last ? 'PA' : 'A', data.subarray(i * MSS, Math.min(data.length, (i + 1) * MSS)));
      if (i % 2 === 1 || last) {
        acked = at + this.rtt(receiver);
        this.segment(receiver, acked, 'A');
      }
      at += this.gap;
    }
    return acked;
  }

  /** A request from the client and the server's answer. */
  exchange(request: Buffer, response: Buffer, t: number): number {
    return this.send('server', response, this.send('client', request, t));
  }

  /** FIN from `side`, FIN-ACK back, last ACK. */
  close(side: Side, t: number): number {
    const other = this.other(side);
    this.segment(side, t, 'FA');
    const fin = t + this.rtt(other);
    this.segment(other, fin, 'FA');
    const ack = fin + this.rtt(side);
    this.segment(side, ack, 'A');
    return ack;
  }

}
