// Bidirectional flow table: a symmetric hash of the 5-tuple into chained buckets, so both
// directions of a conversation find the same Flow without building a key; one LRU list per timeout
// class, so idle expiry pops from the heads; a hard cap that evicts the least recently seen flow
// (its accounting, `flow.table_full`, is a common/bounded-table.ts TableCap).
import { Family } from '../decode/packet-view.js';
import { isGroupMac } from '../decode/group-address.js';
import { TableCap } from '../common/bounded-table.js';
import type { DecodeCounters } from '../common/events.js';
import type { FlowConfig } from './track-config.js';
import { IPPROTO } from '../decode/dispatch.js';
import type { PacketView } from '../decode/packet-view.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/transport/tcp.js';
import { Flow, TcpState, TimeoutClass, type FlowEndReason, type FlowListener } from './flow.js';

const CLASSES = 5;

/** Counters the table keeps. */
export interface FlowCounters {
  /** Flows created, by protocol. */
  total: number; tcp: number; udp: number; icmp: number; other: number;
  /** Flows ended by each reason. */
  endedIdle: number; endedClosed: number; endedActive: number; endedShutdown: number;
  /** Flows evicted at the cap (the `flow.table_full` event; read from the table's cap). */
  readonly evicted: number;
  /** Most flows live at once. */
  peak: number;
}

/** Murmur3 finalizer: spreads the bits of a 32-bit value. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class FlowTable {
  private readonly buckets: (Flow | null)[];
  private readonly mask: number;
  private readonly heads: (Flow | null)[] = new Array<Flow | null>(CLASSES).fill(null);
  private readonly tails: (Flow | null)[] = new Array<Flow | null>(CLASSES).fill(null);
  /** Idle timeout per class, µs. */
  private readonly timeouts: number[];
  private readonly activeTimeout: number;
  private readonly listeners: FlowListener[] = [];
  private nextId = 1;
  private live = 0;
  /** Latest packet time seen (µs); timeouts run on it. */
  now = 0;
  private nextSweep = 0;
  /** Direction of the last packet given to `update`: 0 A→B, 1 B→A. */
  dir = 0;
  /** True when the last `update` created the flow. */
  created = false;
  /** The maxFlows cap: its evictions and the `flow.table_full` event. */
  readonly cap: TableCap;
  readonly counters: FlowCounters;

  /** `counters`: the sensor's named-event counters, where `flow.table_full` is counted. */
  constructor(readonly cfg: FlowConfig, counters?: DecodeCounters) {
    const cap = (this.cap = new TableCap({ name: 'flows.maxFlows', capacity: cfg.maxFlows, counters, event: 'flow.table_full' }));
    this.counters = {
      total: 0, tcp: 0, udp: 0, icmp: 0, other: 0, endedIdle: 0, endedClosed: 0, endedActive: 0, endedShutdown: 0,
      get evicted() { return cap.evicted; },
      peak: 0,
    };
    let size = 1024;
    while (size < cfg.maxFlows) size <<= 1;
    this.buckets = new Array<Flow | null>(size).fill(null);
    this.mask = size - 1;
    const s = 1e6;
    this.timeouts = [cfg.tcpNewTimeout * s, cfg.tcpEstablishedTimeout * s, cfg.tcpClosedTimeout * s, cfg.udpTimeout * s, cfg.otherTimeout * s];
    this.activeTimeout = cfg.activeTimeout * s;
  }

  addListener(l: FlowListener): void {
    this.listeners.push(l);
  }

  /** Every live flow, least recently active first within each timeout class (the API's live view). */
  *liveFlows(): IterableIterator<Flow> {
    for (let c = 0; c < CLASSES; c++) for (let f = this.heads[c] ?? null; f !== null; f = f.lruNext) yield f;
  }

  /** Flows currently in the table. */
  get size(): number {
    return this.live;
  }

  /**
   * Finds or creates the flow of an IP packet in `pv` and updates its counters and TCP state.
   * Sets `dir` and `created`. Returns null for frames without IP.
   */
  update(pv: PacketView): Flow | null {
    if (pv.family === Family.None) return null;
    const ts = pv.ts;
    if (ts > this.now) this.now = ts;
    if (this.now >= this.nextSweep) this.expire(this.now);
    const proto = pv.ipProto;
    const sp = pv.srcPort < 0 ? 0 : pv.srcPort;
    const dp = pv.dstPort < 0 ? 0 : pv.dstPort;
    // Symmetric: the sum of the two endpoint hashes is the same in both directions.
    const hs = fmix((pv.src0 ^ Math.imul(pv.src1, 0x9e3779b1) ^ Math.imul(pv.src2, 0x85ebca77) ^ Math.imul(pv.src3, 0xc2b2ae3d)) + sp);
    const hd = fmix((pv.dst0 ^ Math.imul(pv.dst1, 0x9e3779b1) ^ Math.imul(pv.dst2, 0x85ebca77) ^ Math.imul(pv.dst3, 0xc2b2ae3d)) + dp);
    const h = fmix(((hs + hd) | 0) ^ (proto << 24) ^ pv.family);
    let f: Flow | null = this.buckets[h & this.mask];
    let dir = -1;
    for (; f !== null; f = f.chain) {
      if (f.hash !== h || f.proto !== proto || f.family !== (pv.family as number)) continue;
      if (f.a0 === pv.src0 && f.b0 === pv.dst0 && f.aPort === sp && f.bPort === dp &&
          f.a1 === pv.src1 && f.a2 === pv.src2 && f.a3 === pv.src3 && f.b1 === pv.dst1 && f.b2 === pv.dst2 && f.b3 === pv.dst3) { dir = 0; break; }
      if (f.a0 === pv.dst0 && f.b0 === pv.src0 && f.aPort === dp && f.bPort === sp &&
          f.a1 === pv.dst1 && f.a2 === pv.dst2 && f.a3 === pv.dst3 && f.b1 === pv.src1 && f.b2 === pv.src2 && f.b3 === pv.src3) { dir = 1; break; }
    }
    if (f !== null && this.activeTimeout > 0 && ts - f.firstTs >= this.activeTimeout) {
      this.end(f, 'active');
      f = null;
    }
    this.created = f === null;
    if (f === null) {
      f = this.create(pv, h, sp, dp);
      dir = this.dir;
    }
    this.dir = dir;
    const bytes = pv.origLen;
    if (dir === 0) { f.pktsAB++; f.bytesAB += bytes; f.payloadAB += pv.payloadLen; if (f.aMac < 0) f.aMac = pv.srcMac; }
    else { f.pktsBA++; f.bytesBA += bytes; f.payloadBA += pv.payloadLen; if (f.bMac < 0) f.bMac = pv.srcMac; }
    if (ts > f.lastTs) f.lastTs = ts;
    let cls = f.tclass;
    if (proto === IPPROTO.TCP && pv.srcPort >= 0) cls = this.tcpStep(f, pv.tcpFlags, dir, pv.payloadLen);
    // Move to the tail of its (possibly new) LRU list.
    if (this.tails[cls] !== f) {
      this.unlinkLru(f);
      f.tclass = cls;
      this.appendLru(f);
    }
    return f;
  }

  /**
   * Moves the packet clock to `ts` without a packet of this table (a sensor worker passing over a
   * frame dealt to another): idle flows end at the same packet as in a run that saw every frame.
   */
  advance(ts: number): void {
    if (ts > this.now) this.now = ts;
    if (this.now >= this.nextSweep) this.expire(this.now);
  }

  /** Ends every flow idle at `now` (µs). Called by `update` once per second of packet time. */
  expire(now: number): void {
    this.nextSweep = now + 1e6;
    for (let c = 0; c < CLASSES; c++) {
      const limit = now - this.timeouts[c]!;
      let f: Flow | null = this.heads[c];
      while (f !== null && f.lastTs <= limit) {
        const next: Flow | null = f.lruNext;
        this.end(f, (c as TimeoutClass) === TimeoutClass.TcpClosed ? 'closed' : 'idle');
        f = next;
      }
    }
  }

  /** Ends every flow (end of capture, shutdown). */
  flush(reason: FlowEndReason = 'shutdown'): void {
    for (let c = 0; c < CLASSES; c++) while (this.heads[c] !== null) this.end(this.heads[c]!, reason);
  }

  /** Live flows, in no particular order (for API listings). */
  *flows(): IterableIterator<Flow> {
    for (let c = 0; c < CLASSES; c++) for (let f: Flow | null = this.heads[c]; f !== null; f = f.lruNext) yield f;
  }

  private create(pv: PacketView, h: number, sp: number, dp: number): Flow {
    if (this.cap.full(this.live)) this.evictOldest();
    const proto = pv.ipProto;
    const f = new Flow(this.nextId++, h, pv.family, proto, pv.ts);
    // Orientation: A is the initiator. A SYN names it; a SYN-ACK names the other side; otherwise the
    // first packet's sender, unless it comes from a well-known port to an ephemeral one (we joined
    // mid-conversation and saw the server speak first).
    let swap = false;
    if (proto === IPPROTO.TCP && pv.srcPort >= 0) {
      const syn = (pv.tcpFlags & TCP_SYN) !== 0, ack = (pv.tcpFlags & TCP_ACK) !== 0;
      if (syn) { swap = ack; f.initiatorKnown = true; }
      else swap = sp < 1024 && dp >= 1024;
    } else if (proto === IPPROTO.UDP && pv.srcPort >= 0) {
      swap = sp < 1024 && dp >= 1024;
      f.initiatorKnown = !swap;
    } else {
      f.initiatorKnown = true;
      f.icmpType = pv.icmpType;
      f.icmpCode = pv.icmpCode;
    }
    if (!swap) {
      f.a0 = pv.src0; f.a1 = pv.src1; f.a2 = pv.src2; f.a3 = pv.src3; f.aPort = sp;
      f.b0 = pv.dst0; f.b1 = pv.dst1; f.b2 = pv.dst2; f.b3 = pv.dst3; f.bPort = dp;
      this.dir = 0;
    } else {
      f.a0 = pv.dst0; f.a1 = pv.dst1; f.a2 = pv.dst2; f.a3 = pv.dst3; f.aPort = dp;
      f.b0 = pv.src0; f.b1 = pv.src1; f.b2 = pv.src2; f.b3 = pv.src3; f.bPort = sp;
      this.dir = 1;
    }
    // The sender's MAC is known now: listeners of onFlowStart may name the device from it. So is
    // the receiver's, when the frame went to one station (group bit clear): a flow the receiver
    // never answers (a DHCP offer, a blocked probe) still belongs to that device.
    const dm = pv.dstMac;
    const rx = dm >= 0 && !isGroupMac(dm) ? dm : -1;
    if (this.dir === 0) { f.aMac = pv.srcMac; f.bMac = rx; } else { f.bMac = pv.srcMac; f.aMac = rx; }
    f.tclass = proto === IPPROTO.TCP ? TimeoutClass.TcpNew : proto === IPPROTO.UDP ? TimeoutClass.Udp : TimeoutClass.Other;
    const i = h & this.mask;
    f.chain = this.buckets[i];
    this.buckets[i] = f;
    this.appendLru(f);
    this.live++;
    const c = this.counters;
    if (this.live > c.peak) c.peak = this.live;
    c.total++;
    if (proto === IPPROTO.TCP) c.tcp++;
    else if (proto === IPPROTO.UDP) c.udp++;
    else if (proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6) c.icmp++;
    else c.other++;
    for (const l of this.listeners) l.onFlowStart?.(f);
    return f;
  }

  /** Advances the TCP state of `f` for a segment in direction `dir`; returns the timeout class. */
  private tcpStep(f: Flow, flags: number, dir: number, payload: number): TimeoutClass {
    if (dir === 0) f.flagsAB |= flags; else f.flagsBA |= flags;
    let s = f.tcpState;
    if (flags & TCP_RST) s = TcpState.Closed;
    else if (s === TcpState.Closed) { /* stays closed until it times out */ }
    else if (flags & TCP_FIN) {
      s = (f.flagsAB & TCP_FIN) !== 0 && (f.flagsBA & TCP_FIN) !== 0 ? TcpState.Closed : TcpState.Closing;
    } else if (flags & TCP_SYN) {
      if (flags & TCP_ACK) { if (s <= TcpState.SynAck) s = TcpState.SynAck; }
      else if (s === TcpState.None) s = TcpState.SynSent;
    } else if (s === TcpState.SynAck && dir === 0) s = TcpState.Established;
    else if (s === TcpState.None && (payload > 0 || (flags & TCP_ACK) !== 0)) s = f.pktsAB > 0 && f.pktsBA > 0 ? TcpState.Established : TcpState.None;
    f.tcpState = s;
    if (s === TcpState.Closed) return TimeoutClass.TcpClosed;
    if (s === TcpState.Established || s === TcpState.Closing) return TimeoutClass.TcpEstablished;
    // Mid-stream pickups with traffic both ways count as established; a lone SYN stays "new".
    return s === TcpState.None && f.pktsAB > 0 && f.pktsBA > 0 ? TimeoutClass.TcpEstablished : TimeoutClass.TcpNew;
  }

  private evictOldest(): void {
    let oldest: Flow | null = null;
    for (let c = 0; c < CLASSES; c++) {
      const h = this.heads[c];
      if (h !== null && (oldest === null || h.lastTs < oldest.lastTs)) oldest = h;
    }
    if (oldest !== null) {
      this.cap.evict();
      this.end(oldest, 'evicted');
    }
  }

  private end(f: Flow, reason: FlowEndReason): void {
    this.unlinkLru(f);
    const i = f.hash & this.mask;
    let p: Flow | null = this.buckets[i];
    if (p === f) this.buckets[i] = f.chain;
    else {
      while (p !== null && p.chain !== f) p = p.chain;
      if (p !== null) p.chain = f.chain;
    }
    f.chain = null;
    this.live--;
    f.endReason = reason;
    const c = this.counters;
    if (reason === 'idle') c.endedIdle++;
    else if (reason === 'closed') c.endedClosed++;
    else if (reason === 'active') c.endedActive++;
    else if (reason !== 'evicted') c.endedShutdown++; // evictions are counted by the cap
    for (const l of this.listeners) l.onFlowEnd?.(f);
  }

  private appendLru(f: Flow): void {
    const c = f.tclass;
    f.lruPrev = this.tails[c];
    f.lruNext = null;
    if (f.lruPrev !== null) f.lruPrev.lruNext = f;
    else this.heads[c] = f;
    this.tails[c] = f;
  }

  private unlinkLru(f: Flow): void {
    const c = f.tclass;
    if (f.lruPrev !== null) f.lruPrev.lruNext = f.lruNext;
    else if (this.heads[c] === f) this.heads[c] = f.lruNext;
    if (f.lruNext !== null) f.lruNext.lruPrev = f.lruPrev;
    else if (this.tails[c] === f) this.tails[c] = f.lruPrev;
    f.lruPrev = f.lruNext = null;
  }
}
