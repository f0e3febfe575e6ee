// scan.icmp: the detector fed frames built in code and decoded for real (echo, timestamp, mask,
// ICMPv6 echo sweeps; thresholds and windows; replies; exclusions; the cap), then the pipeline
// over an 18-host echo sweep, and a ping monitor that must stay quiet for an hour.
import { describe, expect, it } from 'vitest';
import { parseMac } from '../../../gateway/common/address-text.js';
import { scanIcmp, SCAN_ICMP_DEFAULTS, type ScanIcmpConfig, type ScanIcmpDetector } from '../../../gateway/detect/detectors/scan-icmp.js';
import type { PluginSpec } from '../../../gateway/sensor/plugin.js';
import { fakeHost, frameFeeder } from '../../helpers/fake-host.js';
import { echoBody, ether, ETHER_IPV4, ETHER_IPV6, frame, icmp, icmpv6, ipv4, ipv6, padTo, PROTO } from '../../helpers/frames.js';
import { replayFrames, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const SCANNER = '192.168.1.200';
const SCANNER_MAC = '02:00:00:00:00:c8';
const ROUTER_MAC = '02:00:00:00:00:01';
const ECHO = 8, ECHO_REPLY = 0, TIMESTAMP = 13, TIMESTAMP_REPLY = 14, MASK = 17, UNREACH = 3;

/** An ICMPv4 query frame `src` → `dst` of `type` (echo-style body: id, seq, data). */
function q4(src: string, dst: string, type: number, o: { seq?: number; data?: Buffer; srcMac?: string; dstMac?: string } = {}): Buffer {
  return padTo(frame(
    ether({ src: o.srcMac ?? SCANNER_MAC, dst: o.dstMac ?? ROUTER_MAC, type: ETHER_IPV4 }),
    ipv4({ src, dst, proto: PROTO.ICMP, payload: icmp({ type, body: echoBody({ id: 0x1234, seq: o.seq ?? 1, data: o.data }) }) }),
  ));
}

/** An ICMPv6 echo (128) or reply (129) frame. */
function q6(src: string, dst: string, type: number, dstMac = ROUTER_MAC): Buffer {
  return frame(
    ether({ src: SCANNER_MAC, dst: dstMac, type: ETHER_IPV6 }),
    ipv6({ src, dst, next: PROTO.ICMPV6, payload: icmpv6({ type, body: echoBody({ id: 7, seq: 1 }) }) }),
  );
}

function setup(over: Partial<ScanIcmpConfig> = {}) {
  const fh = fakeHost();
  fh.devices.touch(parseMac(SCANNER_MAC), T, 60);
  const d = scanIcmp.create(fh.host, { ...SCAN_ICMP_DEFAULTS, ...over }) as ScanIcmpDetector;
  const feed = frameFeeder(d, T);
  return { d, feed, ...fh };
}

const net = (i: number): string => `10.20.0.${i}`;
const lan = (i: number): string => `192.168.1.${i}`;

describe('scan.icmp: echo sweeps', () => {
  it('an 18-host echo sweep gives one alert with the hosts, a sample, the kind and the hosts that answered', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 18; i++) {
      feed(i * 0.05, q4(SCANNER, net(i), ECHO));
      if (i % 4 === 0) feed(i * 0.05 + 0.001, q4(net(i), SCANNER, ECHO_REPLY, { srcMac: ROUTER_MAC, dstMac: SCANNER_MAC }));
    }
    d.onFinish!(T + 2 * S);
    const raised = alerts.filter((a) => a.count !== 0);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      rule: 'scan.icmp', src: SCANNER, dst: net(1), proto: 'icmp', device: SCANNER_MAC, peer: SCANNER,
      evidence: { hosts: 10, kinds: ['echo'], trigger: 'fast', windowSeconds: 60 },
    });
    // The last report (count 0) holds the whole sweep.
    const last = alerts[alerts.length - 1]!;
    expect(last.count).toBe(0);
    expect(last.evidence).toMatchObject({
      hosts: 18, probes: 18, kinds: ['echo'], answered: 4, answeredSample: [net(4), net(8), net(12), net(16)], hostsExact: true, evicted: 0,
      durationSeconds: 0.85,
    });
    expect(last.evidence.sample).toEqual(Array.from({ length: 18 }, (_, i) => net(i + 1))); // address order
  });

  it('nine hosts within the window stay below the threshold', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 9; i++) feed(i, q4(SCANNER, net(i), ECHO));
    d.onFinish!(T + 20 * S);
    expect(alerts).toEqual([]);
  });

  it('ten hosts spread wider than the fast window are not a fast sweep; twenty-five within 15 minutes are a slow one', () => {
    const { feed, alerts } = setup();
    for (let i = 1; i <= 10; i++) feed(i * 7, q4(SCANNER, net(i), ECHO)); // 63 s from first to last
    expect(alerts).toEqual([]);
    for (let i = 11; i <= 24; i++) feed(i * 7, q4(SCANNER, net(i), ECHO));
    expect(alerts).toEqual([]);
    feed(25 * 7, q4(SCANNER, net(25), ECHO));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ count: 1, evidence: { hosts: 25, trigger: 'slow', windowSeconds: 900 } });
  });

  it('repeated pings of the same hosts count each host once', () => {
    const { d, feed, alerts } = setup();
    for (let r = 0; r < 50; r++) for (let i = 1; i <= 9; i++) feed(r + i * 0.01, q4(SCANNER, net(i), ECHO, { seq: r }));
    d.onFinish!(T + 60 * S);
    expect(alerts).toEqual([]);
  });

  it('a monitor pinging three hosts every second for an hour raises nothing', () => {
    const { d, feed, alerts } = setup();
    const hosts = [lan(1), '8.8.8.8', '1.1.1.1'];
    for (let t = 0; t < 3600; t++) {
      for (const h of hosts) {
        feed(t, q4(SCANNER, h, ECHO, { seq: t }));
        feed(t + 0.01, q4(h, SCANNER, ECHO_REPLY, { seq: t, srcMac: ROUTER_MAC, dstMac: SCANNER_MAC }));
      }
      d.onTick!(T + t * S);
    }
    d.onFinish!(T + 3600 * S);
    expect(alerts).toEqual([]);
    expect(d.stateSize!()).toBeGreaterThan(0);
  });

  it('replies, errors and broadcast or multicast destinations are not probes', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 30; i++) {
      feed(i * 0.1, q4(net(i), SCANNER, ECHO_REPLY));
      feed(i * 0.1, padTo(frame(ether({ src: SCANNER_MAC, dst: ROUTER_MAC, type: ETHER_IPV4 }),
        ipv4({ src: SCANNER, dst: net(i), proto: PROTO.ICMP, payload: icmp({ type: UNREACH, code: 3, body: Buffer.alloc(4) }) }))));
      feed(i * 0.1, q4(SCANNER, `224.0.0.${i}`, ECHO));
    }
    feed(5, q4(SCANNER, '255.255.255.255', ECHO, { dstMac: 'ff:ff:ff:ff:ff:ff' }));
    d.onFinish!(T + 10 * S);
    expect(alerts).toEqual([]);
    expect(d.stateSize!()).toBe(0); // nothing was a probe: no source tracked
  });

  it('an ignored source is never counted', () => {
    const { d, feed, alerts } = setup({ ignoreSources: [SCANNER] });
    for (let i = 1; i <= 30; i++) feed(i * 0.1, q4(SCANNER, net(i), ECHO));
    d.onFinish!(T + 10 * S);
    expect(alerts).toEqual([]);
  });
});

describe('scan.icmp: timestamp, address-mask and ICMPv6', () => {
  it('timestamp requests to four hosts are a sweep (rare trigger)', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 4; i++) feed(i * 30, q4(SCANNER, net(i), TIMESTAMP, { data: Buffer.alloc(12) }));
    feed(121, q4(net(2), SCANNER, TIMESTAMP_REPLY, { data: Buffer.alloc(12), srcMac: ROUTER_MAC, dstMac: SCANNER_MAC }));
    d.onFinish!(T + 200 * S);
    expect(alerts.filter((a) => a.count !== 0)).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'scan.icmp', src: SCANNER, evidence: { hosts: 4, kinds: ['timestamp'], trigger: 'rare', windowSeconds: 900 } });
    expect(alerts[alerts.length - 1]!.evidence).toMatchObject({ answered: 1, answeredSample: [net(2)] });
  });

  it('address-mask requests to four hosts are a sweep; three are not', () => {
    const three = setup();
    for (let i = 1; i <= 3; i++) three.feed(i, q4(SCANNER, net(i), MASK, { data: Buffer.alloc(4) }));
    three.d.onFinish!(T + 10 * S);
    expect(three.alerts).toEqual([]);
    const four = setup();
    for (let i = 1; i <= 4; i++) four.feed(i, q4(SCANNER, net(i), MASK, { data: Buffer.alloc(4) }));
    expect(four.alerts).toHaveLength(1);
    expect(four.alerts[0]!.evidence).toMatchObject({ hosts: 4, kinds: ['address-mask'] });
  });

  it('nmap -sn (echo and timestamp to each host) gives one alert naming both kinds', () => {
    const { d, feed, alerts } = setup();
    for (let i = 1; i <= 18; i++) {
      feed(i * 0.02, q4(SCANNER, net(i), ECHO));
      feed(i * 0.02 + 0.001, q4(SCANNER, net(i), TIMESTAMP, { data: Buffer.alloc(12) }));
    }
    d.onFinish!(T + 5 * S);
    expect(alerts.filter((a) => a.count !== 0)).toHaveLength(1);
    expect(alerts[alerts.length - 1]!.evidence).toMatchObject({ hosts: 18, kinds: ['echo', 'timestamp'], probes: 36 });
  });

  it('an ICMPv6 echo sweep gives one alert; echo to all-nodes multicast does not count', () => {
    const { d, feed, alerts } = setup();
    for (let i = 0; i < 3; i++) feed(i, q6('fd00::c8', 'ff02::1', 128, '33:33:00:00:00:01'));
    for (let i = 1; i <= 12; i++) feed(5 + i * 0.1, q6('fd00::c8', `fd00::${i.toString(16)}`, 128));
    d.onFinish!(T + 20 * S);
    expect(alerts.filter((a) => a.count !== 0)).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ src: 'fd00::c8', dst: 'fd00::1', proto: 'ipv6-icmp', evidence: { kinds: ['echo'] } });
    expect(alerts[alerts.length - 1]!.evidence).toMatchObject({ hosts: 12 });
  });
});

describe('scan.icmp: bounded', () => {
  it('evicts the least recently active source at maxTracked, counted by name, and reports an evicted finding', () => {
    const { d, feed, alerts, events } = setup({ maxTracked: 2 });
    for (let i = 1; i <= 12; i++) feed(i * 0.01, q4(SCANNER, net(i), ECHO));
    expect(alerts).toHaveLength(1);
    feed(1, q4(lan(11), net(1), ECHO, { srcMac: '02:00:00:00:00:0b' }));
    feed(1, q4(SCANNER, net(13), ECHO)); // the finding grows (dirty)
    feed(2, q4(lan(12), net(1), ECHO, { srcMac: '02:00:00:00:00:0c' }));
    feed(3, q4(lan(13), net(1), ECHO, { srcMac: '02:00:00:00:00:0d' }));
    expect(d.evicted).toBe(2);
    expect(events.toJSON()).toEqual({ 'detect.scanIcmp.table_full': 2 });
    expect(d.stateSize!()).toBe(2);
    expect(alerts[alerts.length - 1]).toMatchObject({ count: 0, evidence: { hosts: 13 } });
    expect(d.findings).toBe(0);
  });
});

describe('scan.icmp through the pipeline', () => {
  it('an echo sweep of 18 hosts built in code gives exactly one scan.icmp, nothing else from the detector', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 1; i <= 18; i++) {
      frames.push({ t: 1 + i * 0.01, data: q4(SCANNER, lan(100 + i), ECHO, { dstMac: `02:00:00:00:01:${i.toString(16).padStart(2, '0')}` }) });
      if (i <= 3) frames.push({ t: 1.005 + i * 0.01, data: q4(lan(100 + i), SCANNER, ECHO_REPLY, { srcMac: `02:00:00:00:01:0${i}`, dstMac: SCANNER_MAC }) });
    }
    const { summary } = await replayFrames(frames, { detect: { detectors: [scanIcmp] as unknown as PluginSpec<object>[] } });
    const got = summary.alerts.filter((a) => a.rule === 'scan.icmp');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ src: SCANNER, dst: lan(101), severity: 'high', device: SCANNER_MAC, evidence: { hosts: 18, answered: 3, kinds: ['echo'] } });
  });
});
