// storm.reconnect: the detector with a fake host and clock (threshold, window, silence, warm-up,
// growth of an open storm, caps), then built captures through the pipeline with deviceNew: thirty
// devices coming back after ten minutes of silence give one storm; thirty new devices at once give
// one storm that folds their device.new alerts; three devices coming back give none.
import { describe, expect, it } from 'vitest';
import { parseMac } from '../../../gateway/common/address-text.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import { deviceNew } from '../../../gateway/detect/detectors/device-new.js';
import {
  stormReconnect, STORM_FOLDS, STORM_RECONNECT_DEFAULTS, type StormReconnectConfig, type StormReconnectDetector,
} from '../../../gateway/detect/detectors/storm-reconnect.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { ether, ETHER_IPV4, frame, ipv4, padTo, PROTO, udp } from '../../helpers/frames.js';
import { replayFrames, T0, type TimedFrame } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = T0;
const mac = (i: number) => `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`;

function setup(over: Partial<StormReconnectConfig> = {}) {
  const { host, alerts, storms, devices } = fakeHost();
  const d = stormReconnect.create(host, { ...STORM_RECONNECT_DEFAULTS, ...over }) as StormReconnectDetector;
  const pv = new PacketView();
  /** Device `i` sends a frame at `t` seconds (the inventory is touched first, as in the pipeline). */
  const send = (i: number, t: number) => {
    const ts = T + Math.round(t * S);
    const dev = devices.touch(parseMac(mac(i)), ts, 60)!;
    pv.ts = ts;
    d.onPacket(pv, null, 0, dev);
  };
  const tick = (t: number) => d.onTick(T + Math.round(t * S));
  return { d, alerts, storms, send, tick };
}

/** Devices 0..n-1 send at t0, t0+step, … */
function burst(send: (i: number, t: number) => void, n: number, t0: number, step: number, from = 0): void {
  for (let i = 0; i < n; i++) send(from + i, t0 + i * step);
}

describe('storm.reconnect by hand', () => {
  it('ten devices back after 300 s of silence within 10 s: one storm over the per-device rules, until window end + hold', () => {
    const { storms, alerts, send } = setup();
    burst(send, 10, 0, 0.1);
    burst(send, 10, 400, 0.5);
    expect(storms).toHaveLength(1);
    const s = storms[0]!;
    expect(s.rules).toEqual(STORM_FOLDS);
    expect([...s.rules].sort()).toEqual(['baseline.new-destination', 'device.new', 'mud.no-profile']);
    expect(s.untilTs).toBe(T + (400 + 10 + 60) * S);
    expect(s.alert).toMatchObject({ rule: 'storm.reconnect', ts: T + 400 * S, device: null, count: 10, evidence: { count: 10, newDevices: 0 } });
    expect(s.alert.evidence.devices).toEqual(Array.from({ length: 10 }, (_, i) => mac(i)));
    expect(alerts).toHaveLength(0);
  });

  it('nine devices, or ten spread over more than the window, or ten silent for less than silenceSeconds: no storm', () => {
    const a = setup();
    burst(a.send, 10, 0, 0.1);
    burst(a.send, 9, 400, 0.5);
    expect(a.storms).toHaveLength(0);
    const b = setup();
    burst(b.send, 10, 0, 0.1);
    burst(b.send, 10, 400, 1.2); // 10.8 s from first to last
    expect(b.storms).toHaveLength(0);
    const c = setup();
    burst(c.send, 10, 0, 0.1);
    burst(c.send, 10, 299, 0.01);
    expect(c.storms).toHaveLength(0);
  });

  it('new devices count only once the detector has watched for silenceSeconds', () => {
    const early = setup();
    burst(early.send, 20, 0, 0.1);
    expect(early.storms).toHaveLength(0);
    const late = setup();
    late.send(99, 0);
    late.send(99, 200);
    burst(late.send, 10, 300, 0.1);
    expect(late.storms).toHaveLength(1);
    expect(late.storms[0]!.alert.evidence).toMatchObject({ count: 10, newDevices: 10 });
  });

  it('devices joining an open storm grow its count through one folded update a tick; after untilTs a new storm may open', () => {
    const { storms, alerts, send, tick } = setup({ minDevices: 3, holdSeconds: 5 });
    burst(send, 20, 0, 0.01);
    burst(send, 3, 400, 0.1);
    expect(storms).toHaveLength(1);
    burst(send, 4, 402, 0.1, 3);
    tick(403);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'storm.reconnect', peer: storms[0]!.alert.peer, count: 4, evidence: { count: 7 } });
    expect((alerts[0]!.evidence.devices as string[])).toHaveLength(7);
    tick(404);
    expect(alerts).toHaveLength(1); // nothing new, no update
    burst(send, 3, 800, 0.1, 7);
    expect(storms).toHaveLength(2);
  });

  it('a device heard within the last second costs one lookup and counts nothing', () => {
    const { d, send, storms } = setup({ minDevices: 1 });
    send(1, 0);
    for (let k = 0; k < 100; k++) send(1, 0.001 * k);
    expect(d.stateSize()).toBe(1);
    expect(storms).toHaveLength(0);
  });

  it('keeps at most maxDevices last-seen times, counting evictions; a forgotten device does not count as new', () => {
    const { d, send, storms } = setup({ maxDevices: 5, minDevices: 2 });
    burst(send, 8, 0, 1);
    expect(d.evicted).toBe(3);
    expect(d.stateSize()).toBe(5);
    send(0, 400); send(1, 400.1); // forgotten, first seen long ago: unknown gap, not counted
    expect(storms).toHaveLength(0);
  });
});

// ---------------------------------------------------------------- through the pipeline

const ROUTER = '02:00:00:00:00:fe';

/** A UDP frame from device `i` (10.0.0.(i+1)) to the router at `t`. */
function hello(i: number, t: number): TimedFrame {
  return {
    t, data: padTo(frame(ether({ src: mac(i), dst: ROUTER, type: ETHER_IPV4 }),
      ipv4({ src: `10.0.0.${i + 1}`, dst: '10.0.0.254', proto: PROTO.UDP, payload: udp({ sport: 5683, dport: 5683, payload: Buffer.from('ping') }) }))),
  };
}

/** The router's own frames every `every` seconds from `from` to `to` (it never goes silent). */
function router(from: number, to: number, every: number): TimedFrame[] {
  const out: TimedFrame[] = [];
  for (let t = from; t <= to; t += every) {
    out.push({ t, data: padTo(frame(ether({ src: ROUTER, dst: 'ff:ff:ff:ff:ff:ff', type: ETHER_IPV4 }), ipv4({ src: '10.0.0.254', dst: '10.0.0.255', proto: PROTO.UDP, payload: udp({ sport: 520, dport: 520, payload: Buffer.from('rip') }) }))) });
  }
  return out;
}

const detect = { detectors: [stormReconnect, deviceNew] };

describe('storm.reconnect through the pipeline', () => {
  it('30 devices talk, fall silent for 10 minutes, all talk again within 5 s: exactly one storm, no device.new after it opens', async () => {
    const frames = [
      ...Array.from({ length: 30 }, (_, i) => hello(i, i * 0.01)),
      ...router(0, 700, 60),
      ...Array.from({ length: 30 }, (_, i) => hello(i, 600 + i * 0.15)),
      ...router(605, 640, 1),
    ];
    const { summary } = await replayFrames(frames, { detect });
    const storms = summary.alerts.filter((a) => a.rule === 'storm.reconnect');
    expect(storms).toHaveLength(1);
    const s = storms[0]!;
    expect(s).toMatchObject({ severity: 'medium', device: null, firstTs: '2026-01-01T00:10:00.000000Z' });
    expect(s.count).toBeGreaterThanOrEqual(30);
    expect(s.evidence.count).toBeGreaterThanOrEqual(30);
    expect((s.evidence.devices as string[]).length).toBeGreaterThanOrEqual(30);
    expect(s.evidence.devices).toEqual(expect.arrayContaining(Array.from({ length: 30 }, (_, i) => mac(i))));
    // device.new for these devices was raised when they first appeared, long before the storm.
    const late = summary.alerts.filter((a) => a.rule === 'device.new' && a.firstTs >= s.firstTs);
    expect(late).toEqual([]);
    expect(summary.alerts.filter((a) => a.rule === 'device.new')).toHaveLength(31);
  });

  it('30 new devices within 5 s on a LAN watched for 10 minutes: one storm that folds all their device.new alerts', async () => {
    const frames = [
      ...router(0, 700, 60),
      ...Array.from({ length: 30 }, (_, i) => hello(i, 600 + i * 0.15)),
      ...router(605, 640, 1),
    ];
    const { summary } = await replayFrames(frames, { detect });
    const storms = summary.alerts.filter((a) => a.rule === 'storm.reconnect');
    expect(storms).toHaveLength(1);
    const s = storms[0]!;
    expect(s.count).toBe(30);
    expect(s.evidence).toMatchObject({ count: 30, newDevices: 30, folded: { 'device.new': 30 } });
    expect((s.evidence.devices as string[]).length).toBe(30);
    // Only the router's own device.new stands alone; none of the thirty.
    expect(summary.alerts.filter((a) => a.rule === 'device.new').map((a) => a.device)).toEqual([ROUTER]);
  });

  it('the same when the capture ends inside the hold (the last tick releases device.new into the open storm)', async () => {
    const frames = [...router(0, 600, 60), ...Array.from({ length: 30 }, (_, i) => hello(i, 600 + i * 0.15))];
    const { summary } = await replayFrames(frames, { detect });
    expect(summary.alerts.map((a) => a.rule).sort()).toEqual(['device.new', 'storm.reconnect']);
    expect(summary.alerts.find((a) => a.rule === 'storm.reconnect')!.evidence).toMatchObject({ folded: { 'device.new': 30 } });
  });

  it('three devices coming back after 10 minutes: no storm', async () => {
    const frames = [
      ...Array.from({ length: 3 }, (_, i) => hello(i, i * 0.01)),
      ...router(0, 700, 60),
      ...Array.from({ length: 3 }, (_, i) => hello(i, 600 + i)),
    ];
    const { summary } = await replayFrames(frames, { detect });
    expect(summary.alerts.filter((a) => a.rule === 'storm.reconnect')).toEqual([]);
    expect(summary.alerts.filter((a) => a.rule === 'device.new')).toHaveLength(4);
  });
});
