// Settings of the tables of track/ (flows, devices, DNS), with units and defaults in the comments.
// Times are packet time. All keys are fixed at start; none change at run time.

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
