// One WebSocket client of the stream: its subscription, the replay of what it missed (paged from
// the journal, paced by the socket), then live events, all through one send path that closes the
// client with 4008 once it leaves more than the buffer ceiling unread.
import type { WebSocket } from 'ws';
import type { TokenInfo } from '../auth/token-store.js';
import type { StreamEvent, StreamJournal } from '../store/stream-journal.js';
import {
  CLOSE_CODES, errorFrame, eventFrame, parseClientMessage,
  type GapMessage, type HelloMessage, type LiveMessage, type SubscribeMessage,
} from './stream-protocol.js';

/** What a session needs from its server: the journal, limits, and counters to bump. */
export interface SessionContext {
  journal: StreamJournal;
  /** Unread bytes past which the client is closed (4008). */
  maxBufferedBytes: number;
  /** Journal rows read per replay page. */
  replayBatch: number;
  /** Most events one subscription replays; older ones are reported as a gap. */
  maxReplay: number;
  /** Called for each frame sent, with the unread bytes after it and whether it was a replay. */
  onSent: (bufferedBytes: number, replay: boolean) => void;
  /** Called once when the session is closed as a slow consumer. */
  onSlow: (session: StreamSession, bufferedBytes: number) => void;
}

/** Where a session is in its subscription. */
type Mode = 'idle' | 'replay' | 'live';

/** One connected client. */
export class StreamSession {
  /** Answered the last ping (the heartbeat reads and clears it). */
  alive = true;
  private topics: ReadonlySet<string> = new Set();
  private mode: Mode = 'idle';
  /** Every event of the subscribed topics with id ≤ cursor has been sent (or reported as a gap). */
  private cursor = 0;
  /** Bumped by each subscribe, so a replay of an older subscription stops. */
  private generation = 0;
  private closing = false;
  /** Frames of the replay handed to ws and not yet written to the socket. */
  private inFlight = 0;
  /** The next replay page, waiting for inFlight to reach 0. */
  private onWritten: (() => void) | null = null;

  constructor(
    readonly ws: WebSocket,
    readonly token: TokenInfo,
    readonly ip: string,
    /** Connection number, for log lines. */
    readonly serial: number,
    private readonly ctx: SessionContext,
  ) {}

  /** Sends `hello`. */
  start(): void {
    const { journal } = this.ctx;
    this.sendJson({ type: 'hello', lastId: journal.lastId(), oldestId: journal.oldestId() } satisfies HelloMessage);
  }

  /** Handles one frame from the client. */
  onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (isBinary) {
      this.sendText(errorFrame('stream.bad-message'));
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const topics = this.ctx.journal.topics;
    const parsed = parseClientMessage(text, topics);
    if (!parsed.ok) {
      // The topics a client may name are the journal's (the hub's stream has more than a gateway's).
      this.sendText(parsed.code === 'stream.unknown-topic' ? errorFrame(parsed.code, `topics must be a non-empty list of ${topics.join(', ')}`) : errorFrame(parsed.code));
      return;
    }
    const m = parsed.message;
    if (m.type === 'ping') this.sendText('{"type":"pong"}');
    else this.subscribe(m);
  }

  /**
   * A live event: sent now when the session is live and subscribed to its topic. During a replay
   * nothing is done: the event is already in the journal, behind the replay's cursor, so the
   * replay reaches it in order.
   */
  deliver(ev: StreamEvent, frame: Buffer): void {
    if (this.mode !== 'live' || !this.topics.has(ev.topic) || ev.id <= this.cursor) return;
    this.cursor = ev.id;
    this.send(frame, false);
  }

  /** Closes the connection with a named code; no more frames are sent. */
  close(code: number, reason: string): void {
    this.dispose();
    this.ws.close(code, reason);
  }

  /** Marks the session gone (the socket closed), stopping any replay in flight. */
  dispose(): void {
    this.closing = true;
    this.mode = 'idle';
    this.generation++;
    this.onWritten = null;
  }

  private subscribe(m: SubscribeMessage): void {
    const { journal } = this.ctx;
    const lastId = journal.lastId();
    if (m.since !== null && m.since > lastId) {
      // Ahead of the journal: it was reset (a new database). Refused; the current subscription stays.
      this.sendText(errorFrame('stream.bad-since'));
      return;
    }
    const gen = ++this.generation;
    this.topics = new Set(m.topics);
    if (m.since === null) {
      this.cursor = lastId;
      this.goLive();
      return;
    }
    this.cursor = m.since;
    this.mode = 'replay';
    this.replayPage(gen);
  }

  private goLive(): void {
    this.mode = 'live';
    this.sendJson({ type: 'live', topics: [...this.topics], lastId: this.cursor } satisfies LiveMessage);
  }

  /**
   * Skips what cannot be replayed: events pruned from the journal, and anything older than
   * maxReplay events behind its end. Reported once as a `gap`.
   */
  private skipUnreplayable(): void {
    const { journal, maxReplay } = this.ctx;
    const skipTo = Math.max(journal.oldestId() - 1, journal.lastId() - maxReplay);
    if (skipTo > this.cursor) {
      this.sendJson({ type: 'gap', from: this.cursor + 1, to: skipTo } satisfies GapMessage);
      this.cursor = skipTo;
    }
  }

  /**
   * Events sent live that the journal could not store (a full disk) between the cursor and `upto`:
   * each range is reported as a `gap` (it may hold other topics' events too), as pruned ones are.
   */
  private reportUnstored(upto: number): void {
    for (const r of this.ctx.journal.unstored(this.cursor, upto)) this.sendJson({ type: 'gap', from: r.from, to: r.to } satisfies GapMessage);
  }

  /**
   * Sends one page of the replay, then reads the next once the socket has written the page (the
   * send callbacks of its frames), so a replay never holds more than a page, or half the buffer
   * ceiling, unread. The journal is synchronous: reading a short last page and going live happen in
   * one tick, so no publish can slip between them, and a publish during the replay is journaled
   * behind the cursor and read by a later page — in order, once.
   */
  private replayPage(gen: number): void {
    if (gen !== this.generation || this.closing || this.mode !== 'replay') return;
    const { journal, replayBatch, maxBufferedBytes } = this.ctx;
    this.skipUnreplayable();
    const rows = journal.since(this.cursor, this.topics, replayBatch);
    let sent = 0;
    for (const ev of rows) {
      this.reportUnstored(ev.id - 1);
      this.inFlight++;
      if (!this.send(eventFrame(ev), true, this.frameWritten)) {
        this.inFlight--;
        return; // closed
      }
      this.cursor = ev.id;
      sent++;
      if (this.ws.bufferedAmount > maxBufferedBytes / 2) break;
    }
    if (sent === rows.length && rows.length < replayBatch) {
      // Caught up: every event of these topics up to the journal's end has been sent.
      this.reportUnstored(journal.lastId());
      this.cursor = Math.max(this.cursor, journal.lastId());
      this.goLive();
      return;
    }
    const next = (): void => this.replayPage(gen);
    if (this.inFlight === 0) setImmediate(next);
    else this.onWritten = next;
  }

  /** ws's send callback of a replay frame: it is written (or the socket failed). */
  private readonly frameWritten = (err?: Error): void => {
    this.inFlight--;
    if (err !== undefined && err !== null) {
      this.onWritten = null;
      return;
    }
    if (this.inFlight === 0 && this.onWritten !== null) {
      const next = this.onWritten;
      this.onWritten = null;
      next();
    }
  };

  private sendJson(m: object): void {
    this.sendText(JSON.stringify(m));
  }

  private sendText(text: string): void {
    this.send(text, false);
  }

  /**
   * The one send path: refuses to queue more once the client has more than maxBufferedBytes unread
   * and closes it with 4008, so memory per client stays under the ceiling plus one frame.
   */
  private send(frame: string | Buffer, replay: boolean, cb?: (err?: Error) => void): boolean {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.ctx.maxBufferedBytes) {
      this.ctx.onSlow(this, buffered);
      this.close(CLOSE_CODES['slow-consumer'], 'slow-consumer');
      return false;
    }
    this.ws.send(frame, { binary: false }, cb);
    this.ctx.onSent(this.ws.bufferedAmount, replay);
    return true;
  }
}
