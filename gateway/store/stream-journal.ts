// The WebSocket stream's journal: every event sent to clients is first appended here, with an id
// that only grows, so a client that reconnects with its last id is replayed what it missed, in
// order. Retention is by count; a client further behind than what is kept is told of the gap.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { storeWrite } from './storage-guard.js';

/** What the stream carries. */
export type Topic = 'alert' | 'log' | 'device' | 'incident';

/** Every topic. */
export const TOPICS: readonly Topic[] = Object.freeze(['alert', 'log', 'device', 'incident']);

/** Whether `value` is a {@link Topic}. */
export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && (TOPICS as readonly string[]).includes(value);
}

/** One journaled event. */
export interface StreamEvent {
  /** Journal id: unique, increasing, never reused (AUTOINCREMENT), even after pruning. */
  id: number;
  /** One of the journal's topics. */
  topic: string;
  /** When it was journaled, ISO-8601. */
  at: string;
  /** The event's payload as JSON text, exactly as sent (and stored, but for a reference: options.expand). */
  data: string;
}

/** Journal settings. */
export interface StreamJournalOptions {
  /** Events kept; the oldest beyond it are pruned, every pruneEvery appends. 0: keep everything. Default 1000000. */
  retain: number;
  /** Appends between automatic prunes. Default 1000. */
  pruneEvery: number;
  /** Clock, milliseconds. Default Date.now. */
  now: () => number;
  /** The topics it carries. Default {@link TOPICS} (a gateway's); the hub's stream has more. */
  topics: readonly string[];
  /**
   * Reads back a row stored by {@link StreamJournal.appendRef}: its data as sent, or null when what it
   * refers to is gone (the event is then skipped). Rows appended otherwise are never passed. Default: none.
   */
  expand: ((topic: string, stored: string) => string | null) | null;
}

/** The first character of a stored reference: never that of JSON text. */
const REF = '@';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS stream_events (
  id    INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  at    TEXT NOT NULL,
  data  TEXT NOT NULL
);
`;

/** Ranges of unstored ids remembered (StreamJournal.unstored). */
const MAX_UNSTORED_RANGES = 1000;

/** The `stream_events` table of the gateway's (or the hub's) database. */
export class StreamJournal {
  private readonly opts: StreamJournalOptions;
  /** The topics it carries (options.topics). */
  readonly topics: readonly string[];
  private readonly sinceStmts = new Map<string, Statement>();
  private readonly minStmt: Statement;
  private readonly seqStmt: Statement;
  private readonly pruneStmt: Statement;
  private appendsSincePrune = 0;
  /**
   * The highest id handed out, stored or not. Each event takes the next one, so ids only grow even
   * when a row is not kept: a full disk (the daemon's storage guard swallows the failure and the
   * event still goes out live), or a transaction of another store that published and then rolled
   * back. One writer per file (the daemon) is assumed, as everywhere in the journal.
   */
  private lastGiven = 0;
  /**
   * Ids handed out whose row could not be stored (a full disk), as ranges, oldest first; at most
   * MAX_UNSTORED_RANGES (the oldest merge into the next). A replay reports them as gaps. Memory only:
   * after a restart the ids are simply absent, which a replay cannot tell from another topic's.
   */
  private readonly unstoredRanges: { from: number; to: number }[] = [];
  private readonly insertIdStmt: Statement;

  constructor(private readonly db: Db, options: Partial<StreamJournalOptions> = {}) {
    this.opts = { retain: 1_000_000, pruneEvery: 1000, now: Date.now, topics: TOPICS, expand: null, ...options };
    this.topics = this.opts.topics;
    db.exec(SCHEMA);
    this.insertIdStmt = db.prepare('INSERT INTO stream_events (id, topic, at, data) VALUES (?, ?, ?, ?)');
    this.minStmt = db.prepare('SELECT min(id) AS id FROM stream_events');
    // AUTOINCREMENT keeps the highest id ever given in sqlite_sequence, which survives pruning.
    this.seqStmt = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'stream_events'");
    this.pruneStmt = db.prepare('DELETE FROM stream_events WHERE id < ?');
    this.lastGiven = this.lastId();
  }

  /**
   * Appends one event; `data` is stored as JSON (undefined as null). Returns the stored event, so
   * the live send is byte for byte what a replay will send.
   */
  append(topic: string, data: unknown): StreamEvent {
    return this.appendJson(topic, JSON.stringify(data) ?? 'null');
  }

  /** {@link append} of data given as its JSON text (stored and sent as is: the caller vouches it is JSON). */
  appendJson(topic: string, json: string): StreamEvent {
    return this.insert(topic, json, json);
  }

  /**
   * Appends an event sent as `json` but stored as the reference `ref`, which options.expand turns back
   * into JSON on a replay: for data its database holds already (the hub's alerts), so the journal does
   * not write a second copy of it. A replay sends what the reference reads then (an alert's latest copy).
   */
  appendRef(topic: string, ref: string, json: string): StreamEvent {
    return this.insert(topic, REF + ref, json);
  }

  private insert(topic: string, stored: string, json: string): StreamEvent {
    const at = new Date(this.opts.now()).toISOString();
    const id = ++this.lastGiven;
    // With the daemon's storage guard a full disk does not throw: the event still goes out live,
    // under its id, but cannot be replayed.
    if (!storeWrite(this.db, 'stream_events', () => { this.insertIdStmt.run(id, topic, at, stored); })) {
      this.noteUnstored(id);
      return { id, topic, at, data: json };
    }
    if (this.opts.retain > 0 && ++this.appendsSincePrune >= this.opts.pruneEvery) storeWrite(this.db, 'stream_events', () => this.prune(this.opts.retain), 0);
    return { id, topic, at, data: json };
  }

  /** The ranges of ids in (afterId, uptoId] whose events were sent live but never stored, oldest first. */
  unstored(afterId: number, uptoId: number): { from: number; to: number }[] {
    const out: { from: number; to: number }[] = [];
    for (const r of this.unstoredRanges) {
      if (r.to <= afterId || r.from > uptoId) continue;
      out.push({ from: Math.max(r.from, afterId + 1), to: Math.min(r.to, uptoId) });
    }
    return out;
  }

  private noteUnstored(id: number): void {
    const last = this.unstoredRanges[this.unstoredRanges.length - 1];
    if (last !== undefined && last.to === id - 1) { last.to = id; return; }
    this.unstoredRanges.push({ from: id, to: id });
    if (this.unstoredRanges.length > MAX_UNSTORED_RANGES) {
      // Bounded: the two oldest become one range (it may then cover ids that were stored; a gap too wide, never one missed).
      const [a, b] = this.unstoredRanges.splice(0, 2) as [{ from: number; to: number }, { from: number; to: number }];
      this.unstoredRanges.unshift({ from: a.from, to: b.to });
    }
  }

  /** Up to `limit` events after `afterId` whose topic is in `topics`, in id order. */
  since(afterId: number, topics: Iterable<string>, limit = 500): StreamEvent[] {
    const list = [...new Set(topics)].filter((t) => this.topics.includes(t)).sort();
    if (list.length === 0 || limit <= 0) return [];
    const key = list.join(',');
    let stmt = this.sinceStmts.get(key);
    if (stmt === undefined) {
      const filter = list.length === this.topics.length ? '' : ` AND topic IN (${list.map(() => '?').join(', ')})`;
      stmt = this.db.prepare(`SELECT id, topic, at, data FROM stream_events WHERE id > ?${filter} ORDER BY id LIMIT ?`);
      this.sinceStmts.set(key, stmt);
    }
    const all = list.length === this.topics.length;
    const read = (after: number, n: number) => stmt.all(...(all ? [after, n] : [after, ...list, n])) as StreamEvent[];
    const expand = this.opts.expand;
    if (expand === null) return read(afterId, limit);
    // A reference whose data is gone is skipped; the page is filled from further on, so a short page
    // still means the journal's end (the replay goes live on it).
    const out: StreamEvent[] = [];
    let after = afterId;
    for (;;) {
      const want = limit - out.length;
      const rows = read(after, want);
      for (const r of rows) {
        after = r.id;
        if (!r.data.startsWith(REF)) { out.push(r); continue; }
        const data = expand(r.topic, r.data.slice(REF.length));
        if (data !== null) out.push({ ...r, data });
      }
      if (rows.length < want || out.length >= limit) return out;
    }
  }

  /** The highest id ever given (0 when nothing was ever appended); pruning does not lower it. */
  lastId(): number {
    const row = this.seqStmt.get() as { seq: number } | undefined;
    return Math.max(row === undefined ? 0 : Number(row.seq), this.lastGiven);
  }

  /**
   * The oldest id still kept. When the journal is empty, lastId() + 1: everything up to lastId is
   * gone. A client whose last id is below oldestId() - 1 missed events that cannot be replayed.
   */
  oldestId(): number {
    const row = this.minStmt.get() as { id: number | null };
    return row.id === null ? this.lastId() + 1 : Number(row.id);
  }

  /**
   * Deletes all but the events of the newest `maxRows` ids. Returns how many went and the oldest id
   * kept. Ids are dense but for inserts that failed, so this keeps at most maxRows rows; cutting by
   * id instead of counting rows keeps a prune of a million-row journal one index range delete.
   */
  prune(maxRows: number): { deleted: number; oldestId: number } {
    this.appendsSincePrune = 0;
    const keep = Math.max(0, Math.floor(maxRows));
    const cut = this.lastId() - keep + 1;
    const deleted = this.pruneStmt.run(cut).changes;
    return { deleted, oldestId: this.oldestId() };
  }

  /** Events kept. */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM stream_events').get() as { n: number }).n;
  }
}
