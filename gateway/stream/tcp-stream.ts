// Per-connection state of TCP stream reassembly: both directions of one connection, as
// TcpReassembler (tcp-reassembler.ts) keeps it between segments. Only the reassembler writes it.

/**
 * An out-of-order segment held until the bytes before it arrive: its own copy of the payload
 * (the caller's packet buffer is reused as soon as `segment` returns).
 */
export interface HeldSegment {
  /** Stream offset of `buf[0]`. */
  readonly off: number;
  /** The copied bytes; never empty. */
  readonly buf: Buffer;
}

/**
 * One direction of a connection. Positions are stream offsets: bytes from the direction's first
 * byte (the one after the SYN, or the first data byte seen), as doubles, exact up to 2^53 bytes.
 */
export class TcpDirection {
  /** Sequence number (uint32) of stream offset 0; -1 until the direction starts. */
  isn = -1;
  /** Stream offset of the next byte to deliver. */
  next = 0;
  /** Sequence number (uint32) of `next`. */
  nextSeq = 0;
  /** Stream offset past which nothing is accepted: the depth, lowered to the FIN's position once one is seen. */
  limit = 0;
  /** A FIN at or after `next` was seen (the first one counts). */
  finSeen = false;
  /** `stream.depth_reached` was counted for this direction. */
  depthCounted = false;
  /** `next` reached `limit`: every later segment is ignored and nothing is held. */
  done = false;
  /** Bytes handed to `StreamDelivery.data`. */
  delivered = 0;
  /** Bytes reported to `StreamDelivery.gap`. */
  skipped = 0;
  /** Held out-of-order segments, sorted by offset, never overlapping, all after `next`; null when none. */
  held: HeldSegment[] | null = null;
  /** Memory charged for `held`: payload plus the per-segment overhead, bytes. */
  heldBytes = 0;
  /** Ring of the last delivered bytes (overlap-window.ts); null until the direction shows loss or reordering. */
  win: Buffer | null = null;
  /** First stream offset the ring holds validly (it is not filled across a gap). */
  winFrom = 0;
}

/**
 * Reassembly state of one TCP connection; `owner` is handed back with every delivery (the flow
 * record, or whatever the caller keys its app-layer state on). Direction 0 is initiator→responder,
 * 1 the other way. About 330 bytes of heap on Node 20 while nothing is held (see tcp-reassembler.ts).
 */
export class TcpStream<O> {
  /** Initiator→responder. */
  readonly d0 = new TcpDirection();
  /** Responder→initiator. */
  readonly d1 = new TcpDirection();
  /** `close` ran: later segments are ignored. */
  closed = false;
  /** Packet time of the last segment (µs), used by `close` when given none. */
  lastTs = 0;

  constructor(readonly owner: O) {}

  /** The state of direction `dir` (0, or anything else for 1). */
  dir(dir: number): TcpDirection {
    return dir === 0 ? this.d0 : this.d1;
  }

  /** Memory charged for this connection's held segments, both directions, bytes. */
  get heldBytes(): number {
    return this.d0.heldBytes + this.d1.heldBytes;
  }

  /** Bytes of direction `dir` delivered so far. */
  bytesDelivered(dir: number): number {
    return this.dir(dir).delivered;
  }

  /** Bytes of direction `dir` reported as gaps so far. */
  bytesSkipped(dir: number): number {
    return this.dir(dir).skipped;
  }

  /** Sequence number (uint32) of the first byte of direction `dir`, or -1 before it started. */
  initialSeq(dir: number): number {
    return this.dir(dir).isn;
  }
}
