// Hash routes: #/feed, #/devices, #/devices/<mac>, #/incidents, #/incidents/<id>, #/profiles, #/logs, #/charts. The hash keeps the
// daemon's job to serving one page, and a reload or a shared link lands on the same view. A hub
// adds #/sites, #/search and #/commands.
import type { Page } from './api/role-access';

export type Route =
  | { page: Exclude<Page, 'devices' | 'incidents'> }
  | { page: 'devices'; mac: null }
  | { page: 'devices'; mac: string }
  | { page: 'incidents'; id: string | null };

const PAGE_NAMES: readonly string[] = ['feed', 'devices', 'profiles', 'logs', 'charts', 'suppressions', 'incidents', 'sites', 'search', 'commands'];

/** The route of a hash, or null when it names no page. */
export function parseHash(hash: string): Route | null {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  const page = parts[0];
  if (page === undefined || !PAGE_NAMES.includes(page)) return null;
  if (page === 'devices') {
    if (parts.length > 1) {
      let mac = parts.slice(1).join('/');
      try {
        mac = decodeURIComponent(mac);
      } catch {
        // A malformed escape: use it as typed.
      }
      return { page, mac: mac.toLowerCase() };
    }
    return { page, mac: null };
  }
  // An incident id is 16 hex digits; anything else lands on the list.
  if (page === 'incidents') return { page, id: parts[1] !== undefined && /^[0-9a-f]{16}$/.test(parts[1]) ? parts[1] : null };
  return { page: page as Exclude<Page, 'devices' | 'incidents'> };
}

export function hashOf(route: Route): string {
  if (route.page === 'devices' && route.mac !== null) return `#/devices/${route.mac}`;
  if (route.page === 'incidents' && route.id !== null) return `#/incidents/${route.id}`;
  return `#/${route.page}`;
}

export function incidentHash(id: string): string {
  return `#/incidents/${id}`;
}

export function deviceHash(mac: string): string {
  return `#/devices/${mac}`;
}
