// Severity scales: alert severities (low → critical) and syslog severities (RFC 5424 §6.2.1,
// emergency = 0 is the worst), with the order the "this and worse" filters compare on.
import type { Severity } from '../api/api-types';

/** Alert severities, mildest first. */
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** 0 (low) … 3 (critical); -1 for anything unknown. */
export function severityRank(s: string): number {
  return (SEVERITIES as readonly string[]).indexOf(s);
}

/** Syslog severity names by code 0..7 (RFC 5424 §6.2.1), as the API names them. */
export const SYSLOG_SEVERITIES: readonly string[] = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'];

/** Syslog code of a severity name; records without one rank after debug. */
export function syslogCode(name: string | null): number {
  const i = name === null ? -1 : SYSLOG_SEVERITIES.indexOf(name);
  return i < 0 ? 8 : i;
}

/** The alert colour family a syslog severity is drawn with. */
export function syslogTone(name: string | null): Severity | 'info' {
  const c = syslogCode(name);
  if (c <= 2) return 'critical';
  if (c === 3) return 'high';
  if (c === 4) return 'medium';
  if (c === 5) return 'low';
  return 'info';
}
