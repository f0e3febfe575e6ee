// A short history of per-device traffic for the dashboard's charts: every interval the traffic
// meter's counters are sampled and the difference kept, in a ring of fixed length, so the chart
// of the last hour costs a fixed amount of memory whatever the uptime.
import type { DeviceTraffic } from './traffic-meter.js';

/** Bytes and packets one device sent and received during one interval. */
export interface TrafficDelta {
  txBytes: number;
  rxBytes: number;
  txPackets: number;
  rxPackets: number;
}

/** One sample: the end of its interval (ms since the epoch) and each active device's delta. */
export interface TrafficSample {
  t: number;
  devices: Record<string, TrafficDelta>;
}

export class TrafficHistory {
  private readonly ring: (TrafficSample | null)[];
  private next = 0;
  private last = new Map<string, DeviceTraffic>();

  /** `samples`: how many intervals are kept (360 × 10 s: one hour). */
  constructor(readonly intervalSeconds: number, samples: number) {
    this.ring = new Array<TrafficSample | null>(samples).fill(null);
  }

  /** Records the difference between `snapshot` and the previous one, stamped `nowMs`. */
  sample(snapshot: readonly DeviceTraffic[], nowMs: number): void {
    const devices: Record<string, TrafficDelta> = {};
    const seen = new Map<string, DeviceTraffic>();
    for (const d of snapshot) {
      seen.set(d.mac, d);
      const p = this.last.get(d.mac);
      // A device evicted from the meter and seen again starts from zero: its first delta is its total.
      const delta = {
        txBytes: d.txBytes - (p?.txBytes ?? 0), rxBytes: d.rxBytes - (p?.rxBytes ?? 0),
        txPackets: d.txPackets - (p?.txPackets ?? 0), rxPackets: d.rxPackets - (p?.rxPackets ?? 0),
      };
      if (delta.txBytes < 0 || delta.rxBytes < 0) Object.assign(delta, { txBytes: d.txBytes, rxBytes: d.rxBytes, txPackets: d.txPackets, rxPackets: d.rxPackets });
      if (delta.txPackets > 0 || delta.rxPackets > 0) devices[d.mac] = delta;
    }
    this.last = seen;
    this.ring[this.next] = { t: nowMs, devices };
    this.next = (this.next + 1) % this.ring.length;
  }

  /** The samples kept, oldest first. */
  samples(): TrafficSample[] {
    const out: TrafficSample[] = [];
    for (let i = 0; i < this.ring.length; i++) {
      const s = this.ring[(this.next + i) % this.ring.length];
      if (s) out.push(s);
    }
    return out;
  }
}
