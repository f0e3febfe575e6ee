// The hub's WebSocket stream at /api/v1/stream: the gateway's stream server (gateway/server/
// stream-server.ts: subprotocol edgeward.v1, bearer token in the upgrade, hello → subscribe → replay →
// live, gap, ping/pong, 4003/4008) over a journal in the hub's own SQLite file, so the dashboard's
// client reads it unchanged and a client resumes across hub restarts. Topics are the gateway's
// (alert, device, incident, log) plus `site` and `command`; every event's data carries `site`.
// Events are made from the store's committed batches only.
import type { Server } from 'node:http';
import type { AuthLimiter } from '../auth/auth-limiter.js';
import type { TokenInfo } from '../auth/token-store.js';
import type { EventLog } from '../common/event-log.js';
import { StreamServer, type StreamStats } from '../server/stream-server.js';
import type { Db } from '../store/database.js';
import { StreamJournal, type StreamEvent } from '../store/stream-journal.js';
import type { BatchResult, HubChange } from './hub-store.js';

/** What the hub's stream carries. */
export const HUB_TOPICS = Object.freeze(['alert', 'device', 'incident', 'log', 'site', 'command'] as const);

/** One of {@link HUB_TOPICS}. */
export type HubTopic = (typeof HUB_TOPICS)[number];

/** Stream settings. */
export interface HubStreamOptions {
  /** The hub's database: the journal is its table `stream_events`. */
  db: Db;
  /** The token's info, or null when unknown or revoked (TokenStore.verify). */
  authenticate: (token: string) => TokenInfo | null;
  /** Failed-auth limiter, shared with the REST API. */
  limiter: AuthLimiter;
  /** Whether the token with this id is still valid; asked each heartbeat (a revoked token is closed with 4003). Default: always. */
  tokenActive?: (tokenId: string) => boolean;
  /** Events kept for clients that resume; older ones are a gap. Default 200,000. */
  retain?: number;
  /** Site events are coalesced: at most one per site per this many ms. Default 1000. */
  siteEventMs?: number;
  /** Log; token ids, never tokens. Default: silent. */
  log?: EventLog;
  /** The latest copy of an alert as the store holds it (HubStore.alertJson): the journal keeps references to alerts, not copies. */
  alertJson?: (site: string, id: string) => string | null;
}

/**
 * The JSON text of an alert's event, `{change, alert: {…, site}, site}`, made from the alert's JSON
 * text the store encoded already (the same as JSON.stringify of changeEvent's data: `site` is the
 * last key of the alert, as the spread there puts it).
 */
export function alertEventJson(c: Pick<HubChange, 'change' | 'site'>, json: string): string {
  const site = JSON.stringify(c.site);
  const alert = json.length > 2 ? `${json.slice(0, -1)},"site":${site}}` : `{"site":${site}}`;
  return `{"change":"${c.change}","alert":${alert},"site":${site}}`;
}

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

/** The hub's WebSocket stream: the committed changes of the hub's store, as events. */
export class HubStream {
  private readonly server: StreamServer<HubTopic>;
  private readonly journal: StreamJournal;
  /** Whether alerts are journaled as references (options.alertJson given). */
  private readonly expands: boolean;
  private readonly siteEventMs: number;
  private readonly dirtySites = new Set<string>();
  private siteTimer: NodeJS.Timeout | null = null;
  /** Builds the `site` events of the sites changed since the last ones (the hub's site views). */
  siteViews: ((sites: ReadonlySet<string>) => { site: string }[]) | null = null;

  /** Events of the batch under way, journaled and not yet sent. */
  private pending: StreamEvent[] = [];

  constructor(opts: HubStreamOptions) {
    this.siteEventMs = opts.siteEventMs ?? 1000;
    const alertJson = opts.alertJson;
    // An alert's event is journaled as a reference to its row (change, site, id), the JSON being in
    // the store already: a replay sends the alert's latest copy (a client gets the newer copy early,
    // then the events of its updates). A second ~700-byte copy a record was 18 % of the hub's ingest.
    const expand = alertJson === undefined ? null : (topic: string, stored: string): string | null => {
      if (topic !== 'alert') return null;
      const [change, site, id] = JSON.parse(stored) as [HubChange['change'], string, string];
      const json = alertJson(site, id);
      return json === null ? null : alertEventJson({ change, site }, json);
    };
    this.expands = expand !== null;
    this.journal = new StreamJournal(opts.db, { topics: HUB_TOPICS, retain: opts.retain ?? 200_000, expand });
    this.server = new StreamServer<HubTopic>({
      journal: this.journal, authenticate: opts.authenticate, limiter: opts.limiter, realm: 'edgeward-hub',
      ...(opts.tokenActive !== undefined ? { tokenActive: opts.tokenActive } : {}), ...(opts.log !== undefined ? { log: opts.log } : {}),
    });
  }

  /** Serves the stream on `server`'s upgrades. */
  attach(server: Server): void {
    this.server.attach(server);
  }

  /** Journals an event and sends it to the clients subscribed to its topic. Returns its id. */
  publish(topic: HubTopic, data: unknown): number {
    return this.server.publish(topic, data);
  }

  /**
   * The store's writer inside each batch's transaction: one event per changed row, in stream order,
   * journaled with the batch (one commit for both), sent by {@link onBatch} after the commit.
   */
  readonly journalBatch = (result: BatchResult): void => {
    // A batch that rolled back never reached onBatch: its events go (their ids stay unused).
    this.pending = result.changed.map((c) => {
      if (c.kind === 'alert' && c.json !== undefined && c.json.startsWith('{') && this.expands) {
        return this.journal.appendRef('alert', JSON.stringify([c.change, c.site, (c.data as { id: string }).id]), alertEventJson(c, c.json));
      }
      const e = changeEvent(c);
      return this.server.record(e.topic, e.data);
    });
  };

  /** The store's observer after each commit: sends the batch's events; the sites changed get a `site` event within siteEventMs. */
  readonly onBatch = (result: BatchResult): void => {
    for (const ev of this.pending) this.server.deliver(ev);
    this.pending = [];
    for (const s of result.sites) this.dirtySites.add(s);
    if (this.dirtySites.size > 0 && this.siteTimer === null) {
      this.siteTimer = setTimeout(() => this.flushSites(), this.siteEventMs);
      this.siteTimer.unref();
    }
  };

  private flushSites(): void {
    this.siteTimer = null;
    const sites = new Set(this.dirtySites);
    this.dirtySites.clear();
    // No client: no snapshot worth counting alerts for (one that connects later reads /api/v1/sites).
    if (this.siteViews === null || sites.size === 0 || this.server.stats().clients === 0) return;
    for (const v of this.siteViews(sites)) this.publish('site', v);
  }

  /** Counters and clients now. */
  stats(): StreamStats {
    return this.server.stats();
  }

  /** Stops: detaches, closes every client with 1001 (terminating those that linger past graceMs). */
  async close(graceMs = 2000): Promise<void> {
    if (this.siteTimer !== null) { clearTimeout(this.siteTimer); this.siteTimer = null; }
    await this.server.close(graceMs);
  }
}
