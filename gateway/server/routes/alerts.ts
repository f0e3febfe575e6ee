// /api/v1/alerts: the alert list with filters and pages (most recent activity first), one alert, its
// status history, and triage (acknowledge, resolve, reopen) recording who, when and an optional note.
import { ALERT_STATUSES, type TriageAction } from '../../alerts/alert-store.js';
import { RULE_IDS, SEVERITIES } from '../../alerts/rules.js';
import { ApiError } from '../api-errors.js';
import { bodyOf, noteOf } from './body-members.js';
import { QueryReader, type ApiRequest, type Route } from '../route.js';
import type { ApiContext } from '../api-context.js';

const LIST_PARAMS = ['rule', 'severity', 'minSeverity', 'device', 'status', 'since', 'until', 'q', 'before', 'after', 'limit'];

/** The optional `{ note }` of a triage request. */
function triageNote(body: unknown): string | null {
  const { b, problems } = bodyOf(body, ['note']);
  const note = noteOf(b, problems);
  if (problems.length > 0) throw new ApiError('request.invalid', undefined, problems);
  return note;
}

function triage(action: TriageAction) {
  return (req: ApiRequest, ctx: ApiContext) => {
    const a = ctx.triage(req.params.id ?? '', action, req.auth!, triageNote(req.body));
    if (a === null) throw new ApiError('alert.not-found');
    return { body: a };
  };
}

const NOTE_BODY = { types: ['application/json'], description: '{ note?: text } (optional body): why, kept in the history', optional: true };

export const alertRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/alerts', permission: 'alerts:read', tag: 'alerts',
    summary: 'Alerts by last occurrence, newest first (cursor `before`: the previous page\'s `next`), or those with an occurrence since activity `after` in the order they had it; with filters.',
    query: [
      { name: 'rule', type: 'string', list: true, enum: RULE_IDS, description: 'Rule ids.' },
      { name: 'severity', type: 'string', list: true, enum: SEVERITIES, description: 'Exact severities.' },
      { name: 'minSeverity', type: 'string', enum: SEVERITIES, description: 'This severity and higher.' },
      { name: 'device', type: 'string', description: 'MAC address of the device.' },
      { name: 'status', type: 'string', list: true, enum: ALERT_STATUSES, description: 'Triage status.' },
      { name: 'since', type: 'string', description: 'ISO-8601: first occurrence at or after.' },
      { name: 'until', type: 'string', description: 'ISO-8601: first occurrence before.' },
      { name: 'q', type: 'string', description: 'Text in the message, addresses or rule.' },
      { name: 'before', type: 'integer', description: 'Cursor: the alerts after this one in the feed (the `next` of the previous page, an activity number).' },
      { name: 'after', type: 'integer', description: 'Alerts with an occurrence since this activity number, in the order they had it (catching up).' },
      { name: 'limit', type: 'integer', description: '1 to 1000, default 100.' },
    ],
    responses: { 200: '{ items: Alert[], total, next }' },
    handle(req, ctx) {
      const q = new QueryReader(req.query, LIST_PARAMS);
      const f = {
        rule: q.list('rule', RULE_IDS), severity: q.list('severity', SEVERITIES), minSeverity: q.choice('minSeverity', SEVERITIES),
        device: q.mac('device'), status: q.list('status', ALERT_STATUSES), since: q.time('since'), until: q.time('until'), q: q.string('q'),
        before: q.int('before', 0, Number.MAX_SAFE_INTEGER), after: q.int('after', 0, Number.MAX_SAFE_INTEGER), limit: q.int('limit', 1, 1000),
      };
      q.done();
      return { body: ctx.alerts(f) };
    },
  },
  {
    method: 'get', path: '/api/v1/alerts/:id', permission: 'alerts:read', tag: 'alerts', summary: 'One alert with its evidence and triage.',
    responses: { 200: 'Alert' }, errors: ['alert.not-found'],
    handle(req, ctx) {
      const a = ctx.alert(req.params.id ?? '');
      if (a === null) throw new ApiError('alert.not-found');
      return { body: a };
    },
  },
  {
    method: 'get', path: '/api/v1/alerts/:id/capture', permission: 'alerts:triage', tag: 'alerts',
    summary: 'The frame the alert was raised on, as a one-packet pcap file (privacy.captureOnAlert; payload bytes, so analysts and admins only).',
    responses: { 200: 'application/vnd.tcpdump.pcap' }, errors: ['alert.not-found', 'alert.no-capture'],
    handle(req, ctx) {
      const id = req.params.id ?? '';
      if (ctx.alert(id) === null) throw new ApiError('alert.not-found');
      const bytes = ctx.alertCapture(id);
      if (bytes === null) throw new ApiError('alert.no-capture');
      return { text: bytes, contentType: 'application/vnd.tcpdump.pcap', headers: { 'content-disposition': `attachment; filename="${id}.pcap"` } };
    },
  },
  {
    method: 'get', path: '/api/v1/alerts/:id/history', permission: 'alerts:read', tag: 'alerts',
    summary: 'Every status change of an alert (acknowledged, resolved, reopened), oldest first, with who, when and the note.',
    responses: { 200: '{ items: { status, by, at, note }[] }' }, errors: ['alert.not-found'],
    handle(req, ctx) {
      const items = ctx.alertHistory(req.params.id ?? '');
      if (items === null) throw new ApiError('alert.not-found');
      return { body: { items } };
    },
  },
  {
    method: 'post', path: '/api/v1/alerts/:id/acknowledge', permission: 'alerts:triage', tag: 'alerts',
    summary: 'Acknowledges an open or reopened alert (who, when and the note go to its history; repeating changes nothing).',
    body: NOTE_BODY, responses: { 200: 'Alert after the change' }, errors: ['alert.not-found', 'request.invalid'],
    handle: triage('acknowledge'),
  },
  {
    method: 'post', path: '/api/v1/alerts/:id/resolve', permission: 'alerts:triage', tag: 'alerts',
    summary: 'Resolves an alert (and acknowledges it if it was not). A new occurrence reopens it.',
    body: NOTE_BODY, responses: { 200: 'Alert after the change' }, errors: ['alert.not-found', 'request.invalid'],
    handle: triage('resolve'),
  },
  {
    method: 'post', path: '/api/v1/alerts/:id/reopen', permission: 'alerts:triage', tag: 'alerts',
    summary: 'Reopens a resolved alert.',
    body: NOTE_BODY, responses: { 200: 'Alert after the change' }, errors: ['alert.not-found', 'request.invalid'],
    handle: triage('reopen'),
  },
];
