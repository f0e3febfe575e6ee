// Config section `fleet`: whether and how this gateway sends its records to a SOC over NATS
// JetStream (README "Fleet"). Off by default; all keys fixed at start. Secrets (password, key) are
// read here and by the link only, and never logged or stored.
import { pemFileProblem } from '../common/pem-file.js';
import { readCommandKeys } from './command-signature.js';
import { isSiteId } from './fleet-stream.js';

/** TLS to the NATS servers (config `fleet.tls`): PEM file paths; all empty: no TLS unless a server URL asks for it. */
export interface FleetTlsConfig {
  /** CA bundle the servers' certificates must chain to. Default '' (the system's CAs). */
  ca: string;
  /** Client certificate (mutual TLS). Default ''. */
  cert: string;
  /** Client private key, with `cert`. Default ''. */
  key: string;
}

/** The fleet link (config `fleet`). */
export interface FleetConfig {
  /** Send records to the fleet. Default false: the gateway runs alone, no outbox is written. */
  enabled: boolean;
  /** NATS server URLs (`nats://host:4222`, `tls://host:4222`); the client tries them all. Default none (required when enabled). */
  servers: string[];
  /** This gateway's site id, /^[a-z0-9][a-z0-9-]{0,62}$/: its subjects are `edgeward.<site>.<kind>`. Default '' (required when enabled). */
  site: string;
  /** NATS user (by convention `site-<site>`). Default '' (no user/password authentication). */
  user: string;
  /** NATS password; prefer `passwordFile` or EDGEWARD_FLEET_PASSWORD. Never logged. Default ''. */
  password: string;
  /** File holding the NATS password (trailing newline ignored), read at start. Default ''. */
  passwordFile: string;
  /**
   * File holding this site's NKey seed (`SU…`, from `nsc`/`nk -gen user` or nkeys.js createUser;
   * trailing newline ignored), read at each connect: the site signs the server's challenge with it
   * instead of sending a password (the server knows only the public key, `U…`). Never logged.
   * Default '' (none). Not with user/password.
   */
  nkeySeedFile: string;
  tls: FleetTlsConfig;
  /**
   * Records the outbox holds while the server is unreachable, rows; past it the oldest are dropped
   * and counted (health `fleet.dropped`, event `fleet.outbox_dropped`). Default 100,000.
   */
  outboxMaxRecords: number;
  /**
   * PEM Ed25519 public key files of the hubs allowed to send this site commands (block, quarantine,
   * release on `edgeward.<site>.control`; README "Fleet commands"). Checked at start: each must
   * exist and be an Ed25519 public key. Default none: every command is refused `command.no-key`.
   */
  commandKeys: string[];
}

export const FLEET_TLS_DEFAULTS: Readonly<FleetTlsConfig> = Object.freeze({ ca: '', cert: '', key: '' });
export const FLEET_DEFAULTS: Readonly<FleetConfig> = Object.freeze({
  enabled: false, servers: Object.freeze([]) as unknown as string[], site: '', user: '', password: '', passwordFile: '', nkeySeedFile: '',
  tls: FLEET_TLS_DEFAULTS, outboxMaxRecords: 100_000, commandKeys: Object.freeze([]) as unknown as string[],
});

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks the parts of a raw `fleet` section the flat check of load-config cannot (the nested `tls`,
 * and, when enabled, the site id, the servers and the credentials), pushing problems with their
 * paths. Returns the section with defaults filled, frozen. Key types of the flat keys are checked by
 * the caller; a wrong one here just yields the default.
 */
export function resolveFleet(raw: unknown, problems: string[]): Readonly<FleetConfig> {
  if (!isObj(raw)) return FLEET_DEFAULTS;
  const tls: Record<string, unknown> = { ...FLEET_TLS_DEFAULTS };
  if (raw.tls !== undefined) {
    if (!isObj(raw.tls)) problems.push('fleet.tls: must be an object with ca, cert, key');
    else {
      for (const [k, v] of Object.entries(raw.tls)) {
        if (!(k in FLEET_TLS_DEFAULTS)) problems.push(`fleet.tls.${k}: unknown key (known: ${Object.keys(FLEET_TLS_DEFAULTS).join(', ')})`);
        else if (typeof v !== 'string') problems.push(`fleet.tls.${k}: must be a string (a file path)`);
        else tls[k] = v;
      }
      if ((tls.cert === '') !== (tls.key === '')) problems.push('fleet.tls: cert and key go together');
    }
  }
  const cfg = Object.freeze({ ...FLEET_DEFAULTS, ...raw, tls: Object.freeze(tls) }) as unknown as Readonly<FleetConfig>;
  if (typeof raw.outboxMaxRecords === 'number' && raw.outboxMaxRecords < 1) problems.push('fleet.outboxMaxRecords: must be at least 1');
  // Each command key file must exist and hold an Ed25519 public key (a problem names the file).
  if (Array.isArray(cfg.commandKeys) && cfg.commandKeys.every((k) => typeof k === 'string')) readCommandKeys(cfg.commandKeys, problems);
  if (cfg.enabled !== true) return cfg;
  if (!isSiteId(cfg.site)) problems.push(`fleet.site: must match /^[a-z0-9][a-z0-9-]{0,62}$/ when fleet is enabled (got ${JSON.stringify(cfg.site)})`);
  if (!Array.isArray(cfg.servers) || cfg.servers.length === 0) problems.push('fleet.servers: at least one NATS server URL when fleet is enabled');
  else for (const s of cfg.servers) if (typeof s === 'string' && !/^(nats|tls|ws|wss):\/\/[^\s/]+\/?$|^[^\s:/]+:\d+$/.test(s)) problems.push(`fleet.servers: "${redactUrl(s)}" is not a NATS URL (nats://host:port)`);
  if (cfg.password !== '' && cfg.passwordFile !== '') problems.push('fleet.password and fleet.passwordFile: give one');
  if ((cfg.password !== '' || cfg.passwordFile !== '') && cfg.user === '') problems.push('fleet.user: required with a password');
  if (cfg.nkeySeedFile !== '' && (cfg.user !== '' || cfg.password !== '' || cfg.passwordFile !== '')) problems.push('fleet.nkeySeedFile: an NKey replaces user and password: give one way');
  for (const k of ['ca', 'cert', 'key'] as const) {
    const f = cfg.tls[k];
    const p = typeof f === 'string' && f !== '' ? pemFileProblem(f, `fleet.tls.${k}`) : null;
    if (p !== null) problems.push(p);
  }
  return cfg;
}

/** A server URL with any user:password part blanked, for logs and health. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
