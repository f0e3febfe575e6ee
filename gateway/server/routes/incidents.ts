// /api/v1/incidents: the incidents the correlator grouped (most recent activity first, filters and
// cursor pages), one incident with its timeline, its state (open, contained, closed) with who, when
// and why, and "false positive", which closes it and answers the suppressions that would silence it.
import { SEVERITIES } from '../../alerts/rules.js';
import { INCIDENT_STATES, type IncidentState } from '../../incidents/incident.js';
import { ApiError } from '../api-errors.js';
import { bodyOf, noteOf } from './body-members.js';
import { QueryReader, type Route } from '../route.js';

const LIST_PARAMS = ['state', 'device', 'severity', 'before', 'limit'];
export const incidentRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/incidents', permission: 'alerts:read', tag: 'incidents',
    summary: 'Incidents (alerts of one episode grouped by the device or peer they are about), most recent activity first, without timelines.',
    query: [
      { name: 'state', type: 'string', list: true, enum: INCIDENT_STATES, description: 'open, contained, closed.' },
      { name: 'device', type: 'string', description: 'MAC address of the subject device.' },
      { name: 'severity', type: 'string', list: true, enum: SEVERITIES, description: 'Exact severities (the worst of each incident\'s alerts).' },
      { name: 'before', type: 'integer', description: 'Cursor: incidents with a lower activity (the `next` of the previous page).' },
      { name: 'limit', type: 'integer', description: '1 to 1000, default 100.' },
    ],
    responses: { 200: '{ items: Incident[] (no timeline), total, next }' },
    handle(req, ctx) {
      const q = new QueryReader(req.query, LIST_PARAMS);
      const f = {
        state: q.list('state', INCIDENT_STATES), device: q.mac('device'), severity: q.list('severity', SEVERITIES),
        before: q.int('before', 0, Number.MAX_SAFE_INTEGER), limit: q.int('limit', 1, 1000),
      };
      q.done();
      return { body: ctx.incidents(f) };
    },
  },
  {
    method: 'get', path: '/api/v1/incidents/:id', permission: 'alerts:read', tag: 'incidents',
    summary: 'One incident with its timeline: each alert\'s first occurrence and its recurrences summed up, the device\'s logs, state changes and response actions.',
    responses: { 200: 'Incident' }, errors: ['incident.not-found'],
    handle(req, ctx) {
      const i = ctx.incident(req.params.id ?? '');
      if (i === null) throw new ApiError('incident.not-found');
      return { body: i };
    },
  },
  {
    method: 'post', path: '/api/v1/incidents/:id/state', permission: 'alerts:triage', tag: 'incidents',
    summary: 'Moves an incident to open, contained or closed (who, when and the note are kept in its history; the same state again changes nothing).',
    body: { types: ['application/json'], description: '{ state: open|contained|closed, note?: text }' },
    responses: { 200: 'Incident after the change' }, errors: ['request.invalid', 'incident.not-found'],
    handle(req, ctx) {
      const { b, problems } = bodyOf(req.body, ['state', 'note']);
      if (!INCIDENT_STATES.includes(b.state as IncidentState)) problems.push({ path: '/state', code: 'enum', message: `must be one of ${INCIDENT_STATES.join(', ')}` });
      const note = noteOf(b, problems);
      if (problems.length > 0) throw new ApiError('request.invalid', undefined, problems);
      const i = ctx.setIncidentState(req.params.id ?? '', b.state as IncidentState, note, req.auth!);
      if (i === null) throw new ApiError('incident.not-found');
      return { body: i };
    },
  },
  {
    method: 'post', path: '/api/v1/incidents/:id/false-positive', permission: 'alerts:triage', tag: 'incidents',
    summary: 'Closes an incident as a false positive and answers the suppressions (rule, device, peer, port) that would silence its alerts; none is created.',
    body: { types: ['application/json'], description: '{ note?: text } (optional body): why', optional: true },
    responses: { 200: '{ incident, suggestedSuppressions: [{ rule, device, peer, port }] }' }, errors: ['request.invalid', 'incident.not-found'],
    handle(req, ctx) {
      const { b, problems } = bodyOf(req.body, ['note']);
      const note = noteOf(b, problems);
      if (problems.length > 0) throw new ApiError('request.invalid', undefined, problems);
      const r = ctx.incidentFalsePositive(req.params.id ?? '', note, req.auth!);
      if (r === null) throw new ApiError('incident.not-found');
      return { body: r };
    },
  },
];
