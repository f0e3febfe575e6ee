// The detector contract (STYLE.md §12): a detector is one file, holds bounded state, reads time
// only from the packets (the `ts` it is given), takes its thresholds from config with documented
// defaults, and reports through `host.emit`. The engine calls only the hooks a detector defines.
import type { AlertInput } from '../alerts/alert.js';
import type { RuleId } from '../alerts/rules.js';
import type { DnsMessage } from '../app/dns/dns-message.js';
import type { PacketView } from '../decode/packet-view.js';
import type { Device } from '../track/device.js';
import type { DeviceInventory } from '../track/device-inventory.js';
import type { DnsCache } from '../track/dns-cache.js';
import type { Flow } from '../track/flow.js';
import type { LocalNetworks } from '../track/local-networks.js';

/** What a detector may use. */
export interface DetectorHost {
  /** Raises an alert (deduplicated and persisted by the alert manager). */
  emit(alert: AlertInput): void;
  /**
   * Raises a storm alert and, until `untilTs` (µs), folds every alert of `rules` into it instead of
   * letting each stand alone (count and evidence.folded grow).
   */
  openStorm(alert: AlertInput, rules: readonly RuleId[], untilTs: number): void;
  readonly devices: DeviceInventory;
  readonly dns: DnsCache;
  /** The LAN-side prefixes (private ranges plus configured ones). */
  readonly local: LocalNetworks;
}

/** A running detector. Every hook is optional; `ts` and `now` are packet time in µs. */
export interface Detector {
  /** Every decoded packet, after tracking. Keep it cheap: it runs on the hot path. */
  onPacket?(pv: PacketView, flow: Flow | null, dir: number, device: Device | null): void;
  onFlowStart?(flow: Flow): void;
  /** A flow ended (idle, closed, evicted, end of capture); counters and app fields are final. */
  onFlowEnd?(flow: Flow): void;
  /** A DNS (or mDNS/LLMNR) message, query or response. */
  onDns?(msg: DnsMessage, pv: PacketView, flow: Flow | null): void;
  /** A device seen for the first time. */
  onDeviceNew?(device: Device, ts: number): void;
  /** Once per second of packet time: expire state, close windows. */
  onTick?(now: number): void;
  /**
   * End of input (a replay ends, the daemon stops): called after the live flows have ended and
   * before a last onTick at `now`, so a detector can let go of what it was holding back.
   */
  onFinish?(now: number): void;
  /** Entries held (for metrics and the soak test: must stay bounded). */
  stateSize?(): number;
}

/** A detector kind as the registry lists it. */
export interface DetectorSpec<C extends object = Record<string, unknown>> {
  /** Config key under `detect`, camelCase (e.g. `scanPort`). */
  readonly name: string;
  /** Rules it may raise. */
  readonly rules: readonly RuleId[];
  /** Documented defaults, units in the comments of the detector file. `enabled` is added by the engine. */
  readonly defaults: Readonly<C>;
  create(host: DetectorHost, cfg: Readonly<C>): Detector;
}

/** Helps type a spec: `export const scanPort = detector({...})`. */
export function detector<C extends object>(spec: DetectorSpec<C>): DetectorSpec<C> {
  return spec;
}
