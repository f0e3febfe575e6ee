// device.new: a device seen on the LAN for the first time, one alert per device, so the SOC knows
// what joined the network. Alerts are held a few seconds of packet time before they are raised, so
// that when many devices appear at once (power restored) the reconnect storm alert, opened by
// stormReconnect meanwhile, folds them instead of the SOC getting one alert per device.
import { iso } from '../../alerts/alert-manager.js';
import type { Device } from '../../track/device.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.deviceNew`. Fixed at start. */
export interface DeviceNewConfig {
  /**
   * Seconds of packet time an alert is held before it is raised, so that a reconnect storm opened
   * meanwhile folds it. Keep it at least `stormReconnect.windowSeconds`; 0 raises at once. Default 10.
   */
  holdSeconds: number;
  /** Alerts held at once; at the cap the oldest is raised early. Default 10000. */
  maxHeld: number;
  /** Devices remembered as reported (one alert per device, even if the inventory evicts and re-adds it); at the cap the oldest is forgotten. Default 65536. */
  maxRemembered: number;
}

export const DEVICE_NEW_DEFAULTS: Readonly<DeviceNewConfig> = Object.freeze({
  holdSeconds: 10,
  maxHeld: 10000,
  maxRemembered: 65536,
});

/** The running detector. */
export class DeviceNewDetector implements Plugin {
  /** Devices waiting for their alert, oldest first (a FIFO: `held[head…]`). */
  private held: { device: Device; ts: number }[] = [];
  private head = 0;
  /** MACs already reported; Set order is oldest first. */
  private readonly reported = new Set<number>();
  /** Set at the end of input: nothing is held back any longer. */
  private finishing = false;
  /** Alerts raised early at the `maxHeld` cap. */
  raisedEarly = 0;
  /** MACs forgotten at the `maxRemembered` cap. */
  forgotten = 0;

  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<DeviceNewConfig>) {}

  onDeviceNew(device: Device, ts: number): void {
    if (this.reported.has(device.macNum)) return;
    if (this.reported.size >= this.cfg.maxRemembered) {
      this.reported.delete(this.reported.values().next().value as number);
      this.forgotten++;
    }
    this.reported.add(device.macNum);
    if (this.cfg.holdSeconds <= 0) { this.raise(device, ts); return; }
    if (this.held.length - this.head >= this.cfg.maxHeld) {
      const first = this.held[this.head++]!;
      this.raisedEarly++;
      this.raise(first.device, first.ts);
    }
    this.held.push({ device, ts });
  }

  onFinish(): void {
    this.finishing = true;
  }

  onTick(now: number): void {
    const last = this.finishing;
    const hold = this.cfg.holdSeconds * 1e6;
    const q = this.held;
    while (this.head < q.length && (last || now - q[this.head]!.ts >= hold)) {
      const h = q[this.head++]!;
      this.raise(h.device, h.ts);
    }
    if (this.head === q.length) { this.held = []; this.head = 0; }
    else if (this.head > 1024 && this.head * 2 > q.length) { this.held = q.slice(this.head); this.head = 0; }
  }

  stateSize(): number {
    return this.held.length - this.head + this.reported.size;
  }

  /** Raised at the device's first-seen time, so a storm open at that time folds it. */
  private raise(d: Device, ts: number): void {
    this.host.emit({
      rule: 'device.new', ts, device: d.mac, src: d.ips[0] ?? '', dst: '', proto: '', sport: null, dport: null, peer: '',
      message: `new device ${d.mac}${d.vendor !== null ? ` (${d.vendor})` : ''}${d.hostname !== null ? ` "${d.hostname}"` : ''}`,
      evidence: { mac: d.mac, vendor: d.vendor, firstSeen: iso(d.firstSeen), hostname: d.hostname, ips: d.ips.slice(0, 4) },
    });
  }
}

export const deviceNew = plugin<DeviceNewConfig>({
  name: 'deviceNew',
  rules: ['device.new'],
  defaults: DEVICE_NEW_DEFAULTS,
  create: (host, cfg) => new DeviceNewDetector(host, cfg),
});
