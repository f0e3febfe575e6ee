// The WebSocket stream's wire protocol (JSON text frames): the path, the subprotocol, the messages
// each side sends, the error codes a bad client message gets, and the named close codes.
import { TOPICS, type StreamEvent } from '../store/stream-journal.js';

/** Where the stream is served. */
export const STREAM_PATH = '/api/v1/stream';

/** Error codes of the stream: client messages (answered with an `error` message) and refused upgrades (HTTP status). */
export const STREAM_ERRORS = Object.freeze({
  /** The frame is not JSON. */
  'stream.bad-json': { status: 400, message: 'the message is not valid JSON' },
  /** JSON, but not an object with a string `type`, or a binary frame. */
  'stream.bad-message': { status: 400, message: 'a message is a JSON object with a "type"' },
  /** A `type` this server does not know. */
  'stream.unknown-type': { status: 400, message: 'unknown message type' },
  /** `topics` is not a non-empty list of alert, log, device, incident. */
  'stream.unknown-topic': { status: 400, message: 'topics must be a non-empty list of alert, log, device, incident' },
  /** `since` is not a non-negative integer, or is ahead of the journal (it was reset: subscribe with since 0). */
  'stream.bad-since': { status: 400, message: 'since must be a non-negative integer not above the hello lastId' },
  /** Upgrade on another path than STREAM_PATH. */
  'stream.not-found': { status: 404, message: 'no WebSocket endpoint here' },
  /** The client offered subprotocols but not `edgeward.v1`. */
  'stream.bad-protocol': { status: 400, message: 'offer the edgeward.v1 subprotocol' },
  /** The server holds its maximum of clients. */
  'stream.too-many-clients': { status: 503, message: 'too many stream clients' },
});

/** A stable code of {@link STREAM_ERRORS}. */
export type StreamErrorCode = keyof typeof STREAM_ERRORS;

/**
 * Close codes the server uses. 1000-2999 are RFC 6455 §7.4.1's own; 4000-4999 are for
 * applications, so ours live there.
 */
export const CLOSE_CODES = Object.freeze({
  /** The server is shutting down (RFC 6455 "going away"). */
  'going-away': 1001,
  /** The token this connection authenticated with was revoked. */
  'token-revoked': 4003,
  /** The client left more than maxBufferedBytes unread: it is too slow for the stream. */
  'slow-consumer': 4008,
});

/** A named close reason of {@link CLOSE_CODES}. */
export type CloseReason = keyof typeof CLOSE_CODES;

/** client → server: choose topics; `since` replays what followed that id (omitted: live only). */
export interface SubscribeMessage {
  type: 'subscribe';
  /** Default: every topic. */
  topics: string[];
  /** Last id the client has; null for live only. */
  since: number | null;
}

/** client → server: an application-level ping (browsers cannot see WebSocket pings); answered with `pong`. */
export interface PingMessage {
  type: 'ping';
}

/** What a client may send. */
export type ClientMessage = SubscribeMessage | PingMessage;

/** server → client, on connect. */
export interface HelloMessage {
  type: 'hello';
  /** Highest id in the journal: subscribe with since ≤ lastId. */
  lastId: number;
  /** Oldest id still replayable. */
  oldestId: number;
}

/** server → client: events from..to (inclusive) cannot be replayed; reload state through the REST API. */
export interface GapMessage {
  type: 'gap';
  from: number;
  to: number;
}

/** server → client: replay done, events from here on are live. */
export interface LiveMessage {
  type: 'live';
  topics: string[];
  /** Everything up to this id (in the subscribed topics) has been sent. */
  lastId: number;
}

/** server → client: a message was refused; the connection stays open. */
export interface ErrorMessage {
  type: 'error';
  code: StreamErrorCode;
  message: string;
}

/** server → client: one event. */
export interface EventMessage {
  type: 'event';
  id: number;
  topic: string;
  at: string;
  data: unknown;
}

/** What the server sends. */
export type ServerMessage = HelloMessage | GapMessage | LiveMessage | ErrorMessage | EventMessage | { type: 'pong' };

/** The `event` frame of a journaled event, built from its stored JSON text without re-encoding. */
export function eventFrame(ev: StreamEvent): string {
  return `{"type":"event","id":${ev.id},"topic":"${ev.topic}","at":"${ev.at}","data":${ev.data}}`;
}

/** The `error` frame for a code. */
export function errorFrame(code: StreamErrorCode, message: string = STREAM_ERRORS[code].message): string {
  return JSON.stringify({ type: 'error', code, message } satisfies ErrorMessage);
}

/** A parsed client message, or the code to answer with. */
export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; code: StreamErrorCode };

/** Parses one text frame from a client, its topics among `known` (default: a gateway's). Never throws. */
export function parseClientMessage(text: string, known: readonly string[] = TOPICS): ParsedClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'stream.bad-json' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || typeof (raw as { type?: unknown }).type !== 'string') {
    return { ok: false, code: 'stream.bad-message' };
  }
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ping':
      return { ok: true, message: { type: 'ping' } };
    case 'subscribe': {
      let topics: string[] = [...known];
      if (m.topics !== undefined) {
        const asked: unknown[] = Array.isArray(m.topics) ? m.topics : [];
        if (asked.length === 0 || !asked.every((t): t is string => typeof t === 'string' && known.includes(t))) return { ok: false, code: 'stream.unknown-topic' };
        topics = [...new Set(asked)];
      }
      let since: number | null = null;
      if (m.since !== undefined && m.since !== null) {
        if (typeof m.since !== 'number' || !Number.isSafeInteger(m.since) || m.since < 0) return { ok: false, code: 'stream.bad-since' };
        since = m.since;
      }
      return { ok: true, message: { type: 'subscribe', topics, since } };
    }
    default:
      return { ok: false, code: 'stream.unknown-type' };
  }
}
