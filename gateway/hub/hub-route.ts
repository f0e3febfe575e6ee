// What the hub's REST routes are given and share (hub-routes.ts lists them): the hub's context, the
// route type over it, and the query helpers of more than one route file.
import type { ParamDoc, Route } from '../server/route.js';
import { ApiError } from '../server/api-errors.js';
import type { HubCommands } from './hub-commands.js';
import type { HubStore } from './hub-store.js';

/** What GET /api/v1/health says (no token needed, nothing secret). */
export interface HubHealth {
  status: 'ok' | 'degraded';
  nats: { connected: boolean; server: string | null };
  consumer: Record<string, unknown>;
  sites: number;
}

/** What the hub's routes read. */
export interface HubContext {
  store: HubStore;
  health: () => HubHealth;
  /**
   * Records of `site` in the stream the hub has not stored yet: the outbox sequence of the site's
   * last record in the stream minus the hub's; null when it cannot be told (NATS down).
   */
  lag: (site: string, hubLastSeq: number) => Promise<number | null>;
  commands: HubCommands;
}

export type HubRoute = Route<HubContext>;

/** A query parameter's fault, as the gateway's API words one. */
export const badQuery = (name: string, message: string): ApiError => new ApiError('request.invalid', `${name}: ${message}`, [{ path: `/query/${name}`, message }]);

/** The `site` filter most routes take. */
export const SITE_PARAM: ParamDoc = Object.freeze({ name: 'site', description: 'Only this site (its id).', type: 'string' });

