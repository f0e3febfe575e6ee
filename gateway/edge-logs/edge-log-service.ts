// The edge log subsystem as the daemon runs it: store, ingest and syslog receiver built from the
// `edgeLogs` config over the gateway's database, with what the API and metrics ask of it.
import type { DecodeCounters } from '../common/events.js';
import type { AlertInput } from '../alerts/alert.js';
import type { EventLog } from '../common/event-log.js';
import type { Db } from '../store/database.js';
import type { EdgeLogsConfig } from './edge-logs-config.js';
import { normalizeJsonLog, type JsonLogError } from './json-log.js';
import { LogIngest, type LogIngestStats } from './log-ingest.js';
import type { EdgeLogRecord } from './log-record.js';
import { LogStore } from './log-store.js';
import { SyslogReceiver, type SyslogReceiverStats } from './syslog-receiver.js';

/** What the daemon gives the subsystem. */
export interface EdgeLogDeps {
  /** The device (MAC) holding an address now, or null. */
  resolveDevice: (ip: string) => string | null;
  /** Raises `edge.error` alerts. */
  raise?: (a: AlertInput) => void;
  /** Each stored record (WebSocket stream, metrics). */
  publish?: (r: EdgeLogRecord) => void;
  log?: EventLog;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Named-event counters (`edge_log.limiter_table_full`). */
  counters?: DecodeCounters;
}

/** A page of `logs`: newest first; `next` is the `before` of the following page, null at the end. */
export interface EdgeLogPage {
  items: EdgeLogRecord[];
  next: number | null;
}

/** Filters of `logs` (the GET /api/v1/logs query). */
export interface EdgeLogFilter {
  device?: string;
  /** Severity code 0..7: this and worse. */
  severityAtMost?: number;
  since?: string;
  until?: string;
  q?: string;
  /** Cursor: records with a smaller seq. */
  before?: number;
  /** 1..1000, default 100. */
  limit?: number;
}

/** Store, ingest and receiver of edge logs. */
export class EdgeLogService {
  readonly store: LogStore;
  readonly ingest: LogIngest;
  readonly receiver: SyslogReceiver | null;
  private readonly now: () => number;

  constructor(db: Db, private readonly cfg: Readonly<EdgeLogsConfig>, deps: EdgeLogDeps) {
    this.now = deps.now ?? Date.now;
    this.store = new LogStore(db, { maxRows: cfg.maxRows, flushIntervalMs: cfg.flushIntervalMs, flushBatch: cfg.flushBatch, log: deps.log });
    const listen = cfg.enabled && (cfg.udp || cfg.tcp);
    this.receiver = listen
      ? new SyslogReceiver({
        host: cfg.host, udp: cfg.udp, tcp: cfg.tcp, udpPort: cfg.udpPort, tcpPort: cfg.tcpPort, maxLineBytes: cfg.maxLineBytes,
        maxTcpConnections: cfg.maxTcpConnections, tcpIdleSeconds: cfg.tcpIdleSeconds, udpRecvBufferBytes: cfg.udpRecvBufferBytes,
        onLine: (line, ip, transport, truncated) => { this.ingest.ingestLine(line, ip, transport, undefined, truncated); },
        log: deps.log,
      })
      : null;
    this.ingest = new LogIngest({
      store: this.store,
      limiter: { ratePerSecond: cfg.ratePerSecond, burst: cfg.burst, maxKeys: cfg.maxDevices, reportIntervalMs: cfg.rateLimitReportSeconds * 1000 },
      counters: deps.counters, resolveDevice: deps.resolveDevice, onRecord: deps.publish, raiseAlert: deps.raise, log: deps.log, now: deps.now,
      maxLineBytes: cfg.maxLineBytes, alertSeverityAtMost: cfg.alertSeverityAtMost, alerts: cfg.alerts,
      severityMap: cfg.severityMap, skewThresholdSeconds: cfg.skewThresholdSeconds, kernelDrops: () => this.receiver?.kernelDrops() ?? null,
    });
  }

  /** Binds the syslog listeners (when enabled). Rejects when a port is taken. */
  async start(): Promise<void> {
    await this.receiver?.start();
  }

  /** Closes the listeners (delivering half-received lines) and writes what is queued. */
  async stop(): Promise<void> {
    await this.receiver?.close();
    this.store.close();
  }

  /** Bound syslog ports (null when not listening). */
  ports(): { udp: number | null; tcp: number | null } {
    return { udp: this.receiver?.udpPort ?? null, tcp: this.receiver?.tcpPort ?? null };
  }

  /** Records refused or lost: rate limit, kernel drops (UDP), failed writes. Malformed lines are kept, not dropped. */
  dropped(): number {
    const s = this.ingest.stats();
    return s.droppedRateLimit + s.droppedKernel + s.storeLost;
  }

  stats(): { ingest: LogIngestStats; receiver: SyslogReceiverStats | null; store: { rows: number; written: number; pruned: number; lost: number } } {
    return {
      ingest: this.ingest.stats(), receiver: this.receiver?.stats() ?? null,
      store: { rows: this.store.count(), written: this.store.written, pruned: this.store.pruned, lost: this.store.lost },
    };
  }

  /** A page of stored records, newest first. Throws EdgeLogQueryError for a bad since/until. */
  logs(f: EdgeLogFilter): EdgeLogPage {
    const limit = Math.min(1000, Math.max(1, f.limit ?? 100));
    const items = this.store.query({
      device: f.device, severityAtMost: f.severityAtMost, since: f.since, until: f.until, q: f.q, beforeSeq: f.before, limit,
    });
    return { items, next: items.length === limit ? items[items.length - 1]!.seq ?? null : null };
  }

  /**
   * A `POST /api/v1/logs` body from `sourceIp`; `device` is the MAC a device token is bound to
   * (it outranks the address). Refused as a whole with every fault, or stored up to the rate limit.
   * With edge logs disabled every record is dropped.
   */
  ingestJson(body: unknown, sourceIp: string, device: string | null = null):
    { ok: true; accepted: number; dropped: number } | { ok: false; errors: JsonLogError[] } {
    const now = new Date(this.now());
    const r = normalizeJsonLog(body, sourceIp, now, { maxRecords: this.cfg.maxJsonRecords, maxLineBytes: this.cfg.maxLineBytes });
    if ('errors' in r) return { ok: false, errors: r.errors };
    if (!this.cfg.enabled) return { ok: true, accepted: 0, dropped: r.records.length };
    if (device !== null) for (const rec of r.records) rec.device = device;
    return { ok: true, ...this.ingest.ingestRecords(r.records) };
  }
}
