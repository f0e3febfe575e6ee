// A real stream server for the WebSocket suites: http.createServer on 127.0.0.1 (port 0), the
// token store and journal on an in-memory SQLite, a limiter on a fake clock, and a `ws` client
// that records every message so tests wait for conditions, never for time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { type ClientOptions } from 'ws';
import { AuthLimiter } from '../../gateway/auth/auth-limiter.js';
import { TokenStore } from '../../gateway/auth/token-store.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';
import { StreamJournal, type StreamJournalOptions } from '../../gateway/store/stream-journal.js';
import { StreamServer, type StreamServerOptions } from '../../gateway/server/stream-server.js';
import type { EventMessage } from '../../gateway/server/stream-protocol.js';
import { messageText } from '../helpers/ws-text.js';

/** A server message as the client parsed it. */
export type Msg = { type: string; [k: string]: unknown };

/** One running server and what it is made of. */
export interface Harness {
  db: Db;
  http: Server;
  tokens: TokenStore;
  journal: StreamJournal;
  limiter: AuthLimiter;
  stream: StreamServer;
  /** Every log line the server wrote. */
  logs: { event: string; fields: Record<string, unknown> }[];
  /** The fake clock of the limiter, milliseconds. */
  clock: { now: number };
  url: string;
  /** A fresh token of `role` (vendor tokens get example.com). */
  token(role?: 'admin' | 'analyst' | 'vendor' | 'device'): string;
  stop(): Promise<void>;
}

/** Starts a harness; `options` override the stream server's. */
export async function startHarness(options: Partial<StreamServerOptions> = {}, journalOptions: Partial<StreamJournalOptions> = {}): Promise<Harness> {
  const db = openDatabase(':memory:');
  const tokens = new TokenStore(db);
  const journal = new StreamJournal(db, journalOptions);
  const clock = { now: 1_000_000 };
  const limiter = new AuthLimiter({ now: () => clock.now });
  const logs: Harness['logs'] = [];
  const stream = new StreamServer({
    journal, limiter, authenticate: (t) => tokens.verify(t), heartbeatMs: 0,
    log: (event, fields = {}) => { logs.push({ event, fields }); },
    ...options,
  });
  const http = createServer((_req, res) => { res.statusCode = 404; res.end(); });
  stream.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    db, http, tokens, journal, limiter, stream, logs, clock,
    url: `ws://127.0.0.1:${port}/api/v1/stream`,
    token: (role = 'analyst') => tokens.create(role === 'vendor' ? { role, vendor: 'example.com' } : { role }).token,
    async stop() {
      await stream.close(500);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      db.close();
    },
  };
}

/** A connected client recording what it receives. */
export class TestClient {
  readonly messages: Msg[] = [];
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(messageText(data)) as Msg);
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.wake();
      resolve({ code, reason: reason.toString() });
    }));
  }

  /** The `event` messages received so far. */
  events(): EventMessage[] {
    return this.messages.filter((m) => m.type === 'event') as unknown as EventMessage[];
  }

  /** Messages of one type. */
  ofType(type: string): Msg[] {
    return this.messages.filter((m) => m.type === type);
  }

  /** Resolves once `cond` holds (checked on every message); the suite's timeout bounds the wait. */
  async until(cond: () => boolean): Promise<void> {
    while (!cond()) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed while waiting; got ${this.messages.length} messages`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** Closes and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000);
    await this.closed;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Opens a client; resolves once it is open (after the server's hello is queued). */
export function connect(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<TestClient> {
  const { protocols, ...rest } = options;
  const ws = new WebSocket(url, protocols ?? [], rest);
  const client = new TestClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Opens a client with a Bearer header, subscribes, and waits for `live`. */
export async function subscribed(h: Harness, sub: { topics?: string[]; since?: number } = {}, token = h.token()): Promise<TestClient> {
  const c = await connect(h.url, { headers: { Authorization: `Bearer ${token}` } });
  c.send({ type: 'subscribe', ...sub });
  await c.until(() => c.ofType('live').length > 0 || c.ofType('error').length > 0);
  return c;
}

/** What a refused upgrade answered: status, the body's code, and the headers. */
export function refusal(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<{ status: number; code: string; headers: Record<string, unknown> }> {
  const { protocols, ...rest } = options;
  const ws = new WebSocket(url, protocols ?? [], rest);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { code: string }).code, headers: res.headers });
      });
    });
    ws.once('error', () => undefined);
  });
}
