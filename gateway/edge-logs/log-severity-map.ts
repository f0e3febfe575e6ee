// How a syslog severity becomes the severity of its `edge.error` alert (config `edgeLogs.severityMap`):
// emergency, alert and critical lines are critical alerts, error lines high, and so on, or no alert.
import { SEVERITIES, type Severity } from '../alerts/rules.js';
import { SYSLOG_SEVERITIES, syslogSeverityCode, type SyslogSeverity } from './log-record.js';

/** An alert severity, or 'none': a record of that syslog severity raises no alert. */
export type EdgeAlertGrade = Severity | 'none';

/** Alert grade by syslog severity name (RFC 5424 §6.2.1 names). */
export type EdgeSeverityMap = Readonly<Record<SyslogSeverity, EdgeAlertGrade>>;

/**
 * Default grades. Which records raise at all is also bounded by `edgeLogs.alertSeverityAtMost`
 * (default 3, error): warning and notice grades apply once that is raised to 4 or 5.
 */
export const EDGE_SEVERITY_MAP_DEFAULTS: EdgeSeverityMap = Object.freeze({
  emergency: 'critical', alert: 'critical', critical: 'critical', error: 'high',
  warning: 'medium', notice: 'low', info: 'none', debug: 'none',
});

const GRADES: readonly string[] = [...SEVERITIES, 'none'];

/**
 * The map of a config value: its keys are syslog severities (RFC 5424 names or the syslog.conf
 * keywords: emerg, crit, err, warn…), its values low, medium, high, critical or none; the defaults
 * fill what it leaves out. Problems are pushed to `problems` with `path`; undefined gives the defaults.
 */
export function resolveEdgeSeverityMap(raw: unknown, problems: string[], path = 'edgeLogs.severityMap'): EdgeSeverityMap {
  if (raw === undefined) return EDGE_SEVERITY_MAP_DEFAULTS;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`${path}: must be an object of syslog severity to alert severity (${GRADES.join(', ')})`);
    return EDGE_SEVERITY_MAP_DEFAULTS;
  }
  const out: Record<SyslogSeverity, EdgeAlertGrade> = { ...EDGE_SEVERITY_MAP_DEFAULTS };
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    const code = syslogSeverityCode(key);
    if (code === null) { problems.push(`${path}.${key}: unknown syslog severity (known: ${SYSLOG_SEVERITIES.join(', ')})`); continue; }
    if (typeof v !== 'string' || !GRADES.includes(v)) { problems.push(`${path}.${key}: must be one of ${GRADES.join(', ')}`); continue; }
    out[SYSLOG_SEVERITIES[code]!] = v as EdgeAlertGrade;
  }
  return Object.freeze(out);
}

/** The alert severity for syslog severity `code` (0..7), or null when the map says none. */
export function edgeAlertSeverity(map: EdgeSeverityMap, code: number): Severity | null {
  const name = SYSLOG_SEVERITIES[code];
  const g = name === undefined ? 'none' : map[name];
  return g === 'none' ? null : g;
}
