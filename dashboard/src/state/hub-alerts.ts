// A fleet hub's alerts in the dashboard's alert store: the same alert id can come from two sites
// (the same traffic makes the same id), so the store keys them by `<site>/<id>` and keeps the
// site's own id beside it.
import type { Alert } from '../api/api-types';

/** The hub's GET /api/v1/alerts page: `next` is an opaque cursor, and there is no total. */
export interface HubAlertPage {
  items: (Alert & { site: string })[];
  next: string | null;
}

/** The alert as the store holds it on a hub: id `<site>/<id>`, `siteAlertId` the site's id. */
export function siteKeyed(a: Alert & { site: string }): Alert {
  return { ...a, id: `${a.site}/${a.id}`, siteAlertId: a.id };
}
