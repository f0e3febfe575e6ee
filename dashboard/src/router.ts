// Hash routes: #/feed, #/devices, #/devices/<mac>, #/profiles, #/logs, #/charts. The hash keeps the
// daemon's job to serving one page, and a reload or a shared link lands on the same view.
import type { Page } from './api/role-access';

export type Route =
  | { page: Exclude<Page, 'devices'> }
  | { page: 'devices'; mac: null }
  | { page: 'devices'; mac: string };

const PAGE_NAMES: readonly string[] = ['feed', 'devices', 'profiles', 'logs', 'charts'];

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
  return { page: page as Exclude<Page, 'devices'> };
}

export function hashOf(route: Route): string {
  if (route.page === 'devices' && route.mac !== null) return `#/devices/${route.mac}`;
  return `#/${route.page}`;
}

export function deviceHash(mac: string): string {
  return `#/devices/${mac}`;
}
