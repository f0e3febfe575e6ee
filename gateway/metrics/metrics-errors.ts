// The metrics exporters' errors: one registry of stable codes (tests assert the code, never the
// message), and the error class that carries one.

/** Error codes of the metrics exporters, each with what it means and what happens to the points. */
export const METRICS_ERRORS = Object.freeze({
  /** No answer, a refused or reset connection, a timeout or a 5xx: the points stay buffered and are retried. */
  'metrics.influx_unreachable': 'InfluxDB did not answer or answered 5xx; points kept and retried',
  /** 401, 403 or another 4xx the writer has no remedy for: the points stay buffered and are retried. */
  'metrics.influx_refused': 'InfluxDB refused the request (credentials?); points kept and retried',
  /** 404 on a write: the database is gone; it is created again and the batch retried. */
  'metrics.influx_no_database': 'the database did not exist; it is created again and the batch retried',
  /** 400 on a write: InfluxDB refused the points themselves (e.g. a field type conflict); the batch is dropped and counted as rejected. */
  'metrics.influx_rejected': 'InfluxDB refused the points (400); the batch is dropped and counted',
  /** write() got a point that cannot be written (no field, an empty tag, a non-finite number); not buffered, counted as rejected. */
  'metrics.bad_point': 'a point that cannot be written; not buffered, counted as rejected',
  /** The options cannot work (a URL that does not parse, a zero batch size, cap or report interval). */
  'metrics.bad_options': 'the metrics options are invalid',
});

/** A stable code of {@link METRICS_ERRORS}. */
export type MetricsErrorCode = keyof typeof METRICS_ERRORS;

/** A metrics error with a stable code. */
export class MetricsError extends Error {
  constructor(readonly code: MetricsErrorCode, message: string) {
    super(message);
    this.name = 'MetricsError';
  }
}
