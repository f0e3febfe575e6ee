// The response-action part of the daemon's ApiContext: the response layer's calls, with its
// ResponseError codes answered as API registry errors (action.invalid becomes request.invalid).
import type { ApiContext } from '../server/api-context.js';
import { actorName } from '../server/actor-name.js';
import { ApiError } from '../server/api-errors.js';
import { ResponseError } from '../response/response-errors.js';
import type { ResponseActions } from '../response/response-actions.js';

/** A ResponseError as the API's error; anything else unchanged. */
function apiError(e: unknown): unknown {
  if (!(e instanceof ResponseError)) return e;
  if (e.code === 'action.invalid') return new ApiError('request.invalid', e.message, e.details);
  return new ApiError(e.code, e.message);
}

/** The ApiContext members over the daemon's response actions. */
export function actionApi(responses: ResponseActions): Pick<ApiContext, 'actions' | 'action' | 'takeAction' | 'releaseAction'> {
  return {
    actions: (f) => responses.list(f),
    action: (id) => responses.get(id),
    async takeAction(req, meta, by) {
      try {
        return await responses.take(req, { ...meta, by: actorName(by) });
      } catch (e) {
        throw apiError(e);
      }
    },
    async releaseAction(id, by) {
      try {
        return await responses.release(id, actorName(by));
      } catch (e) {
        throw apiError(e);
      }
    },
  };
}
