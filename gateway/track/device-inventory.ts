// Device inventory keyed by MAC: every unicast source MAC on the LAN becomes a device, enriched by
// ARP, NDP, DHCP, DHCPv6, LLDP, mDNS and SSDP as they pass. Capped, least recently seen evicted.
import { ipv4ToString, ipv6ToString, macToString } from '../common/address-text.js';
import { BoundedTable } from '../common/bounded-table.js';
import type { DecodeCounters } from '../common/events.js';
import type { DeviceConfig } from './track-config.js';
import type { Device } from './device.js';
import { lanNetworks, type LocalNetworks } from './local-networks.js';
import { vendorForMac } from './oui-vendors.js';

/** Change notifications, for the WebSocket stream and detectors (`device.new`). */
export interface DeviceListener {
  onDeviceNew?(d: Device): void;
  onDeviceChange?(d: Device, field: keyof Device): void;
  onDeviceEvicted?(d: Device): void;
}

/** True for a MAC that can be a device's own: unicast, not all-zero. */
export function isDeviceMac(mac: number): boolean {
  if (mac <= 0) return false;
  // I/G bit (least significant bit of the first octet) set: multicast or broadcast.
  return (Math.floor(mac / 1099511627776) & 1) === 0;
}

/** The inventory. */
export class DeviceInventory {
  /** Devices by MAC, least recently seen first (refreshed on touch); capped at maxDevices (`device.table_full`). */
  private readonly byMac: BoundedTable<number, Device>;
  readonly local: LocalNetworks;
  private lastMac = -2;
  private lastDev: Device | null = null;
  private readonly listeners: DeviceListener[] = [];
  private restoringNow = false;

  /** `counters`: the sensor's named-event counters, where `device.table_full` is counted. */
  constructor(private readonly cfg: DeviceConfig, counters?: DecodeCounters) {
    this.local = lanNetworks(cfg.localNetworks);
    this.byMac = new BoundedTable<number, Device>({
      name: 'devices.maxDevices', capacity: cfg.maxDevices, order: 'lru', counters, event: 'device.table_full',
      onEvict: (_mac, oldest) => {
        if (this.lastDev === oldest) { this.lastMac = -2; this.lastDev = null; }
        for (const l of this.listeners) l.onDeviceEvicted?.(oldest);
      },
    });
  }

  /**
   * True while restore() announces a device it brings back from storage: listeners that bind or
   * index devices treat it as any new one; those that report new devices (device.new) skip it.
   */
  get restoring(): boolean {
    return this.restoringNow;
  }

  /**
   * Brings back a device a previous run knew (gateway restart): its names, addresses and times are
   * the stored ones, and listeners hear it as new while `restoring` is true. Null for a MAC that
   * cannot be a device's, or one already in the inventory.
   */
  restore(mac: number, fields: Partial<Omit<Device, 'mac' | 'macNum'>> & { firstSeen: number; lastSeen: number }): Device | null {
    if (!isDeviceMac(mac) || this.byMac.has(mac)) return null;
    this.restoringNow = true;
    try {
      const d = this.create(mac, fields.firstSeen, fields);
      return d;
    } finally {
      this.restoringNow = false;
    }
  }

  /** Devices evicted at the cap. */
  get evicted(): number {
    return this.byMac.evicted;
  }

  addListener(l: DeviceListener): void {
    this.listeners.push(l);
  }

  get size(): number {
    return this.byMac.size;
  }

  /** All devices, least recently seen first. */
  all(): IterableIterator<Device> {
    return this.byMac.values();
  }

  get(mac: number): Device | undefined {
    return this.byMac.peek(mac);
  }

  /** The device holding address `ip` (text, as in Device.ips), or undefined. A walk: for rare questions (a port mapping, a forward), never per packet. */
  withAddress(ip: string): Device | undefined {
    for (const d of this.byMac.values()) if (d.ips.includes(ip)) return d;
    return undefined;
  }

  /**
   * Records a frame sent by `mac` at packet time `ts` (µs); creates the device on first sight.
   * Returns the device, or null for a MAC that cannot be a device's.
   */
  touch(mac: number, ts: number, bytes: number): Device | null {
    let d: Device | null | undefined;
    if (mac === this.lastMac) d = this.lastDev;
    else {
      if (!isDeviceMac(mac)) return null;
      d = this.byMac.peek(mac);
      if (d === undefined) d = this.create(mac, ts);
      // Refresh the LRU position at most once per second of packet time per device.
      else if (ts - d.lastSeen > 1e6) this.byMac.touch(mac, d);
      this.lastMac = mac;
      this.lastDev = d;
    }
    if (d === null) return null;
    if (ts > d.lastSeen) d.lastSeen = ts;
    d.packets++;
    d.bytes += bytes;
    return d;
  }

  /** Finds or creates the device for a MAC learned from a protocol field (DHCP chaddr, ARP). */
  ensure(mac: number, ts: number): Device | null {
    if (!isDeviceMac(mac)) return null;
    return this.byMac.peek(mac) ?? this.create(mac, ts);
  }

  /** Adds an IPv4 address to a device if it is on the LAN side. */
  learnIpv4(d: Device, addr: number, fromProtocol = false): void {
    if (addr === d.lastIpv4 || addr === 0 || addr === 0xffffffff) return;
    if (!fromProtocol && !this.local.hasV4(addr)) return;
    d.lastIpv4 = addr;
    this.addIp(d, ipv4ToString(addr));
  }

  /** Adds an IPv6 address to a device if it is on the LAN side (or learned from NDP/DHCPv6). */
  learnIpv6(d: Device, w0: number, w1: number, w2: number, w3: number, fromProtocol = false): void {
    if (w0 === d.lastIpv6w0 && w3 === d.lastIpv6w3) return;
    if ((w0 | w1 | w2 | w3) === 0) return; // unspecified address (DAD)
    if (w0 >>> 24 === 0xff) return; // multicast
    if (!fromProtocol && !this.local.hasV6(w0, w1, w2, w3)) return;
    d.lastIpv6w0 = w0;
    d.lastIpv6w3 = w3;
    this.addIp(d, ipv6ToString(w0, w1, w2, w3));
  }

  /** Sets a string field if it changed, notifying listeners. */
  set<K extends keyof Device>(d: Device, field: K, value: Device[K]): void {
    if (d[field] === value) return;
    d[field] = value;
    for (const l of this.listeners) l.onDeviceChange?.(d, field);
  }

  private addIp(d: Device, ip: string): void {
    if (d.ips.includes(ip)) return;
    d.ips.push(ip);
    if (d.ips.length > this.cfg.maxAddressesPerDevice) d.ips.shift();
    for (const l of this.listeners) l.onDeviceChange?.(d, 'ips');
  }

  /** A new device; at the cap the least recently seen is evicted first (onEvict above). */
  private create(mac: number, ts: number, restored?: Partial<Device>): Device {
    const d: Device = {
      mac: macToString(mac), macNum: mac, ips: [], vendor: vendorForMac(mac), hostname: null, hostnameSource: null,
      dhcpFingerprint: null, dhcpVendorClass: null, mudUrl: null, mudUrlSource: null, profile: null,
      ssdpServer: null, lldpSystemName: null, firstSeen: ts, lastSeen: ts, packets: 0, bytes: 0, lastIpv4: -1, lastIpv6w0: -1, lastIpv6w3: -1,
      ...restored,
    };
    this.byMac.add(mac, d);
    for (const l of this.listeners) l.onDeviceNew?.(d);
    return d;
  }
}
