// `edgeward fleet nats-config`: writes the nats-server configuration of a fleet (the hub's user and one
// user per site, each allowed only its own subjects) and a password file per user. Run it again with
// more sites: the passwords already in the secrets folder are kept, so only the new sites need theirs.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isSiteId } from '../fleet/fleet-stream.js';
import { HUB_USER, NatsConfigError, renderNatsServerConfig, siteUser, type NatsServerTls } from '../fleet/nats-server-config.js';
import { UsageError, type CliIo } from './cli-io.js';
import { FLEET_NATS_CONFIG_USAGE } from './command-usage.js';

/** A new password: 24 random bytes, base64url (nothing the config format must escape). */
const newPassword = (): string => randomBytes(24).toString('base64url');

/** The password kept in `file`, or a new one written there (mode 0600). Returns it and whether it is new. */
function passwordIn(file: string): { password: string; created: boolean } {
  if (existsSync(file)) {
    const password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    if (password !== '') return { password, created: false };
  }
  const password = newPassword();
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return { password, created: true };
}

/** The server's TLS from --tls-cert, --tls-key, --tls-ca and --tls-verify (absolute paths of files that exist), or undefined without them. */
function tlsOptions(v: { 'tls-cert'?: string; 'tls-key'?: string; 'tls-ca'?: string; 'tls-verify'?: boolean }): NatsServerTls | undefined {
  if (v['tls-cert'] === undefined && v['tls-key'] === undefined) {
    if (v['tls-ca'] !== undefined || v['tls-verify'] === true) throw new UsageError('--tls-ca and --tls-verify need --tls-cert and --tls-key (the server\'s certificate)');
    return undefined;
  }
  if (v['tls-cert'] === undefined || v['tls-key'] === undefined) throw new UsageError('--tls-cert and --tls-key go together');
  if (v['tls-verify'] === true && v['tls-ca'] === undefined) throw new UsageError('--tls-verify needs --tls-ca, the CA the gateways\' client certificates chain to');
  // nats-server reads the files when it starts, from wherever it runs: absolute paths, checked now.
  const file = (p: string, flag: string): string => {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new UsageError(`${flag} ${p}: no such file`);
    return abs;
  };
  return {
    certFile: file(v['tls-cert'], '--tls-cert'), keyFile: file(v['tls-key'], '--tls-key'),
    ...(v['tls-ca'] !== undefined ? { caFile: file(v['tls-ca'], '--tls-ca') } : {}),
    verify: v['tls-verify'] === true,
  };
}

// Async like the other subcommands (main awaits each), though nothing here waits.
// eslint-disable-next-line @typescript-eslint/require-await -- the subcommands' common signature
export async function runFleet(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'nats-config') throw new UsageError(`usage:\n  ${FLEET_NATS_CONFIG_USAGE}`);
  const { values } = parseArgs({
    args: rest, strict: true,
    options: {
      site: { type: 'string', multiple: true }, 'store-dir': { type: 'string' }, secrets: { type: 'string' }, out: { type: 'string' },
      host: { type: 'string' }, port: { type: 'string' }, 'server-name': { type: 'string' },
      'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'tls-ca': { type: 'string' }, 'tls-verify': { type: 'boolean' },
    },
  });
  const sites = values.site ?? [];
  if (sites.length === 0) throw new UsageError('fleet nats-config needs at least one --site');
  for (const s of sites) if (!isSiteId(s)) throw new UsageError(`--site ${JSON.stringify(s)}: a site id is 1–63 of a-z, 0-9 and '-', not starting with '-'`);
  const storeDir = values['store-dir'];
  if (storeDir === undefined || !isAbsolute(storeDir)) throw new UsageError('fleet nats-config needs --store-dir, an absolute path (the JetStream store)');
  if (values.secrets === undefined) throw new UsageError('fleet nats-config needs --secrets DIR (where each user\'s password file is kept)');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new UsageError(`--port ${values.port}: 1–65535`);
  const tls = tlsOptions(values);
  const secrets = resolve(values.secrets);
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const hub = passwordIn(join(secrets, `${HUB_USER}.password`));
  const made: string[] = hub.created ? [HUB_USER] : [];
  const users = sites.map((site) => {
    const p = passwordIn(join(secrets, `${siteUser(site)}.password`));
    if (p.created) made.push(siteUser(site));
    return { site, password: p.password };
  });
  let text: string;
  try {
    text = renderNatsServerConfig({ host: values.host, port, serverName: values['server-name'], storeDir, hubPassword: hub.password, sites: users, tls });
  } catch (e) {
    if (e instanceof NatsConfigError) { io.stderr(`edgeward: ${e.code}: ${e.message}\n`); return 1; }
    throw e;
  }
  if (values.out === undefined) io.stdout(text);
  else writeFileSync(values.out, text, { mode: 0o600 });
  // Names and paths only: the passwords stay in their files.
  io.stderr(`edgeward: nats-server configuration for ${sites.length} site(s)${values.out === undefined ? ' on stdout' : ` in ${values.out} (mode 0600)`}; ` +
    `password files in ${secrets} (${made.length > 0 ? `new: ${made.join(', ')}` : 'all kept'}).\n` +
    `  Each gateway: fleet.user site-<site>, fleet.passwordFile <its file>; the hub: nats.user ${HUB_USER}, EDGEWARD_HUB_NATS_PASSWORD.\n` +
    (tls === undefined
      ? '  No TLS (--tls-cert, --tls-key): keep the client port on loopback or a private link.\n'
      : '  TLS on: gateways and hub connect to tls://HOST:PORT trusting the CA that issued the server\'s certificate (fleet.tls.ca, the hub\'s nats.tlsCaFile)' +
        `${tls.verify === true ? `, each with a client certificate issued by ${tls.caFile ?? ''} (fleet.tls.cert and key, nats.tlsCertFile and tlsKeyFile)` : ''}.\n`));
  return 0;
}
