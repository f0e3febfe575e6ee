// The gateway's per-minute traffic summary for the SOC (record kind `traffic`, one a minute, id
// `traffic:<minute ISO>`): a sensor plug-in that adds up, by packet time, what the flows carried in
// each minute — by device, by peer (with the name DNS gave it) and by TLS client fingerprint.
// It reads the flows' own counters at the minute's close (per packet, one time comparison) and honours config
// `privacy`: no SNI when tlsSni is off, no peer name when dnsNames is off, and nothing of an
// excluded device (the sensor makes no flow for it; its MAC is also skipped here).
import { parseMac, macToString } from '../common/address-text.js';
import { ev, type DecodeCounters } from '../common/events.js';
import { isoTime } from '../common/packet-time.js';
import type { AppRecord } from '../app/app-record.js';
import type { PacketView } from '../decode/packet-view.js';
import type { Plugin, PluginFactory, PluginHost } from '../sensor/plugin.js';
import { ipv4Key } from '../track/dns-cache.js';
import type { Flow } from '../track/flow.js';
import { flowAddr } from '../track/flow-record.js';
import type { PrivacyConfig } from '../track/privacy.js';

/** One device's share of a minute. */
export interface TrafficDevice {
  /** "aa:bb:cc:dd:ee:ff". */
  mac: string;
  /** Packets and bytes (on the wire, both directions) of its flows in the minute. */
  packets: number;
  bytes: number;
  /** Flows it was a party to (its LAN address on one side) that began in the minute. */
  flows: number;
  /** Of those, flows its MUD profile denied (the policy's verdict). */
  denied: number;
}

/** One remote peer's share of a minute. */
export interface TrafficPeer {
  /** IP address text. */
  address: string;
  /** A name DNS answers gave the address (the gateway's DNS cache), or null (unknown, or privacy.dnsNames off). */
  domain: string | null;
  packets: number;
  bytes: number;
  /** LAN devices that talked to it in the minute. */
  devices: number;
}

/** TLS ClientHellos of the minute by fingerprint and server name. */
export interface TrafficTls {
  /** JA4 client fingerprint. */
  ja4: string;
  /** The SNI, or null (none sent, or privacy.tlsSni off). */
  sni: string | null;
  /** ClientHellos seen. */
  count: number;
}

/** The gateway's own state, as the hub's sites page shows it. */
export interface TrafficGatewayState {
  /** The gateway's package version. */
  version: string;
  /** Records waiting in the fleet outbox (this summary not counted). */
  outboxDepth: number;
  health: 'ok' | 'degraded';
  /** Live capture loss since the capture opened, percent; null when not capturing live. */
  captureLossPercent: number | null;
}

/** The `data` of a `traffic` record (contracts18 §4). */
export interface TrafficSummary {
  /** Start of the minute, ISO-8601 (packet time). */
  minute: string;
  /** Length of the period, seconds: always 60. */
  seconds: 60;
  /** Totals over every flow of the minute. */
  packets: number;
  bytes: number;
  /** Flows that began in the minute. */
  flows: number;
  /** The devices, most bytes first (at most {@link MAX_DEVICES_OUT}). */
  devices: TrafficDevice[];
  /** The top {@link TOP_N} peers by bytes. */
  peers: TrafficPeer[];
  /** The top {@link TOP_N} (fingerprint, server name) pairs by count. */
  tls: TrafficTls[];
  gateway: TrafficGatewayState;
}

/** Peers and TLS pairs listed in a summary. */
export const TOP_N = 50;
/** Devices listed in a summary at most (the most bytes first). */
export const MAX_DEVICES_OUT = 500;
/**
 * Distinct peers, devices and TLS pairs counted in one minute at most; past it a new one is not
 * tracked (its traffic still counts in the totals) and `fleet.traffic_table_full` is counted.
 * A minute holds at most this many of each.
 */
export const MAX_KEYS_PER_MINUTE = 10_000;

const MINUTE_US = 60_000_000;

/** Settings of the plug-in. */
export interface TrafficSummaryOptions {
  /** Config `privacy` (tlsSni, dnsNames, excludeDevices are read). */
  privacy: Readonly<PrivacyConfig>;
  /** Gets each finished minute (the daemon puts it in the outbox). */
  onSummary: (summary: TrafficSummary) => void;
  /** The gateway's state at the minute's close. */
  gateway: () => TrafficGatewayState;
  /** Distinct peers, devices and TLS pairs tracked in one minute, each. Default {@link MAX_KEYS_PER_MINUTE}. */
  maxKeys?: number;
}

/** A flow's counters at the last close (what was already counted). */
interface Seen {
  packets: number;
  bytes: number;
  /** Its start was counted (in the minute it began). */
  counted: boolean;
}

interface DeviceAcc { packets: number; bytes: number; flows: number; denied: number }
interface PeerAcc { address: string; domain: string | null; packets: number; bytes: number; devices: Set<number> }
interface TlsAcc { ja4: string; sni: string | null; count: number }

/**
 * The plug-in. A minute closes at the first packet at or past its end (that packet counts in the
 * next minute), at a tick past it (a quiet link), or at the end of input. An empty minute makes no
 * record.
 */
export class TrafficSummarizer implements Plugin {
  /** Live flows and what of them was counted (entries leave at flow end: bounded by the flow table). */
  private readonly seen = new Map<Flow, Seen>();
  /** Start of the open minute, µs; -1 before the first flow. */
  private minuteStart = -1;
  private packets = 0;
  private bytes = 0;
  private flows = 0;
  private readonly devices = new Map<number, DeviceAcc>();
  private readonly peers = new Map<string, PeerAcc>();
  private readonly tls = new Map<string, TlsAcc>();
  private readonly excluded: ReadonlySet<number>;
  private readonly events: DecodeCounters;
  private readonly maxKeys: number;

  constructor(private readonly host: PluginHost, private readonly opts: TrafficSummaryOptions) {
    this.maxKeys = opts.maxKeys ?? MAX_KEYS_PER_MINUTE;
    this.excluded = new Set(opts.privacy.excludeDevices.map(parseMac).filter((m) => m >= 0));
    this.events = host.events;
  }

  onFlowStart(f: Flow): void {
    if (this.minuteStart < 0) this.minuteStart = Math.floor(f.firstTs / MINUTE_US) * MINUTE_US;
    this.seen.set(f, { packets: 0, bytes: 0, counted: false });
  }

  onFlowEnd(f: Flow): void {
    this.account(f, f.lastTs);
    this.seen.delete(f);
  }

  onApp(rec: AppRecord, pv: PacketView, flow: Flow | null): void {
    if (rec.kind !== 'tls.client_hello') return;
    // The hello may come before onPacket of its packet: a minute it ends is closed first.
    this.onPacket(pv, flow);
    const sni = this.opts.privacy.tlsSni ? rec.sni : null;
    const key = `${rec.ja4}\u0000${sni ?? ''}`;
    const t = this.tls.get(key);
    if (t !== undefined) t.count++;
    else if (this.room(this.tls.size)) this.tls.set(key, { ja4: rec.ja4, sni, count: 1 });
  }

  onPacket(pv: PacketView, flow: Flow | null): void {
    // The flow table has counted this packet already: the close leaves it to the next minute.
    if (this.minuteStart >= 0 && pv.ts >= this.minuteStart + MINUTE_US) this.close(pv.ts, flow, pv.origLen);
  }

  onTick(now: number): void {
    if (this.minuteStart >= 0 && now >= this.minuteStart + MINUTE_US) this.close(now, null, 0);
  }

  /** End of input: the flows have ended (their counts are in); the open minute is sent as it is. */
  onFinish(now: number): void {
    if (this.minuteStart >= 0) this.close(now, null, 0);
  }

  stateSize(): number {
    return this.seen.size + this.devices.size + this.peers.size + this.tls.size;
  }

  /** Whether one more key fits in this minute's tables; counts the miss. */
  private room(size: number): boolean {
    if (size < this.maxKeys) return true;
    this.events.add(ev('fleet.traffic_table_full'));
    return false;
  }

  /**
   * Adds what `f` carried since it was last counted to the open minute, but for the last
   * `heldPackets` packets of `heldBytes` (the packet of the next minute that closes this one).
   */
  private account(f: Flow, ts: number, heldPackets = 0, heldBytes = 0): void {
    let s = this.seen.get(f);
    if (s === undefined) { s = { packets: 0, bytes: 0, counted: false }; this.seen.set(f, s); }
    const packets = f.pktsAB + f.pktsBA - heldPackets - s.packets;
    const bytes = f.bytesAB + f.bytesBA - heldBytes - s.bytes;
    s.packets += packets;
    s.bytes += bytes;
    const started = !s.counted;
    s.counted = true;
    if (packets === 0 && !started) return;
    this.packets += packets;
    this.bytes += bytes;
    if (started) this.flows++;
    const local = this.host.local;
    const isLocal = (side: 'a' | 'b'): boolean => f.family === 4
      ? local.hasV4((side === 'a' ? f.a0 : f.b0) >>> 0)
      : side === 'a' ? local.hasV6(f.a0, f.a1, f.a2, f.a3) : local.hasV6(f.b0, f.b1, f.b2, f.b3);
    const aLocal = isLocal('a'), bLocal = isLocal('b');
    // A side is a device when its address is on the LAN and its MAC in the inventory: the MAC of
    // an internet peer's frames is the router's, which is no party to that flow.
    const macs: number[] = [];
    for (const mac of [aLocal ? f.aMac : -1, bLocal ? f.bMac : -1]) {
      if (mac < 0 || this.excluded.has(mac) || macs.includes(mac) || this.host.devices.get(mac) === undefined) continue;
      macs.push(mac);
      let d = this.devices.get(mac);
      if (d === undefined) {
        if (!this.room(this.devices.size)) continue;
        this.devices.set(mac, (d = { packets: 0, bytes: 0, flows: 0, denied: 0 }));
      }
      d.packets += packets;
      d.bytes += bytes;
      if (started) {
        d.flows++;
        if (deniedFor(f, macToString(mac))) d.denied++;
      }
    }
    // The peer: the side off the LAN (the responder when both are; none when neither is).
    if (aLocal && bLocal) return;
    const address = flowAddr(f, !bLocal ? 'b' : 'a');
    let p = this.peers.get(address);
    if (p === undefined) {
      if (!this.room(this.peers.size)) return;
      this.peers.set(address, (p = { address, domain: this.domainOf(address, f.family, ts), packets: 0, bytes: 0, devices: new Set() }));
    }
    p.packets += packets;
    p.bytes += bytes;
    for (const m of macs) p.devices.add(m);
  }

  /** A name the DNS cache holds for the address at `ts`, unless privacy.dnsNames is off. */
  private domainOf(address: string, family: number, ts: number): string | null {
    if (!this.opts.privacy.dnsNames) return null;
    const names = this.host.dns.namesFor(family === 4 ? ipv4Key(address) : address, ts);
    return names.length > 0 ? [...names].sort()[0]! : null;
  }

  /**
   * Counts the live flows into the open minute, sends it (unless empty), opens the one of `now`.
   * `held` (with `heldBytes`) is the flow of the packet at `now`, which belongs to the next minute;
   * a flow begun at or after the minute's end is left whole to the next.
   */
  private close(now: number, held: Flow | null, heldBytes: number): void {
    const start = this.minuteStart;
    const end = start + MINUTE_US;
    for (const f of this.seen.keys()) {
      if (f.firstTs >= end) continue;
      if (f === held) this.account(f, now, 1, heldBytes);
      else this.account(f, now);
    }
    this.minuteStart = Math.floor(now / MINUTE_US) * MINUTE_US;
    if (this.packets === 0 && this.flows === 0 && this.tls.size === 0) return;
    const summary: TrafficSummary = {
      minute: isoTime(start), seconds: 60,
      packets: this.packets, bytes: this.bytes, flows: this.flows,
      devices: [...this.devices].map(([mac, d]) => ({ mac: macToString(mac), ...d }))
        .sort((x, y) => y.bytes - x.bytes || (x.mac < y.mac ? -1 : 1)).slice(0, MAX_DEVICES_OUT),
      peers: [...this.peers.values()].map((p) => ({ address: p.address, domain: p.domain, packets: p.packets, bytes: p.bytes, devices: p.devices.size }))
        .sort((x, y) => y.bytes - x.bytes || (x.address < y.address ? -1 : 1)).slice(0, TOP_N),
      tls: [...this.tls.values()].map((t) => ({ ...t }))
        .sort((x, y) => y.count - x.count || (x.ja4 < y.ja4 ? -1 : x.ja4 > y.ja4 ? 1 : (x.sni ?? '') < (y.sni ?? '') ? -1 : 1)).slice(0, TOP_N),
      gateway: this.opts.gateway(),
    };
    this.packets = 0;
    this.bytes = 0;
    this.flows = 0;
    this.devices.clear();
    this.peers.clear();
    this.tls.clear();
    this.opts.onSummary(summary);
  }
}

/** Whether the MUD policy denied flow `f` for device `mac` (its verdicts, kept on the flow). */
function deniedFor(f: Flow, mac: string): boolean {
  const v = f.verdict;
  if (!Array.isArray(v)) return false;
  return v.some((x: { device?: unknown; allowed?: unknown }) => x.device === mac && x.allowed === false);
}

/** The plug-in as the sensor builder takes it (name `trafficSummary`; it raises no alert). */
export function trafficSummaryPlugin(opts: TrafficSummaryOptions): PluginFactory {
  return { name: 'trafficSummary', rules: [], create: (host) => new TrafficSummarizer(host, opts) };
}

/** The outbox record id of a summary: `traffic:<minute ISO>`. */
export function trafficRecordId(s: TrafficSummary): string {
  return `traffic:${s.minute}`;
}
