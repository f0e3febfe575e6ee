// The hub's REST routes of fleet commands (contract §2), listed in hub-routes.ts: POST
// /api/v1/commands (202 HubCommand), GET /api/v1/commands (newest first), GET /api/v1/commands/:id.
// Every one needs a token with permission `response:act`.
import { isCommandId } from '../fleet/command-types.js';
import { actorName } from '../server/actor-name.js';
import { ApiError } from '../server/api-errors.js';
import { QueryReader } from '../server/route.js';
import type { HubRoute } from './hub-route.js';

export const commandRoutes: readonly HubRoute[] = [
  {
    method: 'post', path: '/api/v1/commands', permission: 'response:act', tag: 'commands',
    summary: 'Issues a signed response command (block or release a peer, domain or device) to some sites or `all`; each site applies it once and acks through the stream.',
    body: { types: ['application/json'], description: '{action, target, sites: string[] | "all", note?}' },
    responses: { 202: 'The command, every site pending' },
    errors: ['request.invalid', 'request.bad-json', 'request.too-large', 'request.unsupported-type', 'command.no-sites', 'command.no-signing-key'],
    handle: (req, ctx) => {
      const by = req.auth!;
      return { status: 202, body: ctx.commands.issue(req.body, actorName({ name: by.name, tokenId: by.tokenId })) };
    },
  },
  {
    method: 'get', path: '/api/v1/commands', permission: 'response:act', tag: 'commands',
    summary: 'The commands issued, newest first, each with every site\'s answer.',
    query: [{ name: 'limit', description: 'Commands (1–1000, default 100).', type: 'integer' }],
    responses: { 200: '{items: HubCommand[]}' }, errors: ['request.invalid'],
    handle: (req, ctx) => {
      const q = new QueryReader(req.query, ['limit']);
      const limit = q.int('limit', 1, 1000);
      q.done();
      return { body: { items: ctx.commands.store.list(limit ?? 100) } };
    },
  },
  {
    method: 'get', path: '/api/v1/commands/:id', permission: 'response:act', tag: 'commands',
    summary: 'One command and every site\'s answer to it.',
    responses: { 200: 'HubCommand' }, errors: ['command.not-found'],
    handle: (req, ctx) => {
      const id = req.params.id ?? '';
      const c = isCommandId(id) ? ctx.commands.store.get(id) : null;
      if (c === null) throw new ApiError('command.not-found');
      return { body: c };
    },
  },
];
