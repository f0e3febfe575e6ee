// device.new: one low alert per device, held holdSeconds of packet time so a reconnect storm can
// fold it, released at the end of input (onFinish); caps on what is held and
// remembered; then a capture through the pipeline.
import { describe, expect, it } from 'vitest';
import { iso } from '../../../gateway/common/packet-time.js';
import { parseMac } from '../../../gateway/common/address-text.js';
import { deviceNew, DEVICE_NEW_DEFAULTS, type DeviceNewConfig, type DeviceNewDetector } from '../../../gateway/detect/detectors/device-new.js';
import type { Device } from '../../../gateway/track/device.js';
import { fakeHost, type Detector } from '../../helpers/fake-host.js';
import { ether, ETHER_IPV4, frame, ipv4, padTo, PROTO, udp } from '../../helpers/frames.js';
import { replayFrames, T0 } from '../../helpers/replay-frames.js';

const S = 1e6;
const T = T0;

function setup(over: Partial<DeviceNewConfig> = {}) {
  const { host, alerts, devices } = fakeHost();
  const d = deviceNew.create(host, { ...DEVICE_NEW_DEFAULTS, ...over }) as DeviceNewDetector;
  // The inventory tells the detector, as the engine wires it.
  devices.addListener({ onDeviceNew: (dev: Device) => d.onDeviceNew(dev, dev.firstSeen) });
  const see = (mac: string, t: number) => devices.touch(parseMac(mac), T + Math.round(t * S), 60)!;
  const tick = (t: number) => d.onTick(T + Math.round(t * S));
  // End of input, called through the contract the engine calls it by.
  const hooks: Detector = d;
  const finish = (t: number) => hooks.onFinish!(T + Math.round(t * S));
  return { d, alerts, devices, see, tick, finish };
}

describe('device.new by hand', () => {
  it('holds the alert holdSeconds, then raises it at the first-seen time with mac, vendor and firstSeen', () => {
    const { alerts, see, tick, devices } = setup();
    tick(0);
    const dev = see('00:17:88:01:02:03', 0.5);
    devices.learnIpv4(dev, (192 << 24 | 168 << 16 | 1 << 8 | 50) >>> 0);
    tick(1); tick(2); tick(10);
    expect(alerts).toHaveLength(0);
    tick(11);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'device.new', ts: T + 0.5 * S, device: '00:17:88:01:02:03', src: '192.168.1.50',
      evidence: { mac: '00:17:88:01:02:03', vendor: dev.vendor, firstSeen: iso(T + 0.5 * S) },
    });
    expect(alerts[0]!.evidence.vendor).not.toBeNull(); // a registered OUI (Philips)
  });

  it('one alert per device: a device the inventory re-adds is not reported again', () => {
    const { alerts, d, see, tick } = setup({ holdSeconds: 0 });
    see('02:00:00:00:00:01', 0);
    see('02:00:00:00:00:01', 1);
    d.onDeviceNew({ ...see('02:00:00:00:00:02', 2) }, T + 2 * S);
    d.onDeviceNew({ ...see('02:00:00:00:00:02', 3) }, T + 3 * S);
    tick(5);
    expect(alerts.map((a) => a.device)).toEqual(['02:00:00:00:00:01', '02:00:00:00:00:02']);
  });

  it('the end of input (onFinish, then a last tick) releases everything held', () => {
    const { alerts, see, tick, finish } = setup();
    tick(0);
    see('02:00:00:00:00:01', 0.2);
    see('02:00:00:00:00:02', 0.3);
    tick(1);
    tick(1.4); // a tick closer to the last than a second is no longer a sign of the end
    expect(alerts).toHaveLength(0);
    finish(1.5);
    tick(1.5);
    expect(alerts.map((a) => a.ts)).toEqual([T + 0.2 * S, T + 0.3 * S]);
  });

  it('holds at most maxHeld alerts (the oldest raised early, counted) and remembers at most maxRemembered devices', () => {
    const { alerts, d, see, tick } = setup({ maxHeld: 2, maxRemembered: 3 });
    tick(0);
    see('02:00:00:00:00:01', 1);
    see('02:00:00:00:00:02', 1);
    see('02:00:00:00:00:03', 1);
    expect(alerts.map((a) => a.device)).toEqual(['02:00:00:00:00:01']);
    expect(d.raisedEarly).toBe(1);
    see('02:00:00:00:00:04', 2);
    expect(d.forgotten).toBe(1);
    expect(d.stateSize()).toBe(2 + 3);
    tick(20);
    expect(alerts).toHaveLength(4);
    expect(d.stateSize()).toBe(3);
  });
});

describe('device.new through the pipeline', () => {
  it('a short capture still gets its alerts (released at the end), one per device, severity low', async () => {
    const f = (t: number, mac: string, ip: string) => ({
      t, data: padTo(frame(ether({ src: mac, dst: 'ff:ff:ff:ff:ff:ff', type: ETHER_IPV4 }), ipv4({ src: ip, dst: '192.168.1.255', proto: PROTO.UDP, payload: udp({ sport: 5000, dport: 5000, payload: Buffer.from('hi') }) }))),
    });
    const { summary } = await replayFrames([
      f(0, '02:00:00:00:00:21', '192.168.1.21'), f(0.5, '02:00:00:00:00:22', '192.168.1.22'), f(1, '02:00:00:00:00:21', '192.168.1.21'), f(3, '02:00:00:00:00:22', '192.168.1.22'),
    ], { detect: { detectors: [deviceNew] } });
    expect(summary.alerts.map((a) => [a.rule, a.severity, a.device, a.src, a.evidence.firstSeen])).toEqual([
      ['device.new', 'low', '02:00:00:00:00:21', '192.168.1.21', '2026-01-01T00:00:00.000000Z'],
      ['device.new', 'low', '02:00:00:00:00:22', '192.168.1.22', '2026-01-01T00:00:00.500000Z'],
    ]);
  });
});
