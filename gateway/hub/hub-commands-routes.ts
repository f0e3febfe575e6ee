// The hub's REST routes of fleet commands (contract §2), registered on the hub's app by hub-server:
// POST /api/v1/commands (202 HubCommand), GET /api/v1/commands (newest first), GET
// /api/v1/commands/:id. Every one needs a token with permission `response:act`.
import express, { type NextFunction, type Request, type Response } from 'express';
import { isCommandId } from '../fleet/command-types.js';
import { actorName } from '../server/actor-name.js';
import { ApiError } from '../server/api-errors.js';
import { QueryReader } from '../server/route.js';
import { hubAuthorize, requestToken, type HubAuthDeps } from './hub-auth.js';
import type { HubCommands } from './hub-commands.js';

/** What the routes use. */
export interface CommandRouteDeps extends HubAuthDeps {
  commands: HubCommands;
}

/** Largest request body, bytes. */
const MAX_BODY = 16 * 1024;

/** JSON body parsing whose faults are the registry's request.* errors (not the hub's 500). */
const jsonBody = (() => {
  const parse = express.json({ limit: MAX_BODY, type: () => true });
  return (req: Request, res: Response, next: NextFunction) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) { next(new ApiError('request.unsupported-type')); return; }
    parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) { next(); return; }
      const t = (err as { type?: string }).type;
      next(new ApiError(t === 'entity.too.large' ? 'request.too-large' : 'request.bad-json'));
    });
  };
})();

/** Adds the command routes to the hub's app (before its /api 404 and error handler). */
export function registerCommandRoutes(app: express.Express, deps: CommandRouteDeps): void {
  // Auth first: an unauthenticated client gets 401 whatever its body.
  const act = hubAuthorize(deps, 'response:act');
  app.post('/api/v1/commands', act, jsonBody, (req, res) => {
    const by = requestToken(res);
    res.status(202).json(deps.commands.issue(req.body, actorName({ name: by.name, tokenId: by.id })));
  });
  app.get('/api/v1/commands', act, (req, res) => {
    const q = new QueryReader(req.query, ['limit']);
    const limit = q.int('limit', 1, 1000);
    q.done();
    res.json({ items: deps.commands.store.list(limit ?? 100) });
  });
  app.get('/api/v1/commands/:id', act, (req, res) => {
    const id = req.params.id ?? '';
    const c = isCommandId(id) ? deps.commands.store.get(id) : null;
    if (c === null) throw new ApiError('command.not-found');
    res.json(c);
  });
}
