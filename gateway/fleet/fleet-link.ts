// The gateway's link to the fleet: connects to NATS (reconnecting for ever, with backoff), and
// publishes the outbox's records to JetStream in seq order, a window of them in flight, each with
// its record id as Nats-Msg-Id; a record leaves the outbox only when its PubAck arrives. While the server is away
// the outbox grows (to its bound) and drains in order when it returns.
import { readFileSync } from 'node:fs';
import { connect, createInbox, Events, headers, nkeyAuthenticator, type ConnectionOptions, type Msg, type NatsConnection } from 'nats';
import type { EventLog } from '../common/event-log.js';
import { packageVersion } from '../common/package-root.js';
import type { FleetConfig } from './fleet-config.js';
import { redactUrl } from './fleet-config.js';
import { fleetMsgId, fleetSubject } from './fleet-stream.js';
import { readNkeySeed, siteInboxPrefix } from './nats-server-config.js';
import type { Outbox, OutboxRecord } from './outbox.js';
import { timeoutTlsReason } from './tls-probe.js';

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
  /**
   * Called with each new connection, after it is made (the command listener subscribes the site's
   * control subject on it; the client keeps subscriptions across its own reconnects). Default none.
   */
  onConnection?: (nc: NatsConnection) => void;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
}

/** Records read from the outbox at a time. */
const BATCH = 256;
/**
 * Records in flight at most on the connection (published, PubAck not yet back). One in flight
 * gave ~500 records/s a gateway on loopback (a round trip each); 256 lets one gateway fill the
 * hub's batch in one round trip.
 */
const WINDOW = 256;
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
  /** Disconnects seen (watch()): the sender ends its round at each. */
  private disconnects = 0;
  /** Highest seq acknowledged as newly stored since start: a new one below it is out of order. */
  private storedThrough = 0;
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

  private fail(where: string, err: unknown, detail: string | null = null): void {
    const msg = `${where}: ${(err as Error)?.message ?? String(err)}${detail !== null ? ` (${detail})` : ''}`;
    this.lastErrorMs = this.now();
    if (msg !== this.lastError) this.log('fleet.error', { error: msg });
    this.lastError = msg;
  }

  /** The client options of the config; the password or NKey seed is read here (a file is read at each connect). */
  private connectOptions(): ConnectionOptions {
    const c = this.opts.config;
    const o: ConnectionOptions = {
      servers: [...c.servers], name: `edgeward-${c.site}`, inboxPrefix: siteInboxPrefix(c.site),
      maxReconnectAttempts: -1, reconnectTimeWait: RECONNECT_WAIT_MS, reconnectJitter: RECONNECT_JITTER_MS,
      reconnectJitterTLS: RECONNECT_JITTER_MS, timeout: 5000, pingInterval: 10_000, maxPingOut: 3,
      // No stack trace made for every request (each publish is one): it was a third of the
      // link's CPU at 256 in flight; a timed-out publish still fails with its code.
      noAsyncTraces: true,
    };
    if (c.user !== '') {
      o.user = c.user;
      o.pass = c.passwordFile !== '' ? readFileSync(c.passwordFile, 'utf8').replace(/\r?\n$/, '') : c.password;
    }
    // NKey: the seed signs the server's nonce; only the public key and the signature go out.
    if (c.nkeySeedFile !== '') o.authenticator = nkeyAuthenticator(readNkeySeed(c.nkeySeedFile));
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
        // A timeout may be a TLS refusal the client does not report (tls-probe.ts).
        this.fail('connect', e, await timeoutTlsReason(e, this.opts.config.servers, this.opts.config.tls));
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
      this.opts.onConnection?.(nc);
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
        this.disconnects++;
        this.log('fleet.disconnected', { server });
      } else if (s.type === Events.Reconnect) {
        this.connected = true;
        this.log('fleet.connected', { server });
        this.poke();
      } else if (s.type === Events.Error) this.fail('server', s.data);
    }
  }

  /**
   * Publishes the outbox in seq order, up to WINDOW records in flight on this one connection, until
   * it closes or stop(). Acknowledged records leave the outbox together (one transaction a wake).
   *
   * Why the stream still holds a site's records in seq order:
   * - Records are published in seq order on one connection: the client writes them to its socket in
   *   call order, the server reads a connection in order and JetStream stores in arrival order (the
   *   PubAck comes after the store).
   * - A connection that breaks has delivered a prefix of what was written (TCP); the rest is lost,
   *   never delivered later: nothing is published while the link is disconnected (watch() clears
   *   `connected` at the client's Disconnect status), and the client drops its unsent buffer when it
   *   dials again.
   * - On any failure (a publish refused or timed out, a disconnect) nothing more is sent; once every
   *   record in flight has settled, sending starts again from the first record not acknowledged,
   *   with one record in flight until its PubAck (the window then grows by one an ack). The records
   *   sent again that the server had stored are duplicates by Nats-Msg-Id and stored once; the first
   *   it had not stored comes after the last it had: the order holds.
   * - What this cannot order: the server refusing record k and storing k+1 sent right behind it (a
   *   stream that became writable between the two). The window of one after each failure and at each
   *   connection makes that need a change within one round trip; it is detected (a new record
   *   stored below one stored before) and logged as `fleet.out-of-order`.
   */
  private async send(nc: NatsConnection): Promise<void> {
    const site = this.opts.config.site;
    const outbox = this.opts.outbox;
    const ackTimeoutMs = this.ackTimeoutMs;
    /** Highest seq sent in this round (a round ends at a failure, once nothing is in flight). */
    let after = 0;
    /** Records read ahead from the outbox (seq > after), next at `next`. */
    let queue: OutboxRecord[] = [];
    let next = 0;
    /** Records of this round sent and not answered: seq → when sent (ms), in seq order. */
    const inFlight = new Map<number, number>();
    /** Records allowed in flight now: 1 at the start of a round, +1 an ack, up to WINDOW. */
    let limit = 1;
    /** Stop sending: a failure or a disconnect; set until the round is over. */
    let broken = false;
    let failure: Error | null = null;
    let disconnects = this.disconnects;
    let backoff = FIRST_BACKOFF_MS;
    /** Seqs acknowledged, removed from the outbox at the next wake in one transaction. */
    let acked: number[] = [];
    let wakeQueued = false;
    // Many acks arrive in one socket read: wake once after them all (setImmediate), not at each.
    const wakeSoon = (): void => {
      if (wakeQueued) return;
      wakeQueued = true;
      setImmediate(() => { wakeQueued = false; this.poke(); });
    };
    const removeAcked = (): void => {
      if (acked.length === 0) return;
      outbox.removeMany(acked);
      acked = [];
    };
    const failRound = (e: Error): void => {
      if (!broken) { broken = true; failure = e; }
    };
    // PubAcks come to one subscription, `<inbox>.<seq>`: a publish is a plain message with a reply
    // subject, not a client request (no timer, promise and stack trace each: at 256 in flight those
    // were most of the link's CPU). The site's user may read `_INBOX.<site>.>` only.
    const inbox = createInbox(siteInboxPrefix(site));
    const sub = nc.subscribe(`${inbox}.*`, {
      callback: (_err, m) => {
        if (this.stopped || m === undefined || m === null) return;
        const seq = Number(m.subject.slice(inbox.length + 1));
        const current = inFlight.delete(seq);
        const answer = pubAck(m);
        if (answer instanceof Error) {
          if (current) failRound(answer);
        } else {
          // An ack of an earlier round too: the record is stored, it leaves the outbox.
          acked.push(seq);
          this.published++;
          if (answer.duplicate) this.duplicates++;
          else if (seq < this.storedThrough) this.log('fleet.out-of-order', { seq, after: this.storedThrough });
          else this.storedThrough = seq;
          this.lastAckMs = this.now();
          if (current && !broken) { limit = Math.min(WINDOW, limit + 1); backoff = FIRST_BACKOFF_MS; }
        }
        wakeSoon();
      },
    });
    // One header set for every publish: the client encodes it into the message at publish().
    const h = headers();
    const publish = (r: OutboxRecord): void => {
      h.set('Nats-Msg-Id', fleetMsgId(site, r.id));
      // Written to the connection in call order: the server stores in this order.
      nc.publish(fleetSubject(site, r.kind), envelope(site, r), { reply: `${inbox}.${r.seq}`, headers: h });
      inFlight.set(r.seq, Date.now());
      after = r.seq;
    };
    /** Ends the records in flight whose PubAck is overdue; true when one was (the round fails). */
    const expire = (): boolean => {
      const now = Date.now();
      let any = false;
      for (const [seq, sentAt] of inFlight) {
        if (now - sentAt < ackTimeoutMs) break; // seq order is send order: the rest are younger
        inFlight.delete(seq);
        any = true;
      }
      if (any) failRound(new Error(`no PubAck within ${ackTimeoutMs} ms`));
      return any;
    };
    try {
      while (!this.stopped && !nc.isClosed()) {
        removeAcked();
        expire();
        if (!this.connected || this.disconnects !== disconnects) broken = true;
        if (broken) {
          // Wait until every record of the round has settled (acked, refused, or overdue: a
          // record sent on a broken connection is given up ackTimeoutMs after it was sent), then
          // start again from the first record not acknowledged.
          if (inFlight.size > 0 || !this.connected) { await this.pause(Math.min(MAX_BACKOFF_MS, ackTimeoutMs)); continue; }
          if (failure !== null) {
            this.fail('publish', failure);
            await this.pause(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS / 6);
            if (this.stopped || nc.isClosed()) break;
            if (!this.connected) continue;
          }
          removeAcked();
          broken = false;
          failure = null;
          disconnects = this.disconnects;
          after = 0; // from the first record not acknowledged
          queue = [];
          next = 0;
          limit = 1;
        }
        while (inFlight.size < limit) {
          if (next >= queue.length) {
            queue = outbox.batch(after, BATCH);
            next = 0;
            if (queue.length === 0) break;
          }
          const r = queue[next++]!;
          if (outbox.dropped(r.seq)) { after = r.seq; continue; }
          publish(r);
        }
        // Woken by an ack or a refusal (wakeSoon), a new record, a reconnect, stop; or to give
        // up on records whose PubAck is overdue.
        await this.pause(inFlight.size > 0 ? ackTimeoutMs : MAX_BACKOFF_MS);
      }
    } finally {
      if (!nc.isClosed()) sub.unsubscribe();
      // Acks of the last wake; if this fails (the database closed under a stop) they are sent
      // again at the next start and stored once (duplicates).
      try { removeAcked(); } catch { /* see above */ }
    }
  }
}

const UTF8 = new TextDecoder();

/**
 * The answer of JetStream to a publish: its PubAck (`{stream, seq, duplicate?}`), or an Error —
 * a status message (503: no stream takes the subject) or a JetStream error (`{error: {code,
 * description}}`, e.g. storage full).
 */
function pubAck(m: Msg): { duplicate: boolean } | Error {
  if (m.headers?.hasError === true) return new Error(`${m.headers.code} ${m.headers.description || 'no responders: no stream for the subject'}`.trim());
  let a: { stream?: unknown; duplicate?: unknown; error?: { code?: unknown; description?: unknown } };
  try {
    a = JSON.parse(UTF8.decode(m.data)) as typeof a;
  } catch {
    return new Error('PubAck not JSON');
  }
  if (a.error !== undefined) return new Error(`JetStream refused: ${String(a.error.code)} ${String(a.error.description)}`);
  if (typeof a.stream !== 'string' || a.stream === '') return new Error('PubAck without a stream');
  return { duplicate: a.duplicate === true };
}

/** The message body: the FleetRecord envelope round the stored data text (not parsed again). */
function envelope(site: string, r: OutboxRecord): string {
  return `{"id":${JSON.stringify(r.id)},"site":${JSON.stringify(site)},"kind":"${r.kind}","seq":${r.seq},"at":"${r.createdAt}","version":${VERSION},"data":${r.body}}`;
}

/** The gateway's version, as JSON text, in every envelope (the hub's sites page shows it). */
const VERSION = JSON.stringify(packageVersion());
