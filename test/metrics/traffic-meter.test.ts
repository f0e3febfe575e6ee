// The traffic meter on real frames through the real pipeline: who sent, who received, which MACs
// are no one's, and the cap (eviction order, and no counting into an evicted row).
import { asFactory, testSensor } from '../helpers/sensor.js';
import { describe, expect, it } from 'vitest';
import { TrafficMeter, type DeviceTraffic } from '../../gateway/metrics/traffic-meter.js';
import { arp, ETHER_ARP, ETHER_IPV4, ether, frame, ipv4, LINK, padTo, PROTO, tcp, udp } from '../helpers/frames.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const C = '02:00:00:00:00:0c';
const D = '02:00:00:00:00:0d';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const MDNS_MAC = '01:00:5e:00:00:fb';

/** A UDP frame from MAC `src` to MAC `dst` carrying `n` payload bytes. */
function udpFrame(src: string, dst: string, n: number): Buffer {
  return frame(
    ether({ dst, src, type: ETHER_IPV4 }),
    ipv4({ src: '192.168.1.10', dst: '192.168.1.20', proto: PROTO.UDP, payload: udp({ sport: 4000, dport: 5000, payload: Buffer.alloc(n, 0x61) }) }),
  );
}

/** A pipeline with the meter as its only observer; feed(frame, seconds) runs one frame through it. */
function metered(maxDevices = 16): { meter: TrafficMeter; feed: (f: Buffer, t?: number, origLen?: number) => void } {
  const meter = new TrafficMeter(maxDevices);
  const p = testSensor([asFactory('trafficMeter', meter)]).pipeline;
  return {
    meter,
    feed: (f, t = 0, origLen = f.length) => p.handle(f, 0, f.length, origLen, 1_767_225_600_000_000 + t * 1e6, LINK.ETHERNET, 0),
  };
}

const byMac = (rows: DeviceTraffic[]): Record<string, Omit<DeviceTraffic, 'mac'>> =>
  Object.fromEntries(rows.map(({ mac, ...rest }) => [mac, rest]));

describe('TrafficMeter', () => {
  it('counts frames and wire bytes sent by the source MAC and received by the destination MAC', () => {
    const { meter, feed } = metered();
    const ab = udpFrame(A, B, 100); // 14 + 20 + 8 + 100 = 142 bytes
    const ba = udpFrame(B, A, 10); // 52 bytes
    expect([ab.length, ba.length]).toEqual([142, 52]);
    feed(ab);
    feed(ab);
    feed(ab, 0, 1514); // snapped: the bytes on the wire count, not the bytes captured
    feed(ba);
    feed(ba);
    expect(byMac(meter.snapshot())).toEqual({
      [A]: { txPackets: 3, txBytes: 142 + 142 + 1514, rxPackets: 2, rxBytes: 104 },
      [B]: { txPackets: 2, txBytes: 104, rxPackets: 3, rxBytes: 142 + 142 + 1514 },
    });
  });

  it('gives broadcast and multicast receptions to no one, and counts non-IP frames too', () => {
    const { meter, feed } = metered();
    const who = padTo(frame(ether({ dst: BROADCAST, src: A, type: ETHER_ARP }), arp({ senderMac: A, senderIp: '192.168.1.10', targetIp: '192.168.1.1' })));
    const mdns = udpFrame(C, MDNS_MAC, 20);
    feed(who);
    feed(mdns);
    feed(mdns);
    expect(byMac(meter.snapshot())).toEqual({
      [A]: { txPackets: 1, txBytes: 60, rxPackets: 0, rxBytes: 0 },
      [C]: { txPackets: 2, txBytes: 2 * mdns.length, rxPackets: 0, rxBytes: 0 },
    });
    expect(meter.size).toBe(2);
  });

  it('counts TCP both ways of one flow for each end', () => {
    const { meter, feed } = metered();
    const syn = frame(ether({ dst: B, src: A, type: ETHER_IPV4 }), ipv4({ src: '192.168.1.10', dst: '192.168.1.20', proto: PROTO.TCP, payload: tcp({ sport: 40000, dport: 80, flags: 'S' }) }));
    const synAck = frame(ether({ dst: A, src: B, type: ETHER_IPV4 }), ipv4({ src: '192.168.1.20', dst: '192.168.1.10', proto: PROTO.TCP, payload: tcp({ sport: 80, dport: 40000, flags: 'SA' }) }));
    feed(syn, 0);
    feed(synAck, 0.001);
    feed(syn, 0.002);
    expect(byMac(meter.snapshot())).toEqual({
      [A]: { txPackets: 2, txBytes: 108, rxPackets: 1, rxBytes: 54 },
      [B]: { txPackets: 1, txBytes: 54, rxPackets: 2, rxBytes: 108 },
    });
  });

  it('evicts the least recently active device at the cap', () => {
    const { meter, feed } = metered(2);
    feed(udpFrame(A, B, 0), 0); // A, B
    feed(udpFrame(B, A, 0), 2); // both active again at t=2 s: B refreshed, then A
    feed(udpFrame(C, A, 0), 4); // C is new: B is the least recently active
    expect(meter.evicted).toBe(1);
    expect(byMac(meter.snapshot())).toEqual({
      [A]: { txPackets: 1, txBytes: 42, rxPackets: 2, rxBytes: 84 },
      [C]: { txPackets: 1, txBytes: 42, rxPackets: 0, rxBytes: 0 },
    });
    // B comes back: its counters restart.
    feed(udpFrame(B, D, 0), 6);
    expect(meter.evicted).toBe(3); // B evicts C (A was refreshed at t=4 s), then D evicts A
    expect(byMac(meter.snapshot())).toEqual({
      [B]: { txPackets: 1, txBytes: 42, rxPackets: 0, rxBytes: 0 },
      [D]: { txPackets: 0, txBytes: 0, rxPackets: 1, rxBytes: 42 },
    });
  });

  it('never counts into a row it evicted, even one it had cached', () => {
    const { meter, feed } = metered(2);
    feed(udpFrame(A, B, 0)); // A (the cached source) and B
    feed(udpFrame(A, C, 0)); // C evicts A, the oldest, while A is the cached source
    expect(byMac(meter.snapshot())).toEqual({
      [B]: { txPackets: 0, txBytes: 0, rxPackets: 1, rxBytes: 42 },
      [C]: { txPackets: 0, txBytes: 0, rxPackets: 1, rxBytes: 42 },
    });
    feed(udpFrame(A, B, 0)); // A is new again (evicts B), then B is new again (evicts C)
    expect(byMac(meter.snapshot())).toEqual({
      [A]: { txPackets: 1, txBytes: 42, rxPackets: 0, rxBytes: 0 },
      [B]: { txPackets: 0, txBytes: 0, rxPackets: 1, rxBytes: 42 },
    });
    expect(meter.evicted).toBe(3);
  });

  it('says once, at the first eviction, that the cap is reached', () => {
    const events: Array<[string, unknown]> = [];
    const meter = new TrafficMeter(1, (event, fields) => events.push([event, fields]));
    const p = testSensor([asFactory('trafficMeter', meter)]).pipeline;
    for (const f of [udpFrame(A, BROADCAST, 0), udpFrame(B, BROADCAST, 0), udpFrame(C, BROADCAST, 0)]) p.handle(f, 0, f.length, f.length, 0, LINK.ETHERNET, 0);
    expect(meter.evicted).toBe(2);
    expect(events).toEqual([['metrics.meter_full', { maxDevices: 1 }]]);
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => new TrafficMeter(0)).toThrow(expect.objectContaining({ code: 'metrics.bad_options' }));
  });
});
