// The one dispatch table of app protocols and the per-connection probing that uses it (after
// Suricata's app-layer-detect-proto.c): ports hint, probes decide, a decided module gets the stream.
// A direction no module claims still shows its first bytes once (tcp.stream-head), for file magic.
import type { DecodeCounters } from '../common/events.js';
import { Probe, type RecordSink, type TcpAppModule, type UdpAppModule } from './app-module.js';
import { STREAM_HEAD_BYTES } from './app-record.js';
import type { CredentialCheck } from './credential-check.js';
import { dhcpModule } from './dhcp/dhcp-module.js';
import { dhcpv6Module } from './dhcpv6/dhcpv6-module.js';
import { dnsTcpModule, dnsUdpModule, probeDnsTcpOnPort } from './dns/dns-module.js';
import { DEFAULT_MAX_DNS_RECORDS } from './dns/parse-dns.js';
import { ftpModuleWith, probeFtpOnPort } from './ftp/ftp-module.js';
import { httpModuleWith } from './http/http-module.js';
import { natpmpModule } from './natpmp/natpmp-module.js';
import { sshModule } from './ssh/ssh-module.js';
import { ssdpModule } from './ssdp/ssdp-module.js';
import type { StreamState } from './stream-state.js';
import { stratumModule } from './stratum/stratum-module.js';
import { probeTelnetOnPort, telnetModuleWith } from './telnet/telnet-module.js';
import { tlsModule } from './tls/tls-module.js';

/** A probe over the first bytes of one direction. */
export type ProbeFn = (b: Buffer, off: number, end: number, dir: number) => Probe;

/** One TCP protocol in the table. */
export interface TcpEntry {
  readonly mod: TcpAppModule<StreamState>;
  /**
   * A looser probe, tried only on the module's own ports and only after every strict probe said
   * No (telnet servers that print a banner without negotiating; DNS on 53 with any first query).
   */
  readonly portProbe?: ProbeFn;
}

/** Settings of the dispatcher. Fixed at start. */
export interface AppDispatchOptions {
  /**
   * Bytes of each direction held (copied) while the probes need more to decide, per connection.
   * Default 512: every probe decides within a request line, a record header or an identification
   * string; past it the direction counts as unrecognised.
   */
  probeBytes: number;
  /** Questions + records read per DNS message (decode.maxDnsRecords). Default 256. */
  maxDnsRecords: number;
  /**
   * The default-credential check of the telnet, HTTP and FTP modules (the sensor hands in the one
   * a plug-in asked for, unless privacy.defaultCredentials is off), or null: no login is looked up
   * and no client bytes of telnet or FTP are read. Default null.
   */
  credentials: CredentialCheck | null;
}

export const APP_DISPATCH_DEFAULTS: Readonly<AppDispatchOptions> = Object.freeze({
  probeBytes: 512,
  maxDnsRecords: DEFAULT_MAX_DNS_RECORDS,
  credentials: null,
});

/**
 * The TCP protocols, in probe order (on a port no module claims; a module whose ports include the
 * server port is probed first there). Ports are each module's `ports`, IANA unless noted there.
 */
export function tcpAppTable(maxDnsRecords = DEFAULT_MAX_DNS_RECORDS, credentials: CredentialCheck | null = null): readonly TcpEntry[] {
  return [
    { mod: tlsModule }, // 443 https, 465, 636, 853, 993, 995, 5061, 8443, 8883 mqtt over TLS
    { mod: httpModuleWith(credentials) }, // 80 http, 81, 591, 2869, 5000, 7547 cwmp, 8000, 8008, 8080, 8081, 8088, 8888, 49152
    { mod: sshModule }, // 22 ssh, 2222, 22222
    { mod: telnetModuleWith(credentials), portProbe: probeTelnetOnPort }, // 23 telnet, 2323
    { mod: dnsTcpModule(maxDnsRecords), portProbe: probeDnsTcpOnPort }, // 53 domain
    { mod: stratumModule }, // no IANA port; 3333, 4444, 5555, 7777, 14444, 45700 by custom
    { mod: ftpModuleWith(credentials), portProbe: probeFtpOnPort }, // 21 ftp (control), by its port only
  ];
}

/** The UDP protocols: by port (either side), then by content for the ones with a probe. */
export function udpAppTable(maxDnsRecords = DEFAULT_MAX_DNS_RECORDS): readonly UdpAppModule[] {
  return [
    dnsUdpModule('dns', [53], maxDnsRecords), // 53 domain
    dnsUdpModule('mdns', [5353], maxDnsRecords), // 5353 mdns (RFC 6762)
    dnsUdpModule('llmnr', [5355], maxDnsRecords), // 5355 llmnr (RFC 4795)
    dhcpModule, // 67 bootps, 68 bootpc
    dhcpv6Module, // 546 dhcpv6-client, 547 dhcpv6-server
    ssdpModule, // 1900 ssdp
    natpmpModule, // 5351 nat-pmp / pcp (RFC 6886, RFC 6887)
  ];
}

const DEFAULT_UDP_TABLE = udpAppTable();

/** The UDP module the table gives a datagram by its ports (destination first), or undefined: for tools that classify frames. */
export function udpModuleFor(srcPort: number, dstPort: number): UdpAppModule | undefined {
  return DEFAULT_UDP_TABLE.find((m) => m.ports.includes(dstPort)) ?? DEFAULT_UDP_TABLE.find((m) => m.ports.includes(srcPort));
}

/** Where an AppFlow is. Ordered so that one comparison sends the finished kinds away. */
export const enum St {
  Undecided = 0,
  Active = 1,
  /** Every direction that spoke was probed and nothing matched. */
  Unknown = 2,
  /** The module is done, or the connection ended. */
  Done = 3,
  /** The module returned an event (counted); it is fed no more. */
  Error = 4,
}
const STATUS = ['undecided', 'active', 'unknown', 'done', 'error'] as const;

/** The app-protocol side of one TCP connection: undecided, then a module and its state, or unknown. */
export class AppFlow {
  /** The protocol found (the module's name), or null while undecided or when unknown. */
  proto: string | null = null;
  /** The protocol found is not one the server port hints (SSH on 902, HTTP on 7080). */
  portMismatch = false;
  /** @internal Where the flow is (St). */
  st: St = St.Undecided;
  /** @internal The decided module and its per-connection state. */
  mod: TcpAppModule<StreamState> | null = null;
  ms: StreamState | null = null;
  /** @internal Bytes held while probing, per direction, and how many. */
  held0: Buffer | null = null;
  held1: Buffer | null = null;
  heldLen0 = 0;
  heldLen1 = 0;
  /** @internal Directions whose probing failed (bit 1 << dir), and the bytes they sent meanwhile. */
  failed = 0;
  lost0 = 0;
  lost1 = 0;
  /** @internal The direction that spoke first, or -1. */
  firstDir = -1;
  /** @internal Directions whose tcp.stream-head record was emitted (bit 1 << dir). */
  headsSent = 0;
  /**
   * @internal The first bytes of a failed direction that sent fewer than STREAM_HEAD_BYTES when its
   * probing failed (a stager's 4-byte length comes alone), topped up by what follows.
   */
  short0: Buffer | null = null;
  short1: Buffer | null = null;
  shortLen0 = 0;
  shortLen1 = 0;

  /** @param serverPort the responder's port (direction 0 is initiator to responder): the port hint. */
  constructor(readonly serverPort: number) {}

  /** Where the flow is: undecided, active (a module is fed), unknown, done, error. */
  get status(): (typeof STATUS)[number] {
    return STATUS[this.st]!;
  }

  /** @internal Forgets the bytes held and the module state. */
  release(): void {
    this.held0 = this.held1 = null;
    this.heldLen0 = this.heldLen1 = 0;
    this.short0 = this.short1 = null;
    this.shortLen0 = this.shortLen1 = 0;
    this.ms = null;
  }
}

/** One probe of the order tried on a port. */
interface Candidate {
  entry: TcpEntry;
  probe: ProbeFn;
}

/** Answer of a probe round when no candidate said Yes. */
const NEED_MORE = -2;
const NO = -1;

/**
 * The app layer's entry points for the sensor: one UDP datagram at a time, and for TCP the in-order
 * bytes, gaps and end of each connection's AppFlow. Events returned by TCP modules are counted in
 * `counters`; the UDP entry returns them to the caller.
 */
export class AppDispatch {
  private readonly tcp: readonly TcpEntry[];
  private readonly udpMods: readonly UdpAppModule[];
  /** UDP port to 1 + index in udpMods (0: none). */
  private readonly udpByPort = new Uint8Array(65536);
  private readonly udpProbes: readonly UdpAppModule[];
  /** Probe order on the ports some TCP module claims; every other port uses `defaultOrder`. */
  private readonly orderByPort = new Map<number, readonly Candidate[]>();
  private readonly defaultOrder: readonly Candidate[];
  private readonly probeBytes: number;

  constructor(private readonly counters: DecodeCounters, opts: Partial<AppDispatchOptions> = {}) {
    const o = { ...APP_DISPATCH_DEFAULTS, ...opts };
    if (!Number.isInteger(o.probeBytes) || o.probeBytes < 16 || o.probeBytes > 65_536) throw new RangeError('app.probeBytes: a whole number from 16 to 65536');
    this.probeBytes = o.probeBytes;
    this.tcp = tcpAppTable(o.maxDnsRecords, o.credentials);
    this.udpMods = udpAppTable(o.maxDnsRecords);
    this.udpMods.forEach((m, i) => {
      for (const p of m.ports) if (p >= 0 && p < 65536 && this.udpByPort[p] === 0) this.udpByPort[p] = i + 1;
    });
    this.udpProbes = this.udpMods.filter((m) => m.probe !== undefined);
    this.defaultOrder = this.tcp.map((entry) => ({ entry, probe: (b, o, e, d) => entry.mod.probe(b, o, e, d) }));
    const ports = new Set(this.tcp.flatMap((e) => e.mod.ports));
    for (const port of ports) {
      const hinted = this.tcp.filter((e) => e.mod.ports.includes(port));
      const others = this.tcp.filter((e) => !e.mod.ports.includes(port));
      const order: Candidate[] = [...hinted, ...others].map((entry) => ({ entry, probe: (b, o, e, d) => entry.mod.probe(b, o, e, d) }));
      for (const entry of hinted) if (entry.portProbe !== undefined) order.push({ entry, probe: entry.portProbe });
      this.orderByPort.set(port, order);
    }
  }

  /** The TCP table in use (for tests and the fuzzer). */
  get tcpTable(): readonly TcpEntry[] {
    return this.tcp;
  }

  /** The UDP table in use. */
  get udpTable(): readonly UdpAppModule[] {
    return this.udpMods;
  }

  // ---------------------------------------------------------------- UDP

  /**
   * One UDP datagram `b[off, end)`: the module of its destination port, else of its source port,
   * else the first whose content probe says Yes. Returns 0, or the module's negated event (the
   * caller counts it).
   */
  udp(b: Buffer, off: number, end: number, srcPort: number, dstPort: number, ts: number, dir: number, out: RecordSink): number {
    if (end > b.length) end = b.length;
    if (off < 0 || end <= off) return 0;
    let i = this.udpByPort[dstPort] ?? 0;
    if (i === 0) i = this.udpByPort[srcPort] ?? 0;
    if (i !== 0) return this.udpMods[i - 1]!.parse(b, off, end, ts, dir, out);
    for (const m of this.udpProbes) if (m.probe!(b, off, end) === Probe.Yes) return m.parse(b, off, end, ts, dir, out);
    return 0;
  }

  // ---------------------------------------------------------------- TCP

  /** In-order bytes `b[off, end)` of direction `dir` (0 initiator to responder) of a connection. */
  tcpData(af: AppFlow, dir: number, b: Buffer, off: number, end: number, ts: number, out: RecordSink): void {
    if (af.st >= St.Unknown) return;
    if (end > b.length) end = b.length;
    if (off < 0 || end <= off) return;
    if (af.st === St.Active) {
      this.feed(af, dir, b, off, end, ts, out);
      return;
    }
    this.probe(af, dir === 0 ? 0 : 1, b, off, end, ts, out);
  }

  /** `bytes` of direction `dir` were never seen: the module resyncs or gives up; a probing direction fails. */
  tcpGap(af: AppFlow, dir: number, bytes: number): void {
    if (af.st >= St.Unknown) return;
    const d = dir === 0 ? 0 : 1;
    if (af.st === St.Active) {
      const mod = af.mod!, ms = af.ms!;
      // A module that cannot resync is stopped: it would read the middle of a message as its start.
      if (mod.gap === undefined) this.finish(af, St.Done);
      else {
        mod.gap(ms, d, bytes);
        if (ms.done) this.finish(af, St.Done);
      }
      return;
    }
    if (af.firstDir < 0) af.firstDir = d;
    this.failDir(af, d, bytes);
  }

  /** The connection ended: the module reports what is pending; bytes held undecided show as stream heads. */
  tcpEnd(af: AppFlow, ts: number, out: RecordSink): void {
    if (af.st === St.Active) {
      af.mod!.end?.(af.ms!, ts, out);
      this.finish(af, St.Done);
    } else if (af.st === St.Undecided) {
      for (const d of [0, 1] as const) {
        const held = d === 0 ? af.held0 : af.held1, n = d === 0 ? af.heldLen0 : af.heldLen1;
        if (n > 0) streamHead(af, d, held!, 0, n, ts, out, true);
        else flushShortHead(af, d, ts, out);
      }
      this.finish(af, St.Unknown);
    }
  }

  /** Feeds a decided module; false when it is no longer fed (an event, or done). */
  private feed(af: AppFlow, dir: number, b: Buffer, off: number, end: number, ts: number, out: RecordSink): boolean {
    const ms = af.ms!;
    const r = af.mod!.feed(ms, dir, b, off, end, ts, out);
    if (r < 0) {
      this.counters.add(r);
      this.finish(af, St.Error);
      return false;
    }
    if (ms.done) {
      this.finish(af, St.Done);
      return false;
    }
    return true;
  }

  private finish(af: AppFlow, st: St): void {
    af.st = st;
    af.release();
  }

  /** Probes the first bytes of direction `d`, holding them while the probes need more. */
  private probe(af: AppFlow, d: 0 | 1, b: Buffer, off: number, end: number, ts: number, out: RecordSink): void {
    if ((af.failed & (1 << d)) !== 0) {
      // This direction was not recognised; wait for the other one, remembering what was missed.
      if (d === 0) af.lost0 += end - off;
      else af.lost1 += end - off;
      if ((d === 0 ? af.short0 : af.short1) !== null) streamHead(af, d, b, off, end, ts, out, false);
      return;
    }
    if (af.firstDir < 0) af.firstDir = d;
    const cap = this.probeBytes;
    let held = d === 0 ? af.held0 : af.held1;
    let heldLen = d === 0 ? af.heldLen0 : af.heldLen1;
    let pb = b, ps = off, pe = end;
    let taken = 0;
    if (heldLen > 0) {
      taken = Math.min(end - off, cap - heldLen);
      b.copy(held!, heldLen, off, off + taken);
      heldLen += taken;
      if (d === 0) af.heldLen0 = heldLen;
      else af.heldLen1 = heldLen;
      pb = held!;
      ps = 0;
      pe = heldLen;
    }
    const atCap = pe - ps >= cap;
    const order = this.orderByPort.get(af.serverPort) ?? this.defaultOrder;
    const r = probeRound(order, pb, ps, pe, d, atCap);
    if (r >= 0) {
      this.activate(af, order[r]!.entry.mod);
      const other = d === 0 ? 1 : 0;
      // Deliver in the order the bytes came: the direction that spoke first goes first.
      if (af.firstDir === other && !this.deliverHeld(af, other, ts, out)) return;
      if (heldLen > 0) {
        if (!this.feed(af, d, held!, 0, heldLen, ts, out)) return;
        if (off + taken < end && !this.feed(af, d, b, off + taken, end, ts, out)) return;
      } else if (!this.feed(af, d, b, off, end, ts, out)) return;
      if (d === 0) { af.held0 = null; af.heldLen0 = 0; } else { af.held1 = null; af.heldLen1 = 0; }
      if (af.firstDir !== other) this.deliverHeld(af, other, ts, out);
      return;
    }
    if (r === NEED_MORE && !atCap) {
      if (heldLen === 0) {
        held = Buffer.allocUnsafe(cap);
        b.copy(held, 0, off, end);
        if (d === 0) { af.held0 = held; af.heldLen0 = end - off; } else { af.held1 = held; af.heldLen1 = end - off; }
      }
      return;
    }
    // No module wants this direction: its first bytes go out once, for file-type checks (all of
    // them now when the other side failed too: the connection is then fed no more).
    const last = (af.failed | (1 << d)) === 3;
    if (heldLen > 0) streamHead(af, d, held!, 0, heldLen, ts, out, last);
    else streamHead(af, d, b, off, end, ts, out, last);
    if (last) flushShortHead(af, d === 0 ? 1 : 0, ts, out);
    this.failDir(af, d, heldLen > 0 ? end - off - taken : end - off);
  }

  /** Direction `d` is not recognised (or lost its start): it waits for the other; both → unknown. */
  private failDir(af: AppFlow, d: 0 | 1, moreLost: number): void {
    if (d === 0) {
      af.lost0 += af.heldLen0 + moreLost;
      af.held0 = null;
      af.heldLen0 = 0;
    } else {
      af.lost1 += af.heldLen1 + moreLost;
      af.held1 = null;
      af.heldLen1 = 0;
    }
    af.failed |= 1 << d;
    if (af.failed === 3) this.finish(af, St.Unknown);
  }

  private activate(af: AppFlow, mod: TcpAppModule<StreamState>): void {
    af.mod = mod;
    af.ms = mod.create();
    af.st = St.Active;
    af.proto = mod.name;
    af.portMismatch = !mod.ports.includes(af.serverPort);
  }

  /** After activation: the other direction's held bytes, or the gap where its unrecognised bytes were. */
  private deliverHeld(af: AppFlow, d: 0 | 1, ts: number, out: RecordSink): boolean {
    if (af.st !== St.Active) return false;
    const lost = d === 0 ? af.lost0 : af.lost1;
    if (lost > 0) {
      this.tcpGap(af, d, lost);
      return af.st === St.Active;
    }
    const held = d === 0 ? af.held0 : af.held1;
    const n = d === 0 ? af.heldLen0 : af.heldLen1;
    if (held === null || n === 0) return true;
    if (d === 0) { af.held0 = null; af.heldLen0 = 0; } else { af.held1 = null; af.heldLen1 = 0; }
    return this.feed(af, d, held, 0, n, ts, out);
  }
}

/**
 * Bytes `b[s, e)` at the start of direction `d` (no gap before them) for its tcp.stream-head record:
 * emitted at once when STREAM_HEAD_BYTES are in (or `final`: the connection ends), else kept in a
 * small buffer and topped up by the next bytes. Once per direction; at most STREAM_HEAD_BYTES copied.
 */
function streamHead(af: AppFlow, d: 0 | 1, b: Buffer, s: number, e: number, ts: number, out: RecordSink, final: boolean): void {
  const bit = 1 << d;
  if ((af.headsSent & bit) !== 0) return;
  let buf = d === 0 ? af.short0 : af.short1;
  let n = d === 0 ? af.shortLen0 : af.shortLen1;
  if (buf === null && (e - s >= STREAM_HEAD_BYTES || final)) {
    // The common case: enough in one piece.
    if (e <= s) return;
    af.headsSent |= bit;
    const head = Buffer.allocUnsafe(Math.min(e - s, STREAM_HEAD_BYTES));
    b.copy(head, 0, s, s + head.length);
    out({ kind: 'tcp.stream-head', ts, dir: d, head });
    return;
  }
  if (buf === null) buf = Buffer.allocUnsafe(STREAM_HEAD_BYTES);
  const k = Math.min(e - s, STREAM_HEAD_BYTES - n);
  if (k > 0) b.copy(buf, n, s, s + k);
  n += k;
  if (n >= STREAM_HEAD_BYTES || final) {
    af.headsSent |= bit;
    if (d === 0) { af.short0 = null; af.shortLen0 = 0; } else { af.short1 = null; af.shortLen1 = 0; }
    if (n > 0) out({ kind: 'tcp.stream-head', ts, dir: d, head: buf.subarray(0, n) });
    return;
  }
  if (d === 0) { af.short0 = buf; af.shortLen0 = n; } else { af.short1 = buf; af.shortLen1 = n; }
}

/** Emits the short stream head kept for direction `d`, if any (the connection ends or is given up). */
function flushShortHead(af: AppFlow, d: 0 | 1, ts: number, out: RecordSink): void {
  const buf = d === 0 ? af.short0 : af.short1;
  const n = d === 0 ? af.shortLen0 : af.shortLen1;
  if (buf === null) return;
  if (d === 0) { af.short0 = null; af.shortLen0 = 0; } else { af.short1 = null; af.shortLen1 = 0; }
  af.headsSent |= 1 << d;
  if (n > 0) out({ kind: 'tcp.stream-head', ts, dir: d, head: buf.subarray(0, n) });
}

/**
 * One round of probes over `b[s, e)`: the index of the first candidate that says Yes, NEED_MORE when
 * an earlier one needs more bytes (it gets them first, unless the hold is full), or NO.
 */
function probeRound(order: readonly Candidate[], b: Buffer, s: number, e: number, d: number, atCap: boolean): number {
  let waiting = false;
  for (let i = 0; i < order.length; i++) {
    const r = order[i]!.probe(b, s, e, d);
    if (r === Probe.Yes) return waiting && !atCap ? NEED_MORE : i;
    if (r === Probe.NeedMore) waiting = true;
  }
  return waiting ? NEED_MORE : NO;
}
