// The record the TLS ClientHello parser emits: what names the client asked for, without payload.

/** One ClientHello. */
export interface TlsClientHello {
  /** Record-layer version and ClientHello legacy_version, e.g. 0x0303. */
  recordVersion: number;
  helloVersion: number;
  /** server_name extension (RFC 6066 §3), host_name entry, lower-cased; null when absent. */
  sni: string | null;
  /** ALPN protocol names (RFC 7301), in order. */
  alpn: string[];
  /** supported_versions extension values, when present. */
  supportedVersions: number[];
  cipherSuiteCount: number;
}
