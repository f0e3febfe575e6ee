// Settings of the sensor (decode limits, the tables of track/, the plug-in bus), in one frozen object
// with units in the comments; each part's owner declares its own keys. Times are packet time. All
// keys are fixed at start; none change at run time.
import type { DeviceConfig, DnsConfig, FlowConfig } from '../track/track-config.js';
import { STREAM_DEFAULTS, type StreamConfig } from '../stream/stream-config.js';
import { BUS_DEFAULTS, type BusConfig } from './plugin-bus.js';
import { PRIVACY_DEFAULTS, type PrivacyConfig } from '../track/privacy.js';

export type { DeviceConfig, DnsConfig, FlowConfig };

/** Everything the pipeline needs. */
export interface PipelineConfig {
  decode: { maxVlanDepth: number; maxIpv6ExtHeaders: number; maxDnsRecords: number };
  flows: FlowConfig;
  devices: DeviceConfig;
  dns: DnsConfig;
  /** TCP stream reassembly: depth and out-of-order caps (gateway/stream/stream-config.ts). */
  stream: StreamConfig;
  /** The plug-in bus: fault boundary and cost sampling. */
  sensor: BusConfig;
  /**
   * What application metadata is kept and which devices are not inspected (gateway/track/privacy.ts,
   * README "Privacy"): httpUris, userAgents, dnsNames, tlsSni (each default true), excludeDevices (MACs, default none).
   */
  privacy: PrivacyConfig;
}

/** The defaults, frozen. */
export const PIPELINE_DEFAULTS: Readonly<PipelineConfig> = deepFreeze({
  decode: { maxVlanDepth: 2, maxIpv6ExtHeaders: 8, maxDnsRecords: 256 },
  flows: {
    maxFlows: 131072,
    tcpNewTimeout: 30,
    tcpEstablishedTimeout: 300,
    tcpClosedTimeout: 10,
    udpTimeout: 60,
    otherTimeout: 60,
    activeTimeout: 3600,
  },
  devices: { maxDevices: 8192, maxAddressesPerDevice: 16, localNetworks: [] },
  dns: { maxNames: 65536, maxAddressesPerName: 64, ttlGraceSeconds: 60 },
  stream: { ...STREAM_DEFAULTS },
  sensor: { ...BUS_DEFAULTS },
  privacy: { ...PRIVACY_DEFAULTS, excludeDevices: [] },
});

/** Deep partial, for overrides. */
export type Overrides<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : Overrides<T[K]>) : T[K] };

/** Defaults with the given overrides applied, frozen. */
export function pipelineConfig(over: Overrides<PipelineConfig> = {}): Readonly<PipelineConfig> {
  const d = PIPELINE_DEFAULTS;
  return deepFreeze({
    decode: { ...d.decode, ...over.decode },
    flows: { ...d.flows, ...over.flows },
    devices: { ...d.devices, ...over.devices, localNetworks: [...(over.devices?.localNetworks ?? d.devices.localNetworks)] },
    dns: { ...d.dns, ...over.dns },
    stream: { ...d.stream, ...over.stream },
    sensor: { ...d.sensor, ...over.sensor },
    privacy: { ...d.privacy, ...over.privacy, excludeDevices: [...(over.privacy?.excludeDevices ?? d.privacy.excludeDevices)] },
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
