// Signing in: who a token belongs to (GET /api/v1/whoami, or probing routes on a server without it),
// and where the token is kept — sessionStorage, so it survives a reload but not the tab.
import type { Role, WhoAmI } from './api-types';
import { ApiError, request } from './http-client';

/** A signed-in user. */
export interface Session {
  token: string;
  role: Role;
  tokenId: string | null;
  /** Vendor tokens: the manufacturer domain. */
  vendor: string | null;
  name: string | null;
  /** The server is a fleet hub (GET /api/v1/health says `role: 'hub'`): the site pages are shown. */
  hub: boolean;
}

const STORAGE_KEY = 'edgeward.token';

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage disabled: the session lasts until the page is reloaded.
  }
}

/** Why a token cannot sign in, in words for the sign-in form. */
export class SignInError extends Error {
  constructor(
    message: string,
    /** The gateway was unreachable: the token may be fine, so a stored one is kept. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

function refusal(e: unknown): SignInError {
  if (e instanceof ApiError) {
    if (e.status === 0) return new SignInError('The gateway cannot be reached.', true);
    if (e.status === 401) return new SignInError('This token is not valid (unknown, revoked or mistyped).', false);
    if (e.status === 429) return new SignInError(`Too many failed sign-ins from this address; try again in ${e.retryAfter ?? 300} s.`, false);
    return new SignInError(`The gateway refused the token: ${e.message}`, e.status >= 500);
  }
  return new SignInError(String(e), false);
}

/** Older servers have no /whoami: try one route per role, most powerful first (403 means "not this role"). */
async function probeRole(token: string): Promise<Role> {
  const probes: [Role, string][] = [
    ['admin', '/api/v1/tokens'],
    ['analyst', '/api/v1/alerts?limit=1'],
    ['vendor', '/api/v1/profiles'],
  ];
  for (const [role, path] of probes) {
    try {
      await request(token, 'GET', path);
      return role;
    } catch (e) {
      // 404: the route is not on this server (a hub has no tokens API): not this role either.
      if (!(e instanceof ApiError) || (e.status !== 403 && e.status !== 404)) throw e;
    }
  }
  return 'device';
}

/** Whether the server is a fleet hub: its health (no token needed) says `role: 'hub'`. */
async function isHub(): Promise<boolean> {
  try {
    const r = await fetch('/api/v1/health', { cache: 'no-store' });
    return ((await r.json()) as { role?: unknown }).role === 'hub';
  } catch {
    // Unreachable or not JSON: the sign-in itself says what is wrong; a gateway is the default.
    return false;
  }
}

/** Checks `token` with the gateway. Throws SignInError. */
export async function signIn(token: string): Promise<Session> {
  token = token.trim();
  if (token === '') throw new SignInError('Paste an API token.', false);
  let session: Session;
  const hub = await isHub();
  try {
    const me = await request<WhoAmI>(token, 'GET', '/api/v1/whoami');
    session = { token, role: me.role, tokenId: me.tokenId, vendor: me.vendor, name: me.name, hub };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw refusal(e);
    try {
      session = { token, role: await probeRole(token), tokenId: null, vendor: null, name: null, hub };
    } catch (e2) {
      throw refusal(e2);
    }
  }
  if (session.role === 'device') throw new SignInError('This is a device token: it can only post logs, not open the dashboard.', false);
  // The hub's pages are the SOC's (sites, alerts, devices, search, commands): nothing for a vendor.
  if (hub && session.role !== 'admin' && session.role !== 'analyst') throw new SignInError(`A fleet hub's dashboard is for admin and analyst tokens; this is a ${session.role} token.`, false);
  return session;
}
