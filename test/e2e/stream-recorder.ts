// A client of the daemon's WebSocket stream, as a dashboard is one: the token as a subprotocol, a
// subscribe with the last id it holds, and every message recorded in arrival order, so a test can
// compare what a client saw with what the daemon journaled.
import WebSocket from 'ws';
import { messageText } from '../helpers/ws-text.js';

/** An `event` message of the stream. */
export interface EventMessage {
  type: 'event';
  id: number;
  topic: string;
  at: string;
  data: unknown;
}

/** Any message of the stream (hello, event, live, gap, error…). */
export interface StreamMessage {
  type: string;
  [field: string]: unknown;
}

export class StreamRecorder {
  /** Every message, in arrival order. */
  readonly messages: StreamMessage[] = [];
  /** The `event` messages only. */
  readonly events: EventMessage[] = [];
  /** Called in the socket's message handler as each event arrives, after it is recorded. */
  onEvent: ((ev: EventMessage) => void) | null = null;
  /** Settles with the close code once the socket has closed (1006: the peer vanished). */
  readonly closed: Promise<number>;
  private isClosed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const m = JSON.parse(messageText(raw)) as StreamMessage;
      this.messages.push(m);
      if (m.type !== 'event') return;
      const ev = m as unknown as EventMessage;
      this.events.push(ev);
      this.onEvent?.(ev);
    });
    // A killed server resets the connection: 'close' follows, with 1006.
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.once('close', (code) => { this.isClosed = true; resolve(code); }));
  }

  /**
   * Connects to `url` (ws://host:port/api/v1/stream) and subscribes to `topics`, replaying what
   * followed `since` (undefined: live only). Resolves once the subscribe is sent.
   */
  static open(url: string, token: string, topics: string[], since?: number): Promise<StreamRecorder> {
    const ws = new WebSocket(url, ['edgeward.v1', `bearer.${token}`]);
    const r = new StreamRecorder(ws);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => reject(new Error(`stream upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(JSON.stringify(since === undefined ? { type: 'subscribe', topics } : { type: 'subscribe', topics, since }));
        resolve(r);
      });
    });
  }

  /** Whether the socket has closed. */
  get done(): boolean {
    return this.isClosed;
  }

  /** The first message of `type`, or undefined. */
  first(type: string): StreamMessage | undefined {
    return this.messages.find((m) => m.type === type);
  }

  /** The id of the last event received, or `fallback` when none was. */
  lastId(fallback: number): number {
    return this.events.at(-1)?.id ?? fallback;
  }

  /** Closes the socket (a handshake when open, else at once) and waits for it to be closed. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    else this.ws.terminate();
    await this.closed;
  }
}
