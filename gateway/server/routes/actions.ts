// /api/v1/actions: response actions taken from an incident — quarantine a LAN device, block an
// external peer (address or CIDR network) — listed, taken and released, each with who and when.
import { ACTION_KINDS, ACTION_STATES } from '../../response/action-store.js';
import { ApiError } from '../api-errors.js';
import { bodyOf } from './body-members.js';
import { QueryReader, type Route } from '../route.js';

const LIST_PARAMS = ['incident', 'state', 'kind', 'device', 'limit'];
const BODY_MEMBERS = ['kind', 'device', 'peer', 'incident', 'note'];

export const actionRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/actions', permission: 'alerts:read', tag: 'actions',
    summary: 'Response actions, newest first.',
    query: [
      { name: 'incident', type: 'string', description: 'Actions taken from this incident.' },
      { name: 'state', type: 'string', enum: ACTION_STATES, description: 'active or released.' },
      { name: 'kind', type: 'string', enum: ACTION_KINDS, description: 'quarantine or block.' },
      { name: 'device', type: 'string', description: 'MAC address of a quarantined device.' },
      { name: 'limit', type: 'integer', description: '1 to 1000, default 100.' },
    ],
    responses: { 200: '{ items: Action[] }' },
    handle(req, ctx) {
      const q = new QueryReader(req.query, LIST_PARAMS);
      const f = { incident: q.string('incident'), state: q.choice('state', ACTION_STATES), kind: q.choice('kind', ACTION_KINDS), device: q.mac('device'), limit: q.int('limit', 1, 1000) };
      q.done();
      return { body: { items: ctx.actions(f) } };
    },
  },
  {
    method: 'get', path: '/api/v1/actions/:id', permission: 'alerts:read', tag: 'actions', summary: 'One response action.',
    responses: { 200: 'Action' }, errors: ['action.not-found'],
    handle(req, ctx) {
      const a = ctx.action(req.params.id ?? '');
      if (a === null) throw new ApiError('action.not-found');
      return { body: a };
    },
  },
  {
    method: 'post', path: '/api/v1/actions', permission: 'response:act', tag: 'actions',
    summary: 'Quarantines a device (gateway services only) or blocks a peer (dropped to and from every device); enforced through nftables in enforce mode, recorded only in monitor mode.',
    body: { types: ['application/json'], description: '{ kind: "quarantine", device: MAC } or { kind: "block", peer: address or CIDR network }, with incident?: id, note?: text' },
    responses: { 201: '{ action }: taken', 200: '{ action }: the same action was already active' },
    errors: ['request.invalid', 'action.emergency'],
    async handle(req, ctx) {
      const { b, problems } = bodyOf(req.body, BODY_MEMBERS);
      const str = (k: string): void => {
        if (b[k] !== undefined && b[k] !== null && typeof b[k] !== 'string') problems.push({ path: `/${k}`, code: 'type', message: 'must be a string' });
      };
      for (const k of BODY_MEMBERS) str(k);
      if (b.kind === 'quarantine') {
        if (typeof b.device !== 'string') problems.push({ path: '/device', code: 'required', message: 'a quarantine needs the device MAC' });
        if (b.peer !== undefined) problems.push({ path: '/peer', code: 'unexpected', message: 'a quarantine takes a device, not a peer' });
      } else if (b.kind === 'block') {
        if (typeof b.peer !== 'string') problems.push({ path: '/peer', code: 'required', message: 'a block needs the peer address or network' });
        if (b.device !== undefined) problems.push({ path: '/device', code: 'unexpected', message: 'a block takes a peer, not a device' });
      } else {
        problems.push({ path: '/kind', code: 'enum', message: 'must be quarantine or block' });
      }
      if (problems.length > 0) throw new ApiError('request.invalid', undefined, problems);
      const action = b.kind === 'quarantine' ? { kind: 'quarantine' as const, device: b.device as string } : { kind: 'block' as const, peer: b.peer as string };
      const r = await ctx.takeAction(action, { incident: b.incident as string | null | undefined, note: b.note as string | null | undefined }, req.auth!);
      return { status: r.created ? 201 : 200, body: { action: r.action } };
    },
  },
  {
    method: 'post', path: '/api/v1/actions/:id/release', permission: 'response:act', tag: 'actions',
    summary: 'Releases an action: the device goes back to its profile, the peer passes again (a released action is answered as it is).',
    responses: { 200: '{ action }' }, errors: ['action.not-found'],
    async handle(req, ctx) {
      return { body: { action: await ctx.releaseAction(req.params.id ?? '', req.auth!) } };
    },
  },
];
