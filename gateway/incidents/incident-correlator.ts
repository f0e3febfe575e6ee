// Groups alerts of one episode into one incident. It hears every new alert and every later change
// of an alert's count (the AlertManager's listener) and every stored edge-log record of a device;
// an alert joins the open incident of its subject (incident-subject.ts) when it comes within
// incidents.gapSeconds of packet time after the incident's last activity, else it opens a new one
// (when it is severe enough). The incident's severity follows its worst alert, its kind and title
// what its alerts show (incident-kind.ts). Analysts move it between open, contained and closed, or
// close it as a false positive, which offers suppressions. Everything is kept in SQLite at once
// (incident-store.ts), so a restarted gateway continues its open incidents.
import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/alert.js';
import { SEVERITIES, type Severity } from '../alerts/rules.js';
import { BoundedTable } from '../common/bounded-table.js';
import { storageGuardOf } from '../store/storage-guard.js';
import type { EventLog } from '../common/event-log.js';
import type { DecodeCounters } from '../common/events.js';
import { iso, isoMicros } from '../common/packet-time.js';
import type { EdgeLogRecord } from '../edge-logs/log-record.js';
import type {
  Incident, IncidentAction, IncidentChange, IncidentFilter, IncidentPage, IncidentState, IncidentSubject, IncidentSummary, SuggestedSuppression,
} from './incident.js';
import { describe, ruleLabel, type KindMember } from './incident-kind.js';
import type { IncidentRow, IncidentStore, MemberRow } from './incident-store.js';
import { isInbound, NOT_EPISODE_RULES, peerOf, subjectOf, type AlertSubject } from './incident-subject.js';
import { buildTimeline } from './incident-timeline.js';
import type { IncidentsConfig } from './incidents-config.js';
import { suggestSuppressions } from './suggested-suppressions.js';

/** Who the history names for what the gateway did by itself (opening an incident). */
export const INCIDENT_SYSTEM_ACTOR = 'edgeward';

/** Characters of an alert message or a log line an incident keeps. */
const MAX_TEXT = 300;
/** External peers an incident's detail lists at most. */
const MAX_PEERS = 20;

/** What the daemon gives the correlator. */
export interface CorrelatorDeps {
  store: IncidentStore;
  /** The LAN device (MAC) holding an address now, or null. */
  resolveDevice: (ip: string) => string | null;
  /** The name an analyst knows a device by (hostname, or vendor and MAC), or null. */
  nameOf: (mac: string) => string | null;
  /** Told of every change (the stream's `incident` topic): a new incident and a state change at once, updates at flush(). */
  publish?: (change: IncidentChange, incident: IncidentSummary) => void;
  /** Told when an incident opens, when its kind, severity or title change, and at each state change (EVE). */
  record?: (change: IncidentChange, incident: IncidentSummary) => void;
  /**
   * The response actions taken for an incident (the response part keeps them, by incident id), for
   * its timeline, in any order. Default: none.
   */
  actions?: (incidentId: string) => readonly IncidentAction[];
  /** Named-event counters (`incident.open_table_full`). */
  counters?: DecodeCounters;
  log?: EventLog;
  /** Wall clock for state changes, epoch ms. Default Date.now. */
  now?: () => number;
}

/** An open incident in memory: enough to decide whether an alert joins it. */
interface OpenEntry {
  id: string;
  firstUs: number;
  lastUs: number;
}

const sevIndex = (s: Severity) => SEVERITIES.indexOf(s);
const cap = (s: string) => (s.length <= MAX_TEXT ? s : `${s.slice(0, MAX_TEXT - 1)}…`);

export class IncidentCorrelator {
  /** Open incidents by subject key, least recently active first; at maxOpen the oldest stops taking alerts. */
  private readonly open: BoundedTable<string, OpenEntry>;
  private readonly gapUs: number;
  private readonly openAt: number;
  private readonly now: () => number;
  /**
   * Incidents changed since the last flush(): each is streamed once a flush however many alerts
   * moved it (bounded by the open incidents, at most one entry each).
   */
  private readonly changed = new Set<string>();

  constructor(private readonly cfg: Readonly<IncidentsConfig>, private readonly deps: CorrelatorDeps) {
    this.gapUs = cfg.gapSeconds * 1e6;
    this.openAt = sevIndex(cfg.openAtSeverity);
    if (this.openAt < 0) throw new RangeError(`incidents.openAtSeverity: must be one of ${SEVERITIES.join(', ')}`);
    this.now = deps.now ?? Date.now;
    this.open = new BoundedTable<string, OpenEntry>({
      name: 'incidents.maxOpen', capacity: cfg.maxOpen, order: 'lru', counters: deps.counters, event: 'incident.open_table_full',
    });
    // A restart continues what was open: the most recently active incidents of each subject, oldest first.
    for (const r of deps.store.notClosed(cfg.maxOpen).reverse()) {
      this.open.set(r.subjectKey, { id: r.id, firstUs: isoMicros(r.firstTs), lastUs: isoMicros(r.lastTs) });
    }
  }

  /** Open incidents held for joining. */
  get openCount(): number {
    return this.open.size;
  }

  /** The AlertManager listener: a new alert, or new occurrences of one. Never throws (an incident fault must not stop alerts). */
  onAlert(a: Alert, isNew: boolean): void {
    if (!this.cfg.enabled || NOT_EPISODE_RULES.has(a.rule)) return;
    try {
      this.deps.store.db.transaction(() => this.take(a, isNew))();
    } catch (e) {
      // A full disk is the storage guard's to count and report (health, metrics); anything else is logged here.
      if (storageGuardOf(this.deps.store.db)?.failure('incidents', e, 1) === true) return;
      this.deps.log?.('incident.error', { alert: a.id, rule: a.rule, error: (e as Error).message });
    }
  }

  /** A stored edge-log record: a device's record of incidents.logSeverityAtMost or worse joins its open incident's timeline. */
  onLog(r: EdgeLogRecord): void {
    if (!this.cfg.enabled || r.device === null || r.seq === undefined || r.severityCode === null || r.severityCode > this.cfg.logSeverityAtMost) return;
    try {
      const e = this.open.peek(`device:${r.device}`);
      if (e === undefined) return;
      const ts = isoMicros(r.receivedAt);
      if (!this.within(e, ts)) return;
      const row = this.deps.store.get(e.id);
      if (row === null || row.state === 'closed') return;
      if (this.addLog(row, r.seq, r.receivedAt, r.severity, r.app, r.message)) {
        this.deps.store.update(row);
        this.changed.add(row.id);
      }
    } catch (e) {
      this.deps.log?.('incident.error', { log: r.seq, error: (e as Error).message });
    }
  }

  /**
   * Streams each incident changed since the last call once (`updated`), as it is now. The daemon
   * calls it after the AlertManager's flush, about once a second.
   */
  flush(): void {
    if (this.changed.size === 0) return;
    const ids = [...this.changed];
    this.changed.clear();
    for (const id of ids) {
      try {
        const row = this.deps.store.get(id);
        if (row !== null) this.deps.publish?.('updated', this.deps.store.summary(row));
      } catch (e) {
        this.deps.log?.('incident.error', { incident: id, error: (e as Error).message });
      }
    }
  }

  /** A page of incidents, most recent activity first. */
  list(f: IncidentFilter): IncidentPage {
    return this.deps.store.query(f);
  }

  /** One incident with its timeline, or null. */
  get(id: string): Incident | null {
    const row = this.deps.store.get(id);
    return row === null ? null : this.detail(row);
  }

  /**
   * Moves an incident to `state`, recording who, when and why; closing resolves it, reopening
   * clears its resolution and lets it take alerts again. The same state again changes nothing.
   * Returns the incident after the change, or null when there is none.
   */
  setState(id: string, state: IncidentState, by: string, note: string | null = null): Incident | null {
    const row = this.deps.store.get(id);
    if (row === null) return null;
    if (row.state === state) return this.detail(row);
    this.deps.store.db.transaction(() => this.changeState(row, state, state === 'closed' ? 'resolved' : null, by, note))();
    return this.detail(row);
  }

  /**
   * Closes an incident as a false positive (also one already closed) and returns the suppressions
   * that would silence its alerts, for the analyst to create. Null when there is no such incident.
   */
  falsePositive(id: string, by: string, note: string | null = null): { incident: Incident; suggestedSuppressions: SuggestedSuppression[] } | null {
    const row = this.deps.store.get(id);
    if (row === null) return null;
    const why = `false positive${note ? `: ${note}` : ''}`;
    if (row.resolution !== 'false-positive') this.deps.store.db.transaction(() => this.changeState(row, 'closed', 'false-positive', by, why))();
    return { incident: this.detail(row), suggestedSuppressions: suggestSuppressions(this.deps.store.members(id)) };
  }

  private detail(row: IncidentRow): Incident {
    const s = this.deps.store;
    const members = s.members(row.id);
    const timeline = buildTimeline(row.subject, members, s.logs(row.id), s.history(row.id), this.deps.actions?.(row.id) ?? []);
    // What a responder may block: the subject peer, then each external end as it came (never a LAN device).
    const peers = new Set<string>(row.subject.peer !== null ? [row.subject.peer] : []);
    for (const m of members) if (m.peer !== null && peers.size < MAX_PEERS && this.deps.resolveDevice(m.peer) === null) peers.add(m.peer);
    return { ...s.summary(row), timeline, peers: [...peers] };
  }

  private changeState(row: IncidentRow, state: IncidentState, resolution: IncidentRow['resolution'], by: string, note: string | null): void {
    row.state = state;
    row.resolution = state === 'closed' ? resolution : null;
    this.deps.store.update(row);
    this.deps.store.addHistory(row.id, { state, by, at: new Date(this.now()).toISOString(), note });
    const held = this.open.peek(row.subjectKey);
    if (state === 'closed') {
      // A closed incident takes nothing more: the subject's next alert opens a new one.
      if (held?.id === row.id) this.open.delete(row.subjectKey);
    } else if (held === undefined || held.lastUs < isoMicros(row.lastTs)) {
      this.open.set(row.subjectKey, { id: row.id, firstUs: isoMicros(row.firstTs), lastUs: isoMicros(row.lastTs) });
    }
    const change: IncidentChange = state === 'open' ? 'reopened' : state;
    // This event carries the incident as it is now: a pending update of it would only repeat it.
    this.changed.delete(row.id);
    const summary = this.deps.store.summary(row);
    this.deps.publish?.(change, summary);
    this.deps.record?.(change, summary);
    this.deps.log?.('incident.state', { id: row.id, state, resolution: row.resolution, by });
  }

  private within(e: OpenEntry, ts: number): boolean {
    return ts <= e.lastUs + this.gapUs && ts >= e.firstUs - this.gapUs;
  }

  private take(a: Alert, isNew: boolean): void {
    if (isNew) {
      this.place(a, isoMicros(a.firstTs), 0, true);
      return;
    }
    const inc = this.deps.store.latestWith(a.id);
    if (inc !== null) {
      const m = this.deps.store.member(inc.id, a.id)!;
      const lastUs = isoMicros(a.lastTs);
      if (inc.state !== 'closed' && lastUs <= isoMicros(inc.lastTs) + this.gapUs) {
        this.bump(inc, m, a);
        return;
      }
      // A recurrence after the episode ended (its gap passed, or it was closed): a new episode.
      if (a.count > m.count) this.place(a, lastUs, m.count, false);
      return;
    }
    // Not in any incident yet (it came before one opened, or below openAtSeverity): its latest occurrence may join one now.
    this.place(a, isoMicros(a.lastTs), Math.max(0, a.count - 1), false);
  }

  /** Joins `a` (occurrences after `base`, from packet time `ts`) to its subject's open incident, or opens one. */
  private place(a: Alert, ts: number, base: number, isNew: boolean): void {
    const subj = subjectOf(a, this.deps.resolveDevice);
    if (subj === null) return;
    const e = this.open.peek(subj.key);
    if (e !== undefined && this.within(e, ts)) {
      const row = this.deps.store.get(e.id);
      if (row !== null && row.state !== 'closed') {
        this.join(row, a, ts, base, isNew);
        return;
      }
    }
    if (sevIndex(a.severity) < this.openAt) return;
    this.openIncident(subj, a, ts, base);
  }

  private openIncident(subj: AlertSubject, a: Alert, ts: number, base: number): void {
    const id = createHash('sha256').update(`incident|${subj.key}|${ts}|${a.id}`).digest('hex').slice(0, 16);
    const subject: IncidentSubject = { kind: subj.kind, device: subj.device, peer: subj.peer, name: subj.device !== null ? this.deps.nameOf(subj.device) : null };
    const at = iso(ts);
    const row: IncidentRow = {
      id, subjectKey: subj.key, subject, title: '', kind: 'episode', severity: a.severity, state: 'open', resolution: null,
      firstTs: at, lastTs: at, alerts: 0, occurrences: 0, logs: 0, activity: this.deps.store.takeActivity(),
    };
    const store = this.deps.store;
    store.insert(row);
    store.addHistory(id, { state: 'open', by: INCIDENT_SYSTEM_ACTOR, at, note: `first alert ${a.rule} (${ruleLabel(a.rule)})` });
    this.open.set(subj.key, { id, firstUs: ts, lastUs: ts });
    this.addMember(row, a, ts, base);
    this.describeRow(row);
    store.update(row);
    const summary = store.summary(row);
    this.deps.publish?.('new', summary);
    this.deps.record?.('new', summary);
    this.deps.log?.('incident.new', { id, subject: subj.key, title: row.title, severity: row.severity });
  }

  private join(row: IncidentRow, a: Alert, ts: number, base: number, isNew: boolean): void {
    const was = { kind: row.kind, severity: row.severity, title: row.title };
    if (row.alerts >= this.cfg.maxAlertsPerIncident) {
      // Past the cap the alert is counted, not listed; its later changes arrive as occurrences of a non-member.
      if (isNew) row.alerts++;
      row.occurrences += isNew ? a.count : 1;
      this.touch(row, a.lastTs);
    } else {
      this.addMember(row, a, ts, base);
      if (row.subject.device !== null) row.subject.name = this.deps.nameOf(row.subject.device) ?? row.subject.name;
      this.describeRow(row);
    }
    row.activity = this.deps.store.takeActivity();
    this.deps.store.update(row);
    this.changed.add(row.id);
    if (was.kind !== row.kind || was.severity !== row.severity || was.title !== row.title) this.deps.record?.('updated', this.deps.store.summary(row));
  }

  /** New occurrences of a member alert. */
  private bump(row: IncidentRow, m: MemberRow, a: Alert): void {
    const delta = a.count - m.count;
    if (delta <= 0 && isoMicros(a.lastTs) <= isoMicros(m.lastTs)) return;
    this.deps.store.updateMember(row.id, a.id, Math.max(a.count, m.count), a.lastTs);
    row.occurrences += Math.max(0, delta);
    this.touch(row, a.lastTs);
    row.activity = this.deps.store.takeActivity();
    this.deps.store.update(row);
    this.changed.add(row.id);
  }

  private addMember(row: IncidentRow, a: Alert, ts: number, base: number): void {
    const first = iso(ts);
    const m: MemberRow = {
      alertId: a.id, joined: row.alerts, rule: a.rule, severity: a.severity, device: a.device, peer: peerOf(a, this.deps.resolveDevice), inbound: isInbound(a),
      dport: a.dport, message: cap(a.message), firstTs: first, lastTs: isoMicros(a.lastTs) > ts ? a.lastTs : first, count: a.count, base,
    };
    if (!this.deps.store.addMember(row.id, m)) return;
    row.alerts++;
    row.occurrences += Math.max(0, a.count - base);
    if (sevIndex(a.severity) > sevIndex(row.severity)) row.severity = a.severity;
    if (ts < isoMicros(row.firstTs)) row.firstTs = first;
    this.touch(row, m.lastTs);
    // The record an edge.error was raised for is part of the timeline too.
    const ev = a.evidence as { logSeq?: unknown; app?: unknown; severity?: unknown; message?: unknown };
    if (a.rule === 'edge.error' && typeof ev.logSeq === 'number') {
      this.addLog(row, ev.logSeq, first, typeof ev.severity === 'string' ? ev.severity : null, typeof ev.app === 'string' ? ev.app : null,
        typeof ev.message === 'string' ? ev.message : a.message);
    }
  }

  /** Adds a log line to the incident's timeline (up to maxLogsPerIncident; past it, counted only). False when it was there already. */
  private addLog(row: IncidentRow, seq: number, ts: string, severity: string | null, app: string | null, message: string): boolean {
    if (row.logs >= this.cfg.maxLogsPerIncident) {
      row.logs++;
      return true;
    }
    if (!this.deps.store.addLog(row.id, { seq, ts, severity, text: cap(`${app ? `${app}: ` : ''}${message}`) })) return false;
    row.logs++;
    return true;
  }

  /** Moves the incident's last activity to `lastTs` when later, in the store row and the open table. */
  private touch(row: IncidentRow, lastTs: string): void {
    const us = isoMicros(lastTs);
    if (us > isoMicros(row.lastTs)) row.lastTs = lastTs;
    const e = this.open.peek(row.subjectKey);
    if (e?.id === row.id) {
      e.lastUs = Math.max(e.lastUs, us);
      this.open.touch(row.subjectKey, e);
    }
  }

  private describeRow(row: IncidentRow): void {
    const members: KindMember[] = this.deps.store.members(row.id).map((m) => ({
      rule: m.rule, severity: m.severity, peer: m.peer, inbound: m.inbound, dport: m.dport, firstUs: isoMicros(m.firstTs),
    }));
    const d = describe(row.subject, members);
    row.kind = d.kind;
    row.title = d.title;
  }
}
