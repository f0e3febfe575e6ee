// The nats-server configuration a fleet runs on: what an operator starts next to the hub
// (`nats-server -c edgeward-nats.conf`), rendered from the list of sites so that each gateway's
// NATS user can publish only under its own subjects and read only its own control subject.
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { nkeys } from 'nats';
import { FLEET_SUBJECT_ROOT, controlSubject, isSiteId } from './fleet-stream.js';

/** The hub's NATS user: every right in the account (it makes the stream and its consumers). */
export const HUB_USER = 'hub';

/** The single NATS account holding the fleet's users and its JetStream data. */
export const FLEET_ACCOUNT = 'EDGEWARD';

/**
 * Inbox prefix the hub should connect with (nats option `inboxPrefix`). The underscore can never
 * begin a site id, so no site's `_INBOX.<site>.>` subscribe right can reach the hub's replies.
 */
export const HUB_INBOX_PREFIX = '_INBOX._hub';

/** A site's NATS user name, `site-<site>`. */
export function siteUser(site: string): string {
  return `site-${site}`;
}

/**
 * Inbox prefix a site's gateway must connect with (nats option `inboxPrefix`), `_INBOX.<site>`:
 * its user may subscribe only below it, which is where JetStream sends its PubAcks.
 */
export function siteInboxPrefix(site: string): string {
  return `_INBOX.${site}`;
}

/** What a site's user may do: publish its own records, read its own commands and replies. */
export interface SitePermissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[] };
}

/**
 * The permissions of `site-<site>`: publish `edgeward.<site>.*` except `edgeward.<site>.control`;
 * subscribe `edgeward.<site>.control` and `_INBOX.<site>.>`. No `$JS.API` right: publishing to a
 * stream subject needs none, and the PubAck arrives on the inbox. Nor may the site answer a
 * request on the hub's reply subject (no `allow_responses`): replies to the hub go under its own
 * `edgeward.<site>.…` subjects.
 */
export function sitePermissions(site: string): SitePermissions {
  const control = controlSubject(site); // validates the id
  return {
    publish: { allow: [`${FLEET_SUBJECT_ROOT}.${site}.*`], deny: [control] },
    subscribe: { allow: [control, `${siteInboxPrefix(site)}.>`] },
  };
}

/** Input of {@link renderNatsServerConfig}. */
export interface NatsServerConfigInput {
  /** Address the server listens on for clients (default '0.0.0.0'; '127.0.0.1' for a one-machine test). */
  host?: string;
  /** Client port (default 4222, NATS's registered port). */
  port?: number;
  /** Server name, stable across restarts (JetStream keys its state by it; default 'edgeward-hub'). */
  serverName?: string;
  /** JetStream store directory (absolute path; the server makes `jetstream/` inside it). */
  storeDir: string;
  /** JetStream memory store limit, bytes (default 64 MiB; the fleet stream uses file storage). */
  maxMemoryStore?: number;
  /** JetStream file store limit, bytes (default 10 GiB). Full: publishes are refused, gateways keep their outbox. */
  maxFileStore?: number;
  /**
   * Password of the `hub` user. As for every password here: 1–256 characters, no control characters;
   * one that begins with `$2` is read by nats-server as a bcrypt hash (`nats server passwd` makes one).
   * Give it or `hubNkey`.
   */
  hubPassword?: string;
  /** The hub's NKey public key (`U…`) instead of a password: the hub signs in with its seed (hub config nats.nkeySeedFile). */
  hubNkey?: string;
  /**
   * The sites, each with its user's password or its NKey public key (`U…`, the gateway keeps the
   * seed: fleet.nkeySeedFile); ids match /^[a-z0-9][a-z0-9-]{0,62}$/ and are unique.
   */
  sites: readonly SiteCredential[];
  /** TLS on the client port (every client then speaks TLS); absent: plain TCP, for loopback or a private link only. */
  tls?: NatsServerTls;
}

/**
 * The server's TLS: its certificate and key (PEM files, absolute paths, read by nats-server), and
 * with `verify` the CA whose client certificates it requires (mutual TLS: a gateway then needs its
 * certificate as well as its password or NKey).
 */
export interface NatsServerTls {
  certFile: string;
  keyFile: string;
  /** CA bundle the clients' certificates must chain to; required with `verify`. */
  caFile?: string;
  /** Require and check a client certificate. Default false. */
  verify?: boolean;
}

/**
 * Seconds a client has to finish its TLS handshake. nats-server's default (0.5 s) is short for a
 * gateway behind a slow uplink; a handshake that takes longer is closed and tried again.
 */
export const TLS_HANDSHAKE_SECONDS = 2;

/** How one site signs in: a password (user `site-<site>`), or an NKey (the server knows only its public key). */
export type SiteCredential = { site: string; password: string; nkey?: undefined } | { site: string; nkey: string; password?: undefined };

/** Why a configuration could not be rendered, by stable code. */
export type NatsConfigErrorCode = 'bad_site_id' | 'duplicate_site' | 'bad_password' | 'bad_nkey' | 'bad_port' | 'bad_value';

/** A refused input; `code` says which rule, the message which value. */
export class NatsConfigError extends Error {
  constructor(readonly code: NatsConfigErrorCode, message: string) {
    super(message);
    this.name = 'NatsConfigError';
  }
}

/** NATS's registered client port (IANA 4222): a server's default, and a URL's without a port. */
export const NATS_PORT = 4222;
const DEFAULT_MAX_MEMORY_STORE = 64 * 1024 * 1024;
const DEFAULT_MAX_FILE_STORE = 10 * 1024 * 1024 * 1024;
const MAX_PASSWORD_CHARS = 256;
// C0 controls and DEL: nats-server's quoted strings cannot carry them all, and no operator types them.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * A double-quoted string of nats-server's configuration format. Inside double quotes `\` and `"`
 * are escaped and `$` is literal (a variable is only ever an unquoted `$name`), so a password
 * holding `"`, `\`, `$`, `#` or `{` reaches the server unchanged (tested against nats-server 2.9).
 */
export function quoteConfString(s: string, what: string): string {
  if (CONTROL_CHARS.test(s)) throw new NatsConfigError('bad_value', `${what} holds a control character`);
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function password(p: string, who: string): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PASSWORD_CHARS || CONTROL_CHARS.test(p)) {
    // The message names the user, never the password.
    throw new NatsConfigError('bad_password', `password of ${who}: 1–${MAX_PASSWORD_CHARS} characters, no control characters`);
  }
  return quoteConfString(p, `password of ${who}`);
}

/** An NKey pair, as nkeys.js makes it (the seed and public key as text bytes / text). */
export interface NkeyPair {
  getPublicKey(): string;
  getSeed(): Uint8Array;
}

/**
 * The typed part of nkeys.js the fleet uses (the `nats` client re-exports the package untyped):
 * make a user or account key pair, or read one from a seed or a public key (throws when invalid).
 */
export const NKEYS = nkeys as {
  createUser(): NkeyPair;
  createAccount(): NkeyPair;
  fromSeed(seed: Uint8Array): NkeyPair;
  fromPublic(key: string): { getPublicKey(): string };
};

/** Whether `key` is an NKey user public key (`U` + 55 base32 characters, checksum right). */
export function isNkeyUserPublicKey(key: string): boolean {
  if (typeof key !== 'string' || !/^U[A-Z2-7]{55}$/.test(key)) return false;
  try {
    NKEYS.fromPublic(key);
    return true;
  } catch {
    return false;
  }
}

/** The user public key, quoted; throws bad_nkey (naming the user, not the key) when it is not one. */
function nkey(key: string, who: string): string {
  if (!isNkeyUserPublicKey(key)) throw new NatsConfigError('bad_nkey', `NKey of ${who}: a user public key (U followed by 55 base32 characters)`);
  return quoteConfString(key, `NKey of ${who}`);
}

/**
 * The NKey seed in `path` (`SU…`, surrounding blanks ignored) as the client's nkeyAuthenticator
 * takes it. Throws when the file does not hold a user seed (the message never holds the seed).
 */
export function readNkeySeed(path: string): Uint8Array {
  const seed = new TextEncoder().encode(readFileSync(path, 'utf8').trim());
  try {
    if (!NKEYS.fromSeed(seed).getPublicKey().startsWith('U')) throw new Error('not a user key');
  } catch {
    throw new NatsConfigError('bad_nkey', `${path}: not an NKey user seed (SU…)`);
  }
  return seed;
}

function byteCount(n: number | undefined, dflt: number, what: string): number {
  const v = n ?? dflt;
  if (!Number.isSafeInteger(v) || v <= 0) throw new NatsConfigError('bad_value', `${what}: a positive whole number of bytes`);
  return v;
}

/** The `tls { … }` block of {@link NatsServerTls}; throws bad_value on a relative path or `verify` without a CA. */
function tlsBlock(t: NatsServerTls): string[] {
  const path = (p: string | undefined, what: string): string => {
    if (typeof p !== 'string' || !isAbsolute(p)) throw new NatsConfigError('bad_value', `tls.${what}: an absolute path to a PEM file`);
    return quoteConfString(p, `tls.${what}`);
  };
  if (t.verify === true && t.caFile === undefined) throw new NatsConfigError('bad_value', 'tls.verify: needs tls.caFile, the CA the client certificates chain to');
  return [
    'tls {',
    `  cert_file: ${path(t.certFile, 'certFile')}`,
    `  key_file: ${path(t.keyFile, 'keyFile')}`,
    ...(t.caFile !== undefined ? [`  ca_file: ${path(t.caFile, 'caFile')}`] : []),
    ...(t.verify === true ? ['  verify: true'] : []),
    `  timeout: ${TLS_HANDSHAKE_SECONDS}`,
    '}',
  ];
}

const list = (xs: readonly string[]): string => `[${xs.map((x) => quoteConfString(x, 'subject')).join(', ')}]`;

/**
 * Renders the nats-server (2.9) configuration for a hub and its sites: the client listener (with
 * TLS when given), JetStream with its store and limits, and one account (`EDGEWARD`) with
 * JetStream, the `hub` user (all rights) and a `site-<site>` user per site with
 * {@link sitePermissions} — each by password, or by NKey public key (nats-server's
 * `{ nkey: U…, permissions }`). The text holds the passwords: write it with mode 0600. Throws
 * {@link NatsConfigError} on a bad site id, a repeated site, a bad password, NKey, port, limit or TLS path.
 */
export function renderNatsServerConfig(input: NatsServerConfigInput): string {
  const port = input.port ?? NATS_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NatsConfigError('bad_port', `port ${String(port)}: 1–65535`);
  if (typeof input.storeDir !== 'string' || input.storeDir === '') throw new NatsConfigError('bad_value', 'storeDir: a directory path');
  const seen = new Set<string>();
  // The hub: a password, or an NKey (then it has every right of the account just the same).
  const hubAuth = input.hubNkey !== undefined
    ? `nkey: ${nkey(input.hubNkey, HUB_USER)}`
    : `user: ${quoteConfString(HUB_USER, 'user')}, password: ${password(input.hubPassword ?? '', HUB_USER)}`;
  const users = [`      { ${hubAuth} }`];
  for (const cred of input.sites) {
    const site = cred.site;
    if (!isSiteId(site)) throw new NatsConfigError('bad_site_id', `site id ${JSON.stringify(site)}: /^[a-z0-9][a-z0-9-]{0,62}$/`);
    if (seen.has(site)) throw new NatsConfigError('duplicate_site', `site ${site} listed twice`);
    seen.add(site);
    const p = sitePermissions(site);
    // An NKey user has no name: the key is the identity, and the permissions are the same.
    const auth = cred.nkey !== undefined
      ? `nkey: ${nkey(cred.nkey, siteUser(site))}`
      : `user: ${quoteConfString(siteUser(site), 'user')}, password: ${password(cred.password, siteUser(site))}`;
    users.push([
      `      {`,
      `        ${auth}`,
      `        permissions: {`,
      `          publish: { allow: ${list(p.publish.allow)}, deny: ${list(p.publish.deny)} }`,
      `          subscribe: { allow: ${list(p.subscribe.allow)} }`,
      `        }`,
      `      }`,
    ].join('\n'));
  }
  return [
    '# edgeward fleet: nats-server configuration, rendered by gateway/fleet/nats-server-config.ts.',
    '# It holds passwords: keep it readable by the nats-server user only.',
    `server_name: ${quoteConfString(input.serverName ?? 'edgeward-hub', 'serverName')}`,
    `host: ${quoteConfString(input.host ?? '0.0.0.0', 'host')}`,
    `port: ${port}`,
    ...(input.tls !== undefined ? tlsBlock(input.tls) : []),
    'jetstream {',
    `  store_dir: ${quoteConfString(input.storeDir, 'storeDir')}`,
    `  max_memory_store: ${byteCount(input.maxMemoryStore, DEFAULT_MAX_MEMORY_STORE, 'maxMemoryStore')}`,
    `  max_file_store: ${byteCount(input.maxFileStore, DEFAULT_MAX_FILE_STORE, 'maxFileStore')}`,
    '}',
    'accounts {',
    `  ${FLEET_ACCOUNT} {`,
    '    jetstream: enabled',
    '    users: [',
    ...users,
    '    ]',
    '  }',
    '}',
    '',
  ].join('\n');
}
