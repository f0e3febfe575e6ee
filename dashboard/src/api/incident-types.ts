// The shapes of the incident API (GET /api/v1/incidents, /incidents/:id, the `incident` stream
// topic) and of the response actions an incident lists (GET /api/v1/actions?incident=ID), as the
// incident pages read them (see the README, "Incidents").
import type { Severity } from './api-types';

export type IncidentState = 'open' | 'contained' | 'closed';

export interface IncidentSubject {
  kind: 'device' | 'peer';
  device: string | null;
  peer: string | null;
  name: string | null;
}

export interface IncidentHistoryEntry {
  state: IncidentState;
  by: string;
  at: string;
  note: string | null;
}

/** An incident as listed and streamed (no timeline). */
export interface IncidentSummary {
  id: string;
  /** List order: higher = more recent activity. */
  activity: number;
  subject: IncidentSubject;
  title: string;
  kind: 'mirai-chain' | 'episode';
  severity: Severity;
  state: IncidentState;
  resolution: 'false-positive' | 'resolved' | null;
  firstTs: string;
  lastTs: string;
  alertIds: string[];
  counts: { alerts: number; occurrences: number; logs: number };
  history: IncidentHistoryEntry[];
}

export interface TimelineEntry {
  ts: string;
  kind: 'alert' | 'log' | 'action' | 'state';
  ref: string;
  rule?: string;
  severity?: string;
  text: string;
}

/** GET /api/v1/incidents/:id. `peers`: the external addresses its alerts involve (what "Block peer" offers). */
export interface Incident extends IncidentSummary {
  timeline: TimelineEntry[];
  peers: string[];
}

export interface IncidentPage {
  items: IncidentSummary[];
  total: number;
  next: number | null;
}

/** Stream topic `incident`. */
export interface IncidentChange {
  change: 'new' | 'updated' | 'contained' | 'closed' | 'reopened';
  incident: IncidentSummary;
}

export interface SuggestedSuppression {
  rule: string;
  device: string | null;
  peer: string | null;
  port: number | null;
}

/** A response action (quarantine a device, block a peer), from the actions API. */
export interface ResponseAction {
  id: string;
  kind: 'quarantine' | 'block';
  device: string | null;
  peer: string | null;
  incident: string | null;
  note: string | null;
  state: 'active' | 'released';
  enforced: boolean;
  by: string;
  at: string;
  releasedBy: string | null;
  releasedAt: string | null;
}
