// scan.arp: the detector fed ARP frames built in code and decoded for real (a /24 scan, the
// threshold and its window, replies, RFC 5227 probes and announcements, unicast refreshes, a
// gateway's requests spread over time, a scan made of probes, exclusions, the cap), then the
// pipeline over a /24 scan.
import { describe, expect, it } from 'vitest';
import { scanArp, SCAN_ARP_DEFAULTS, type ScanArpConfig, type ScanArpDetector } from '../../../gateway/detect/detectors/scan-arp.js';
import type { PluginSpec } from '../../../gateway/sensor/plugin.js';
import { fakeHost, frameFeeder } from '../../helpers/fake-host.js';
import { arp, ether, ETHER_ARP, frame, padTo } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const ASKER = '192.168.1.66';
const ASKER_MAC = '02:00:00:00:00:42';
const GW = '192.168.1.1';
const GW_MAC = '02:00:00:00:00:01';
const BCAST = 'ff:ff:ff:ff:ff:ff';
const lan = (i: number): string => `192.168.1.${i}`;
const macOf = (i: number): string => `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`;

/** A who-has `target` from (mac, ip), broadcast unless `dst` is given. */
function whoHas(ip: string, target: string, o: { mac?: string; dst?: string } = {}): Buffer {
  const mac = o.mac ?? ASKER_MAC;
  return padTo(frame(ether({ src: mac, dst: o.dst ?? BCAST, type: ETHER_ARP }), arp({ senderMac: mac, senderIp: ip, targetIp: target })));
}

/** The reply "`ip` is at `mac`" to the asker. */
function isAt(ip: string, mac: string, to = ASKER, toMac = ASKER_MAC): Buffer {
  return padTo(frame(ether({ src: mac, dst: toMac, type: ETHER_ARP }), arp({ op: 2, senderMac: mac, senderIp: ip, targetMac: toMac, targetIp: to })));
}

function setup(over: Partial<ScanArpConfig> = {}) {
  const fh = fakeHost();
  const d = scanArp.create(fh.host, { ...SCAN_ARP_DEFAULTS, ...over }) as ScanArpDetector;
  const feed = frameFeeder(d, T);
  return { d, feed, ...fh };
}

describe('scan.arp', () => {
  it('a /24 asked in 3 s gives one alert with the count, the range, a sample, the answers and the asker MAC', () => {
    const { d, feed, alerts } = setup();
    for (let r = 0; r < 2; r++) { // nmap asks twice for addresses that did not answer
      for (let i = 1; i <= 254; i++) {
        if (i === 66) continue;
        feed(r * 1.5 + i * 0.005, whoHas(ASKER, lan(i)));
        if (r === 0 && (i === 1 || i === 20 || i === 77)) feed(i * 0.005 + 0.001, isAt(lan(i), macOf(i)));
      }
    }
    d.onFinish!(T + 5 * S);
    const raised = alerts.filter((a) => a.count !== 0);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      rule: 'scan.arp', src: ASKER, dst: lan(1), proto: 'arp', device: ASKER_MAC, peer: ASKER,
      evidence: { targets: 20, windowSeconds: 10, askerMac: ASKER_MAC },
    });
    const last = alerts[alerts.length - 1]!;
    expect(last.count).toBe(0);
    expect(last.evidence).toMatchObject({
      targets: 253, low: lan(1), high: lan(254), requests: 506, probes: 0, answered: 3, answeredSample: [lan(1), lan(20), lan(77)],
      targetsExact: true, evicted: 0,
    });
    expect(last.evidence.sample).toEqual(Array.from({ length: 20 }, (_, i) => lan(i + 1)));
    expect(d.findings).toBe(0);
  });

  it('19 addresses within the window stay below the threshold; 20 reach it', () => {
    const below = setup();
    for (let i = 1; i <= 19; i++) below.feed(i * 0.1, whoHas(ASKER, lan(100 + i)));
    below.d.onFinish!(T + 10 * S);
    expect(below.alerts).toEqual([]);
    const at = setup();
    for (let i = 1; i <= 20; i++) at.feed(i * 0.1, whoHas(ASKER, lan(100 + i)));
    expect(at.alerts).toHaveLength(1);
  });

  it('RFC 5227 probes and announcements from 60 hosts joining at once, and link-local autoconfiguration, raise nothing', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 60; i++) {
      // Each host: three probes for the address it wants (sender 0.0.0.0), then two announcements (sender = target).
      for (let k = 0; k < 3; k++) feed(k + i * 0.01, whoHas('0.0.0.0', lan(i), { mac: macOf(i) }));
      for (let k = 0; k < 2; k++) feed(4 + k * 2 + i * 0.01, whoHas(lan(i), lan(i), { mac: macOf(i) }));
    }
    // RFC 3927: a host meeting ten conflicts tries ten link-local addresses before it slows down.
    for (let k = 0; k < 10; k++) for (let r = 0; r < 3; r++) feed(20 + k * 0.5 + r * 0.1, whoHas('0.0.0.0', `169.254.${k + 1}.${k * 7 + 3}`));
    // A gratuitous ARP storm: one host announcing its address 200 times.
    for (let k = 0; k < 200; k++) feed(30 + k * 0.01, whoHas(ASKER, ASKER));
    d.onFinish!(T + 40 * S);
    expect(alerts).toEqual([]);
  });

  it('a scan made of probes (sender 0.0.0.0, arp-scan --arpspa=0.0.0.0) is still a scan', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 50; i++) feed(i * 0.01, whoHas('0.0.0.0', lan(100 + i)));
    d.onFinish!(T + 10 * S);
    expect(alerts.filter((a) => a.count !== 0)).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ src: '0.0.0.0', device: ASKER_MAC, evidence: { targets: 20, probes: 20 } });
    expect(alerts[alerts.length - 1]!.evidence).toMatchObject({ targets: 50, requests: 50, probes: 50 });
  });

  it('a gateway asking for its 60 clients as they talk (spread over minutes) raises nothing', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 60; i++) {
      feed(i * 2, whoHas(GW, lan(100 + i), { mac: GW_MAC }));
      feed(i * 2 + 0.001, isAt(lan(100 + i), macOf(i), GW, GW_MAC));
      d.onTick!(T + i * 2 * S);
    }
    d.onFinish!(T + 200 * S);
    expect(alerts).toEqual([]);
  });

  it('unicast requests (a neighbour cache re-checking entries) do not count unless configured', () => {
    const refresh = (f: (t: number, b: Buffer) => void): void => {
      for (let i = 1; i <= 30; i++) f(i * 0.05, whoHas(GW, lan(100 + i), { mac: GW_MAC, dst: macOf(i) }));
    };
    const quiet = setup();
    refresh(quiet.feed);
    expect(quiet.alerts).toEqual([]);
    const counted = setup({ unicastRequests: true });
    refresh(counted.feed);
    expect(counted.alerts).toHaveLength(1);
    expect(counted.alerts[0]).toMatchObject({ src: GW, device: GW_MAC });
  });

  it('an ignored sender (by MAC or by address) is never counted', () => {
    for (const ignore of [ASKER_MAC, ASKER]) {
      const { d, feed, alerts } = setup({ ignoreSenders: [ignore] });
      for (let i = 1; i <= 40; i++) feed(i * 0.01, whoHas(ASKER, lan(100 + i)));
      d.onFinish!(T + 10 * S);
      expect(alerts).toEqual([]);
    }
  });

  it('a second burst after the finding closed folds into the same dedup key (same peer)', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 25; i++) feed(i * 0.01, whoHas(ASKER, lan(100 + i)));
    d.onTick!(T + 30 * S); // quiet longer than the window: the finding closes
    expect(d.findings).toBe(0);
    for (let i = 1; i <= 25; i++) feed(60 + i * 0.01, whoHas(ASKER, lan(100 + i)));
    const raised = alerts.filter((a) => a.count !== 0);
    expect(raised).toHaveLength(2);
    expect(new Set(raised.map((a) => `${a.rule} ${a.device} ${a.peer}`)).size).toBe(1);
  });

  it('evicts the least recently active sender at maxTracked, counted by name', () => {
    const { d, feed, events } = setup({ maxTracked: 2 });
    for (let i = 1; i <= 3; i++) feed(i, whoHas(lan(10 + i), GW, { mac: macOf(i) }));
    expect(d.evicted).toBe(1);
    expect(d.stateSize!()).toBe(2);
    expect(events.toJSON()).toEqual({ 'detect.scanArp.table_full': 1 });
  });
});

describe('scan.arp through the pipeline', () => {
  it('an ARP scan of a /24 by one LAN host gives exactly one scan.arp', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 1; i <= 254; i++) if (i !== 66) frames.push({ t: 1 + i * 0.004, data: whoHas(ASKER, lan(i)) });
    frames.push({ t: 1.0045, data: isAt(GW, GW_MAC) });
    const { summary } = await replayFrames(frames, { detect: { detectors: [scanArp] as unknown as PluginSpec<object>[] } });
    const got = summary.alerts.filter((a) => a.rule === 'scan.arp');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      src: ASKER, severity: 'medium', device: ASKER_MAC, evidence: { targets: 253, low: lan(1), high: lan(254), answered: 1, answeredSample: [GW] },
    });
  });
});
