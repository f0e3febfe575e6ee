// The gateway's link to the fleet: connects to NATS (reconnecting for ever, with backoff), and
// publishes the outbox's records to JetStream in seq order, one at a time, each with its record id
// as Nats-Msg-Id; a record leaves the outbox only when its PubAck arrives. While the server is away
// the outbox grows (to its bound) and drains in order when it returns.
import { readFileSync } from 'node:fs';
import { connect, Events, type ConnectionOptions, type JetStreamClient, type NatsConnection } from 'nats';
import type { EventLog } from '../common/event-log.js';
import type { FleetConfig } from './fleet-config.js';
import { redactUrl } from './fleet-config.js';
import { fleetMsgId, fleetSubject } from './fleet-stream.js';
import { siteInboxPrefix } from './nats-server-config.js';
import type { Outbox, OutboxRecord } from './outbox.js';

/** The fleet part of GET /api/v1/health (null there when fleet is off). No secret is ever in it. */
export interface FleetStatus {
  site: string;
  /** The configured server URLs, any user:password part blanked. */
  servers: string[];
  /** Connected to a server now. */
  connected: boolean;
  /** Records waiting in the outbox now. */
  outboxDepth: number;
  /** Records the outbox bound dropped unsent since start. */
  dropped: number;
  /** Records acknowledged by JetStream since start (duplicates included: they are stored once). */
  published: number;
  /** Of those, acknowledged as duplicates (sent before, the ack lost). */
  duplicates: number;
  /** When the last PubAck arrived, ISO-8601; null if none since start. */
  lastAckAt: string | null;
  /** The last connection or publish error (no credentials), or null. */
  lastError: string | null;
  /** When it happened, ISO-8601, or null. */
  lastErrorAt: string | null;
}

/** Link settings. */
export interface FleetLinkOptions {
  config: Readonly<FleetConfig>;
  outbox: Outbox;
  /** fleet.connected, fleet.disconnected, fleet.error. Default silent. */
  log?: EventLog;
  /** How long to wait for a PubAck, ms. Default 5000. */
  ackTimeoutMs?: number;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
}

/** Records read from the outbox at a time. */
const BATCH = 200;
/** First wait after a failed connect or publish, ms; doubled up to MAX_BACKOFF_MS, reset on success. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
/** The client's own reconnect: every server retried after this, ms, plus up to RECONNECT_JITTER_MS. */
const RECONNECT_WAIT_MS = 1000;
const RECONNECT_JITTER_MS = 1000;

/** Connects to NATS and drains the outbox into JetStream. start() once, stop() once. */
export class FleetLink {
  private nc: NatsConnection | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private connected = false;
  private published = 0;
  private duplicates = 0;
  private lastAckMs = -1;
  private lastError: string | null = null;
  private lastErrorMs = -1;
  /** Wakes the sender: a record added, a reconnect, a stop. */
  private wake: (() => void) | null = null;
  private readonly unsubscribe: () => void;
  private readonly log: EventLog;
  private readonly now: () => number;
  private readonly ackTimeoutMs: number;

  constructor(private readonly opts: FleetLinkOptions) {
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
    this.unsubscribe = opts.outbox.onAdd(() => this.poke());
  }

  /** Starts connecting and sending in the background. */
  start(): void {
    if (this.running === null && !this.stopped) this.running = this.run();
  }

  /**
   * Stops sending and closes the connection. After it resolves the link no longer touches the
   * outbox (the database may be closed): a record acknowledged during the stop stays and is sent
   * again at the next start, which JetStream and the hub take as a duplicate.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    this.poke();
    const nc = this.nc;
    this.nc = null;
    if (nc !== null) await nc.close().catch(() => undefined);
    await this.running;
    this.connected = false;
  }

  status(): FleetStatus {
    const iso = (ms: number) => (ms < 0 ? null : new Date(ms).toISOString());
    const c = this.opts.config;
    return {
      site: c.site, servers: c.servers.map(redactUrl), connected: this.connected,
      outboxDepth: this.opts.outbox.depth, dropped: this.opts.outbox.droppedTotal,
      published: this.published, duplicates: this.duplicates, lastAckAt: iso(this.lastAckMs),
      lastError: this.lastError, lastErrorAt: iso(this.lastErrorMs),
    };
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Resolves on the next poke or after `ms`. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.wake = null; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); resolve(); };
    });
  }

  private fail(where: string, err: unknown): void {
    const msg = `${where}: ${(err as Error)?.message ?? String(err)}`;
    this.lastErrorMs = this.now();
    if (msg !== this.lastError) this.log('fleet.error', { error: msg });
    this.lastError = msg;
  }

  /** The client options of the config; the password is read here (a file is read at each connect). */
  private connectOptions(): ConnectionOptions {
    const c = this.opts.config;
    const o: ConnectionOptions = {
      servers: [...c.servers], name: `edgeward-${c.site}`, inboxPrefix: siteInboxPrefix(c.site),
      maxReconnectAttempts: -1, reconnectTimeWait: RECONNECT_WAIT_MS, reconnectJitter: RECONNECT_JITTER_MS,
      reconnectJitterTLS: RECONNECT_JITTER_MS, timeout: 5000, pingInterval: 10_000, maxPingOut: 3,
    };
    if (c.user !== '') {
      o.user = c.user;
      o.pass = c.passwordFile !== '' ? readFileSync(c.passwordFile, 'utf8').replace(/\r?\n$/, '') : c.password;
    }
    const t = c.tls;
    if (t.ca !== '' || t.cert !== '') o.tls = { ...(t.ca !== '' ? { caFile: t.ca } : {}), ...(t.cert !== '' ? { certFile: t.cert, keyFile: t.key } : {}) };
    return o;
  }

  /** Connect, send until the connection closes for good, start again; until stop(). */
  private async run(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    while (!this.stopped) {
      let nc: NatsConnection;
      try {
        nc = await connect(this.connectOptions());
      } catch (e) {
        this.fail('connect', e);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (this.stopped) { await nc.close().catch(() => undefined); break; }
      backoff = FIRST_BACKOFF_MS;
      this.nc = nc;
      this.connected = true;
      this.log('fleet.connected', { server: redactUrl(nc.getServer()) });
      void this.watch(nc);
      const closed = nc.closed().then((err) => {
        if (err) this.fail('connection', err);
        this.connected = false;
        this.poke();
      });
      await this.send(nc);
      await closed;
      this.nc = null;
      if (!this.stopped) await this.pause(backoff);
    }
  }

  /** Follows the client's connection state (it reconnects by itself). */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      const server = typeof s.data === 'string' ? redactUrl(s.data) : null;
      if (s.type === Events.Disconnect) {
        this.connected = false;
        this.log('fleet.disconnected', { server });
      } else if (s.type === Events.Reconnect) {
        this.connected = true;
        this.log('fleet.connected', { server });
        this.poke();
      } else if (s.type === Events.Error) this.fail('server', s.data);
    }
  }

  /**
   * Publishes the outbox in seq order, one record in flight, until the connection closes or stop().
   * A failed publish is retried (the same record, the same Nats-Msg-Id) after a backoff; meanwhile
   * nothing later is sent, so the stream holds a site's records in seq order.
   */
  private async send(nc: NatsConnection): Promise<void> {
    const js: JetStreamClient = nc.jetstream({ timeout: this.ackTimeoutMs });
    const site = this.opts.config.site;
    const outbox = this.opts.outbox;
    let after = 0;
    let backoff = FIRST_BACKOFF_MS;
    while (!this.stopped && !nc.isClosed()) {
      if (!this.connected) { await this.pause(MAX_BACKOFF_MS); continue; }
      const batch = outbox.batch(after, BATCH);
      if (batch.length === 0) { await this.pause(MAX_BACKOFF_MS); continue; }
      for (const r of batch) {
        if (this.stopped || nc.isClosed()) return;
        if (outbox.dropped(r.seq)) { after = r.seq; continue; }
        try {
          const ack = await js.publish(fleetSubject(site, r.kind), envelope(site, r), { msgID: fleetMsgId(site, r.id), timeout: this.ackTimeoutMs });
          if (this.stopped) return;
          outbox.remove(r.seq);
          this.published++;
          if (ack.duplicate) this.duplicates++;
          this.lastAckMs = this.now();
          after = r.seq;
          backoff = FIRST_BACKOFF_MS;
        } catch (e) {
          if (this.stopped) return;
          this.fail('publish', e);
          await this.pause(backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS / 6);
          break;
        }
      }
    }
  }
}

/** The message body: the FleetRecord envelope round the stored data text (not parsed again). */
function envelope(site: string, r: OutboxRecord): string {
  return `{"id":${JSON.stringify(r.id)},"site":${JSON.stringify(site)},"kind":"${r.kind}","seq":${r.seq},"at":"${r.createdAt}","data":${r.body}}`;
}
