// Counters of alerts per rule and severity and of edge logs per severity, fed by the daemon's
// alert and log sinks and read by the InfluxDB reporter and the Prometheus exporter.

/** Alerts raised for one rule at one severity since start. */
export interface AlertCount {
  rule: string;
  severity: string;
  count: number;
}

/** Edge-device log records received at one severity since start. */
export interface LogCount {
  severity: string;
  count: number;
}

/**
 * Label combinations each table keeps. Rules and severities are fixed vocabularies (21 × 4 today);
 * the cap keeps a caller that passes traffic-derived text from growing the tables without bound.
 */
export const MAX_LABEL_SETS = 256;
/** Label value that takes every combination past the cap. */
export const OVERFLOW_LABEL = 'other';

interface Row {
  labels: readonly string[];
  count: number;
}

/** A table of counters keyed by a few label values, capped at {@link MAX_LABEL_SETS}. */
class LabelledCounts {
  private readonly rows = new Map<string, Row>();

  constructor(private readonly width: number) {}

  /** Adds `n` to the row of `labels`; past the cap, to the overflow row (so at most cap + 1 rows). */
  add(labels: readonly string[], n: number): void {
    let key = labels.join('\u0000');
    let row = this.rows.get(key);
    if (row === undefined && this.rows.size >= MAX_LABEL_SETS) {
      labels = new Array<string>(this.width).fill(OVERFLOW_LABEL);
      key = labels.join('\u0000');
      row = this.rows.get(key);
    }
    if (row === undefined) {
      row = { labels: [...labels], count: 0 };
      this.rows.set(key, row);
    }
    row.count += n;
  }

  /** The rows, first counted first. */
  all(): IterableIterator<Row> {
    return this.rows.values();
  }
}

/** Alert and log counters since start (cumulative). */
export class EventCounters {
  private readonly alerts = new LabelledCounts(2);
  private readonly logs = new LabelledCounts(1);

  /** Counts `n` (default 1) alerts of `rule` at `severity`; `n` lets an aggregated alert count its repeats. */
  countAlert(rule: string, severity: string, n = 1): void {
    this.alerts.add([rule, severity], n);
  }

  /** Counts `n` (default 1) edge-device log records at `severity`. */
  countLog(severity: string, n = 1): void {
    this.logs.add([severity], n);
  }

  /** Every alert counter, first counted first. */
  alertCounts(): AlertCount[] {
    return [...this.alerts.all()].map((r) => ({ rule: r.labels[0]!, severity: r.labels[1]!, count: r.count }));
  }

  /** Every log counter, first counted first. */
  logCounts(): LogCount[] {
    return [...this.logs.all()].map((r) => ({ severity: r.labels[0]!, count: r.count }));
  }
}
