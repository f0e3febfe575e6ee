// The configuration of `edgeward hub` (the SOC side of the fleet): where NATS is and how the hub
// signs in, where its API listens, where its SQLite file lives and how it reads the stream. Its own
// small file (YAML or JSON), checked strictly: no unknown keys, right types, every fault at once.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { pemFileProblem } from '../common/pem-file.js';
import { ConfigError } from '../config/load-config.js';
import { readSigningKey } from '../fleet/command-signature.js';

/** How the hub reaches NATS (config `nats`). */
export interface HubNatsConfig {
  /** Server URLs, tried in turn. Default ['nats://127.0.0.1:4222']. */
  servers: string[];
  /** NATS user of the hub (may use the JetStream API of the account). Default 'hub'. */
  user: string;
  /** Its password; '' = none. Better given as EDGEWARD_HUB_NATS_PASSWORD than in the file. Default ''. */
  password: string;
  /** PEM CA file to verify the server with; '' = the system's CAs (and no TLS unless the URL asks). Default ''. */
  tlsCaFile: string;
  /** PEM client certificate and key for mutual TLS; '' = none. Default ''. */
  tlsCertFile: string;
  tlsKeyFile: string;
  /**
   * File of the hub's NKey seed (`SU…`) to sign in with instead of user and password (the server
   * config holds its public key: renderNatsServerConfig hubNkey). Never logged. Default '' (none).
   */
  nkeySeedFile: string;
}

/** The hub's REST API (config `api`). */
export interface HubApiConfig {
  /** Listen address. Default '127.0.0.1'. */
  host: string;
  /** TCP port; 0 = any free port (tests). Default 8090. */
  port: number;
  /** Built dashboard served at `/` (index.html and assets); '' = the package's dashboard/dist. Default ''. */
  dashboardDir: string;
}

/** The hub's SQLite file (config `storage`). */
export interface HubStorageConfig {
  /** Folder of the hub's state. Default './edgeward-hub-data'. */
  dataDir: string;
  /** SQLite file name inside dataDir (or an absolute path). Default 'hub.sqlite'. */
  database: string;
  /** Edge-log records kept, every site together; the oldest go first (with their search terms). Default 100000. */
  logRows: number;
  /** Per-minute traffic summaries kept, every site together; the oldest go first (with their search terms). Default 100000. */
  trafficRows: number;
}

/** How the hub reads the fleet stream (config `consumer`). */
export interface HubConsumerConfig {
  /**
   * Records stored in one SQLite transaction, then acknowledged. Default 1024 (bench:fleet: ~8 %
   * more records/s than 256; a batch still commits within a few tens of ms).
   */
  batch: number;
  /** A partial batch is stored after this long, ms. Default 50. */
  flushMs: number;
  /**
   * A record delivered but not acknowledged within this is delivered again, ms (the time a
   * restarted hub waits for the batch a killed one held). Default 30000.
   */
  ackWaitMs: number;
  /**
   * Records delivered and not yet acknowledged, at most (JetStream max_ack_pending). Default 4096:
   * several batches, so the server keeps delivering while one is being stored.
   */
  maxAckPending: number;
  /** Record ids remembered to drop a record seen before (the oldest go first). Default 200000. */
  dedupRecords: number;
}

/** Fleet commands from the hub (config `commands`, README "Fleet commands"). */
export interface HubCommandsConfig {
  /**
   * PEM Ed25519 private key the hub signs commands with (the gateways hold its public half in
   * fleet.commandKeys). Default '': the hub sends no command (POST /api/v1/commands answers 503
   * command.no-signing-key).
   */
  signingKeyFile: string;
  /** A site that has not acked is sent the command again after this, ms. Default 5000. */
  resendMs: number;
  /** A command expires this long after it is issued (sites refuse it then; pending sites become expired), s. Default 3600. */
  ttlSeconds: number;
}

/** The whole hub configuration. */
export interface HubConfig {
  nats: Readonly<HubNatsConfig>;
  api: Readonly<HubApiConfig>;
  storage: Readonly<HubStorageConfig>;
  consumer: Readonly<HubConsumerConfig>;
  commands: Readonly<HubCommandsConfig>;
}

/** Defaults of every key (frozen). None of them changes while the hub runs: a change needs a restart. */
export const HUB_DEFAULTS: Readonly<HubConfig> = Object.freeze({
  nats: Object.freeze({ servers: ['nats://127.0.0.1:4222'], user: 'hub', password: '', tlsCaFile: '', tlsCertFile: '', tlsKeyFile: '', nkeySeedFile: '' }),
  api: Object.freeze({ host: '127.0.0.1', port: 8090, dashboardDir: '' }),
  storage: Object.freeze({ dataDir: './edgeward-hub-data', database: 'hub.sqlite', logRows: 100_000, trafficRows: 100_000 }),
  consumer: Object.freeze({ batch: 1024, flushMs: 50, ackWaitMs: 30_000, maxAckPending: 4096, dedupRecords: 200_000 }),
  commands: Object.freeze({ signingKeyFile: '', resendMs: 5000, ttlSeconds: 3600 }),
});

/** Keys that must be whole numbers of at least 1 (the others of number type: at least 0). */
const POSITIVE = new Set(['consumer.batch', 'consumer.ackWaitMs', 'consumer.maxAckPending', 'consumer.dedupRecords', 'storage.logRows', 'storage.trafficRows', 'commands.resendMs', 'commands.ttlSeconds']);

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks a parsed config object; returns the merged, frozen config or throws ConfigError with every fault. */
export function validateHubConfig(raw: unknown, source = 'hub config'): Readonly<HubConfig> {
  if (!isObj(raw)) throw new ConfigError([`${source}: must be an object`]);
  const problems: string[] = [];
  const out: Record<string, Record<string, unknown>> = {};
  for (const key of Object.keys(raw)) if (!(key in HUB_DEFAULTS)) problems.push(`${key}: unknown section (${Object.keys(HUB_DEFAULTS).join(', ')})`);
  for (const [section, defaults] of Object.entries(HUB_DEFAULTS) as [string, Record<string, unknown>][]) {
    const given = raw[section] ?? {};
    out[section] = { ...defaults };
    if (!isObj(given)) { problems.push(`${section}: must be an object`); continue; }
    for (const [k, v] of Object.entries(given)) {
      const path = `${section}.${k}`;
      const dv = defaults[k];
      if (dv === undefined) { problems.push(`${path}: unknown key (${Object.keys(defaults).join(', ')})`); continue; }
      const p = valueProblem(path, dv, v);
      if (p !== null) problems.push(p);
      else out[section]![k] = Array.isArray(v) ? Object.freeze([...(v as string[])]) : v;
    }
  }
  const port = out.api!.port as number;
  if (port > 65535) problems.push('api.port: must be at most 65535');
  if ((out.nats!.servers as string[]).length === 0) problems.push('nats.servers: must list at least one URL');
  if ((out.nats!.tlsCertFile === '') !== (out.nats!.tlsKeyFile === '')) problems.push('nats.tlsCertFile, nats.tlsKeyFile: give both or neither');
  for (const k of ['tlsCaFile', 'tlsCertFile', 'tlsKeyFile']) {
    const f = out.nats![k] as string;
    const p = f !== '' ? pemFileProblem(f, `nats.${k}`) : null;
    if (p !== null) problems.push(p);
  }
  if (out.nats!.nkeySeedFile !== '' && out.nats!.password !== '') problems.push('nats.nkeySeedFile, nats.password: an NKey replaces the password: give one');
  const signingKey = out.commands!.signingKeyFile as string;
  if (signingKey !== '') {
    try { readSigningKey(signingKey); } catch (e) { problems.push(`commands.signingKeyFile: ${(e as Error).message}`); }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Object.freeze(v)]))) as unknown as Readonly<HubConfig>;
}

function valueProblem(path: string, dv: unknown, v: unknown): string | null {
  if (typeof dv === 'number') {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return `${path}: must be a whole number, 0 or more`;
    return POSITIVE.has(path) && v < 1 ? `${path}: must be at least 1` : null;
  }
  if (typeof dv === 'string') return typeof v === 'string' ? null : `${path}: must be a string`;
  if (Array.isArray(dv)) return Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '') ? null : `${path}: must be a list of strings`;
  return `${path}: unsupported`;
}

/**
 * The hub's configuration: the file (YAML or JSON; none = the defaults), then
 * EDGEWARD_HUB_NATS_PASSWORD over `nats.password` so the secret can stay out of the file.
 */
export function loadHubConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Readonly<HubConfig> {
  let raw: unknown = {};
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError([`${path}: ${(e as Error).message}`]);
    }
    try {
      raw = parse(text) ?? {};
    } catch (e) {
      throw new ConfigError([`${path}: not YAML or JSON: ${(e as Error).message.split('\n')[0]}`]);
    }
  }
  const pass = env.EDGEWARD_HUB_NATS_PASSWORD;
  if (pass !== undefined && isObj(raw)) raw = { ...raw, nats: { ...(isObj(raw.nats) ? raw.nats : {}), password: pass } };
  return validateHubConfig(raw, path ?? 'hub config');
}

/** The SQLite file's path: storage.database, under storage.dataDir unless absolute. */
export function hubDatabasePath(cfg: Readonly<HubConfig>): string {
  const db = cfg.storage.database;
  return db === ':memory:' || isAbsolute(db) ? db : join(cfg.storage.dataDir, db);
}
