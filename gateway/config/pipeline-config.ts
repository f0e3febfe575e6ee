// Defaults of the packet pipeline (decode limits, table caps, timeouts), in one frozen object with
// units in the comments. Times are packet time. All keys are fixed at start; none change at run time.

/** Flow table settings. */
export interface FlowConfig {
  /** Hard cap on live flows; at the cap the least recently seen flow is evicted. Default 131072. */
  maxFlows: number;
  /** Idle timeout of a TCP flow before its handshake completes, seconds. Default 30. */
  tcpNewTimeout: number;
  /** Idle timeout of an established TCP flow, seconds. Default 300 (Zeek's tcp_inactivity_timeout). */
  tcpEstablishedTimeout: number;
  /** Idle timeout after FIN from both sides or RST, seconds. Default 10. */
  tcpClosedTimeout: number;
  /** Idle timeout of a UDP flow, seconds. Default 60. */
  udpTimeout: number;
  /** Idle timeout of ICMP and other protocols, seconds. Default 60. */
  otherTimeout: number;
  /** A flow older than this is ended and a new record started, seconds (0: never). Default 3600. */
  activeTimeout: number;
  /** Client bytes kept per flow to finish parsing a split TLS ClientHello or HTTP head. Default 8192. */
  reassemblyBytes: number;
}

/** Device inventory settings. */
export interface DeviceConfig {
  /** Cap on devices; at the cap the least recently seen device is evicted. Default 8192. */
  maxDevices: number;
  /** Addresses remembered per device (oldest dropped first). Default 16. */
  maxAddressesPerDevice: number;
  /** Prefixes on the LAN side besides the private and link-local ranges. Default none. */
  localNetworks: string[];
}

/** DNS cache settings. */
export interface DnsConfig {
  /** Cap on names held; least recently answered names are evicted. Default 65536. */
  maxNames: number;
  /** Cap on addresses held per name. Default 64. */
  maxAddressesPerName: number;
  /** Seconds an answer is kept past its TTL, since devices often use addresses a little longer. Default 60. */
  ttlGraceSeconds: number;
}

/** Everything the pipeline needs. */
export interface PipelineConfig {
  decode: { maxVlanDepth: number; maxIpv6ExtHeaders: number; maxDnsRecords: number };
  flows: FlowConfig;
  devices: DeviceConfig;
  dns: DnsConfig;
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
    reassemblyBytes: 8192,
  },
  devices: { maxDevices: 8192, maxAddressesPerDevice: 16, localNetworks: [] },
  dns: { maxNames: 65536, maxAddressesPerName: 64, ttlGraceSeconds: 60 },
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
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
