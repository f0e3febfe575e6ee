// The feed's filters (severity and higher, rule, device, time window, status, free text) and the
// predicate they compile to; matching runs over tens of thousands of held alerts per change.
import type { Severity } from '../api/api-types';
import { lowerText, type AlertEntry } from './alert-store';
import { severityRank } from './severity';

export type SinceWindow = 'all' | '15m' | '1h' | '24h';
export type StatusFilter = 'all' | 'open' | 'unresolved' | 'acknowledged' | 'resolved' | 'reopened';

export interface AlertFilter {
  /** This severity and higher. */
  minSeverity: Severity | 'all';
  /** A rule name, or 'all'. */
  rule: string;
  /** Part of a MAC or hostname. */
  device: string;
  since: SinceWindow;
  status: StatusFilter;
  /** Every whitespace-separated word must occur (rule, message, addresses, evidence…). */
  q: string;
  /** On a fleet hub: the site that raised it, or 'all' (a gateway's alerts carry no site). */
  site: string;
}

export const NO_FILTER: Readonly<AlertFilter> = Object.freeze({ minSeverity: 'all', rule: 'all', device: '', since: 'all', status: 'all', q: '', site: 'all' });

/** Window lengths in ms. */
export const SINCE_MS: Record<Exclude<SinceWindow, 'all'>, number> = { '15m': 15 * 60_000, '1h': 3600_000, '24h': 86_400_000 };

export function isFiltered(f: AlertFilter): boolean {
  return f.minSeverity !== 'all' || f.rule !== 'all' || f.device.trim() !== '' || f.since !== 'all' || f.status !== 'all' || f.q.trim() !== '' || f.site !== 'all';
}

/** The filter as one predicate; `hostname` resolves a MAC to its hostname for the device filter. */
export function compileFilter(f: AlertFilter, now: number, hostname: (mac: string) => string | null): (e: AlertEntry) => boolean {
  const minRank = f.minSeverity === 'all' ? -1 : severityRank(f.minSeverity);
  const rule = f.rule === 'all' ? null : f.rule;
  const dev = f.device.trim().toLowerCase();
  const from = f.since === 'all' ? null : now - SINCE_MS[f.since];
  const status = f.status;
  const words = f.q.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const site = f.site === 'all' ? null : f.site;
  return (e) => {
    const a = e.alert;
    if (site !== null && a.site !== site) return false;
    if (minRank >= 0 && severityRank(a.severity) < minRank) return false;
    if (rule !== null && a.rule !== rule) return false;
    if (from !== null && !(e.lastMs >= from)) return false;
    if (status !== 'all') {
      const s = a.status ?? 'open';
      if (status === 'unresolved' ? s === 'resolved' : s !== status) return false;
    }
    if (dev !== '') {
      if (a.device === null) return false;
      if (!a.device.includes(dev) && !(hostname(a.device)?.toLowerCase().includes(dev) ?? false)) return false;
    }
    if (words.length > 0) {
      const t = lowerText(e);
      for (const w of words) if (!t.includes(w)) return false;
    }
    return true;
  };
}
