// A site as the hub shows it (GET /api/v1/sites and the stream's `site` topic): when it was heard,
// how far the hub is behind it, its alerts by severity, and the state its gateway last reported
// (outbox depth, health) — `silent` when nothing came for SILENT_AFTER_MS.
import type { HubStore, SiteRow } from './hub-store.js';
import type { SiteState } from './hub-traffic.js';

/** A site not heard from for this long is `silent`, ms (3 min: three traffic summaries missed). */
export const SILENT_AFTER_MS = 3 * 60 * 1000;

/** One site of GET /api/v1/sites. */
export interface SiteView {
  site: string;
  firstHeard: string;
  lastHeard: string;
  lastSeq: number;
  lastAt: string | null;
  records: number;
  version: string | null;
  /** The site's records in the stream not yet stored; null when it cannot be told (or in a stream event). */
  lag: number | null;
  /** Alerts by severity. */
  alerts: Record<string, number>;
  /** The gateway's outbox depth in its latest traffic summary; null before one came. */
  outboxDepth: number | null;
  /** `silent` when lastHeard is older than SILENT_AFTER_MS, else the gateway's own word; null before it said one. */
  health: 'ok' | 'degraded' | 'silent' | null;
}

/** The view of one site row. `now` in ms. */
export function siteView(s: SiteRow, counts: Record<string, number> | undefined, state: SiteState | undefined, lag: number | null, now: number): SiteView {
  const heard = Date.parse(s.lastHeard);
  const silent = Number.isFinite(heard) && now - heard > SILENT_AFTER_MS;
  return {
    site: s.site, firstHeard: s.firstHeard, lastHeard: s.lastHeard, lastSeq: s.lastSeq, lastAt: s.lastAt,
    // The envelope's version when a record carried one, else the one the traffic summaries report.
    records: s.records, version: s.version ?? state?.version ?? null, lag, alerts: counts ?? {},
    outboxDepth: state?.outboxDepth ?? null,
    health: silent ? 'silent' : state?.health ?? null,
  };
}

/** The views of some sites (`lag` null: the stream's `site` events), counting only their alerts. */
export function siteViewsOf(store: HubStore, sites: ReadonlySet<string>, now: number): SiteView[] {
  const states = store.siteStates();
  return store.sites().filter((s) => sites.has(s.site)).map((s) => siteView(s, store.alertCountsOf(s.site), states.get(s.site), null, now));
}
