// The devices as one sensor would have known them at a frame, rebuilt on the thread that merges
// sensor workers (replay/worker-replay.ts) from what each worker's inventory learned and when: so a
// merged alert names its device exactly as a single sensor's alert of the same frame does.
import type { DeviceFacts, DeviceLookup } from '../alerts/device-name.js';
import { parseMac } from '../common/address-text.js';
import { vendorForMac } from '../track/oui-vendors.js';
import type { SharedLearn } from './worker-share.js';

export class MergedDevices {
  private readonly facts = new Map<string, DeviceFacts & { ips: string[] }>();
  private next = 0;

  /**
   * `learned`: every worker's learning, sorted by frame. `maxAddresses`: the inventory's cap on a
   * device's addresses (devices.maxAddressesPerDevice), applied as the inventory applies it.
   */
  constructor(private readonly learned: readonly SharedLearn[], private readonly maxAddresses: number) {}

  /** Takes in what was learned up to and including capture frame `frame` (frames only move forward). */
  advance(frame: number): void {
    const l = this.learned;
    while (this.next < l.length && l[this.next]!.frame <= frame) {
      const x = l[this.next++]!;
      const f = this.of(x.mac);
      if (f === undefined) continue;
      if (x.field === 'hostname') f.hostname = x.value;
      else if (x.field === 'lldpSystemName') f.lldpSystemName = x.value;
      else if (!f.ips.includes(x.value)) {
        f.ips.push(x.value);
        if (f.ips.length > this.maxAddresses) f.ips.shift();
      }
    }
  }

  /** The device of a MAC as known at the last advance(); a device nothing was learned of yet has its vendor only. */
  readonly lookup: DeviceLookup = (mac) => this.of(mac);

  private of(mac: string): (DeviceFacts & { ips: string[] }) | undefined {
    let f = this.facts.get(mac);
    if (f !== undefined) return f;
    const n = parseMac(mac);
    if (n < 0) return undefined;
    f = { mac, hostname: null, lldpSystemName: null, vendor: vendorForMac(n), ips: [] };
    this.facts.set(mac, f);
    return f;
  }
}
