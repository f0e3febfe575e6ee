// Turns the API's stats into uPlot's aligned columns: a bucket for every step of the range (zeros
// where nothing happened, so lines fall to the floor), counts re-bucketed on the client so the
// chart is right whatever bucket boundaries the server used.
import type { AlignedData } from 'uplot';
import type { CountSeries, TrafficSeries } from '../api/api-types';

/** x (bucket starts, s) and one column of counts per name, from `fromSec` to `toSec`. */
export function countColumns(s: CountSeries, names: readonly string[], bucketSec: number, fromSec: number, toSec: number): AlignedData {
  const x0 = Math.floor(fromSec / bucketSec) * bucketSec;
  const n = Math.max(1, Math.floor((toSec - x0) / bucketSec) + 1);
  const x = Array.from({ length: n }, (_, i) => x0 + i * bucketSec);
  const cols = names.map(() => new Array<number>(n).fill(0));
  for (const b of s.buckets) {
    const t = Date.parse(b.t) / 1000;
    const i = Math.floor((t - x0) / bucketSec);
    if (!(i >= 0 && i < n)) continue;
    names.forEach((name, k) => {
      const v = b[name];
      if (typeof v === 'number') cols[k]![i]! += v;
    });
  }
  return [x, ...cols];
}

/** Sum of each column. */
export function columnTotals(data: AlignedData): number[] {
  return data.slice(1).map((col) => (col as (number | null)[]).reduce<number>((a, v) => a + (v ?? 0), 0));
}

/** x (s) and bytes per second (sent + received) per device, in `macs` order. */
export function trafficColumns(s: TrafficSeries, macs: readonly string[]): AlignedData {
  const x = s.samples.map((p) => p.t / 1000);
  const per = s.intervalSeconds > 0 ? s.intervalSeconds : 1;
  const cols = macs.map((mac) => s.samples.map((p): number | null => {
    const d = p.devices[mac];
    return d === undefined ? 0 : (d.txBytes + d.rxBytes) / per;
  }));
  // Fewer than two samples (a daemon just started) would leave uPlot no time range to draw: the
  // chart then spans the last hour, empty (null: no line) until samples arrive.
  if (x.length < 2) {
    const now = Date.now() / 1000;
    x.unshift(Math.min(x[0] ?? now, now) - 3600);
    for (const c of cols) c.unshift(null);
    if (x.length < 2) { x.push(now); for (const c of cols) c.push(null); }
  }
  return [x, ...cols];
}

/** Devices in the series, busiest first. */
export function trafficDevices(s: TrafficSeries): string[] {
  const sum = new Map<string, number>();
  for (const p of s.samples) for (const [mac, d] of Object.entries(p.devices)) sum.set(mac, (sum.get(mac) ?? 0) + d.txBytes + d.rxBytes);
  return [...sum.entries()].sort((a, b) => b[1] - a[1]).map(([mac]) => mac);
}
