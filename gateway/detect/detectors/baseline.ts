// baseline.new-destination: for a device without a MUD profile, learn where it connects during a
// learning window from its first sighting, then report destinations it never used while learning.
// Without a manufacturer's profile, the device's own first day is the best statement of its job.
import { iso } from '../../common/packet-time.js';
import { BoundedTable } from '../../common/bounded-table.js';
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { flowAddr, protoName } from '../../track/flow-record.js';
import type { Device } from '../../track/device.js';
import type { Flow } from '../../track/flow.js';
import { flowFields } from '../../sensor/alert-fields.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.baseline`. Fixed at start. */
export interface BaselineConfig {
  /** Seconds of packet time, from the device's first sighting, during which its destinations are learned. Default 86400 (24 h). */
  learningSeconds: number;
  /** Destinations kept per device; past it the device stops learning (counted) and alerts still come. Default 256. */
  maxDestinationsPerDevice: number;
  /** Devices with a baseline kept; at the cap the least recently active is dropped (counted, `detect.baseline.table_full`). Default 4096. */
  maxDevices: number;
}

export const BASELINE_DEFAULTS: Readonly<BaselineConfig> = Object.freeze({
  learningSeconds: 86400,
  maxDestinationsPerDevice: 256,
  maxDevices: 4096,
});

/** Names of one address considered (a CDN address may carry dozens). */
const MAX_NAMES = 4;

/** What one device is known to reach. */
interface Baseline {
  /** Packet time the learning window ends, µs. */
  learnEnd: number;
  /** Destination keys: "addr port/proto" and "name port/proto". */
  known: Set<string>;
  /** Destinations met during the learning window but not learned because `known` was full. */
  unlearned: number;
}

/** The running detector. */
export class BaselineDetector implements Plugin {
  /** macNum → baseline, least recently active first. */
  private readonly byDevice: BoundedTable<number, Baseline>;
  /** Destinations met while learning but not learned because a device's set was full (all devices). */
  unlearned = 0;

  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<BaselineConfig>) {
    this.byDevice = new BoundedTable<number, Baseline>({
      name: 'detect.baseline.maxDevices', capacity: cfg.maxDevices, order: 'lru', counters: host.events, event: 'detect.baseline.table_full',
    });
  }

  /** Baselines dropped at the `maxDevices` cap. */
  get evicted(): number {
    return this.byDevice.evicted;
  }

  onPacket(pv: PacketView, flow: Flow | null, dir: number, _device: Device | null): void {
    // Work only on a flow's first packet (the flow table calls onFlowStart before it has set the
    // flow's MACs, so the initiator's MAC is read here, from the frame).
    if (flow === null || flow.pktsAB + flow.pktsBA !== 1 || !flow.initiatorKnown) return;
    const local = flow.family === 4 ? this.host.local.hasV4(flow.a0) : this.host.local.hasV6(flow.a0, flow.a1, flow.a2, flow.a3);
    if (!local) return;
    const mac = dir === 0 ? pv.srcMac : pv.dstMac;
    if (mac < 0) return;
    const dev = this.host.devices.get(mac);
    // Devices with a MUD profile are held to it by the policy layer instead.
    if (dev === undefined || dev.profile !== null || dev.mudUrl !== null) {
      if (dev !== undefined && this.byDevice.size > 0) this.byDevice.delete(mac);
      return;
    }
    this.onInitiated(flow, dev, pv.ts);
  }

  stateSize(): number {
    let n = this.byDevice.size;
    for (const b of this.byDevice.values()) n += b.known.size;
    return n;
  }

  private onInitiated(flow: Flow, dev: Device, ts: number): void {
    // Refreshes its place: the least recently active is evicted first.
    let b = this.byDevice.get(dev.macNum);
    if (b === undefined) {
      // Learning runs from the first sighting; a device first heard initiating after its window
      // (or re-added after eviction) learns afresh from now rather than alerting on everything.
      const window = this.cfg.learningSeconds * 1e6;
      b = { learnEnd: ts < dev.firstSeen + window ? dev.firstSeen + window : ts + window, known: new Set(), unlearned: 0 };
      this.byDevice.add(dev.macNum, b);
    }

    const ported = flow.proto === IPPROTO.TCP || flow.proto === IPPROTO.UDP;
    const suffix = ported ? ` ${flow.bPort}/${protoName(flow.proto)}` : ` ${protoName(flow.proto)}`;
    const addr = flowAddr(flow, 'b');
    const addrKey = addr + suffix;
    const names = this.host.dns.namesFor(flow.family === 4 ? flow.b0 : addr, ts).slice(0, MAX_NAMES).sort();
    if (ts < b.learnEnd) {
      this.learn(b, addrKey);
      for (const n of names) this.learn(b, n + suffix);
      return;
    }
    if (b.known.has(addrKey)) return;
    for (const n of names) if (b.known.has(n + suffix)) return;
    const name = names[0] ?? null;
    const destination = name !== null ? name + suffix : addrKey;
    const learned = b.known.size;
    // Reported once: from now on it is a known destination (while there is room; not counted
    // as unlearned past the cap, that counter is about the learning window).
    for (const k of [addrKey, ...names.map((n) => n + suffix)]) if (b.known.size < this.cfg.maxDestinationsPerDevice) b.known.add(k);
    const where = flowFields(this.host, flow);
    this.host.emit({
      rule: 'baseline.new-destination', ts, ...where, device: dev.mac, peer: destination,
      message: `${dev.mac} reached ${destination}, not seen while learning`,
      evidence: { destination, name, address: addr, learnedDestinations: learned, unlearned: b.unlearned, learningEndedAt: iso(b.learnEnd) },
    });
  }

  private learn(b: Baseline, key: string): void {
    if (b.known.has(key)) return;
    if (b.known.size >= this.cfg.maxDestinationsPerDevice) {
      b.unlearned++;
      this.unlearned++;
      return;
    }
    b.known.add(key);
  }
}

export const baseline = plugin<BaselineConfig>({
  name: 'baseline',
  rules: ['baseline.new-destination'],
  defaults: BASELINE_DEFAULTS,
  create: (host, cfg) => new BaselineDetector(host, cfg),
});
