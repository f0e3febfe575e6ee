// /api/v1/rules: every alert rule with its default severity, EVE category, meaning and what an
// analyst should do about it — the one table of gateway/alerts/rule-guidance.ts (the dashboard's
// alert pane and the incident view read it once).
import { ruleCatalog } from '../../alerts/rule-guidance.js';
import type { Route } from '../route.js';

export const ruleRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/rules', permission: 'alerts:read', tag: 'alerts',
    summary: 'Every alert rule, in the order of the rule vocabulary: its default severity, EVE category, what it means and what to do about an alert of it.',
    responses: { 200: '{ items: [{ id, severity, category, description, whatToDo }] }' },
    handle: () => ({ body: { items: ruleCatalog() } }),
  },
];
