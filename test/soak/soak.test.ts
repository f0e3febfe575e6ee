// The soak on the wall clock, short: runSoak delivers the packets of its rate, flows come and go
// (the flow table stays level), devices churn through a small inventory cap, and there is one
// sample per interval. Also the verdicts, on made-up series, and the command line's JSON.
import { DETECTORS } from '../../gateway/detect/registry.js';
import { describe, expect, it } from 'vitest';
import { soakMain } from '../../gateway/soak/soak-main.js';
import { judgeSoak, resolveSoakOptions, runSoak, type SoakResult } from '../../gateway/soak/soak-run.js';
import type { SoakSample } from '../../gateway/soak/soak-sample.js';

describe('runSoak', () => {
  let r: SoakResult;
  const seen: number[] = [];

  it('runs 10 s at 5,000 packets/s with a sample every 2 s', async () => {
    r = await runSoak({
      seconds: 10, rate: 5000, devices: 20, maxDevices: 25, joinsPerSecond: 5, intervalSeconds: 2, bulkFlows: 16, servers: 1024,
      // Short timeouts, so that flows end within the run instead of after a minute.
      pipeline: { flows: { udpTimeout: 2, otherTimeout: 2, tcpNewTimeout: 2, tcpClosedTimeout: 1 } },
      // device.new raised at once (not held 10 s), so every join is an alert within the run.
      detect: { deviceNew: { holdSeconds: 0 } },
      // Whatever a stall of a loaded machine leaves owed goes out in the next slice: the packets
      // delivered are the rate's, not the machine's (the soak proper keeps the 0.25 s default).
      maxCatchUpSeconds: 10,
      onSample: (s) => seen.push(s.index),
    });
    expect(r.samples.map((s) => s.index)).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    // A sample is taken by the first slice at or past its boundary, the last at the end of the run:
    // never early, in order. How late the others come depends on the machine, not the soak.
    r.samples.forEach((s, i) => expect(s.elapsedSeconds).toBeGreaterThanOrEqual(2 * (i + 1)));
    for (let i = 1; i < r.samples.length; i++) expect(r.samples[i]!.elapsedSeconds).toBeGreaterThanOrEqual(r.samples[i - 1]!.elapsedSeconds);
    expect(r.samples[4]!.elapsedSeconds).toBe(10);
  }, 30_000);

  it('delivers the packets of the rate', () => {
    expect(r.traffic.packets).toBeGreaterThanOrEqual(50_000 * 0.95);
    expect(r.traffic.packets).toBeLessThanOrEqual(50_000 * 1.01);
    expect(r.verdict.rateOk).toBe(true);
    const last = r.samples[r.samples.length - 1]!;
    expect(last.packets).toBe(r.traffic.packets);
    expect(last.decodeErrors).toBe(0);
    expect(r.samples.reduce((n, s) => n + s.intervalPackets, 0)).toBe(r.traffic.packets);
  });

  it('creates and ends flows while the flow table stays level', () => {
    const last = r.samples[r.samples.length - 1]!;
    // The mix makes a flow every ~21 packets (TRAFFIC_MIX over PACKETS): short sessions, lookups, pings.
    expect(last.flowsCreated).toBeGreaterThan(r.traffic.packets * 0.04);
    expect(last.flowsEnded).toBeGreaterThan(last.flowsCreated * 0.7);
    expect(last.flowsEvicted).toBe(0);
    // Past the first timeouts the live count is what ~2 s of new flows leave, not what 10 s made.
    for (const s of r.samples.slice(1)) expect(s.flows).toBeLessThan(last.flowsCreated / 3);
    expect(r.flowsPeak).toBeLessThan(last.flowsCreated / 3);
  });

  it('churns devices through the inventory cap', () => {
    const last = r.samples[r.samples.length - 1]!;
    expect(r.traffic.joins).toBeGreaterThan(40);
    expect(r.traffic.departures).toBe(r.traffic.joins - 20);
    expect(last.devicesEvicted).toBeGreaterThan(0);
    for (const s of r.samples) expect(s.devices).toBeLessThanOrEqual(25);
    expect(last.deviceJoins).toBe(r.traffic.joins);
  });

  it('measures the CPU the run used, per interval', () => {
    // A running total (unrounded, µs resolution): it never goes back, and the run as a whole used
    // some. Two samples may not differ by a fixed amount: at this rate an interval costs ~0.1 s.
    for (let i = 1; i < r.samples.length; i++) expect(r.samples[i]!.cpuSeconds).toBeGreaterThanOrEqual(r.samples[i - 1]!.cpuSeconds);
    expect(r.samples[r.samples.length - 1]!.cpuSeconds).toBeGreaterThan(r.samples[0]!.cpuSeconds);
    expect(r.samples[0]!.cpuSeconds).toBeGreaterThan(0);
    for (const s of r.samples) expect(s.cpuPercent).toBeGreaterThan(0);
  });

  it('reads the alert manager and the detectors', () => {
    const last = r.samples[r.samples.length - 1]!;
    // One device.new per join (each a new MAC), each its own open entry until the cap.
    expect(last.alertsTotal).toBeGreaterThanOrEqual(r.traffic.joins);
    expect(last.alertsOpen).toBeGreaterThan(0);
    expect(last.alertsOpen).toBeLessThanOrEqual(last.alertsTotal);
    expect(last.detectorState).toBeGreaterThan(0);
    // Every registered detector plus the MUD policy, its denial recorder, the exposure inventory and the traffic meter.
    expect(r.plugins).toEqual([...DETECTORS.map((d) => d.name), 'mudPolicy', 'denialRecorder', 'exposureTracker', 'trafficMeter']);
    expect(r.detectors).toBe(DETECTORS.length + 4);
    expect(Object.keys(r.detectorState)).toContain('baseline');
  });
});

/** A series whose RSS follows `rss`, all at the target rate. */
function series(rss: number[]): SoakSample[] {
  return rss.map((m, i) => ({
    index: i + 1, elapsedSeconds: 60 * (i + 1), packets: 3e6 * (i + 1), intervalPackets: 3e6, ratePps: 50_000, rssMiB: m,
    heapUsedMiB: 0, liveHeapMiB: null, heapTotalMiB: 0, externalMiB: 0, arrayBuffersMiB: 0, flows: 0, flowsCreated: 0, flowsEnded: 0, flowsEvicted: 0,
    devices: 0, deviceJoins: 0, devicesEvicted: 0, dnsNames: 0, dnsEvicted: 0, alertsOpen: 0, alertsTotal: 0, detectorState: 0,
    decodeErrors: 0, lagP50Ms: 0, lagP99Ms: 0, lagMaxMs: 0, cpuSeconds: 0, cpuPercent: 0,
  }));
}

describe('judgeSoak', () => {
  const o = resolveSoakOptions({ seconds: 600 });

  it('says memory levels off when the last RSS is at most 10 % above minute 3', () => {
    const v = judgeSoak(series([150, 200, 250, 255, 260, 262, 265, 268, 270, 272]), o, 30e6, 600);
    expect(v.referenceRssMiB).toBe(250);
    expect(v.rssRatio).toBeCloseTo(1.088, 3);
    expect(v.memoryLevelsOff).toBe(true);
    expect(v.ok).toBe(true);
  });

  it('fails a run whose RSS keeps growing, not one whose RSS fell', () => {
    expect(judgeSoak(series([150, 200, 250, 270, 290, 310, 330, 350, 370, 390]), o, 30e6, 600)).toMatchObject({ memoryLevelsOff: false, ok: false });
    expect(judgeSoak(series([150, 200, 250, 260, 265, 270, 270, 270, 272, 276]), o, 30e6, 600).memoryLevelsOff).toBe(false);
    expect(judgeSoak(series([150, 200, 250, 240, 230, 220, 210, 200, 190, 180]), o, 30e6, 600)).toMatchObject({ memoryLevelsOff: true, rssRatio: 0.72 });
  });

  it('fails a run more than 5 % under its rate', () => {
    const flat = series([250, 250, 250, 250]);
    expect(judgeSoak(flat, o, 0.96 * 50_000 * 240, 240)).toMatchObject({ rateOk: true, ok: true });
    expect(judgeSoak(flat, o, 0.94 * 50_000 * 240, 240)).toMatchObject({ rateOk: false, ok: false, achievedRate: 47_000 });
  });

  it('does not judge memory on a run of three samples or fewer', () => {
    const v = judgeSoak(series([100, 200, 300]), o, 50_000 * 180, 180);
    expect(v.memoryLevelsOff).toBeNull();
    expect(v.rssRatio).toBeNull();
    expect(v.ok).toBe(true);
  });
});

describe('soak-main', () => {
  it('prints the series as JSON with --json and exits 0 when the rate held', async () => {
    let out = '', err = '';
    const code = await soakMain(['--seconds', '2', '--interval', '1', '--rate', '2000', '--devices', '10', '--json'], (s) => { out += s; }, (s) => { err += s; });
    const doc = JSON.parse(out) as SoakResult;
    expect(doc.samples).toHaveLength(2);
    expect(doc.options).toMatchObject({ seconds: 2, rate: 2000, devices: 10, intervalSeconds: 1 });
    expect(err).toContain('lag p50/p99/max ms');
    expect(err).toContain('too short to judge');
    // Whether 2 s on the wall clock held the rate is the machine's doing (a stall past the 0.25 s
    // catch-up drops packets); what the command guarantees is the exit code of its verdict.
    expect(doc.verdict.memoryLevelsOff).toBeNull();
    expect(doc.verdict.ok).toBe(doc.verdict.rateOk);
    expect(code).toBe(doc.verdict.ok ? 0 : 1);
  }, 30_000);

  it('scales the flow idle timeouts with --timeout-scale', async () => {
    let out = '';
    const code = await soakMain(['--seconds', '1', '--interval', '1', '--rate', '1000', '--devices', '5', '--timeout-scale', '3', '--json'], (s) => { out += s; }, () => {});
    const doc = JSON.parse(out) as SoakResult;
    expect(code).toBe(doc.verdict.ok ? 0 : 1); // the rate verdict of a 1 s run is the machine's, see above
    expect(doc.flowTimeouts).toEqual({ udp: 180, other: 180, tcpClosed: 30 });
  }, 30_000);

  it('refuses a bad argument with exit code 2', async () => {
    let err = '';
    expect(await soakMain(['--timeout-scale', '0'], () => {}, (s) => { err += s; })).toBe(2);
    expect(await soakMain(['--rate', 'fast'], () => {}, (s) => { err += s; })).toBe(2);
    expect(await soakMain(['--devices', '0'], () => {}, (s) => { err += s; })).toBe(2);
    expect(err).toContain('usage:');
  });
});
