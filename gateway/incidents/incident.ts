// The incident record of issue 17 as the API, the stream and EVE carry it: the alerts, edge-log
// records, state changes and response actions of one episode about one subject (a LAN device, or
// an external peer when no device is involved), with a timeline and a state of its own.
import type { RuleId, Severity } from '../alerts/rules.js';
import type { ResponseAction } from '../response/action-store.js';

/** Where an incident is: being worked on, contained (a response is in place), or closed. */
export type IncidentState = 'open' | 'contained' | 'closed';
export const INCIDENT_STATES: readonly IncidentState[] = ['open', 'contained', 'closed'];

/** Why a closed incident was closed; null while it is not closed. */
export type IncidentResolution = 'false-positive' | 'resolved';

/** What an incident recognised: the Mirai infection chain, or an episode of related alerts. */
export type IncidentKind = 'mirai-chain' | 'episode';

/** Who or what the episode is about. */
export interface IncidentSubject {
  kind: 'device' | 'peer';
  /** MAC of the LAN device (kind device), else null. */
  device: string | null;
  /** The external address (kind peer), else null. */
  peer: string | null;
  /** The device's name as the gateway knows it (hostname, or vendor and MAC), or null. */
  name: string | null;
}

/** One line of the timeline, oldest first. Alerts are summarised: their first occurrence, and one line for their recurrences. */
export interface TimelineEntry {
  /** ISO-8601: packet time for alerts, receive time for logs, wall time for state changes and actions. */
  ts: string;
  kind: 'alert' | 'log' | 'action' | 'state';
  /** Alert id, edge-log seq, action id, or the new state. */
  ref: string;
  rule?: RuleId;
  /** An alert's severity (low … critical), or a log record's syslog severity (emergency … debug). */
  severity?: string;
  text: string;
}

/** One state change: who (token name and id, or `edgeward`), when (wall clock) and why. */
export interface IncidentHistoryEntry {
  state: IncidentState;
  by: string;
  at: string;
  note: string | null;
}

/** An incident as listed (the list and the stream leave the timeline out). */
export interface IncidentSummary {
  id: string;
  /** Place in the list: a store-wide number taken at each change of last activity (higher = more recent). */
  activity: number;
  subject: IncidentSubject;
  title: string;
  kind: IncidentKind;
  /** The worst severity of its alerts. */
  severity: Severity;
  state: IncidentState;
  resolution: IncidentResolution | null;
  /** First and last activity of its alerts, packet time, ISO-8601. */
  firstTs: string;
  lastTs: string;
  /** Its alerts, in the order they joined (listed up to incidents.maxAlertsPerIncident). */
  alertIds: string[];
  counts: {
    /** Alerts that joined (listed or not). */
    alerts: number;
    /** Occurrences of those alerts while they belonged to this incident. */
    occurrences: number;
    /** Edge-log records of the subject that joined its timeline (listed or not). */
    logs: number;
  };
  history: IncidentHistoryEntry[];
}

/** An incident with its timeline (GET /api/v1/incidents/:id). */
export interface Incident extends IncidentSummary {
  timeline: TimelineEntry[];
  /**
   * The external addresses its listed alerts involve (attackers, C&C, loader), in the order they
   * came, at most 20: what a responder may block. A LAN device's address is never one.
   */
  peers: string[];
}

/** Filters of the incident list; every field optional. */
export interface IncidentFilter {
  state?: IncidentState[];
  /** MAC of the subject device. */
  device?: string;
  /** Exact severities. */
  severity?: Severity[];
  /** Cursor: incidents with activity below this (the `next` of the previous page). */
  before?: number;
  /** 1..1000, default 100. */
  limit?: number;
}

/** A page of incidents, most recent activity first. */
export interface IncidentPage {
  items: IncidentSummary[];
  total: number;
  /** Pass as `before` for the next page; null at the end. */
  next: number | null;
}

/** A suppression the analyst may create after a false positive (POST /api/v1/suppressions takes these fields). */
export interface SuggestedSuppression {
  rule: RuleId;
  device: string | null;
  /** The external end of the alert (its attacker or destination), or null. */
  peer: string | null;
  port: number | null;
}

/** What an incident's timeline reads of a response action taken for it (gateway/response/action-store.ts). */
export type IncidentAction = Pick<ResponseAction, 'id' | 'kind' | 'device' | 'peer' | 'note' | 'by' | 'at' | 'releasedBy' | 'releasedAt'>;

/** Stream topic `incident`: `{change, incident}` with the incident's summary. */
export type IncidentChange = 'new' | 'updated' | 'contained' | 'closed' | 'reopened';
