// Settings of the metrics exporters (config section `metrics`): InfluxDB, off unless influxUrl is
// set, and the periodic report. Flat keys whose default's type the config loader checks. All fixed at start.

/** The `metrics` config section. */
export interface MetricsConfig {
  /** InfluxDB 1.x base URL, e.g. `http://127.0.0.1:8086`; empty: no InfluxDB (the default). */
  influxUrl: string;
  /** Database the points go to; created when missing. Default 'edgeward'. */
  influxDatabase: string;
  /** User for InfluxDB's HTTP auth; empty: none (or the user of influxUrl). Default ''. */
  influxUsername: string;
  /** Its password. Never logged. Default ''. */
  influxPassword: string;
  /** Points per write request, at most. Default 500. */
  batchSize: number;
  /** Milliseconds between flushes of the buffer; also the first retry delay. Default 1000. */
  flushIntervalMs: number;
  /** Points held while InfluxDB is away; past it the oldest are dropped and counted. Default 100000. */
  maxBufferedPoints: number;
  /** Longest wait between retries, milliseconds (the delay doubles from flushIntervalMs). Default 30000. */
  retryMaxMs: number;
  /** Deadline of one request to InfluxDB, milliseconds. Default 10000. */
  requestTimeoutMs: number;
  /** Seconds between reports of the counters to InfluxDB. Default 10. */
  reportIntervalSeconds: number;
  /** Devices the traffic meter counts at once; past it the least recently active is evicted. Default 8192. */
  maxMeteredDevices: number;
}

/** Defaults of {@link MetricsConfig}, frozen. */
export const METRICS_DEFAULTS: Readonly<MetricsConfig> = Object.freeze({
  influxUrl: '', // empty: off; e.g. http://127.0.0.1:8086
  influxDatabase: 'edgeward',
  influxUsername: '',
  influxPassword: '', // never logged
  batchSize: 500, // points per request
  flushIntervalMs: 1000, // ms
  maxBufferedPoints: 100000, // points (about 20 MB at the worst)
  retryMaxMs: 30000, // ms
  requestTimeoutMs: 10000, // ms
  reportIntervalSeconds: 10, // s
  maxMeteredDevices: 8192, // devices, as pipeline.devices.maxDevices
});
