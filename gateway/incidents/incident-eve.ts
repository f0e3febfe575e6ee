// Incidents as EVE JSON lines beside the alerts (`event_type: "incident"`), so a SIEM that reads the
// gateway's EVE file sees each incident when it opens, when what it is changes (kind, severity,
// title) and at each state change, with the ids of the alerts it groups.
import type { IncidentChange, IncidentSummary } from './incident.js';

/** The EVE record of an incident after `change`. */
export function eveIncidentRecord(i: IncidentSummary, change: IncidentChange): Record<string, unknown> {
  return {
    timestamp: i.lastTs.replace('Z', '+0000'),
    event_type: 'incident',
    incident: {
      id: i.id, change, title: i.title, kind: i.kind, severity: i.severity, state: i.state, resolution: i.resolution,
      subject: i.subject, first_ts: i.firstTs, last_ts: i.lastTs, alert_ids: i.alertIds, counts: i.counts,
    },
  };
}
