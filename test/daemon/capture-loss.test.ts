// The capture-loss watch fed the counters a live capture reports once a second (cumulative since
// open, as pcap_stats and the capture ring give them): no drops, no alert; drops rising raise one
// `sensor.capture-loss` alert with the counts, then none for a minute, then again; `capture.stats`
// lines once a minute and at once on a rise; a reopened capture (counters back to zero) starts over.
import { describe, expect, it } from 'vitest';
import { AlertManager, ALERTS_DEFAULTS } from '../../gateway/alerts/alert-manager.js';
import { CaptureLossWatch, lossPercent, type CaptureSample as CaptureStats } from '../../gateway/daemon/capture-loss.js';

const T0 = 1_700_000_000_000_000;
const SEC = 1_000_000;
/** Mean captured frame, bytes. */
const FRAME = 400;

/**
 * A link as a capture sees it, second by second: `pps` packets reach the interface, and each
 * second some are lost at the kernel buffer, the interface or the capture ring.
 */
class Link {
  s: CaptureStats = { received: 0, kernelDropped: 0, ifDropped: 0, ringDropped: 0, captured: 0, capturedBytes: 0 };

  /** One second: `pps` packets arrive; the kernel's drops are part of ps_recv, the interface's are not. */
  second(pps: number, drops: { kernel?: number; ifDrop?: number; ring?: number } = {}): CaptureStats {
    const k = drops.kernel ?? 0;
    const i = drops.ifDrop ?? 0;
    const r = drops.ring ?? 0;
    const s = this.s;
    const toPcap = pps - i;
    const captured = toPcap - k - r;
    this.s = {
      received: s.received + toPcap, kernelDropped: s.kernelDropped + k, ifDropped: s.ifDropped + i, ringDropped: s.ringDropped + r,
      captured: s.captured + captured, capturedBytes: s.capturedBytes + captured * FRAME,
    };
    return { ...this.s };
  }
}

function setup() {
  const alerts = new AlertManager(ALERTS_DEFAULTS, null);
  const logs: Record<string, unknown>[] = [];
  const watch = new CaptureLossWatch({ interface: 'br-lan', alerts, log: (event, fields = {}) => logs.push({ event, ...fields }) });
  return { alerts, logs, watch, link: new Link() };
}

describe('CaptureLossWatch', () => {
  it('a clean link: no alert, never rising, one capture.stats line a minute with the counts', () => {
    const { alerts, logs, watch, link } = setup();
    for (let t = 0; t <= 150; t++) watch.check(link.second(5000), T0 + t * SEC);
    expect(alerts.all()).toEqual([]);
    expect(watch.lossRising(T0 + 150 * SEC)).toBe(false);
    expect(logs.map((l) => [l.event, l.intervalSeconds, l.intervalSeen, l.intervalLost, l.rising])).toEqual([
      ['capture.stats', 0, 5000, 0, false],
      ['capture.stats', 60, 300_000, 0, false],
      ['capture.stats', 60, 300_000, 0, false],
    ]);
    expect(logs[2]).toEqual({
      event: 'capture.stats', interface: 'br-lan', received: 605_000, kernelDropped: 0, ifDropped: 0, ringDropped: 0, captured: 605_000,
      capturedBytes: 605_000 * FRAME, lost: 0, lossPercent: 0, intervalSeconds: 60, intervalLost: 0, intervalSeen: 300_000, rising: false,
    });
  });

  it('drops rising: one alert with the counts at once, none within a minute, then one more; rising for a minute after the last', () => {
    const { alerts, logs, watch, link } = setup();
    const at = (t: number) => T0 + t * SEC;
    for (let t = 0; t < 10; t++) watch.check(link.second(10_000), at(t));
    logs.length = 0;
    // A burst the kernel buffer could not hold, and a few frames the capture ring had no room for.
    watch.check(link.second(10_000, { kernel: 400, ring: 100 }), at(10));
    expect(alerts.all()).toHaveLength(1);
    const a = alerts.all()[0]!;
    expect(a).toMatchObject({ rule: 'sensor.capture-loss', severity: 'high', device: null, src: '', dst: '', proto: '', sport: null, dport: null, count: 1 });
    expect(a.evidence).toEqual({
      interface: 'br-lan', received: 110_000, kernelDropped: 400, ifDropped: 0, ringDropped: 100, captured: 109_500, capturedBytes: 109_500 * FRAME,
      lost: 500, lossPercent: 0.45, interval: { seconds: 10, lost: 500, seen: 110_000, lossPercent: 0.45 },
    });
    expect(a.message).toBe('capture on br-lan lost 500 of 110,000 packets since the capture opened (0.45 %) (kernel buffer 400, interface 0, capture ring 100): '
      + 'detection is blind to them; raise capture.bufferSize (kernel drops) or capture.workers (ring drops), and check the CPU load');
    // Logged at once, with the counts.
    expect(logs).toEqual([{
      event: 'capture.stats', interface: 'br-lan', received: 110_000, kernelDropped: 400, ifDropped: 0, ringDropped: 100, captured: 109_500,
      capturedBytes: 109_500 * FRAME, lost: 500, lossPercent: 0.45, intervalSeconds: 10, intervalLost: 500, intervalSeen: 100_000, rising: true,
    }]);
    expect(watch.lossRising(at(10))).toBe(true);

    // More drops within the minute: no new alert (its count stays 1), and no extra log line.
    for (let t = 11; t < 40; t++) watch.check(link.second(10_000, t % 5 === 0 ? { kernel: 50, ifDrop: 2 } : {}), at(t));
    expect(a.count).toBe(1);
    expect(watch.alertsRaised).toBe(1);
    expect(logs).toHaveLength(1);
    // Quiet from 40 s: still rising until a minute after the last rise (35 s), then not.
    for (let t = 40; t < 96; t++) watch.check(link.second(10_000), at(t));
    expect(watch.lossRising(at(94))).toBe(true);
    expect(watch.lossRising(at(95))).toBe(false);
    // The routine line at 70 s carries what the minute since the last line lost.
    expect(logs.slice(1).map((l) => [l.intervalSeconds, l.intervalLost, l.intervalSeen, l.rising])).toEqual([[60, 5 * 52, 600_000, true]]);

    // Drops again, 86 s after the first alert: a second alert, folded into the same one by the
    // alert manager (same rule, device, peer), its evidence now the new counts over the last 86 s.
    watch.check(link.second(10_000, { ring: 1000 }), at(96));
    expect(watch.alertsRaised).toBe(2);
    expect(alerts.all()).toHaveLength(1);
    expect(a.count).toBe(2);
    expect(a.evidence).toMatchObject({
      kernelDropped: 650, ifDropped: 10, ringDropped: 1100, lost: 1760, received: 969_990,
      interval: { seconds: 86, lost: 1260, seen: 860_000, lossPercent: 0.15 },
    });
    expect(logs.at(-1)).toMatchObject({ event: 'capture.stats', lost: 1760, intervalSeconds: 26, intervalLost: 1000, rising: true });
  });

  it('a second alert\'s message names the last interval and the total', () => {
    const alerts = new AlertManager({ ...ALERTS_DEFAULTS, dedupWindowSeconds: 30 }, null);
    const watch = new CaptureLossWatch({ interface: 'eth1', alerts, log: () => {} });
    const link = new Link();
    watch.check(link.second(2000, { kernel: 20 }), T0);
    for (let t = 1; t <= 60; t++) watch.check(link.second(2000), T0 + t * SEC);
    watch.check(link.second(2000, { ifDrop: 30, ring: 10 }), T0 + 61 * SEC);
    // Past the 30-s dedup window: a new alert of its own.
    expect(alerts.all().map((x) => x.message)).toEqual([
      'capture on eth1 lost 20 of 2,000 packets since the capture opened (1 %) (kernel buffer 20, interface 0, capture ring 0): '
        + 'detection is blind to them; raise capture.bufferSize (kernel drops) or capture.workers (ring drops), and check the CPU load',
      'capture on eth1 lost 40 of 122,000 packets in the last 61 s (0.03 %), 60 of 124,000 packets since the capture opened (0.05 %) '
        + '(kernel buffer 20, interface 30, capture ring 10): '
        + 'detection is blind to them; raise capture.bufferSize (kernel drops) or capture.workers (ring drops), and check the CPU load',
    ]);
    expect(alerts.all().map((x) => x.evidence.interface)).toEqual(['eth1', 'eth1']);
  });

  it('counts a worker pool\'s drops as lost', () => {
    const { alerts, watch, link } = setup();
    watch.check(link.second(1000), T0);
    watch.check({ ...link.second(1000), workerDropped: 0 }, T0 + SEC);
    watch.check({ ...link.second(1000), workerDropped: 7 }, T0 + 2 * SEC);
    expect(alerts.all()).toHaveLength(1);
    expect(alerts.all()[0]!.evidence).toMatchObject({ workerDropped: 7, lost: 7, lossPercent: 0.23 });
    expect(alerts.all()[0]!.message).toContain('(kernel buffer 0, interface 0, capture ring 0, workers 7)');
  });

  it('a reopened capture (counters back to zero) is a new baseline, not a rise', () => {
    const { alerts, watch, link } = setup();
    for (let t = 0; t < 5; t++) watch.check(link.second(1000, { kernel: t === 2 ? 5 : 0 }), T0 + t * SEC);
    expect(watch.alertsRaised).toBe(1);
    const fresh = new Link();
    for (let t = 5; t < 200; t++) watch.check(fresh.second(1000), T0 + t * SEC);
    expect(watch.alertsRaised).toBe(1);
    expect(watch.lossRising(T0 + 199 * SEC)).toBe(false);
    watch.check(fresh.second(1000, { kernel: 3 }), T0 + 200 * SEC);
    expect(watch.alertsRaised).toBe(2);
    expect(alerts.all()[0]!.evidence).toMatchObject({ kernelDropped: 3, lost: 3, interval: { lost: 3, seen: 196_000 } });
  });

  it('lossPercent: lost of what reached the interface, two decimals, 0 for nothing seen', () => {
    const none: CaptureStats = { received: 0, kernelDropped: 0, ifDropped: 0, ringDropped: 0, captured: 0, capturedBytes: 0 };
    expect(lossPercent(none)).toBe(0);
    expect(lossPercent({ ...none, received: 1000, kernelDropped: 100, ringDropped: 50, captured: 850 })).toBe(15);
    expect(lossPercent({ ...none, received: 900, ifDropped: 100, captured: 900 })).toBe(10);
    expect(lossPercent({ ...none, received: 3, kernelDropped: 1, captured: 2 })).toBe(33.33);
  });
});
