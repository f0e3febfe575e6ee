// One fake host for detector (plugin) tests: the real DeviceInventory, DnsCache and LocalNetworks a
// detector reads, built from the pipeline defaults or the given overrides, with emit and openStorm
// recording what the detector raised instead of handing it to an alert manager.
//
//   const { host, alerts, devices } = fakeHost();
//   devices.touch(parseMac(DEV_MAC), T, 60);           // a device the inventory already knows
//   const d = scanPort.create(host, { ...SCAN_PORT_DEFAULTS, ...over });
//   …
//   expect(alerts).toHaveLength(1);
//
// The host contract is imported here and only here: when it moves, this import is the one line to
// change, and the types below follow it.
import { expect } from 'vitest';
import type { Alert } from '../../gateway/alerts/alert.js';
import { PacketView } from '../../gateway/decode/packet-view.js';
import { DecodeCounters } from '../../gateway/common/events.js';
import type { Plugin, PluginHost as Host } from '../../gateway/sensor/plugin.js';
import { pipelineConfig, type Overrides, type PipelineConfig } from '../../gateway/sensor/sensor-config.js';
import { DeviceInventory } from '../../gateway/track/device-inventory.js';
import { DnsCache } from '../../gateway/track/dns-cache.js';
import type { LocalNetworks } from '../../gateway/track/local-networks.js';
import { decodeBytes } from './frames.js';

/** The host contract detectors are created with. */
export type DetectorHost = Host;
/** The hooks of a running detector, as the engine sees them (a detector class may declare fewer parameters). */
export type Detector = Plugin;
/** An alert as a detector emits it. */
export type EmittedAlert = Parameters<Host['emit']>[0];

/** One openStorm call, in the order made. */
export interface OpenedStorm {
  alert: EmittedAlert;
  rules: Parameters<Host['openStorm']>[1];
  untilTs: number;
}

/** Options of fakeHost(). */
export interface FakeHostOptions {
  /** Overrides of the pipeline config the inventory and the DNS cache are built from (default: the defaults). */
  pipeline?: Overrides<PipelineConfig>;
  /** Alerts the host reports open (alertsFor filters them by device); default none. */
  openAlerts?: Alert[];
}

/** What fakeHost() returns: the host, what the detector raised through it, and the host's parts. */
export interface FakeHost {
  host: DetectorHost;
  /** Every emitted alert, in order, each a copy taken when emitted (later changes by the detector do not show). */
  alerts: EmittedAlert[];
  /** Every openStorm call, in order, its alert copied when opened. */
  storms: OpenedStorm[];
  devices: DeviceInventory;
  dns: DnsCache;
  local: LocalNetworks;
  /** The named-event counters the host hands out (table caps land here). */
  events: DecodeCounters;
}

/** A host for one detector under test; add the devices it should already know through `devices`. */
export function fakeHost(opts: FakeHostOptions = {}): FakeHost {
  const cfg = pipelineConfig(opts.pipeline);
  const devices = new DeviceInventory(cfg.devices);
  const dns = new DnsCache(cfg.dns);
  const alerts: EmittedAlert[] = [];
  const storms: OpenedStorm[] = [];
  const events = new DecodeCounters();
  const host: DetectorHost = {
    emit: (alert) => { alerts.push(structuredClone(alert)); },
    openStorm: (alert, rules, untilTs) => { storms.push({ alert: structuredClone(alert), rules, untilTs }); },
    devices,
    dns,
    local: devices.local,
    events,
    alertsFor: (mac) => (opts.openAlerts ?? []).filter((a) => a.device === mac),
  };
  return { host, alerts, storms, devices, dns, local: devices.local, events };
}

/**
 * Feeds a packet-level plug-in (no flow, no device: ARP and ICMP detectors) as the bus would: each
 * frame is decoded into one reused packet view, must decode cleanly, and reaches onPacket at `t`
 * seconds after `t0` (µs).
 */
export function frameFeeder(p: Plugin, t0: number): (t: number, frame: Buffer) => void {
  const pv = new PacketView();
  return (t, frame) => {
    const { code } = decodeBytes(frame, { pv });
    expect(code).toBe(0);
    pv.ts = t0 + Math.round(t * 1e6);
    p.onPacket!(pv, null, 0, null);
  };
}

