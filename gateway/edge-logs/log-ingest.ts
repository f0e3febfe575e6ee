// The edge log path from a received line or posted record to storage: device by source address,
// per-device rate limit, parse, date by the receive time (the device's own time kept beside it, a
// far one flagged), store, stream, and `edge.error` graded by the severity map.
import type { DecodeCounters } from '../common/events.js';
import type { AlertInput } from '../alerts/alert.js';
import type { EventLog } from '../common/event-log.js';
import { SYSLOG_PARSE_FAILURE_LIST, type SyslogParseFailure } from './edge-log-events.js';
import { LogLimiter, type LogLimiterConfig } from './log-limiter.js';
import { capText, severityName, type EdgeLogFormat, type EdgeLogRecord, type EdgeLogTransport } from './log-record.js';
import { EDGE_SEVERITY_MAP_DEFAULTS, edgeAlertSeverity, type EdgeSeverityMap } from './log-severity-map.js';
import type { LogStore } from './log-store.js';
import { parseSyslog, trimLineEnd } from './parse-syslog.js';

/** Longest message quoted in an alert, characters. */
const ALERT_MESSAGE_CHARS = 200;

/** What the ingest is given. */
export interface LogIngestOptions {
  store: LogStore;
  /** Named-event counters (`edge_log.limiter_table_full`). */
  counters?: DecodeCounters;
  /** Per-device token bucket (edgeLogs ratePerSecond, burst, maxDevices, rateLimitReportSeconds × 1000). */
  limiter: LogLimiterConfig;
  /** The device (MAC) holding an address now, or null. */
  resolveDevice: (ip: string) => string | null;
  /** Each stored record, with its seq (stream and metrics). */
  onRecord?: (r: EdgeLogRecord) => void;
  /** Where `edge.error` alerts go. */
  raiseAlert?: (a: AlertInput) => void;
  log?: EventLog;
  /** Clock, epoch ms: receive times and the limiter. Default Date.now; tests pass a fake one. */
  now?: () => number;
  /** Longest line kept, characters (the receiver already cuts bytes). Default 65536. */
  maxLineBytes?: number;
  /** Raise `edge.error` for severity codes at most this (3 = error). Default 3. */
  alertSeverityAtMost?: number;
  /** Raise alerts at all. Default true. */
  alerts?: boolean;
  /** The alert severity of each syslog severity, or none (edgeLogs.severityMap). Default EDGE_SEVERITY_MAP_DEFAULTS. */
  severityMap?: EdgeSeverityMap;
  /** A device time further than this from the receive time flags the record `clockSkewed`, seconds. Default 60. */
  skewThresholdSeconds?: number;
  /** UDP datagrams the kernel dropped before the receiver saw them (SyslogReceiver.kernelDrops). */
  kernelDrops?: () => number | null;
}

/** Counters of the ingest. */
export interface LogIngestStats {
  /** Lines and records handed in. */
  received: number;
  /** Records stored, by format (`raw`: lines no parser understood, kept whole). */
  parsed: Record<EdgeLogFormat, number>;
  /** Records handed to the store. */
  stored: number;
  /** Lines and records refused by the per-device rate limit. */
  droppedRateLimit: number;
  /** UDP datagrams the kernel dropped (receive buffer full). */
  droppedKernel: number;
  /** Lines kept raw: parsed.raw. */
  raw: number;
  /** Lines with nothing in them: not stored. */
  empty: number;
  /** Why lines were kept raw, by reason. */
  failures: Record<SyslogParseFailure, number>;
  /** Records cut at maxLineBytes. */
  truncated: number;
  /** Records whose device time was further than skewThresholdSeconds from the receive time. */
  clockSkewed: number;
  alertsRaised: number;
  /** Records the store failed to write. */
  storeLost: number;
  /** Devices the limiter tracks, and how many it forgot at its cap. */
  devicesTracked: number;
  devicesEvicted: number;
}

/** The edge log ingest: one per gateway, fed by the syslog receiver and the HTTP route. */
export class LogIngest {
  readonly limiter: LogLimiter;
  private readonly now: () => number;
  private readonly maxLine: number;
  private readonly alertAtMost: number;
  private readonly skewMs: number;
  private readonly severityMap: EdgeSeverityMap;
  private received = 0;
  private stored = 0;
  private empty = 0;
  private truncated = 0;
  private skewed = 0;
  private alertsRaised = 0;
  private readonly parsed: Record<EdgeLogFormat, number> = { rfc5424: 0, rfc3164: 0, json: 0, raw: 0 };
  private readonly failures: Record<SyslogParseFailure, number>;

  constructor(private readonly opts: LogIngestOptions) {
    this.limiter = new LogLimiter(opts.limiter, opts.counters);
    this.now = opts.now ?? Date.now;
    this.maxLine = opts.maxLineBytes ?? 65536;
    this.alertAtMost = opts.alerts === false ? -1 : opts.alertSeverityAtMost ?? 3;
    this.skewMs = (opts.skewThresholdSeconds ?? 60) * 1000;
    this.severityMap = opts.severityMap ?? EDGE_SEVERITY_MAP_DEFAULTS;
    this.failures = Object.fromEntries(SYSLOG_PARSE_FAILURE_LIST.map(([n]) => [n, 0])) as Record<SyslogParseFailure, number>;
  }

  /**
   * One syslog line from `sourceIp`. The rate limit comes before parsing, so a flooding device costs
   * no parse work; it is keyed by device, which only the address decides. Returns the stored
   * record, or null when the line was rate-limited or empty.
   */
  ingestLine(line: string, sourceIp: string, transport: Exclude<EdgeLogTransport, 'http'>,
    receivedAt: Date = new Date(this.now()), truncated = false): EdgeLogRecord | null {
    this.received++;
    const device = this.opts.resolveDevice(sourceIp);
    if (!this.admit(device ?? sourceIp, device, sourceIp)) return null;
    const capped = capText(trimLineEnd(line), this.maxLine);
    const text = capped.text;
    const p = parseSyslog(text, receivedAt);
    const receivedIso = receivedAt.toISOString();
    let r: EdgeLogRecord;
    if (p.ok) {
      const f = p.record;
      r = {
        ts: receivedIso, receivedAt: receivedIso, deviceTs: f.deviceTs, clockSkewed: false, device, sourceIp, host: f.host, app: f.app, procId: f.procId, msgId: f.msgId,
        facility: f.facility, severity: severityName(f.severityCode), severityCode: f.severityCode, message: f.message,
        structuredData: f.structuredData, format: f.format, transport, raw: text, truncated: truncated || capped.truncated,
      };
    } else {
      this.failures[p.reason]++;
      if (p.reason === 'syslog.empty') { this.empty++; return null; }
      // Kept whole: what a device said is evidence even when no parser understands it.
      r = {
        ts: receivedIso, receivedAt: receivedIso, deviceTs: null, clockSkewed: false, device, sourceIp, host: null, app: null, procId: null, msgId: null,
        facility: null, severity: null, severityCode: null, message: text, structuredData: null, format: 'raw', transport,
        raw: text, truncated: truncated || capped.truncated,
      };
    }
    this.keep(r);
    return r;
  }

  /**
   * Records already normalized (normalizeJsonLog). A record without a device gets the one its
   * source address resolves to (a device token bound to a MAC sets it first). Returns how many were
   * stored and how many the rate limit dropped.
   */
  ingestRecords(records: EdgeLogRecord[]): { accepted: number; dropped: number } {
    let accepted = 0, dropped = 0;
    for (const r of records) {
      this.received++;
      if (r.device === null) r.device = this.opts.resolveDevice(r.sourceIp);
      if (!this.admit(r.device ?? r.sourceIp, r.device, r.sourceIp)) { dropped++; continue; }
      this.keep(r);
      accepted++;
    }
    return { accepted, dropped };
  }

  stats(): LogIngestStats {
    return {
      received: this.received, parsed: { ...this.parsed }, stored: this.stored, droppedRateLimit: this.limiter.droppedTotal,
      droppedKernel: this.opts.kernelDrops?.() ?? 0, raw: this.parsed.raw, empty: this.empty, failures: { ...this.failures },
      truncated: this.truncated, clockSkewed: this.skewed, alertsRaised: this.alertsRaised, storeLost: this.opts.store.lost,
      devicesTracked: this.limiter.size, devicesEvicted: this.limiter.evicted,
    };
  }

  /** Rate limit for `key`; on a drop, one `edge-logs.rate-limited` event per key per report interval. */
  private admit(key: string, device: string | null, sourceIp: string): boolean {
    const now = this.now();
    if (this.limiter.take(key, now)) return true;
    const n = this.limiter.dueReport(key, now);
    if (n > 0) this.opts.log?.('edge-logs.rate-limited', { device, sourceIp, dropped: n, droppedTotal: this.limiter.dropped(key) });
    return false;
  }

  private keep(r: EdgeLogRecord): void {
    // Dated by the receive time (set by whoever built the record); a device clock far from it is flagged, not trusted.
    r.clockSkewed = r.deviceTs !== null && Math.abs(Date.parse(r.deviceTs) - Date.parse(r.receivedAt)) > this.skewMs;
    if (r.clockSkewed) this.skewed++;
    this.opts.store.add(r);
    this.stored++;
    this.parsed[r.format]++;
    if (r.truncated) this.truncated++;
    this.opts.onRecord?.(r);
    if (r.severityCode !== null && r.severityCode <= this.alertAtMost && this.opts.raiseAlert) this.alert(r, r.severityCode);
  }

  private alert(r: EdgeLogRecord, code: number): void {
    const severity = edgeAlertSeverity(this.severityMap, code);
    if (severity === null) return;
    // Dated by the receive time: a device clock minutes ahead would put its alert "in the future",
    // one without a clock (booted in 1970) decades back, outside every window.
    const when = Date.parse(r.receivedAt);
    const quoted = capText(r.message, ALERT_MESSAGE_CHARS).text;
    const who = r.host ?? r.sourceIp;
    this.alertsRaised++;
    this.opts.raiseAlert!({
      rule: 'edge.error', ts: when * 1000, device: r.device, src: r.sourceIp, dst: '',
      proto: r.transport === 'udp' ? 'udp' : 'tcp', sport: null, dport: null, severity,
      // One alert per (device, app, alert severity): a failing service that repeats itself counts
      // up, not out, and a critical line is not folded into an open high one. An unknown device is
      // told apart by its address.
      peer: r.device !== null ? `app:${r.app ?? ''} ${severity}` : `${r.sourceIp} app:${r.app ?? ''} ${severity}`,
      message: `${who}${r.app !== null ? ' ' + r.app : ''} logged ${r.severity}: ${quoted}`,
      evidence: {
        host: r.host, app: r.app, severity: r.severity, message: quoted, logSeq: r.seq ?? null,
        deviceTs: r.deviceTs, clockSkewed: r.clockSkewed,
      },
    });
  }
}
