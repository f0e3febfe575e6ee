// The permission table (what each role may do) and the auth error registry (every code has a
// status and a meaning; AuthError carries both).
import { describe, expect, it } from 'vitest';
import { AUTH_ERRORS, AuthError } from '../../gateway/auth/auth-errors.js';
import { AuthLimiter } from '../../gateway/auth/auth-limiter.js';
import { authenticateRequest } from '../../gateway/auth/request-auth.js';
import { can, isRole, PERMISSIONS, ROLES, type Permission } from '../../gateway/auth/roles.js';
import type { TokenInfo } from '../../gateway/auth/token-store.js';

const allowed = (role: (typeof ROLES)[number]): Permission[] => PERMISSIONS.filter((p) => can(role, p));

describe('roles', () => {
  it('gives admin everything, analyst reads and triage, vendor its profiles, device log ingest', () => {
    expect(allowed('admin')).toEqual(PERMISSIONS);
    expect(allowed('analyst').sort()).toEqual(
      ['alerts:read', 'alerts:triage', 'devices:read', 'flows:read', 'logs:read', 'metrics:read', 'posture:read', 'profiles:read', 'stream:read',
        'response:act', 'suppressions:write'].sort(),
    );
    expect(allowed('vendor').sort()).toEqual(['profiles:read', 'profiles:write']);
    expect(allowed('device')).toEqual(['logs:ingest']);
    expect(isRole('vendor')).toBe(true);
    expect(isRole('root')).toBe(false);
    expect(isRole('toString')).toBe(false);
  });
});

describe('auth errors', () => {
  it('documents every code with a status and a message', () => {
    for (const [code, e] of Object.entries(AUTH_ERRORS)) {
      expect(code).toMatch(/^(auth|token)\.[a-z-]+$/);
      expect([400, 401, 403, 404, 429]).toContain(e.status);
      expect(e.message.length).toBeGreaterThan(5);
    }
    const err = new AuthError('token.bad-vendor');
    expect([err.code, err.status]).toEqual(['token.bad-vendor', 400]);
  });
});

describe('authenticateRequest', () => {
  const info: TokenInfo = { id: 'abc', role: 'device', vendor: null, device: null, name: null, createdAt: '', lastUsedAt: null, revokedAt: null };
  const deps = (): { authenticate: (t: string) => TokenInfo | null; limiter: AuthLimiter } => ({
    authenticate: (t) => (t === 'good' ? info : null), limiter: new AuthLimiter({ now: () => 0, maxFailures: 2 }),
  });

  it('checks limiter, query, credential and permission in that order; only refused credentials count', () => {
    const d = deps();
    expect(authenticateRequest({ ip: 'a', authorization: 'Bearer good' }, d, 'logs:ingest')).toMatchObject({ ok: true, token: { id: 'abc' } });
    expect(authenticateRequest({ ip: 'a', authorization: 'Bearer good' }, d, 'alerts:read')).toMatchObject({ ok: false, code: 'auth.forbidden', status: 403 });
    expect(authenticateRequest({ ip: 'a', subprotocols: ['edgeward.v1', 'bearer.good'] }, d)).toMatchObject({ ok: true });
    for (let i = 0; i < 5; i++) expect(authenticateRequest({ ip: 'a' }, d)).toMatchObject({ code: 'auth.missing' });
    expect(authenticateRequest({ ip: 'a', authorization: 'Bearer bad' }, d)).toMatchObject({ code: 'auth.invalid', status: 401 });
    expect(authenticateRequest({ ip: 'a', authorization: 'Bearer good', url: '/x?token=good' }, d)).toMatchObject({ code: 'auth.token-in-query' });
    // 'bad' and 'good' are both ill-shaped (not ew_…), so they share one limiter key: the second
    // failure blocks that key from 'a' (real tokens each have their own, auth-limiter-prefix.test.ts).
    expect(authenticateRequest({ ip: 'a', authorization: 'Bearer bad' }, d)).toMatchObject({ code: 'auth.invalid' });
    expect(authenticateRequest({ ip: 'a', authorization: 'Bearer good' }, d)).toMatchObject({ code: 'auth.rate-limited', status: 429, retryAfterS: 300 });
    expect(authenticateRequest({ ip: 'b', authorization: 'Bearer good' }, d)).toMatchObject({ ok: true });
  });
});
