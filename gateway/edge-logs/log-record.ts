// The one schema every edge log takes, whatever it arrived as (RFC 5424, RFC 3164, JSON over HTTP,
// or a line nothing could parse), plus the syslog severity vocabulary it uses.

/** Syslog severities by code (RFC 5424 §6.2.1, Table 2): index = code, 0 the worst. */
export const SYSLOG_SEVERITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'] as const;

/** A syslog severity name. */
export type SyslogSeverity = (typeof SYSLOG_SEVERITIES)[number];

/** Severity names and syslog.conf keywords (lower case) to their code. */
const SEVERITY_ALIASES: ReadonlyMap<string, number> = new Map<string, number>([
  ['emerg', 0], ['panic', 0], ['crit', 2], ['err', 3], ['warn', 4], ['informational', 6],
  ...SYSLOG_SEVERITIES.map((s, i): [string, number] => [s, i]),
]);

/** The code 0..7 of a severity name or syslog.conf keyword (any case: "crit", "Critical"), or null. */
export function syslogSeverityCode(name: string): number | null {
  return SEVERITY_ALIASES.get(name.toLowerCase()) ?? null;
}

/** How a record arrived: its wire format, `raw` when it could not be parsed. */
export type EdgeLogFormat = 'rfc5424' | 'rfc3164' | 'json' | 'raw';

/** The transport a record arrived over. */
export type EdgeLogTransport = 'udp' | 'tcp' | 'http';

/** Structured data (RFC 5424 §6.3): SD-ID → PARAM-NAME → value. */
export type StructuredData = Record<string, Record<string, string>>;

/** One edge log, normalized. */
export interface EdgeLogRecord {
  /** Position in the store, increasing; absent until the store takes the record. */
  seq?: number;
  /**
   * The record's time: when the gateway received it, ISO-8601 UTC (ms). Records are dated and
   * ordered by it, and so are their alerts: a device's clock may be wrong (unset, or minutes off).
   */
  ts: string;
  /** When the gateway received it, ISO-8601 UTC (ms): the same as `ts`. */
  receivedAt: string;
  /** When the device says it happened (its own clock), ISO-8601 UTC (ms), or null when it gave no time. */
  deviceTs: string | null;
  /** `deviceTs` is further from the receive time than `edgeLogs.skewThresholdSeconds` (the device's clock is off). */
  clockSkewed: boolean;
  /** MAC of the device the source address belongs to, or null when the gateway does not know it. */
  device: string | null;
  /** Address the record came from (IPv4-mapped IPv6 addresses are given as IPv4). */
  sourceIp: string;
  /** HOSTNAME the device gave, or null. */
  host: string | null;
  /** APP-NAME (RFC 5424) or TAG (RFC 3164), or null. */
  app: string | null;
  procId: string | null;
  msgId: string | null;
  /** Syslog facility 0..23, or null (JSON records, raw lines). */
  facility: number | null;
  /** Severity name, or null when unknown (raw lines, JSON without severity). */
  severity: SyslogSeverity | null;
  /** Severity code 0..7 (0 emergency), or null with `severity`. */
  severityCode: number | null;
  /** The message text; the whole line for raw records. */
  message: string;
  structuredData: StructuredData | null;
  format: EdgeLogFormat;
  transport: EdgeLogTransport;
  /** The line as received (after truncation), or the JSON of the record as posted. */
  raw: string;
  /** The line or message was longer than edgeLogs.maxLineBytes and was cut. */
  truncated: boolean;
}

/** The severity name of a code 0..7, or null. */
export function severityName(code: number | null): SyslogSeverity | null {
  return code !== null && code >= 0 && code <= 7 ? SYSLOG_SEVERITIES[code]! : null;
}

/**
 * `text` cut to at most `max` UTF-16 units, never splitting a surrogate pair. A length in units
 * never exceeds the UTF-8 byte length, so a byte cap applied upstream is never undercut here.
 */
export function capText(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let end = max;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // a high surrogate would be left alone
  return { text: text.slice(0, end), truncated: true };
}
