// Every REST route, in one list: the app registers it, the OpenAPI document describes it, and the
// auth test walks it.
import type { Route } from './route.js';
import { alertRoutes } from './routes/alerts.js';
import { deviceRoutes } from './routes/devices.js';
import { flowRoutes } from './routes/flows.js';
import { healthRoutes } from './routes/health.js';
import { logRoutes } from './routes/logs.js';
import { profileRoutes } from './routes/profiles.js';
import { statsRoutes } from './routes/stats.js';
import { tokenRoutes } from './routes/tokens.js';
import { actionRoutes } from './routes/actions.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { auditRoutes } from './routes/audit.js';
import { ruleRoutes } from './routes/rules.js';
import { incidentRoutes } from './routes/incidents.js';
import { exposureAuditRoutes } from './routes/exposure-audits.js';

export const ROUTES: readonly Route[] = Object.freeze([
  ...healthRoutes, ...deviceRoutes, ...flowRoutes, ...alertRoutes, ...profileRoutes, ...logRoutes, ...statsRoutes, ...tokenRoutes,
  ...actionRoutes,
  ...suppressionRoutes,
  ...auditRoutes,
  ...ruleRoutes,
  ...incidentRoutes,
  ...exposureAuditRoutes,
]);
