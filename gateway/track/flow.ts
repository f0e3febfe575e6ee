// One bidirectional flow: the 5-tuple oriented from initiator (side A) to responder (side B),
// counters each way, TCP state, and what the application parsers learned. Objects are created
// only for new flows; every field is set in the constructor so all flows share one shape.

import type { AppFlow } from '../app/app-dispatch.js';
import type { TcpStream } from '../stream/tcp-stream.js';

/** TCP connection state, as far as the gateway saw it. */
export const enum TcpState {
  /** Not TCP, or TCP picked up mid-stream with no handshake seen. */
  None = 0,
  /** SYN seen from A. */
  SynSent = 1,
  /** SYN-ACK seen from B. */
  SynAck = 2,
  /** Handshake completed, or data seen both ways. */
  Established = 3,
  /** FIN from one side. */
  Closing = 4,
  /** FIN from both sides, or RST. */
  Closed = 5,
}

/** Why a flow record ended. */
export type FlowEndReason = 'idle' | 'closed' | 'active' | 'evicted' | 'shutdown';

/** Timeout class: which LRU list the flow is on. */
export const enum TimeoutClass {
  TcpNew = 0,
  TcpEstablished = 1,
  TcpClosed = 2,
  Udp = 3,
  Other = 4,
}

export class Flow {
  /** Table internals: symmetric hash, bucket chain, LRU links. */
  hash: number;
  chain: Flow | null = null;
  lruPrev: Flow | null = null;
  lruNext: Flow | null = null;
  tclass: TimeoutClass = TimeoutClass.Other;

  /** Monotonic id within the table. */
  readonly id: number;
  readonly family: number;
  readonly proto: number;
  /** Side A (initiator) and B (responder) addresses as 32-bit words (IPv4: word 0). */
  a0: number; a1: number; a2: number; a3: number;
  b0: number; b1: number; b2: number; b3: number;
  aPort: number;
  bPort: number;
  /** MACs seen on A's and B's frames (-1 if the link has none). */
  aMac: number;
  bMac: number;
  /** True when the handshake (TCP SYN or SYN-ACK) or the first UDP datagram named the initiator. */
  initiatorKnown: boolean;
  /** Packet time, µs. */
  firstTs: number;
  lastTs: number;
  /** Packets and bytes (on the wire) A→B and B→A. */
  pktsAB = 0; bytesAB = 0; pktsBA = 0; bytesBA = 0;
  /** Transport payload bytes each way. */
  payloadAB = 0; payloadBA = 0;
  /** TCP flags OR-ed over each direction. */
  flagsAB = 0; flagsBA = 0;
  tcpState: TcpState = TcpState.None;
  /** ICMP type and code of the first packet, or -1. */
  icmpType = -1;
  icmpCode = -1;
  endReason: FlowEndReason | null = null;

  // ---- application layer (copied strings: they outlive the packet)
  /** TLS server name and JA4 client fingerprint from the first ClientHello. */
  sni: string | null = null;
  ja4: string | null = null;
  /** HTTP request head of the first request. */
  httpMethod: string | null = null;
  httpHost: string | null = null;
  httpUri: string | null = null;
  httpUserAgent: string | null = null;
  /** App protocol the dispatch table found by content ("http", "tls", "ssh"…), or null. */
  appProto: string | null = null;
  /** The protocol found is not one its server port hints (SSH on 902, HTTP on 7080). */
  appPortMismatch = false;
  /** Sequence number of each side's SYN (uint32), or -1: the reassembler's start when data comes. */
  synSeqA = -1;
  synSeqB = -1;
  /** TCP reassembly and app-module state, made at the first payload byte (sensor/app-layer.ts). */
  stream: TcpStream<Flow> | null = null;
  app: AppFlow | null = null;

  /** Slots for later layers (policy verdict, detector marks), typed by their owners. */
  verdict: unknown = null;

  constructor(id: number, hash: number, family: number, proto: number, ts: number) {
    this.id = id; this.hash = hash; this.family = family; this.proto = proto;
    this.a0 = 0; this.a1 = 0; this.a2 = 0; this.a3 = 0;
    this.b0 = 0; this.b1 = 0; this.b2 = 0; this.b3 = 0;
    this.aPort = 0; this.bPort = 0; this.aMac = -1; this.bMac = -1;
    this.initiatorKnown = false;
    this.firstTs = ts; this.lastTs = ts;
  }

  get packets(): number {
    return this.pktsAB + this.pktsBA;
  }

  get bytes(): number {
    return this.bytesAB + this.bytesBA;
  }
}

/** Told of flow starts and ends. */
export interface FlowListener {
  /**
   * A flow was created: its 5-tuple, orientation, first time and the sender's MAC are set, but the
   * first packet's counters and TCP flags are applied only after this returns (use onPacket with
   * `flow.packets === 1` to see the opening segment).
   */
  onFlowStart?(f: Flow): void;
  onFlowEnd?(f: Flow): void;
}
