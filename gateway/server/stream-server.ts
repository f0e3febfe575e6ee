// The WebSocket stream at /api/v1/stream (`ws`, noServer): authenticates in the HTTP upgrade,
// journals every published event before sending it, replays what a reconnecting client missed,
// pings to drop dead peers, and closes clients that stop reading (4008) so memory stays bounded.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AUTH_ERRORS } from '../auth/auth-errors.js';
import type { AuthLimiter } from '../auth/auth-limiter.js';
import { parseSubprotocols, STREAM_SUBPROTOCOL } from '../auth/bearer.js';
import { authenticateRequest } from '../auth/request-auth.js';
import type { TokenInfo } from '../auth/token-store.js';
import type { EventLog } from '../common/event-log.js';
import type { StreamEvent, StreamJournal, Topic } from '../store/stream-journal.js';
import { CLOSE_CODES, eventFrame, STREAM_ERRORS, STREAM_PATH, type StreamErrorCode } from './stream-protocol.js';
import { StreamSession } from './stream-session.js';

/** Stream server settings; `T` its topics (a gateway's by default; the hub's stream has more). */
export interface StreamServerOptions<T extends string = Topic> {
  journal: StreamJournal;
  /** The token's info, or null when unknown or revoked (TokenStore.verify). */
  authenticate: (token: string) => TokenInfo | null;
  /** Failed-auth limiter, shared with the REST API. */
  limiter: AuthLimiter;
  /**
   * Whether the token with this public id is still valid (not revoked); asked of each client every
   * heartbeat round, so a token revoked elsewhere (the CLI) is cut off within one interval.
   * Default: always. The daemon passes `(id) => tokens.get(id)?.revokedAt === null`.
   */
  tokenActive: (tokenId: string) => boolean;
  /** Milliseconds between pings; a client that has not answered the previous one is dropped. 0: no timer (tests call heartbeat()). Default 30000. */
  heartbeatMs: number;
  /** Bytes a client may leave unread before it is closed with 4008. Default 4 MiB. */
  maxBufferedBytes: number;
  /** Journal rows per replay page. Default 500. */
  replayBatch: number;
  /** Most events one subscription replays; a client further behind gets a gap for the rest. Default 100000. */
  maxReplay: number;
  /** Clients at once; more are refused with 503. Default 256. */
  maxClients: number;
  /** Largest client frame, bytes (a subscribe is tiny); ws closes with 1009 beyond it. Default 16 KiB. */
  maxMessageBytes: number;
  /** The daemon's log; given token ids, never tokens. Default: silent. */
  log: EventLog;
  /** The client address the limiter counts under. Default: the socket's peer address. */
  clientIp: (req: IncomingMessage) => string;
  /**
   * Told of every published event after it is journaled, synchronously (the daemon's fleet outbox
   * takes each one: every stream event is also a record for the SOC). Default: none.
   */
  onPublish?: (topic: T, data: unknown) => void;
  /** Realm of the WWW-Authenticate header of a 401. Default 'edgeward'. */
  realm: string;
}

/** Defaults of {@link StreamServerOptions} (the dependencies aside). */
export const STREAM_SERVER_DEFAULTS = Object.freeze({
  heartbeatMs: 30_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  replayBatch: 500,
  maxReplay: 100_000,
  maxClients: 256,
  maxMessageBytes: 16 * 1024,
});

/** Counters of the stream, for /metrics and tests. */
export interface StreamStats {
  /** Clients connected now. */
  clients: number;
  /** Frames sent (events, replayed or live, and control messages). */
  sent: number;
  /** Events sent by replays. */
  replayed: number;
  /** Clients closed with 4008. */
  slowClosed: number;
  /** Clients dropped for not answering a ping. */
  heartbeatClosed: number;
  /** Upgrades refused (auth, path, protocol, capacity). */
  refused: number;
  /** Most unread bytes seen on one client right after a send: stays under maxBufferedBytes + one frame. */
  peakBufferedBytes: number;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** The WebSocket stream of alerts, logs and device changes (a gateway's), or of the hub's topics. */
export class StreamServer<T extends string = Topic> {
  private readonly opts: StreamServerOptions<T>;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<StreamSession>();
  private readonly attached = new Set<Server>();
  private readonly timer: NodeJS.Timeout | null;
  private serial = 0;
  private readonly counters = { sent: 0, replayed: 0, slowClosed: 0, heartbeatClosed: 0, refused: 0, peakBufferedBytes: 0 };

  constructor(options: Partial<StreamServerOptions<T>> & Pick<StreamServerOptions<T>, 'journal' | 'authenticate' | 'limiter'>) {
    this.opts = {
      ...STREAM_SERVER_DEFAULTS,
      realm: 'edgeward',
      log: () => undefined,
      tokenActive: () => true,
      clientIp: (req) => req.socket.remoteAddress ?? '',
      ...options,
    };
    const o = this.opts;
    if (!(o.maxBufferedBytes > 0 && o.replayBatch >= 1 && o.maxReplay >= 0 && o.maxClients >= 1 && o.heartbeatMs >= 0)) {
      throw new RangeError('stream server: maxBufferedBytes, replayBatch, maxClients must be positive; maxReplay, heartbeatMs not negative');
    }
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.opts.maxMessageBytes,
      perMessageDeflate: false,
      // Select edgeward.v1 and only it: the `bearer.<token>` entry is never echoed back.
      handleProtocols: (protocols) => (protocols.has(STREAM_SUBPROTOCOL) ? STREAM_SUBPROTOCOL : false),
    });
    this.timer = this.opts.heartbeatMs > 0 ? setInterval(() => this.heartbeat(), this.opts.heartbeatMs) : null;
    this.timer?.unref();
  }

  /** Serves the stream on `server`'s upgrades; upgrades on any other path get 404. */
  attach(server: Server): void {
    if (this.attached.has(server)) return;
    this.attached.add(server);
    server.on('upgrade', this.onUpgrade);
  }

  /**
   * Journals an event and sends it to the clients subscribed to its topic. Returns its id. The
   * frame is encoded once for all clients.
   */
  publish(topic: T, data: unknown): number {
    const ev = this.record(topic, data);
    this.deliver(ev);
    return ev.id;
  }

  /**
   * Journals an event without sending it: a caller that journals inside its own transaction (the
   * hub, one commit a batch) sends the events with {@link deliver} once that transaction committed.
   */
  record(topic: T, data: unknown): StreamEvent {
    const ev = this.opts.journal.append(topic, data);
    this.opts.onPublish?.(topic, data);
    return ev;
  }

  /** Sends a journaled event to the live clients subscribed to its topic (the frame encoded once for all). */
  deliver(ev: StreamEvent): void {
    if (this.sessions.size === 0) return;
    const frame = Buffer.from(eventFrame(ev), 'utf8');
    for (const s of this.sessions) s.deliver(ev, frame);
  }

  /**
   * One heartbeat round (the timer calls it every heartbeatMs): drops each client that has not
   * answered the previous ping, closes those whose token was revoked (4003), pings the others.
   */
  heartbeat(): void {
    for (const s of this.sessions) {
      if (!this.opts.tokenActive(s.token.id)) {
        s.close(CLOSE_CODES['token-revoked'], 'token-revoked');
        continue;
      }
      if (!s.alive) {
        this.counters.heartbeatClosed++;
        this.opts.log('stream.heartbeat-timeout', { client: s.serial, token: s.token.id });
        s.dispose();
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }

  /** Closes the connections of one token (after it is revoked) with 4003. Returns how many. */
  disconnectToken(tokenId: string): number {
    let n = 0;
    for (const s of this.sessions) {
      if (s.token.id !== tokenId) continue;
      s.close(CLOSE_CODES['token-revoked'], 'token-revoked');
      n++;
    }
    return n;
  }

  /** Counters and current clients. */
  stats(): StreamStats {
    return { clients: this.sessions.size, ...this.counters };
  }

  /**
   * Stops serving: detaches from the HTTP servers, stops the heartbeat, closes every client with
   * 1001 and resolves when they are gone (terminating those that do not answer within graceMs).
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    for (const server of this.attached) server.off('upgrade', this.onUpgrade);
    this.attached.clear();
    const gone = [...this.sessions].map((s) => new Promise<void>((resolve) => {
      if (s.ws.readyState === s.ws.CLOSED) return resolve();
      s.ws.once('close', () => resolve());
      s.close(CLOSE_CODES['going-away'], 'going-away');
    }));
    const grace = setTimeout(() => { for (const s of this.sessions) s.ws.terminate(); }, graceMs);
    await Promise.all(gone);
    clearTimeout(grace);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // No Origin check: credentials are bearer tokens the page must hold, never cookies a browser
    // would attach by itself, so a foreign page cannot hijack a session (no CSWSH).
    // A reset during the handshake must not become an uncaught 'error'.
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== STREAM_PATH) return this.refuse(socket, 404, 'stream.not-found');
    const ip = this.opts.clientIp(req);
    const subprotocols = parseSubprotocols(req.headers['sec-websocket-protocol']);
    const auth = authenticateRequest(
      { ip, authorization: req.headers.authorization, subprotocols, url: req.url },
      { authenticate: this.opts.authenticate, limiter: this.opts.limiter },
      'stream:read',
    );
    if (!auth.ok) {
      // A blocked address hammering the endpoint is counted, not logged line by line.
      if (auth.code !== 'auth.rate-limited') this.opts.log('stream.refused', { ip, code: auth.code, status: auth.status });
      return this.refuse(socket, auth.status, auth.code, auth.retryAfterS);
    }
    // A browser that offered subprotocols fails the handshake unless one of them is selected.
    if (subprotocols.length > 0 && !subprotocols.includes(STREAM_SUBPROTOCOL)) return this.refuse(socket, 400, 'stream.bad-protocol');
    if (this.sessions.size >= this.opts.maxClients) return this.refuse(socket, 503, 'stream.too-many-clients');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, auth.token, ip));
  };

  private onConnection(ws: WebSocket, token: TokenInfo, ip: string): void {
    const session = new StreamSession(ws, token, ip, ++this.serial, {
      journal: this.opts.journal,
      maxBufferedBytes: this.opts.maxBufferedBytes,
      replayBatch: this.opts.replayBatch,
      maxReplay: this.opts.maxReplay,
      onSent: (buffered, replay) => {
        this.counters.sent++;
        if (replay) this.counters.replayed++;
        if (buffered > this.counters.peakBufferedBytes) this.counters.peakBufferedBytes = buffered;
      },
      onSlow: (s, buffered) => {
        this.counters.slowClosed++;
        this.opts.log('stream.slow-consumer', { client: s.serial, token: s.token.id, bufferedBytes: buffered });
      },
    });
    this.sessions.add(session);
    this.opts.log('stream.connect', { client: session.serial, token: token.id, role: token.role, ip });
    ws.on('pong', () => { session.alive = true; });
    ws.on('message', (data, isBinary) => session.onMessage(data, isBinary));
    ws.on('error', () => undefined); // 'close' follows; its code says what happened
    ws.on('close', (code) => {
      session.dispose();
      this.sessions.delete(session);
      this.opts.log('stream.disconnect', { client: session.serial, token: token.id, code });
    });
    session.start();
  }

  /** Answers a refused upgrade with an HTTP error and `{ code, message }`, then closes the socket. */
  private refuse(socket: Duplex, status: number, code: StreamErrorCode | keyof typeof AUTH_ERRORS, retryAfterS?: number): void {
    this.counters.refused++;
    const message = code in STREAM_ERRORS ? STREAM_ERRORS[code as StreamErrorCode].message : AUTH_ERRORS[code as keyof typeof AUTH_ERRORS].message;
    const body = JSON.stringify({ code, message });
    const headers = [
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
      'Connection: close',
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    if (status === 401) headers.push(`WWW-Authenticate: Bearer realm="${this.opts.realm}"`);
    if (retryAfterS !== undefined) headers.push(`Retry-After: ${retryAfterS}`);
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.once('finish', () => socket.destroy());
    socket.end(headers.join('\r\n') + '\r\n\r\n' + body);
  }
}
