// device.new: a device seen on the LAN for the first time, one alert per device, so the SOC knows
// what joined the network. Alerts are held a few seconds of packet time before they are raised, so
// that when many devices appear at once (power restored) the reconnect storm alert, opened by
// stormReconnect meanwhile, folds them instead of the SOC getting one alert per device.
import { iso } from '../../common/packet-time.js';
import { BoundedTable } from '../../common/bounded-table.js';
import type { Device } from '../../track/device.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.deviceNew`. Fixed at start. */
export interface DeviceNewConfig {
  /**
   * Seconds of packet time an alert is held before it is raised, so that a reconnect storm opened
   * meanwhile folds it. Keep it at least `stormReconnect.windowSeconds`; 0 raises at once. Default 10.
   */
  holdSeconds: number;
  /** Alerts held at once; at the cap the oldest is raised early (`detect.deviceNew.held_table_full`). Default 10000. */
  maxHeld: number;
  /**
   * Devices remembered as reported (one alert per device, even if the inventory evicts and re-adds
   * it); at the cap the oldest is forgotten (`detect.deviceNew.table_full`). Default 65536.
   */
  maxRemembered: number;
}

export const DEVICE_NEW_DEFAULTS: Readonly<DeviceNewConfig> = Object.freeze({
  holdSeconds: 10,
  maxHeld: 10000,
  maxRemembered: 65536,
});

/** A device waiting for its alert. */
interface Held {
  device: Device;
  ts: number;
}

/** The running detector. */
export class DeviceNewDetector implements Plugin {
  /**
   * Devices waiting for their alert, by arrival number, oldest first; at maxHeld the oldest is
   * raised early (onEvict).
   */
  private readonly held: BoundedTable<number, Held>;
  private nextHeld = 0;
  /** MACs already reported (the value is unused), oldest first. */
  private readonly reported: BoundedTable<number, true>;
  /** Set at the end of input: nothing is held back any longer. */
  private finishing = false;

  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<DeviceNewConfig>) {
    this.held = new BoundedTable<number, Held>({
      name: 'detect.deviceNew.maxHeld', capacity: cfg.maxHeld, order: 'fifo', counters: host.events, event: 'detect.deviceNew.held_table_full',
      onEvict: (_n, first) => this.raise(first.device, first.ts),
    });
    this.reported = new BoundedTable<number, true>({
      name: 'detect.deviceNew.maxRemembered', capacity: cfg.maxRemembered, order: 'fifo', counters: host.events, event: 'detect.deviceNew.table_full',
    });
  }

  /** Alerts raised early at the `maxHeld` cap. */
  get raisedEarly(): number {
    return this.held.evicted;
  }

  /** MACs forgotten at the `maxRemembered` cap. */
  get forgotten(): number {
    return this.reported.evicted;
  }

  onDeviceNew(device: Device, ts: number): void {
    if (this.reported.has(device.macNum)) return;
    this.reported.add(device.macNum, true);
    // A device a previous run knew (restored from storage at a restart) is not new.
    if (this.host.devices.restoring) return;
    if (this.cfg.holdSeconds <= 0) { this.raise(device, ts); return; }
    this.held.add(this.nextHeld++, { device, ts });
  }

  onFinish(): void {
    this.finishing = true;
  }

  onTick(now: number): void {
    const last = this.finishing;
    const hold = this.cfg.holdSeconds * 1e6;
    for (const [n, h] of this.held) {
      if (!last && now - h.ts < hold) break;
      this.held.delete(n);
      this.raise(h.device, h.ts);
    }
  }

  stateSize(): number {
    return this.held.size + this.reported.size;
  }

  /** Raised at the device's first-seen time, so a storm open at that time folds it. */
  private raise(d: Device, ts: number): void {
    this.host.emit({
      rule: 'device.new', ts, device: d.mac, src: d.ips[0] ?? '', dst: '', proto: '', sport: null, dport: null, peer: '',
      message: deviceNewMessage(d.mac, d.vendor, d.hostname),
      evidence: { mac: d.mac, vendor: d.vendor, firstSeen: iso(d.firstSeen), hostname: d.hostname, ips: d.ips.slice(0, 4) },
    });
  }
}

/** The words of a device.new alert (also used where sensor workers merge their announcements). */
export function deviceNewMessage(mac: string, vendor: string | null, hostname: string | null): string {
  return `new device ${mac}${vendor !== null ? ` (${vendor})` : ''}${hostname !== null ? ` "${hostname}"` : ''}`;
}

export const deviceNew = plugin<DeviceNewConfig>({
  name: 'deviceNew',
  rules: ['device.new'],
  defaults: DEVICE_NEW_DEFAULTS,
  create: (host, cfg) => new DeviceNewDetector(host, cfg),
});
