// The plug-in contract (STYLE.md §12-14): detectors, the MUD policy, the denial recorder, the
// learner and the traffic meter are all plug-ins of the one sensor. A plug-in holds bounded state,
// reads time only from the packets (the `ts` it is given), takes its thresholds from config with
// documented defaults, and reports through `host.emit`. The bus calls only the hooks a plug-in
// defines, each inside the fault boundary (sensor/plugin-bus.ts): a throw is counted, never fatal.
import type { Alert, AlertInput } from '../alerts/alert.js';
import type { RuleId } from '../alerts/rules.js';
import type { AppRecord } from '../app/app-record.js';
import type { CredentialCheck } from '../app/credential-check.js';
import type { DecodeCounters } from '../common/events.js';
import type { PacketView } from '../decode/packet-view.js';
import type { Device } from '../track/device.js';
import type { DeviceInventory } from '../track/device-inventory.js';
import type { AddrKey, DnsCache } from '../track/dns-cache.js';
import type { Flow } from '../track/flow.js';
import type { LocalNetworks } from '../track/local-networks.js';

/** What a plug-in may use. */
export interface PluginHost {
  /** Raises an alert (deduplicated and persisted by the alert manager). */
  emit(alert: AlertInput): void;
  /**
   * Raises a storm alert and, until `untilTs` (µs), folds every alert of `rules` into it instead of
   * letting each stand alone (count and evidence.folded grow).
   */
  openStorm(alert: AlertInput, rules: readonly RuleId[], untilTs: number): void;
  /**
   * The alerts still open (inside the deduplication window) for the LAN device `mac` (text): a
   * detector may grade its finding by what came before (a download after a brute force). Not for
   * the hot path: it walks the open alerts.
   */
  alertsFor(mac: string): readonly Alert[];
  readonly devices: DeviceInventory;
  readonly dns: DnsCache;
  /** The LAN-side prefixes (private ranges plus configured ones). */
  readonly local: LocalNetworks;
  /** The sensor's named-event counters (common/events.ts): a plug-in counts its table caps here. */
  readonly events: DecodeCounters;
}

/** A running plug-in. Every hook is optional; `ts` and `now` are packet time in µs. */
export interface Plugin {
  /** Every decoded packet, after tracking. Keep it cheap: it runs on the hot path. */
  onPacket?(pv: PacketView, flow: Flow | null, dir: number, device: Device | null): void;
  /**
   * The IP protocols (IANA numbers) onPacket wants; the bus then skips the call for every other
   * packet, non-IP frames included. Absent: every packet. Read once, when the plug-in is added.
   */
  readonly ipProtos?: readonly number[];
  /**
   * With `ipProtos` given, whether onPacket also gets frames without IP (ARP, LLDP). A plug-in that
   * wants only those says `ipProtos: []` and `nonIpFrames: true`. Without `ipProtos`: every frame.
   */
  readonly nonIpFrames?: boolean;
  /**
   * Whether onPacket also hears the frames of devices excluded from inspection (config
   * privacy.excludeDevices), with flow and device null. Only a plug-in that merely counts frames per
   * device may say so (the traffic meter): those owners did not consent to more.
   */
  readonly countsExcluded?: boolean;
  onFlowStart?(flow: Flow): void;
  /** A flow ended (idle, closed, evicted, end of capture); counters and app fields are final. */
  onFlowEnd?(flow: Flow): void;
  /**
   * A record of an app-protocol module (gateway/app/): every HTTP message, TLS hello, DNS message,
   * DHCP, SSH banner, telnet event, Stratum call, port mapping… `pv` is the packet that completed
   * it (for TCP, the segment whose in-order bytes finished the record); `flow` is null only for
   * non-IP frames (LLDP); `dir` is the direction the record travelled (0 initiator→responder).
   */
  onApp?(rec: AppRecord, pv: PacketView, flow: Flow | null, dir: number): void;
  /** A device seen for the first time. */
  onDeviceNew?(device: Device, ts: number): void;
  /** A device's field changed (its MUD URL announced, an address learned: `field` says which). */
  onDeviceChange?(device: Device, field: keyof Device): void;
  /** The DNS cache took in an answer: `name` resolved to `addr` until `expiresTs` (packet time, µs). */
  onDnsAnswer?(name: string, addr: AddrKey, family: 4 | 6, expiresTs: number, ts: number): void;
  /** Once per second of packet time: expire state, close windows. */
  onTick?(now: number): void;
  /**
   * End of input (a replay ends, the daemon stops): called after the live flows have ended and
   * before a last onTick at `now`, so a plug-in can let go of what it was holding back.
   */
  onFinish?(now: number): void;
  /** Entries held (for metrics and the soak test: must stay bounded). */
  stateSize?(): number;
  /** Approximate bytes its state holds (for the cost table); default stateSize() × 200. */
  stateBytes?(): number;
}

/** A plug-in kind with config, as the detector registry lists them. */
export interface PluginSpec<C extends object = Record<string, unknown>> {
  /** Config key (under `detect` for detectors), camelCase (e.g. `scanPort`). */
  readonly name: string;
  /** Rules it may raise. */
  readonly rules: readonly RuleId[];
  /** Documented defaults, units in the comments of the plug-in's file. `enabled` is added by the builder. */
  readonly defaults: Readonly<C>;
  create(host: PluginHost, cfg: Readonly<C>): Plugin;
}

/** Helps type a spec: `export const scanPort = plugin({...})`. */
export function plugin<C extends object>(spec: PluginSpec<C>): PluginSpec<C> {
  return spec;
}

/**
 * A plug-in ready to be built into a sensor: its name, the rules it owns (named in a
 * `sensor.fault` alert), and how to make it once the host exists.
 */
export interface PluginFactory {
  readonly name: string;
  readonly rules: readonly RuleId[];
  /**
   * The default-credential check the telnet, HTTP and FTP modules are to run for this plug-in (it
   * reads their `credentialList` answers): the sensor hands the first one given to the app layer,
   * unless config privacy.defaultCredentials is off. Without any, no login is looked up.
   */
  readonly credentialCheck?: CredentialCheck;
  create(host: PluginHost): Plugin;
}

/** Per-plug-in settings: `enabled` plus the plug-in's own keys. */
export type PluginConfig = Record<string, Record<string, unknown> & { enabled?: boolean }>;

/** Builds a spec's config from its defaults and the overrides; unknown keys are errors. */
export function specConfig(spec: PluginSpec<object>, over: Record<string, unknown> = {}): Record<string, unknown> {
  const d = spec.defaults as Record<string, unknown>;
  for (const k of Object.keys(over)) {
    if (k !== 'enabled' && !(k in d)) throw new RangeError(`detect.${spec.name}.${k}: unknown key (known: enabled, ${Object.keys(d).join(', ')})`);
  }
  return Object.freeze({ ...d, ...over });
}

/** The factories of `specs` with their config from `cfg` (a spec with `enabled: false` is left out). */
export function specFactories(specs: readonly PluginSpec<object>[], cfg: PluginConfig = {}): PluginFactory[] {
  const out: PluginFactory[] = [];
  for (const spec of specs) {
    const c = specConfig(spec, cfg[spec.name]);
    if (c.enabled === false) continue;
    out.push({ name: spec.name, rules: spec.rules, create: (host) => spec.create(host, c) });
  }
  return out;
}
