// `edgeward hub` put together: its SQLite file (sites, alerts, tokens), the NATS connection, the
// durable consumer that fills the store, and the REST API. Start and stop in one place, so the CLI
// and the tests run the same hub.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { connect, Events, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { AuthLimiter } from '../auth/auth-limiter.js';
import { TokenStore } from '../auth/token-store.js';
import type { EventLog } from '../common/event-log.js';
import { packageRoot, packageVersion } from '../common/package-root.js';
import { FLEET_STREAM, FLEET_SUBJECT_ROOT } from '../fleet/fleet-stream.js';
import { HUB_INBOX_PREFIX, readNkeySeed } from '../fleet/nats-server-config.js';
import { timeoutTlsReason } from '../fleet/tls-probe.js';
import { openDatabase, type Db } from '../store/database.js';
import { hubDatabasePath, type HubConfig } from './hub-config.js';
import { HubConsumer } from './hub-consumer.js';
import { HubCommands } from './hub-commands.js';
import type { HubHealth } from './hub-route.js';
import { createHubApp, listenHub } from './hub-server.js';
import { siteViewsOf } from './hub-sites.js';
import { HubStore } from './hub-store.js';
import { HubStream } from './hub-stream.js';

/** The NATS client options of the hub's config (the password is passed, never logged). */
export function hubConnectionOptions(cfg: Readonly<HubConfig>): ConnectionOptions {
  const n = cfg.nats;
  const o: ConnectionOptions = {
    // The hub's own inbox prefix: no site's `_INBOX.<site>.>` subscribe right can reach its replies.
    servers: [...n.servers], name: 'edgeward-hub', user: n.user, inboxPrefix: HUB_INBOX_PREFIX,
    // Keep trying while the server is down: the consumer resumes where its acks stopped.
    maxReconnectAttempts: -1, reconnectTimeWait: 1000,
  };
  if (n.password !== '') o.pass = n.password;
  // NKey: the seed signs the server's nonce; no user name or password is sent.
  if (n.nkeySeedFile !== '') { delete o.user; o.authenticator = nkeyAuthenticator(readNkeySeed(n.nkeySeedFile)); }
  if (n.tlsCaFile !== '' || n.tlsCertFile !== '') {
    o.tls = {};
    if (n.tlsCaFile !== '') o.tls.caFile = n.tlsCaFile;
    if (n.tlsCertFile !== '') { o.tls.certFile = n.tlsCertFile; o.tls.keyFile = n.tlsKeyFile; }
  }
  return o;
}

/** A running hub. */
export class Hub {
  readonly db: Db;
  readonly store: HubStore;
  readonly tokens: TokenStore;
  readonly limiter = new AuthLimiter();
  /** Fleet commands: signed, sent on each site's control subject, acked through the stream. */
  readonly commands: HubCommands;
  private nc: NatsConnection | null = null;
  /** False between a 'disconnect' and a 'reconnect' status of the connection. */
  private connected = false;
  consumer: HubConsumer | null = null;
  private server: Server | null = null;
  /** Handed to the consumer at start: the observer of each committed batch (see HubConsumer.onCommitted). */
  onCommitted: HubConsumer['onCommitted'] = null;
  /** The API's base URL once started (`http://127.0.0.1:8090`). */
  url = '';
  /** The WebSocket stream at /api/v1/stream: every committed change, with its site (hub-stream.ts). */
  readonly stream: HubStream;

  constructor(readonly cfg: Readonly<HubConfig>, private readonly log: EventLog) {
    this.db = openDatabase(hubDatabasePath(cfg));
    // The hub acknowledges a batch once it is committed: the commit must survive a power cut too
    // (WAL with NORMAL may lose the last commits then), or an acknowledged record could be lost.
    // One fsync a batch of up to consumer.batch records.
    this.db.pragma('synchronous = FULL');
    this.store = new HubStore(this.db, { dedupRecords: cfg.consumer.dedupRecords, logRows: cfg.storage.logRows, trafficRows: cfg.storage.trafficRows });
    this.tokens = new TokenStore(this.db);
    this.stream = new HubStream({
      db: this.db, authenticate: (t) => this.tokens.verify(t), limiter: this.limiter, log,
      tokenActive: (id) => this.tokens.get(id)?.revokedAt === null,
      alertJson: (site, id) => this.store.alertJson(site, id),
    });
    this.stream.siteViews = (sites) => siteViewsOf(this.store, sites, Date.now());
    // Events leave only after the batch that made them is committed.
    this.store.observeInTransaction(this.stream.journalBatch);
    this.store.observe(this.stream.onBatch);
    // Acks change commands inside the batch transaction; the stream tells of them after its commit,
    // as the stored state then (a batch rolled back leaves the command as it was).
    const changedCommands = new Set<string>();
    this.commands = new HubCommands({
      db: this.db, config: cfg.commands, knownSites: () => this.store.sites().map((s) => s.site), log,
      onChange: (c) => changedCommands.add(c.id),
    });
    this.store.observe(() => {
      for (const id of changedCommands) {
        const c = this.commands.store.get(id);
        if (c !== null) this.stream.publish('command', c);
      }
      changedCommands.clear();
    });
    // A site's ack is stored in the consumer's batch transaction, like every record.
    this.store.registerKind('ack', (r) => this.commands.onRecord(r));
  }

  /** Connects to NATS, makes the stream and the consumer, starts reading and serving. */
  async start(): Promise<void> {
    let nc: NatsConnection;
    try {
      nc = await connect(hubConnectionOptions(this.cfg));
    } catch (e) {
      // A timeout may be a TLS refusal the client does not report (fleet/tls-probe.ts).
      const n = this.cfg.nats;
      const reason = await timeoutTlsReason(e, n.servers, { ca: n.tlsCaFile, cert: n.tlsCertFile, key: n.tlsKeyFile }, 'nats.tlsCertFile, nats.tlsKeyFile');
      if (reason === null) throw e;
      throw new Error(`${(e as Error).message} (${reason})`, { cause: e });
    }
    this.nc = nc;
    this.connected = true;
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === Events.Disconnect) { this.connected = false; this.log('hub.nats', { status: 'disconnected' }); }
        if (s.type === Events.Reconnect) { this.connected = true; this.log('hub.nats', { status: 'reconnected', server: nc.getServer() }); }
      }
    })();
    this.consumer = await HubConsumer.start(this.nc, this.store, this.cfg.consumer, this.log, this.onCommitted);
    const app = createHubApp({
      store: this.store, tokens: this.tokens, limiter: this.limiter, log: this.log,
      health: () => this.health(), lag: (site, seq) => this.lag(site, seq),
      dashboardDir: this.cfg.api.dashboardDir || join(packageRoot(), 'dashboard', 'dist'),
      commands: this.commands, version: packageVersion(),
    });
    this.commands.start(nc);
    const { server, url } = await listenHub(app, this.cfg.api.host, this.cfg.api.port);
    this.server = server;
    this.stream.attach(server);
    this.url = url;
    this.log('started', { url, nats: this.nc.getServer() });
  }

  /** What GET /api/v1/health answers. */
  health(): HubHealth {
    const connected = this.nc !== null && !this.nc.isClosed() && this.connected;
    return {
      status: connected ? 'ok' : 'degraded',
      nats: { connected, server: this.nc?.getServer() ?? null },
      consumer: { ...(this.consumer?.stats ?? {}) },
      sites: this.store.sites().length,
    };
  }

  /** The site's records in the stream not yet stored: the outbox seq of its last stream record minus the hub's. */
  private async lag(site: string, hubLastSeq: number): Promise<number | null> {
    if (this.consumer === null) return null;
    try {
      const m = await this.consumer.jsm.streams.getMessage(FLEET_STREAM, { last_by_subj: `${FLEET_SUBJECT_ROOT}.${site}.*` });
      const seq = m.json<{ seq?: unknown }>().seq;
      return typeof seq === 'number' ? Math.max(0, seq - hubLastSeq) : null;
    } catch {
      return null;
    }
  }

  /** Stops serving and reading (what is stored is acknowledged first) and closes the database. */
  async stop(): Promise<void> {
    this.commands.stop();
    await this.stream.close();
    if (this.server !== null) {
      const s = this.server;
      this.server = null;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    if (this.consumer !== null) await this.consumer.stop();
    if (this.nc !== null && !this.nc.isClosed()) await this.nc.close();
    if (this.db.open) this.db.close();
  }

  /** What a killed process does (tests): drops the connection without acknowledging what is pending. */
  async kill(): Promise<void> {
    this.commands.stop();
    void this.stream.close(0);
    this.consumer?.abort();
    if (this.server !== null) { this.server.closeAllConnections(); this.server.close(); this.server = null; }
    if (this.nc !== null && !this.nc.isClosed()) await this.nc.close();
    if (this.db.open) this.db.close();
  }
}
