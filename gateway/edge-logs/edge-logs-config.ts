// Settings of the edge log subsystem (config section `edgeLogs`): where the syslog receiver listens,
// how much a device may send, how much is kept, and how records are dated and graded. Flat keys, each
// typed by its default, but for `severityMap` (an object checked by resolveEdgeSeverityMap).
import { EDGE_SEVERITY_MAP_DEFAULTS, type EdgeSeverityMap } from './log-severity-map.js';

/** Settings of `edgeLogs`. All are read at start. */
export interface EdgeLogsConfig {
  /** Run the syslog receiver and accept `POST /api/v1/logs`. Default true. */
  enabled: boolean;
  /** Listen address of the syslog receiver: '127.0.0.1' (default), '0.0.0.0' for the LAN, '::' for IPv6 and IPv4. */
  host: string;
  /** Listen for syslog over UDP (RFC 5426). Default true. */
  udp: boolean;
  /** Listen for syslog over TCP (RFC 6587). Default true. */
  tcp: boolean;
  /** UDP port; 514 needs privileges, so the default is 5514. 0: any free port. */
  udpPort: number;
  /** TCP port. Default 5514. 0: any free port. */
  tcpPort: number;
  /** Longest line kept, bytes; longer lines are cut and flagged `truncated`. Default 65536. */
  maxLineBytes: number;
  /** TCP connections open at once; more are refused and counted. Default 256. */
  maxTcpConnections: number;
  /** Seconds a TCP connection may stay silent before it is closed. Default 300. */
  tcpIdleSeconds: number;
  /** UDP socket receive buffer asked of the kernel, bytes (capped by net.core.rmem_max). Default 8 MiB. */
  udpRecvBufferBytes: number;
  /** Lines per second one device may send over time (token bucket refill). Default 100. */
  ratePerSecond: number;
  /** Lines one device may send in a burst (bucket size). Default 1000. */
  burst: number;
  /** Devices (or unknown source addresses) tracked by the limiter; at the cap the least recent is forgotten. Default 10000. */
  maxDevices: number;
  /** Seconds between two `edge-logs.rate-limited` events for one device. Default 60. */
  rateLimitReportSeconds: number;
  /** Rows kept in `edge_logs`; beyond it the oldest are deleted. Default 1000000. */
  maxRows: number;
  /** Milliseconds a received record may wait before its batch is written. Default 250. */
  flushIntervalMs: number;
  /** Records written per transaction; a full batch is written at once. Default 500. */
  flushBatch: number;
  /** Records in one `POST /api/v1/logs` body. Default 1000. */
  maxJsonRecords: number;
  /** Raise `edge.error` for records of this severity code or worse (3 = error). Default 3. */
  alertSeverityAtMost: number;
  /** Raise `edge.error` at all. Default true. */
  alerts: boolean;
  /**
   * Severity of the `edge.error` alert by syslog severity, or `none` for no alert. Keys: emergency,
   * alert, critical, error, warning, notice, info, debug (or emerg, crit, err, warn); the defaults
   * fill what a config leaves out. Default: emergency, alert, critical → critical; error → high;
   * warning → medium; notice → low; info, debug → none (below `alertSeverityAtMost` nothing alerts).
   */
  severityMap: EdgeSeverityMap;
  /**
   * Seconds a device's own timestamp (`deviceTs`) may differ from the receive time before the
   * record is flagged `clockSkewed` (and counted). Records and their alerts are always dated by
   * the receive time. Default 60: a device that keeps its clock by NTP is within a second.
   */
  skewThresholdSeconds: number;
  /**
   * Deprecated and ignored (records and alerts are dated by the receive time since issue 17, so a
   * device's clock no longer dates anything); still accepted so a config written for an older
   * gateway loads. Default 86400.
   */
  maxClockSkewSeconds: number;
}

/** Defaults of `edgeLogs`. */
export const EDGE_LOGS_DEFAULTS: Readonly<EdgeLogsConfig> = Object.freeze({
  enabled: true,
  host: '127.0.0.1',
  udp: true,
  tcp: true,
  udpPort: 5514,
  tcpPort: 5514,
  maxLineBytes: 65536,
  maxTcpConnections: 256,
  tcpIdleSeconds: 300,
  udpRecvBufferBytes: 8 * 1024 * 1024,
  ratePerSecond: 100,
  burst: 1000,
  maxDevices: 10000,
  rateLimitReportSeconds: 60,
  maxRows: 1_000_000,
  flushIntervalMs: 250,
  flushBatch: 500,
  maxJsonRecords: 1000,
  alertSeverityAtMost: 3,
  alerts: true,
  severityMap: EDGE_SEVERITY_MAP_DEFAULTS,
  skewThresholdSeconds: 60,
  maxClockSkewSeconds: 86400,
});
