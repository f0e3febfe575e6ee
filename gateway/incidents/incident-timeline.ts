// An incident's timeline, oldest first, from what the store keeps: each alert's first occurrence
// and one line summing up its recurrences (never a line per occurrence), the subject's edge-log
// records, the state changes, and the response actions taken for it. Pure.
import { isoMicros } from '../common/packet-time.js';
import type { IncidentAction, IncidentHistoryEntry, IncidentSubject, TimelineEntry } from './incident.js';
import { ruleLabel } from './incident-kind.js';
import type { LogRow, MemberRow } from './incident-store.js';

/** Lines of the same time in this order: what happened, then what the gateway logged, then what people did. */
const KIND_ORDER: Record<TimelineEntry['kind'], number> = { alert: 0, log: 1, action: 2, state: 3 };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The words of a state change. `first`: the entry that opened the incident. */
function stateText(h: IncidentHistoryEntry, first: boolean): string {
  const verb = h.state === 'open' ? (first ? 'Opened' : 'Reopened') : h.state === 'contained' ? 'Contained' : 'Closed';
  return `${verb} by ${h.by}${h.note ? `: ${h.note}` : ''}`;
}

/** What an action did, in words, naming the subject device by name when it is the one acted on. */
function actionText(a: IncidentAction, subject: IncidentSubject, released: boolean): string {
  const device = a.device !== null && a.device === subject.device && subject.name ? `${subject.name} (${a.device})` : a.device ?? '';
  const what = a.kind === 'quarantine' ? `quarantine of ${device}` : `block of ${a.peer ?? ''}`;
  if (released) return `Released ${what} by ${a.releasedBy ?? 'unknown'}`;
  return `${what[0]!.toUpperCase()}${what.slice(1)} by ${a.by}${a.note ? `: ${a.note}` : ''}`;
}

/** The timeline of one incident. */
export function buildTimeline(subject: IncidentSubject, members: readonly MemberRow[], logs: readonly LogRow[],
  history: readonly IncidentHistoryEntry[], actions: readonly IncidentAction[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const m of members) {
    out.push({ ts: m.firstTs, kind: 'alert', ref: m.alertId, rule: m.rule, severity: m.severity, text: m.message });
    const again = m.count - m.base - 1;
    // One line for every later occurrence, dated by the last one.
    if (again > 0 && m.lastTs !== m.firstTs) {
      out.push({ ts: m.lastTs, kind: 'alert', ref: m.alertId, rule: m.rule, severity: m.severity, text: `${ruleLabel(m.rule)} again: ${plural(again, 'more occurrence')} up to here` });
    }
  }
  for (const l of logs) out.push({ ts: l.ts, kind: 'log', ref: String(l.seq), ...(l.severity !== null ? { severity: l.severity } : {}), text: l.text });
  history.forEach((h, i) => out.push({ ts: h.at, kind: 'state', ref: h.state, text: stateText(h, i === 0) }));
  for (const a of actions) {
    out.push({ ts: a.at, kind: 'action', ref: a.id, text: actionText(a, subject, false) });
    if (a.releasedAt !== null) out.push({ ts: a.releasedAt, kind: 'action', ref: a.id, text: actionText(a, subject, true) });
  }
  // Stable: equal times keep the order above within a kind.
  return out.sort((x, y) => isoMicros(x.ts) - isoMicros(y.ts) || KIND_ORDER[x.kind] - KIND_ORDER[y.kind]);
}
