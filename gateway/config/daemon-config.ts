// Settings of the running gateway beyond the pipeline (config sections `capture`, `fetch`,
// `enforce`, `storage`, `server`, `demo`; `edgeLogs` and `metrics` live with their parts), with
// units and defaults. All fixed at start.
import { isAbsolute, join } from 'node:path';
import { LIVE_SOURCE_DEFAULTS } from '../capture/live-source.js';
import { EDGE_LOGS_DEFAULTS } from '../edge-logs/edge-logs-config.js';
import { METRICS_DEFAULTS } from '../metrics/metrics-config.js';
import { RETENTION_DEFAULTS, type RetentionConfig } from '../store/retention.js';
import { SUPPRESSIONS_DEFAULTS } from '../alerts/suppression-config.js';
import { INCIDENTS_DEFAULTS } from '../incidents/incidents-config.js';
import { FLEET_DEFAULTS } from '../fleet/fleet-config.js';
import { EXPOSURE_DEFAULTS } from '../exposure/exposure-config.js';
import { AUDIT_DEFAULTS } from '../exposure/audit/audit-config.js';

/** Live capture (config `capture`). */
export interface CaptureConfig {
  /** LAN interface to capture on; empty: no live capture. Default ''. */
  interface: string;
  /** BPF filter. Default '' (everything). */
  filter: string;
  /** Bytes kept of each packet. Default 65535. */
  snaplen: number;
  /**
   * Kernel capture buffer (libpcap's TPACKET ring), bytes: what the kernel holds while the capture
   * thread is late. Default 32 MiB (about 250,000 small frames).
   */
  bufferSize: number;
  /**
   * The capture thread's ring, bytes: frames copied out of the kernel wait here for the packet path
   * (a GC pause, a slow tick). Default 64 MiB (about 500,000 small frames).
   */
  ringSize: number;
  /** How long the kernel may hold a block of frames before handing it over, ms. Default 10. */
  timeoutMs: number;
  /** Promiscuous mode. Default true (a gateway watches traffic between devices too). */
  promiscuous: boolean;
  /**
   * Worker threads the detectors run on (README "Workers"): 0 runs everything on the main thread;
   * N ≥ 1 deals the frames to N workers by device, and the main thread keeps the device and flow
   * tables, the MUD policy and the API. Default 0.
   */
  workers: number;
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
  /** Directory of the SQLite file, the MUD cache and the demo capture. Default './data'. */
  dataDir: string;
  /** The SQLite file (alerts, stream journal, edge logs, tokens, uploaded profiles, ended flows), relative to dataDir. Default 'edgeward.sqlite'. */
  database: string;
  /** EVE JSON lines file of alerts; empty: none. Default ''. */
  eve: string;
  /** Ended flows kept in SQLite for the API (oldest pruned); the older name of retention.flows.maxRows. Default 200000. */
  flowsKept: number;
  /**
   * Stream events kept for WebSocket replay (oldest pruned; a client further behind is told of the
   * gap); the older name of retention.streamEvents.maxRows. Default 200000.
   */
  streamKept: number;
  /**
   * How long and how much of each table is kept (gateway/store/retention.ts, README "Retention"):
   * `intervalSeconds` (60), `batchRows` (500), `maxBatches` (200), and per table — alerts,
   * incidents, edgeLogs, flows, streamEvents, audit, suppressedAlerts — `maxAgeDays` (days) and
   * `maxRows` (rows), 0 for no limit. Checked by config/retention-config.ts.
   */
  retention: RetentionConfig;
}

/** The SQLite file of `storage`: `database` as given when absolute, else inside `dataDir` (the daemon and the CLI open the same one). */
export function databasePath(storage: Readonly<Pick<StorageConfig, 'dataDir' | 'database'>>): string {
  return isAbsolute(storage.database) ? storage.database : join(storage.dataDir, storage.database);
}

/** The REST API, the WebSocket stream and the dashboard (config `server`). */
export interface ServerConfig {
  /** Listen address. Default '127.0.0.1' (the dashboard is for the box's operator until they open it up). */
  host: string;
  /** TCP port; 0 picks a free one (tests). Default 8080. */
  port: number;
  /** Largest request body (a MUD file, a batch of logs), bytes. Default 1 MiB. */
  maxBodyBytes: number;
  /** Seconds between WebSocket pings; a client silent for one interval is dropped. Default 30. */
  heartbeatSeconds: number;
  /** Bytes a WebSocket client may leave unread before it is closed as too slow (4008). Default 4 MiB. */
  streamMaxBufferedBytes: number;
  /**
   * Failed authentications of one credential (a token, told apart by its first 8 characters after
   * `ew_`) from one address within authWindowSeconds before that credential from that address is
   * refused (429) without a lookup. Other tokens from the address are not affected. Default 10.
   */
  authFailures: number;
  /**
   * Failed authentications of any credential from one address within authWindowSeconds before the
   * address's credentials that do not verify get 429 (a guesser varying the whole token); a token
   * that verifies still passes. Default 30.
   */
  authSourceFailures: number;
  /** Window of failed authentications, seconds. Default 60. */
  authWindowSeconds: number;
  /** How long a credential (or an address's failing credentials) over the limit is refused, seconds. Default 300. */
  authBlockSeconds: number;
  /** Accept unsigned MUD uploads from vendors (an admin may always pass ?allowUnsigned=true). Default false. */
  allowUnsignedUploads: boolean;
  /** `/metrics` without a token (for a Prometheus on the same box). Default false. */
  metricsPublic: boolean;
  /** Built dashboard to serve at `/`; empty: the bundled `dashboard/dist`. Default ''. */
  dashboardDir: string;
}

/** The bundled demo (config `demo`): used when no capture.interface is set. */
export interface DemoConfig {
  /** Replay the generated home-network capture in a loop when there is no live interface. Default true. */
  enabled: boolean;
  /** Pace: 1 is real time, 10 is ten times faster. Default 1. */
  speed: number;
  /**
   * A pcap or pcapng file to replay in a loop instead of the generated home network (read whole
   * into memory at start: meant for small captures; a relative path is from the working directory).
   * Default '' (the generated demo, with its camera's syslog lines).
   */
  capture: string;
}

// The capture's own defaults are the live source's (one place for them).
const { filter, snaplen, bufferSize, ringSize, timeoutMs, promiscuous } = LIVE_SOURCE_DEFAULTS;
export const CAPTURE_DEFAULTS: Readonly<CaptureConfig> = Object.freeze({ interface: '', filter, snaplen, bufferSize, ringSize, timeoutMs, promiscuous, workers: 0 });
export const FETCH_DEFAULTS: Readonly<FetchConfig> = Object.freeze({
  enabled: true, cacheDir: '', trustAnchors: Object.freeze([]) as unknown as string[], extraCa: '', requireSignature: true, timeoutMs: 10000,
});
export const ENFORCE_DEFAULTS: Readonly<EnforceConfig> = Object.freeze({ failMode: 'open', aliveTimeoutSeconds: 3, heartbeatSeconds: 1 });
export const STORAGE_DEFAULTS: Readonly<StorageConfig> = Object.freeze({ dataDir: './data', database: 'edgeward.sqlite', eve: '', flowsKept: 200000, streamKept: 200000, retention: RETENTION_DEFAULTS });
export const SERVER_DEFAULTS: Readonly<ServerConfig> = Object.freeze({
  host: '127.0.0.1', port: 8080, maxBodyBytes: 1024 * 1024, heartbeatSeconds: 30, streamMaxBufferedBytes: 4 * 1024 * 1024,
  authFailures: 10, authSourceFailures: 30, authWindowSeconds: 60, authBlockSeconds: 300, allowUnsignedUploads: false, metricsPublic: false, dashboardDir: '',
});
export const DEMO_DEFAULTS: Readonly<DemoConfig> = Object.freeze({ enabled: true, speed: 1, capture: '' });

/** The flat sections validated key by key against these defaults. */
export const DAEMON_SECTIONS = {
  capture: CAPTURE_DEFAULTS, fetch: FETCH_DEFAULTS, enforce: ENFORCE_DEFAULTS, storage: STORAGE_DEFAULTS, server: SERVER_DEFAULTS, demo: DEMO_DEFAULTS,
  edgeLogs: EDGE_LOGS_DEFAULTS, metrics: METRICS_DEFAULTS,
  suppressions: SUPPRESSIONS_DEFAULTS,
  incidents: INCIDENTS_DEFAULTS,
  fleet: FLEET_DEFAULTS,
  exposure: EXPOSURE_DEFAULTS,
  /** The opt-in exposure audit (gateway/exposure/audit/audit-config.ts): consenting devices, lists, pace. */
  audit: AUDIT_DEFAULTS,
} as const;
