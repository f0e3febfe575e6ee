// What each role may see and do in the dashboard, mirroring the server's permissions
// (gateway/auth/roles.ts): the server enforces them; this only hides what would be refused.
import type { Role } from './api-types';

export type Page = 'feed' | 'devices' | 'profiles' | 'logs' | 'charts' | 'suppressions' | 'incidents' | 'sites' | 'search' | 'commands';

/** Pages in nav order, with their labels. */
export const PAGES: readonly { page: Page; label: string }[] = [
  { page: 'feed', label: 'Alerts' },
  { page: 'incidents', label: 'Incidents' },
  { page: 'devices', label: 'Devices' },
  { page: 'logs', label: 'Edge logs' },
  { page: 'charts', label: 'Charts' },
  { page: 'profiles', label: 'Profiles' },
  { page: 'suppressions', label: 'Suppressions' },
];

/** A hub's pages in nav order (the sites first: the landing view), with their labels. */
export const HUB_PAGES: readonly { page: Page; label: string }[] = [
  { page: 'sites', label: 'Sites' },
  { page: 'feed', label: 'Alerts' },
  { page: 'devices', label: 'Devices' },
  { page: 'search', label: 'Search' },
  { page: 'commands', label: 'Commands' },
];

const READER_PAGES: readonly Page[] = ['feed', 'devices', 'profiles', 'logs', 'charts', 'suppressions', 'incidents'];

/**
 * An analyst triages, a vendor manages its profiles, an admin sees all. On a hub (`hub`) an admin
 * or analyst sees the site pages; a vendor has nothing there (the hub holds no profiles).
 */
export function pagesFor(role: Role, hub = false): readonly Page[] {
  if (hub) return role === 'admin' || role === 'analyst' ? HUB_PAGES.map((p) => p.page) : [];
  switch (role) {
    case 'admin':
    case 'analyst':
      return READER_PAGES;
    case 'vendor':
      return ['profiles'];
    case 'device':
      return [];
  }
}

/** The page after sign-in. */
export function homePage(role: Role, hub = false): Page {
  return pagesFor(role, hub)[0] ?? (hub ? 'sites' : 'profiles');
}

/** alerts:triage — acknowledge and resolve. */
export const canTriage = (role: Role): boolean => role === 'admin' || role === 'analyst';
/** profiles:write — upload and delete (a vendor only under its own domain). */
export const canWriteProfiles = (role: Role): boolean => role === 'admin' || role === 'vendor';
/** Only an admin may take an unsigned profile (`?allowUnsigned=true`). */
export const canAllowUnsigned = (role: Role): boolean => role === 'admin';
/** suppressions:write — make and remove suppressions. */
export const canSuppress = (role: Role): boolean => role === 'admin' || role === 'analyst';
/** response:act — quarantine a device, block a peer, release either (the incident view). */
export const canRespond = (role: Role): boolean => role === 'admin' || role === 'analyst';
/** exposure:audit — start an exposure audit (logins with the default-password lists, consenting devices only). */
export const canAudit = (role: Role): boolean => role === 'admin';
/** stream:read — the live WebSocket. */
export const canStream = (role: Role): boolean => role === 'admin' || role === 'analyst';
/** devices:read — inventory and detail (also links from profiles to devices). */
export const canReadDevices = (role: Role): boolean => role === 'admin' || role === 'analyst';
