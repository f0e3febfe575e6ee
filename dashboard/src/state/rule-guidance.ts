// The rules' guidance (GET /api/v1/rules: severity, meaning, what to do), fetched once per signed-in
// client and shared by every view that shows "What to do" (the alert pane, the incident view).
import type { HttpClient } from '../api/http-client';

/** One rule as GET /api/v1/rules lists it (gateway/alerts/rule-guidance.ts). */
export interface RuleInfo {
  id: string;
  severity: string;
  category: string;
  description: string;
  whatToDo: string;
}

const fetched = new WeakMap<HttpClient, Promise<ReadonlyMap<string, RuleInfo>>>();

/** The rules by id, fetched at the first ask of this client; a failed fetch is asked again next time. */
export function ruleGuidance(http: HttpClient): Promise<ReadonlyMap<string, RuleInfo>> {
  let p = fetched.get(http);
  if (p === undefined) {
    p = http.get<{ items: RuleInfo[] }>('/api/v1/rules').then((r) => new Map(r.items.map((i) => [i.id, i])));
    p.catch(() => fetched.delete(http));
    fetched.set(http, p);
  }
  return p;
}
