// The device inventory: which MACs are devices, vendor from the IEEE registry, LAN addresses only,
// change notifications, and the cap.
import { describe, expect, it } from 'vitest';
import { pipelineConfig, type DeviceConfig, type Overrides } from '../../../gateway/sensor/sensor-config.js';
import { parseIpv4, parseIpv6, parseMac } from '../../../gateway/common/address-text.js';
import { DeviceInventory, isDeviceMac } from '../../../gateway/track/device-inventory.js';

function inventory(over: Overrides<DeviceConfig> = {}): DeviceInventory {
  return new DeviceInventory(pipelineConfig({ devices: over }).devices);
}

describe('DeviceInventory', () => {
  it('treats unicast MACs as devices, not multicast, broadcast or all-zero', () => {
    expect(isDeviceMac(parseMac('00:17:88:24:76:ff'))).toBe(true);
    expect(isDeviceMac(parseMac('02:00:00:00:00:01'))).toBe(true); // locally administered, still a device
    expect(isDeviceMac(parseMac('01:00:5e:00:00:fb'))).toBe(false);
    expect(isDeviceMac(parseMac('ff:ff:ff:ff:ff:ff'))).toBe(false);
    expect(isDeviceMac(0)).toBe(false);
  });

  it('creates a device on first sight with its IEEE vendor, and counts its frames', () => {
    const inv = inventory();
    const news: string[] = [];
    inv.addListener({ onDeviceNew: (d) => news.push(d.mac) });
    const d = inv.touch(parseMac('00:17:88:24:76:ff'), 5e6, 100)!;
    inv.touch(parseMac('00:17:88:24:76:ff'), 7e6, 60);
    expect(d).toMatchObject({ mac: '00:17:88:24:76:ff', vendor: 'Philips Lighting BV', firstSeen: 5e6, lastSeen: 7e6, packets: 2, bytes: 160 });
    expect(news).toEqual(['00:17:88:24:76:ff']);
    expect(inv.touch(parseMac('01:00:5e:00:00:fb'), 0, 1)).toBeNull();
    // A locally administered (randomized) MAC has no vendor block.
    expect(inv.touch(parseMac('02:11:22:33:44:55'), 0, 1)!.vendor).toBeNull();
  });

  it('learns LAN-side addresses from frames, and any address from protocols (DHCP, NDP)', () => {
    const inv = inventory({ localNetworks: ['203.0.113.0/24'] });
    const d = inv.touch(parseMac('00:17:88:24:76:ff'), 0, 1)!;
    inv.learnIpv4(d, parseIpv4('192.168.1.20'));
    inv.learnIpv4(d, parseIpv4('8.8.8.8')); // behind the router: not the device's
    inv.learnIpv4(d, parseIpv4('203.0.113.9')); // configured LAN prefix
    inv.learnIpv4(d, parseIpv4('198.51.100.1'), true); // assigned by DHCP
    const [a, b, c, e] = parseIpv6('fe80::217:88ff:fe24:76ff')!;
    inv.learnIpv6(d, a, b, c, e);
    const g = parseIpv6('2001:db8::42')!;
    inv.learnIpv6(d, ...g); // global address from a frame: unknown whose
    inv.learnIpv6(d, ...g, true); // from a neighbor advertisement
    expect(d.ips).toEqual(['192.168.1.20', '203.0.113.9', '198.51.100.1', 'fe80::217:88ff:fe24:76ff', '2001:db8::42']);
  });

  it('keeps at most maxAddressesPerDevice addresses, dropping the oldest', () => {
    const inv = inventory({ maxAddressesPerDevice: 2 });
    const d = inv.touch(parseMac('00:17:88:24:76:ff'), 0, 1)!;
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) inv.learnIpv4(d, parseIpv4(ip));
    expect(d.ips).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('evicts the least recently seen device at the cap', () => {
    const inv = inventory({ maxDevices: 2 });
    const evicted: string[] = [];
    inv.addListener({ onDeviceEvicted: (d) => evicted.push(d.mac) });
    inv.touch(parseMac('00:00:00:00:00:01'), 0, 1);
    inv.touch(parseMac('00:00:00:00:00:02'), 1e6, 1);
    inv.touch(parseMac('00:00:00:00:00:01'), 3e6, 1); // seen again more than a second later
    inv.touch(parseMac('00:00:00:00:00:03'), 4e6, 1);
    expect(evicted).toEqual(['00:00:00:00:00:02']);
    expect(inv.size).toBe(2);
    expect(inv.evicted).toBe(1);
  });

  it('notifies field changes once per change', () => {
    const inv = inventory();
    const changes: string[] = [];
    inv.addListener({ onDeviceChange: (_d, f) => changes.push(f) });
    const d = inv.touch(parseMac('00:17:88:24:76:ff'), 0, 1)!;
    inv.set(d, 'hostname', 'hue');
    inv.set(d, 'hostname', 'hue');
    inv.set(d, 'mudUrl', 'https://example.com/hue.json');
    expect(changes).toEqual(['hostname', 'mudUrl']);
  });
});
