// Settings of the running gateway beyond the pipeline (config sections `capture`, `fetch`,
// `enforce`, `storage`), with units and defaults. All fixed at start.

/** Live capture (config `capture`). */
export interface CaptureConfig {
  /** LAN interface to capture on; empty: no live capture. Default ''. */
  interface: string;
  /** BPF filter. Default '' (everything). */
  filter: string;
  /** Bytes kept of each packet. Default 65535. */
  snaplen: number;
  /** Kernel capture buffer, bytes. Default 10 MiB. */
  bufferSize: number;
}

/** Fetching MUD files named by devices (config `fetch`). */
export interface FetchConfig {
  /** Fetch MUD URLs that no local profile answers. Default true. */
  enabled: boolean;
  /** On-disk cache of fetched profiles. Default '<storage.dataDir>/mud-cache'. */
  cacheDir: string;
  /** PEM files of the CAs MUD signers must chain to (RFC 8520 §13). Default none. */
  trustAnchors: string[];
  /** PEM file of one extra CA trusted for the HTTPS servers. Default ''. */
  extraCa: string;
  /** Refuse MUD files without a valid signature. Default true. */
  requireSignature: boolean;
  /** Deadline per document, milliseconds. Default 10000. */
  timeoutMs: number;
}

/** nftables enforcement (config `enforce`; used when policy.mode is enforce). */
export interface EnforceConfig {
  /** `open`: on stop or crash the drops go away; `closed`: they stay. Default open. */
  failMode: 'open' | 'closed';
  /** Seconds the liveness element lives without a heartbeat (fail-open after a crash). Default 3. */
  aliveTimeoutSeconds: number;
  /** Seconds between heartbeats. Default 1. */
  heartbeatSeconds: number;
}

/** Where state goes (config `storage`). */
export interface StorageConfig {
  /** Directory of alerts.sqlite and the MUD cache. Default './data'. */
  dataDir: string;
  /** EVE JSON lines file of alerts; empty: none. Default ''. */
  eve: string;
}

export const CAPTURE_DEFAULTS: Readonly<CaptureConfig> = Object.freeze({ interface: '', filter: '', snaplen: 65535, bufferSize: 10 * 1024 * 1024 });
export const FETCH_DEFAULTS: Readonly<FetchConfig> = Object.freeze({
  enabled: true, cacheDir: '', trustAnchors: Object.freeze([]) as unknown as string[], extraCa: '', requireSignature: true, timeoutMs: 10000,
}) as Readonly<FetchConfig>;
export const ENFORCE_DEFAULTS: Readonly<EnforceConfig> = Object.freeze({ failMode: 'open', aliveTimeoutSeconds: 3, heartbeatSeconds: 1 });
export const STORAGE_DEFAULTS: Readonly<StorageConfig> = Object.freeze({ dataDir: './data', eve: '' });

/** The flat sections validated key by key against these defaults. */
export const DAEMON_SECTIONS = { capture: CAPTURE_DEFAULTS, fetch: FETCH_DEFAULTS, enforce: ENFORCE_DEFAULTS, storage: STORAGE_DEFAULTS } as const;
