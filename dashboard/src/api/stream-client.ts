// The live stream client (WebSocket, subprotocol edgeward.v1): subscribes after the server's hello,
// reconnects by itself with capped exponential backoff, and resumes from the last event id so no
// event is lost or repeated across a drop; a `gap` (events pruned meanwhile) asks for a reload.
import type { StreamEvent, StreamTopic } from './api-types';

/** What the header shows: `connecting` covers a first attempt and catching up after a drop. */
export type ConnState = 'connecting' | 'live' | 'offline';

export interface StreamHandlers {
  /** One event, in id order, never twice. */
  onEvent(ev: StreamEvent): void;
  /**
   * Held state may be missing events: reload it from REST. `initial`: first connection;
   * `gap`: events were pruned while away; `reset`: the journal restarted below our last id (a
   * new database), so what is held belongs to another history and must be dropped.
   */
  onResync(reason: 'initial' | 'gap' | 'reset'): void;
  onState(state: ConnState, detail: string): void;
  /** Close 4003: the token was revoked; the client has stopped. */
  onRevoked(): void;
}

/** Backoff between attempts: 0.5 s doubling to 5 s, with ±20 % jitter so clients do not reconnect in step. */
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 5000;
/** Browsers cannot see WebSocket pings, so the client pings in JSON; silence this long means a dead link. */
const PING_EVERY_MS = 15_000;
const SILENCE_LIMIT_MS = 40_000;

const CLOSE_TOKEN_REVOKED = 4003;
const CLOSE_SLOW_CONSUMER = 4008;

export class StreamClient {
  private ws: WebSocket | null = null;
  /** Highest event id received; null before the first hello (then we subscribe live). */
  private lastId: number | null = null;
  private attempt = 0;
  private wasLive = false;
  private stopped = true;
  private retryTimer: number | undefined;
  private pingTimer: number | undefined;
  private lastHeard = 0;
  private state: ConnState | null = null;

  constructor(
    private readonly token: string,
    private readonly topics: StreamTopic[],
    private readonly handlers: StreamHandlers,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws !== null) {
      ws.onclose = null;
      ws.close(1000);
    }
  }

  private setState(state: ConnState, detail: string): void {
    this.state = state;
    this.handlers.onState(state, detail);
  }

  private readonly onOnline = (): void => {
    // The network is back: try now rather than at the end of the backoff.
    if (this.ws === null && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.attempt = 0;
      this.connect();
    }
  };

  private readonly onOffline = (): void => {
    this.ws?.close();
    this.setState('offline', 'this browser is offline');
  };

  private connect(): void {
    if (this.stopped) return;
    // After a drop the first attempt says "reconnecting"; once one fails, the state is plainly offline.
    if (this.state !== 'offline') this.setState('connecting', this.wasLive ? 'reconnecting…' : 'connecting…');
    const url = `${location.origin.replace(/^http/, 'ws')}/api/v1/stream`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, ['edgeward.v1', `bearer.${this.token}`]);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (m) => this.onMessage(m);
    ws.onclose = (c) => this.onClose(c);
    ws.onopen = () => {
      this.lastHeard = Date.now();
      clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => this.heartbeat(), PING_EVERY_MS);
    };
  }

  private heartbeat(): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS) {
      ws.close();
      return;
    }
    ws.send('{"type":"ping"}');
  }

  private onMessage(m: MessageEvent): void {
    this.lastHeard = Date.now();
    if (typeof m.data !== 'string') return;
    let msg: { type?: string; id?: number; lastId?: number; oldestId?: number };
    try {
      msg = JSON.parse(m.data) as typeof msg;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'event': {
        const ev = msg as StreamEvent;
        if (this.lastId !== null && ev.id <= this.lastId) return;
        this.lastId = ev.id;
        this.handlers.onEvent(ev);
        return;
      }
      case 'hello':
        this.onHello(msg.lastId ?? 0);
        return;
      case 'live':
        this.attempt = 0;
        this.wasLive = true;
        this.setState('live', 'live');
        return;
      case 'gap':
        this.handlers.onResync('gap');
        return;
      case 'error':
        // Our resume point was refused (the journal changed between hello and subscribe): take
        // the live stream from now and reload the present state instead.
        if ((msg as { code?: string }).code === 'stream.bad-since') {
          this.lastId = null;
          this.handlers.onResync('reset');
          this.ws?.send(JSON.stringify({ type: 'subscribe', topics: this.topics }));
        }
        return;
      default:
        // pong: the link is alive, which lastHeard already noted.
        return;
    }
  }

  private onHello(serverLastId: number): void {
    const ws = this.ws;
    if (ws === null) return;
    let since: number | null = this.lastId;
    if (since === null || since > serverLastId) {
      // First connection, or the journal was reset under us: take the live stream from here and
      // have the pages load the present state from REST after subscribing, so nothing falls between.
      this.handlers.onResync(since === null ? 'initial' : 'reset');
      since = serverLastId;
      this.lastId = serverLastId;
    }
    this.setState('connecting', 'catching up…');
    ws.send(JSON.stringify({ type: 'subscribe', topics: this.topics, since }));
  }

  private onClose(c: CloseEvent): void {
    clearInterval(this.pingTimer);
    this.ws = null;
    if (this.stopped) return;
    if (c.code === CLOSE_TOKEN_REVOKED) {
      this.stop();
      this.handlers.onRevoked();
      return;
    }
    // A slow consumer was dropped by the server; like any other drop, it resumes from lastId.
    if (c.code === CLOSE_SLOW_CONSUMER) this.attempt = Math.max(this.attempt, 1);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    // The first retry after a live connection is quiet ("reconnecting"); past it the link is down.
    if (this.attempt > 0 || !this.wasLive || !navigator.onLine) this.setState('offline', `retrying in ${Math.ceil(delay / 1000)} s`);
    else this.setState('connecting', 'reconnecting…');
    this.attempt++;
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }
}
