// The contract of an application-protocol module (after Suricata's app-layer parser table): each
// protocol is a folder under gateway/app/ with a pure parser, its per-flow state and the records it
// emits. Modules know nothing of flows, devices or detectors: they read bytes and emit records;
// the sensor turns records into device and flow facts and hands them to the plug-ins.
import type { AppRecord } from './app-record.js';

/** Where records go. `dir` 0 is initiator→responder, 1 the other way. */
export type RecordSink = (rec: AppRecord) => void;

/** What a probe says of the first bytes of one direction. */
export const enum Probe {
  /** Not this protocol. */
  No = 0,
  /** This protocol. */
  Yes = 1,
  /** Too few bytes to tell; ask again with more. */
  NeedMore = 2,
}

/**
 * A protocol over TCP. It is fed the reassembled, in-order bytes of each direction of one
 * connection (gateway/stream/) and keeps what it must between calls in its own state, bounded.
 */
export interface TcpAppModule<S = unknown> {
  /** Protocol name, e.g. "http"; the record kinds it emits start with it. */
  readonly name: string;
  /** Server ports that hint at this protocol (IANA and common IoT ones); probed first there. */
  readonly ports: readonly number[];
  /**
   * Looks at the first bytes of direction `dir` (`b[off, end)`, at least 1 byte). Must be cheap and
   * strict enough that another protocol on the same port says No.
   */
  probe(b: Buffer, off: number, end: number, dir: number): Probe;
  /** New per-connection state. */
  create(): S;
  /**
   * Consumes in-order bytes of one direction. Emits any complete records. Returns 0, or a negated
   * event code (common/events.ts) when the stream is malformed beyond recovery: the sensor counts
   * it and stops feeding this connection.
   */
  feed(state: S, dir: number, b: Buffer, off: number, end: number, ts: number, out: RecordSink): number;
  /** `bytes` of direction `dir` were never seen (a gap in reassembly). The module resyncs or gives up. */
  gap?(state: S, dir: number, bytes: number): void;
  /** The connection ended: emit what is pending (a body cut short, a login never answered). */
  end?(state: S, ts: number, out: RecordSink): void;
}

/** A protocol over UDP: one datagram is one message. */
export interface UdpAppModule {
  readonly name: string;
  /** Ports (either side) that carry this protocol. */
  readonly ports: readonly number[];
  /** Optional content probe for datagrams on other ports. */
  probe?(b: Buffer, off: number, end: number): Probe;
  /** Parses one datagram `b[off, end)` sent at `ts`; emits records; returns 0 or a negated event code. */
  parse(b: Buffer, off: number, end: number, ts: number, dir: number, out: RecordSink): number;
}
