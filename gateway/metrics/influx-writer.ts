// Writes metric points to InfluxDB 1.x through the `influx` client: batched, and buffered in a
// bounded queue while the database is away, so a restart of InfluxDB loses nothing within the bound.
import { InfluxDB, type IPoint, type ISchemaOptions } from 'influx';
import type { EventLog } from '../common/event-log.js';
import { BoundedQueue } from './bounded-queue.js';
import type { MetricsConfig } from './metrics-config.js';
import { MetricsError, type MetricsErrorCode } from './metrics-errors.js';

/** One point. Tag values are non-empty strings; field values finite numbers, strings or booleans. */
export interface MetricPoint {
  measurement: string;
  tags?: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  /** Milliseconds since the Unix epoch, or a Date (kept at millisecond precision). */
  timestamp: number | Date;
}

/** What the writer has done so far. */
export interface InfluxStats {
  /** Points waiting in the buffer (including a batch in flight). */
  buffered: number;
  /** Points InfluxDB accepted. */
  written: number;
  /** Points evicted from the full buffer (the oldest first), or written after close(); never sent. */
  dropped: number;
  /** Points refused: by write() as unwritable, or by InfluxDB with a 400. Never retried. */
  rejected: number;
  /** Requests that failed (each retry counts). */
  failures: number;
  /** Code of the last failure, or null when none happened yet. */
  lastError: MetricsErrorCode | null;
  /** True when the last request to InfluxDB succeeded. */
  connected: boolean;
}

/** The settings the writer reads (a {@link MetricsConfig} will do). */
export type InfluxWriterConfig = Pick<MetricsConfig,
  'influxUrl' | 'influxDatabase' | 'influxUsername' | 'influxPassword' | 'batchSize' | 'flushIntervalMs' |
  'maxBufferedPoints' | 'retryMaxMs' | 'requestTimeoutMs'>;

/** Options beyond the config. */
export interface InfluxWriterOptions {
  /** Where outages, recoveries and drops are reported (never with credentials). */
  log?: EventLog;
  /** Field types per measurement (e.g. integers), handed to the `influx` client (as copies for this database). */
  schema?: readonly ISchemaOptions[];
}

/**
 * Timestamps go out with millisecond precision: the reports are seconds apart, and a number of ms
 * stays an exact double (ns since the epoch would not).
 */
const PRECISION = 'ms' as const;

/**
 * Backoff strategy for the client's connection pool that never takes the host out of the pool:
 * the pool would otherwise fail every request for up to 10 s with "No host available" after a
 * refused connection, on a timer that keeps the process alive. The writer does its own backoff.
 */
const NO_POOL_BACKOFF = { getDelay: () => 0, next() { return this; }, reset() { return this; } };

/**
 * Latest point time InfluxDB stores: its timestamps are int64 nanoseconds (year 2262), in ms.
 * Point times must be above 0 too: the client sends no time at all for 0 (the server's clock).
 */
const MAX_TIMESTAMP_MS = 9_223_372_036_854;

/** HTTP statuses of a write that have their own handling (InfluxDB 1.x /write API). */
const HTTP_BAD_REQUEST = 400;
const HTTP_NOT_FOUND = 404;

/**
 * Batched, buffered writer of points to one InfluxDB database.
 *
 * Points wait in a FIFO of `maxBufferedPoints`; every `flushIntervalMs` (and as soon as a batch
 * fills) up to `batchSize` of them go out in one request. A batch that fails stays at the head of
 * the buffer, in order, and is retried after a delay that doubles from flushIntervalMs up to
 * retryMaxMs. When the buffer is full the OLDEST point is dropped and counted: the reports carry
 * cumulative counters, so the newest points hold the totals and the oldest are the ones whose
 * loss costs only resolution. Only one request is in flight at a time, so points arrive in order.
 *
 * Log events (fields never hold credentials): `metrics.influx_down` (first failure of an outage:
 * target, code, cause), `metrics.influx_up` (recovered), `metrics.influx_dropping` (the buffer
 * overflowed, once per outage), `metrics.influx_rejected` (a batch refused with 400),
 * `metrics.influx_no_create` (CREATE DATABASE refused), `metrics.influx_unflushed` (points left at close).
 */
export class InfluxWriter {
  private readonly client: InfluxDB;
  private readonly queue: BoundedQueue<IPoint>;
  private readonly database: string;
  private readonly batchSize: number;
  /** Scheme, host and port only: what logs may name. */
  readonly target: string;
  private timer: NodeJS.Timeout | null;
  private inFlight: Promise<boolean> | null = null;
  /** Points at the head of the queue that belong to the batch in flight. */
  private inFlightHead = 0;
  /** Points of the batch in flight evicted from the queue meanwhile: dropped unless the batch lands. */
  private evictedInFlight = 0;
  /** Points ever accepted by write(); with the queue length, says where the head is (for flush). */
  private enqueued = 0;
  private retryAt = 0;
  private consecutiveFailures = 0;
  private dbReady = false;
  private kickScheduled = false;
  private droppingLogged = false;
  private closed = false;
  private written = 0;
  private dropped = 0;
  private rejected = 0;
  private failures = 0;
  private lastError: MetricsErrorCode | null = null;
  private connected = false;

  constructor(private readonly cfg: Readonly<InfluxWriterConfig>, private readonly opts: InfluxWriterOptions = {}) {
    let url: URL;
    try {
      url = new URL(cfg.influxUrl);
    } catch {
      throw new MetricsError('metrics.bad_options', 'metrics.influxUrl is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MetricsError('metrics.bad_options', 'metrics.influxUrl must be http or https');
    for (const k of ['batchSize', 'flushIntervalMs', 'maxBufferedPoints', 'retryMaxMs', 'requestTimeoutMs'] as const) {
      if (!Number.isFinite(cfg[k]) || cfg[k] < 1) throw new MetricsError('metrics.bad_options', `metrics.${k} must be at least 1`);
    }
    if (cfg.influxDatabase === '') throw new MetricsError('metrics.bad_options', 'metrics.influxDatabase is empty');
    const https = url.protocol === 'https:';
    const username = cfg.influxUsername || decodeUserinfo(url.username);
    const password = cfg.influxPassword || decodeUserinfo(url.password);
    this.target = `${url.protocol}//${url.host}`; // URL.host never holds the credentials
    this.database = cfg.influxDatabase;
    this.batchSize = Math.floor(cfg.batchSize);
    this.queue = new BoundedQueue<IPoint>(Math.floor(cfg.maxBufferedPoints));
    const path = url.pathname.replace(/\/+$/, '');
    this.client = new InfluxDB({
      host: url.hostname, // an IPv6 literal keeps its brackets: the client pastes it into a URL
      port: url.port !== '' ? Number(url.port) : https ? 443 : 80,
      protocol: https ? 'https' : 'http',
      path,
      database: this.database,
      // null, not undefined: the client would fill in root/root and send those as Basic auth.
      username: username === '' ? (null as unknown as string) : username,
      password,
      // Copies with the database set: the client writes its default database into a schema
      // object that has none, which would bind a shared schema to the first writer's database.
      schema: opts.schema?.map((sc) => ({ ...sc, database: this.database })),
      pool: { maxRetries: 0, requestTimeout: cfg.requestTimeoutMs, backoff: NO_POOL_BACKOFF },
    });
    this.timer = setInterval(() => this.tick(), cfg.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Queues one point. Never throws and never waits: an unwritable point is counted as rejected,
   * and on a full buffer the oldest point is dropped and counted. The point is copied shallowly:
   * its tags and fields objects are kept, so the caller must not change them afterwards.
   */
  write(p: MetricPoint): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    const ts = typeof p.timestamp === 'number' ? p.timestamp : p.timestamp.getTime();
    const point: IPoint = { measurement: p.measurement, tags: p.tags ?? {}, fields: p.fields, timestamp: Math.round(ts) };
    if (!this.writable(point)) {
      this.rejected++;
      this.lastError = 'metrics.bad_point';
      return;
    }
    this.enqueued++;
    if (this.queue.push(point)) this.evicted();
    if (this.queue.length >= this.batchSize) this.kick();
  }

  /**
   * Writes every point queued before the call, ignoring the retry delay. Rejects with a
   * {@link MetricsError} (the failure's code) when a request fails; the points stay queued.
   */
  async flush(): Promise<void> {
    const target = this.enqueued;
    for (;;) {
      if (this.inFlight !== null) {
        await this.inFlight;
        continue;
      }
      // The oldest queued point has sequence number enqueued - length; done once it is past `target`.
      if (this.queue.length === 0 || this.enqueued - this.queue.length >= target) return;
      if (!(await this.send())) throw new MetricsError(this.lastError ?? 'metrics.influx_unreachable', 'InfluxDB write failed; points kept');
    }
  }

  /** Stops the timer after a last flush attempt. Points still queued then are reported, not written. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    try {
      await this.flush();
    } catch {
      this.opts.log?.('metrics.influx_unflushed', { target: this.target, points: this.queue.length, code: this.lastError });
    }
    this.closed = true;
  }

  /** Counters and state, for health and Prometheus. */
  stats(): InfluxStats {
    return {
      buffered: this.queue.length, written: this.written, dropped: this.dropped, rejected: this.rejected,
      failures: this.failures, lastError: this.lastError, connected: this.connected,
    };
  }

  /** Timer: sends a batch when there is one, nothing is in flight, and no retry delay runs. */
  private tick(): void {
    if (this.closed || this.inFlight !== null || this.queue.length === 0 || Date.now() < this.retryAt) return;
    void this.send().then((ok) => {
      // Drain a backlog (after an outage) at request speed rather than one batch per interval.
      if (ok && this.queue.length > 0) this.kick();
    });
  }

  /** Runs tick() soon, once. */
  private kick(): void {
    if (this.kickScheduled || this.closed) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      this.tick();
    });
  }

  /** Sends the head batch; resolves true when it left the queue (written or rejected). */
  private send(): Promise<boolean> {
    const p = this.attempt().finally(() => {
      this.inFlight = null;
    });
    this.inFlight = p;
    return p;
  }

  private async attempt(): Promise<boolean> {
    const batch = this.queue.peek(this.batchSize);
    this.inFlightHead = batch.length;
    this.evictedInFlight = 0;
    try {
      if (!this.dbReady) await this.ensureDatabase();
      await this.client.writePoints(batch, { precision: PRECISION, database: this.database });
      this.written += batch.length;
      this.landed();
      return true;
    } catch (e) {
      const code = classify(e);
      if (code === 'metrics.influx_rejected') {
        // The points themselves are refused: retrying would block the queue behind them forever.
        this.rejected += batch.length - this.evictedInFlight;
        this.dropped += this.evictedInFlight;
        this.lastError = code;
        this.opts.log?.('metrics.influx_rejected', { target: this.target, points: batch.length, code });
        this.landed();
        return true;
      }
      this.failed(code, e);
      return false;
    }
  }

  /** CREATE DATABASE (a no-op when it exists). A refusal (a user without admin rights) is not fatal: the write says whether the database is there. */
  private async ensureDatabase(): Promise<void> {
    try {
      await this.client.createDatabase(this.database);
    } catch (e) {
      if (classify(e) === 'metrics.influx_unreachable') throw e;
      this.opts.log?.('metrics.influx_no_create', { target: this.target, database: this.database, code: classify(e) });
    }
    this.dbReady = true;
  }

  /** The batch in flight left the queue (its evicted points already did). */
  private landed(): void {
    this.queue.drop(this.inFlightHead);
    this.inFlightHead = 0;
    this.evictedInFlight = 0;
    if (!this.connected && this.consecutiveFailures > 0) {
      this.opts.log?.('metrics.influx_up', { target: this.target, buffered: this.queue.length, failures: this.consecutiveFailures });
    }
    this.connected = true;
    this.consecutiveFailures = 0;
    this.retryAt = 0;
    this.droppingLogged = false;
  }

  private failed(code: MetricsErrorCode, e: unknown): void {
    this.dropped += this.evictedInFlight; // those never reached InfluxDB and are no longer queued
    this.inFlightHead = 0;
    this.evictedInFlight = 0;
    this.failures++;
    this.lastError = code;
    if (this.consecutiveFailures === 0) {
      this.opts.log?.('metrics.influx_down', { target: this.target, code, cause: causeOf(e), buffered: this.queue.length });
    }
    this.consecutiveFailures++;
    this.connected = false;
    // A server that went away may come back empty: create the database again on reconnect.
    if (code === 'metrics.influx_unreachable' || code === 'metrics.influx_no_database') this.dbReady = false;
    const delay = Math.min(this.cfg.retryMaxMs, this.cfg.flushIntervalMs * 2 ** Math.min(this.consecutiveFailures - 1, 30));
    this.retryAt = Date.now() + delay;
  }

  /** The queue evicted its oldest point to make room. */
  private evicted(): void {
    if (this.inFlightHead > 0) {
      // The oldest point was part of the batch in flight: lost only if that batch fails.
      this.inFlightHead--;
      this.evictedInFlight++;
    } else {
      this.dropped++;
    }
    if (!this.droppingLogged) {
      this.droppingLogged = true;
      this.opts.log?.('metrics.influx_dropping', { target: this.target, maxBufferedPoints: this.queue.capacity });
    }
  }

  /** True for a point the client can serialize and InfluxDB will take. */
  private writable(p: IPoint): boolean {
    const ts = p.timestamp as number;
    if (typeof p.measurement !== 'string' || p.measurement === '' || !(ts > 0 && ts <= MAX_TIMESTAMP_MS)) return false;
    const fields = p.fields ?? {};
    let n = 0;
    for (const k in fields) {
      const v: unknown = fields[k];
      if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' && typeof v !== 'boolean') return false;
      n++;
    }
    if (n === 0) return false;
    for (const k in p.tags) if (typeof p.tags[k] !== 'string' || p.tags[k] === '') return false;
    try {
      this.client.parsePoint(p, { precision: PRECISION, database: this.database }); // the schema's checks
    } catch {
      return false;
    }
    return true;
  }
}

/** Percent-decoded user or password of a URL; a malformed escape is a config error. */
function decodeUserinfo(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new MetricsError('metrics.bad_options', 'metrics.influxUrl has a malformed user or password');
  }
}

/** The error code of a failed request to InfluxDB. */
function classify(e: unknown): MetricsErrorCode {
  const status = (e as { res?: { statusCode?: number } } | null)?.res?.statusCode;
  if (typeof status === 'number') {
    if (status === HTTP_BAD_REQUEST) return 'metrics.influx_rejected';
    if (status === HTTP_NOT_FOUND) return 'metrics.influx_no_database';
    if (status < 500) return 'metrics.influx_refused';
    return 'metrics.influx_unreachable';
  }
  // A query answered with an error (CREATE DATABASE without admin rights).
  if ((e as Error | null)?.name === 'ResultError') return 'metrics.influx_refused';
  return 'metrics.influx_unreachable';
}

/** A short, credential-free cause: the socket error code or the HTTP status. */
function causeOf(e: unknown): string | number | null {
  const x = e as { code?: unknown; res?: { statusCode?: number } } | null;
  if (typeof x?.res?.statusCode === 'number') return x.res.statusCode;
  if (typeof x?.code === 'string') return x.code;
  return (e as Error | null)?.name ?? null;
}
