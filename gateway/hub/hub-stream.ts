// The hub's WebSocket stream at /api/v1/stream: the gateway's wire protocol (gateway/server/
// stream-protocol.ts: subprotocol edgeward.v1, bearer token in the upgrade, hello → subscribe →
// live, events, gap, ping/pong, close 4003/4008), so the dashboard's client reads it unchanged.
// Topics are the gateway's (alert, device, incident, log) plus `site` and `command`; every event's
// data carries `site`. Events are made from the store's committed batches. The journal is memory
// only: a client that reconnects is replayed from the last `retain` events, and told of a gap
// (reload through REST) past them or after a hub restart — ids start at the start time in µs, so a
// restarted hub's ids are above the old ones and a resuming client always sees its gap.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AUTH_ERRORS } from '../auth/auth-errors.js';
import type { AuthLimiter } from '../auth/auth-limiter.js';
import { parseSubprotocols, STREAM_SUBPROTOCOL } from '../auth/bearer.js';
import { authenticateRequest } from '../auth/request-auth.js';
import type { TokenInfo } from '../auth/token-store.js';
import type { EventLog } from '../common/event-log.js';
import { CLOSE_CODES, errorFrame, STREAM_ERRORS, STREAM_PATH, type StreamErrorCode } from '../server/stream-protocol.js';
import type { BatchResult, HubChange } from './hub-store.js';

/** What the hub's stream carries. */
export const HUB_TOPICS = Object.freeze(['alert', 'device', 'incident', 'log', 'site', 'command'] as const);

/** One of {@link HUB_TOPICS}. */
export type HubTopic = (typeof HUB_TOPICS)[number];

const isHubTopic = (v: unknown): v is HubTopic => typeof v === 'string' && (HUB_TOPICS as readonly string[]).includes(v);

/** Stream settings. */
export interface HubStreamOptions {
  /** The token's info, or null when unknown or revoked (TokenStore.verify). */
  authenticate: (token: string) => TokenInfo | null;
  /** Failed-auth limiter, shared with the REST API. */
  limiter: AuthLimiter;
  /** Whether the token with this id is still valid; asked each heartbeat (a revoked token is closed with 4003). Default: always. */
  tokenActive: (tokenId: string) => boolean;
  /** Milliseconds between pings; a client that has not answered the previous one is dropped. 0: no timer. Default 30000. */
  heartbeatMs: number;
  /** Bytes a client may leave unread before it is closed with 4008. Default 4 MiB. */
  maxBufferedBytes: number;
  /** Clients at once; more are refused with 503. Default 256. */
  maxClients: number;
  /** Largest client frame, bytes. Default 16 KiB. */
  maxMessageBytes: number;
  /** Events kept in memory for clients that resume; older ones are a gap. Default 10000. */
  retain: number;
  /** Site events are coalesced: at most one per site per this many ms. Default 1000. */
  siteEventMs: number;
  /** Log; token ids, never tokens. Default: silent. */
  log: EventLog;
  /** The client address the limiter counts under. Default: the socket's peer address. */
  clientIp: (req: IncomingMessage) => string;
}

/** Defaults of {@link HubStreamOptions} (the dependencies aside). */
export const HUB_STREAM_DEFAULTS = Object.freeze({
  heartbeatMs: 30_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxClients: 256,
  maxMessageBytes: 16 * 1024,
  retain: 10_000,
  siteEventMs: 1000,
});

interface HubEvent {
  id: number;
  topic: HubTopic;
  frame: string;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };
const TOPIC_MESSAGE = `topics must be a non-empty list of ${HUB_TOPICS.join(', ')}`;

/** The stream event of one committed change: its topic and data (with `site`, the entity's too). */
export function changeEvent(c: HubChange): { topic: HubTopic; data: unknown } {
  const data = { ...(c.data !== null && typeof c.data === 'object' ? c.data as Record<string, unknown> : {}), site: c.site };
  switch (c.kind) {
    case 'alert': return { topic: 'alert', data: { change: c.change, alert: data, site: c.site } };
    case 'device': return { topic: 'device', data: { change: c.change, device: data, site: c.site } };
    case 'incident': return { topic: 'incident', data: { change: c.change, incident: data, site: c.site } };
    case 'log': return { topic: 'log', data };
  }
}

/** One client. */
class HubSession {
  alive = true;
  topics: ReadonlySet<HubTopic> = new Set();
  live = false;
  cursor = 0;
  closing = false;
  constructor(readonly ws: WebSocket, readonly token: TokenInfo, readonly serial: number) {}
}

/** The hub's WebSocket stream. */
export class HubStream {
  private readonly opts: HubStreamOptions;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<HubSession>();
  private readonly attached = new Set<Server>();
  private readonly timer: NodeJS.Timeout | null;
  /** Kept events, oldest first (a ring of `retain`). */
  private readonly ring: (HubEvent | undefined)[];
  private head = 0;
  private size = 0;
  private lastId: number;
  private serial = 0;
  private readonly dirtySites = new Set<string>();
  private siteTimer: NodeJS.Timeout | null = null;
  /** Builds the `site` events of the sites changed since the last ones (the hub's site views). */
  siteViews: ((sites: ReadonlySet<string>) => { site: string }[]) | null = null;
  private readonly counters = { sent: 0, slowClosed: 0, heartbeatClosed: 0, refused: 0 };

  constructor(options: Partial<HubStreamOptions> & Pick<HubStreamOptions, 'authenticate' | 'limiter'>) {
    this.opts = { ...HUB_STREAM_DEFAULTS, log: () => undefined, tokenActive: () => true, clientIp: (req) => req.socket.remoteAddress ?? '', ...options };
    if (!(this.opts.retain >= 1 && this.opts.maxClients >= 1 && this.opts.maxBufferedBytes > 0)) throw new RangeError('hub stream: retain, maxClients, maxBufferedBytes must be positive');
    this.ring = new Array<HubEvent | undefined>(this.opts.retain);
    // Above every id of an earlier run (one event per µs is never reached), so a client resuming
    // with an old id is told of the gap instead of being handed another history's events.
    this.lastId = Date.now() * 1000;
    this.wss = new WebSocketServer({
      noServer: true, clientTracking: false, maxPayload: this.opts.maxMessageBytes, perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(STREAM_SUBPROTOCOL) ? STREAM_SUBPROTOCOL : false),
    });
    this.timer = this.opts.heartbeatMs > 0 ? setInterval(() => this.heartbeat(), this.opts.heartbeatMs) : null;
    this.timer?.unref();
  }

  /** Serves the stream on `server`'s upgrades. */
  attach(server: Server): void {
    if (this.attached.has(server)) return;
    this.attached.add(server);
    server.on('upgrade', this.onUpgrade);
  }

  /** Sends an event to the clients subscribed to its topic (and keeps it for resumes). Returns its id. */
  publish(topic: HubTopic, data: unknown): number {
    const id = ++this.lastId;
    const ev: HubEvent = { id, topic, frame: JSON.stringify({ type: 'event', id, topic, at: new Date().toISOString(), data }) };
    this.ring[(this.head + this.size) % this.ring.length] = ev;
    if (this.size < this.ring.length) this.size++;
    else this.head = (this.head + 1) % this.ring.length;
    for (const s of this.sessions) if (s.live && s.topics.has(topic)) { s.cursor = id; this.send(s, ev.frame); }
    return id;
  }

  /** The store's observer: one event per changed row, in stream order; the sites changed get a `site` event within siteEventMs. */
  readonly onBatch = (result: BatchResult): void => {
    for (const c of result.changed) {
      const e = changeEvent(c);
      this.publish(e.topic, e.data);
    }
    for (const s of result.sites) this.dirtySites.add(s);
    if (this.dirtySites.size > 0 && this.siteTimer === null) {
      this.siteTimer = setTimeout(() => this.flushSites(), this.opts.siteEventMs);
      this.siteTimer.unref();
    }
  };

  private flushSites(): void {
    this.siteTimer = null;
    const sites = new Set(this.dirtySites);
    this.dirtySites.clear();
    // No client: no snapshot worth counting alerts for (one that connects later reads /api/v1/sites).
    if (this.siteViews === null || sites.size === 0 || this.sessions.size === 0) return;
    for (const v of this.siteViews(sites)) this.publish('site', v);
  }

  /** Drops clients that did not answer the last ping, closes revoked tokens (4003), pings the rest. */
  heartbeat(): void {
    for (const s of this.sessions) {
      if (!this.opts.tokenActive(s.token.id)) { this.closeSession(s, CLOSE_CODES['token-revoked'], 'token-revoked'); continue; }
      if (!s.alive) {
        this.counters.heartbeatClosed++;
        s.closing = true;
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }

  /** Counters and clients now. */
  stats(): { clients: number; lastId: number; kept: number; sent: number; slowClosed: number; heartbeatClosed: number; refused: number } {
    return { clients: this.sessions.size, lastId: this.lastId, kept: this.size, ...this.counters };
  }

  /** Stops: detaches, closes every client with 1001 (terminating those that linger past graceMs). */
  async close(graceMs = 2000): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.siteTimer !== null) { clearTimeout(this.siteTimer); this.siteTimer = null; }
    for (const server of this.attached) server.off('upgrade', this.onUpgrade);
    this.attached.clear();
    const gone = [...this.sessions].map((s) => new Promise<void>((resolve) => {
      if (s.ws.readyState === s.ws.CLOSED) return resolve();
      s.ws.once('close', () => resolve());
      this.closeSession(s, CLOSE_CODES['going-away'], 'going-away');
    }));
    const grace = setTimeout(() => { for (const s of this.sessions) s.ws.terminate(); }, graceMs);
    await Promise.all(gone);
    clearTimeout(grace);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private oldestId(): number {
    return this.size === 0 ? this.lastId + 1 : this.ring[this.head]!.id;
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== STREAM_PATH) return this.refuse(socket, 404, 'stream.not-found');
    const ip = this.opts.clientIp(req);
    const subprotocols = parseSubprotocols(req.headers['sec-websocket-protocol']);
    const auth = authenticateRequest({ ip, authorization: req.headers.authorization, subprotocols, url: req.url },
      { authenticate: this.opts.authenticate, limiter: this.opts.limiter }, 'stream:read');
    if (!auth.ok) {
      if (auth.code !== 'auth.rate-limited') this.opts.log('stream.refused', { ip, code: auth.code, status: auth.status });
      return this.refuse(socket, auth.status, auth.code, auth.retryAfterS);
    }
    if (subprotocols.length > 0 && !subprotocols.includes(STREAM_SUBPROTOCOL)) return this.refuse(socket, 400, 'stream.bad-protocol');
    if (this.sessions.size >= this.opts.maxClients) return this.refuse(socket, 503, 'stream.too-many-clients');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, auth.token));
  };

  private onConnection(ws: WebSocket, token: TokenInfo): void {
    const s = new HubSession(ws, token, ++this.serial);
    this.sessions.add(s);
    this.opts.log('stream.connect', { client: s.serial, token: token.id, role: token.role });
    ws.on('pong', () => { s.alive = true; });
    ws.on('message', (data, isBinary) => this.onMessage(s, data, isBinary));
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      s.closing = true;
      this.sessions.delete(s);
      this.opts.log('stream.disconnect', { client: s.serial, token: token.id, code });
    });
    this.send(s, JSON.stringify({ type: 'hello', lastId: this.lastId, oldestId: this.oldestId() }));
  }

  private onMessage(s: HubSession, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (isBinary) return void this.send(s, errorFrame('stream.bad-message'));
    let m: unknown;
    try {
      m = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
    } catch {
      return void this.send(s, errorFrame('stream.bad-json'));
    }
    if (m === null || typeof m !== 'object' || Array.isArray(m) || typeof (m as { type?: unknown }).type !== 'string') return void this.send(s, errorFrame('stream.bad-message'));
    const msg = m as Record<string, unknown>;
    if (msg.type === 'ping') return void this.send(s, '{"type":"pong"}');
    if (msg.type !== 'subscribe') return void this.send(s, errorFrame('stream.unknown-type'));
    let topics: HubTopic[] = [...HUB_TOPICS];
    if (msg.topics !== undefined) {
      if (!Array.isArray(msg.topics) || msg.topics.length === 0 || !msg.topics.every(isHubTopic)) return void this.send(s, errorFrame('stream.unknown-topic', TOPIC_MESSAGE));
      topics = [...new Set(msg.topics)];
    }
    let since: number | null = null;
    if (msg.since !== undefined && msg.since !== null) {
      if (typeof msg.since !== 'number' || !Number.isSafeInteger(msg.since) || msg.since < 0 || msg.since > this.lastId) return void this.send(s, errorFrame('stream.bad-since'));
      since = msg.since;
    }
    s.topics = new Set(topics);
    s.cursor = since ?? this.lastId;
    // Replay what is kept after `since` (synchronous: no publish slips in between), a gap for what is not.
    const oldest = this.oldestId();
    if (s.cursor < oldest - 1) {
      this.send(s, JSON.stringify({ type: 'gap', from: s.cursor + 1, to: oldest - 1 }));
      s.cursor = oldest - 1;
    }
    for (let i = 0; i < this.size && since !== null; i++) {
      const ev = this.ring[(this.head + i) % this.ring.length]!;
      if (ev.id <= s.cursor || !s.topics.has(ev.topic)) continue;
      if (!this.send(s, ev.frame)) return;
    }
    s.cursor = this.lastId;
    s.live = true;
    this.send(s, JSON.stringify({ type: 'live', topics, lastId: this.lastId }));
  }

  /** The one send path: closes a client that leaves more than maxBufferedBytes unread (4008). */
  private send(s: HubSession, frame: string): boolean {
    if (s.closing || s.ws.readyState !== s.ws.OPEN) return false;
    if (s.ws.bufferedAmount > this.opts.maxBufferedBytes) {
      this.counters.slowClosed++;
      this.opts.log('stream.slow-consumer', { client: s.serial, token: s.token.id, bufferedBytes: s.ws.bufferedAmount });
      this.closeSession(s, CLOSE_CODES['slow-consumer'], 'slow-consumer');
      return false;
    }
    s.ws.send(frame, { binary: false });
    this.counters.sent++;
    return true;
  }

  private closeSession(s: HubSession, code: number, reason: string): void {
    s.closing = true;
    s.live = false;
    s.ws.close(code, reason);
  }

  private refuse(socket: Duplex, status: number, code: StreamErrorCode | keyof typeof AUTH_ERRORS, retryAfterS?: number): void {
    this.counters.refused++;
    const message = code in STREAM_ERRORS ? STREAM_ERRORS[code as StreamErrorCode].message : AUTH_ERRORS[code as keyof typeof AUTH_ERRORS].message;
    const body = JSON.stringify({ code, message });
    const headers = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`, 'Connection: close', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`];
    if (status === 401) headers.push('WWW-Authenticate: Bearer realm="edgeward-hub"');
    if (retryAfterS !== undefined) headers.push(`Retry-After: ${retryAfterS}`);
    if (!socket.writable) { socket.destroy(); return; }
    socket.once('finish', () => socket.destroy());
    socket.end(headers.join('\r\n') + '\r\n\r\n' + body);
  }
}
