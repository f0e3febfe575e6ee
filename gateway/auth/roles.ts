// Roles of API tokens and the one table that says what each may do. Routes ask `can(role, perm)`;
// scoping (a vendor to its own domain, a device to its own MAC) is the route's job on top of this.

/** The roles a token can carry. */
export type Role = 'admin' | 'analyst' | 'vendor' | 'device';

/** Every role, in order of decreasing power. */
export const ROLES: readonly Role[] = Object.freeze(['admin', 'analyst', 'vendor', 'device']);

/** Permissions checked by the REST routes and the WebSocket upgrade. */
export type Permission =
  | 'alerts:read'
  | 'alerts:triage'
  | 'devices:read'
  | 'flows:read'
  | 'logs:read'
  | 'logs:ingest'
  | 'profiles:read'
  | 'profiles:write'
  | 'tokens:admin'
  | 'stream:read'
  | 'metrics:read'
  | 'posture:read'
  /** Response actions: quarantine a device, block a peer, release them (analyst, admin). */
  | 'response:act'
  /** Suppressions: make and remove them (analyst, admin); reading them needs alerts:read. */
  | 'suppressions:write'
  /** Reading the audit log (admin only: it shows who did what, from where). */
  | 'audit:read'
  /** Starting an exposure audit: logins with default passwords on consenting devices (admin only). */
  | 'exposure:audit';

/** Every permission. */
export const PERMISSIONS: readonly Permission[] = Object.freeze([
  'alerts:read', 'alerts:triage', 'devices:read', 'flows:read', 'logs:read', 'logs:ingest',
  'profiles:read', 'profiles:write', 'tokens:admin', 'stream:read', 'metrics:read', 'posture:read',
  'response:act', 'suppressions:write', 'audit:read', 'exposure:audit',
] as Permission[]);

/**
 * What each role may do. admin: everything. analyst: every read, triage, the stream and metrics —
 * not profile uploads, tokens, the audit log nor an exposure audit. vendor: its profiles only (the route checks the
 * MUD URL's host with vendorOwns). device: posting its own logs, nothing else, so a stolen device
 * token cannot read the network's alerts.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = Object.freeze({
  admin: new Set<Permission>(PERMISSIONS),
  analyst: new Set<Permission>([
    'alerts:read', 'alerts:triage', 'devices:read', 'flows:read', 'logs:read', 'profiles:read', 'stream:read', 'metrics:read', 'posture:read',
    'response:act', 'suppressions:write',
  ]),
  vendor: new Set<Permission>(['profiles:read', 'profiles:write']),
  device: new Set<Permission>(['logs:ingest']),
});

/** Whether `role` is one of {@link ROLES} (input from the CLI or the API). */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether a token of `role` may do `permission`. Unknown roles may do nothing. */
export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role]?.has(permission) ?? false;
}
