// The signed-in session's live state: one stream connection feeding the alert store, the device
// directory and the log listeners, batched per animation frame; REST snapshots fill in what the
// stream cannot replay (first load, a gap, a reset journal).
import type { Alert, AlertChange, AlertPage, DeviceChange, DeviceView, LogRecord, StreamEvent } from '../api/api-types';
import type { HttpClient } from '../api/http-client';
import type { IncidentChange } from '../api/incident-types';
import { canReadDevices, canStream } from '../api/role-access';
import type { Session } from '../api/session';
import { StreamClient, type ConnState } from '../api/stream-client';
import { AlertStore } from './alert-store';
import { DeviceDirectory } from './device-directory';
import { FeedModel } from './feed-model';
import { FrameBatcher } from './frame-batcher';
import { siteKeyed, type HubAlertPage } from './hub-alerts';

/** Alerts per REST page (the API's maximum). */
export const ALERT_PAGE = 1000;
/** Without the stream (vendors), how often the header checks the gateway is reachable (ms). */
const HEALTH_POLL_MS = 10_000;
/** While the stream is down, how often the token is checked over REST (ms). */
const TOKEN_CHECK_MS = 10_000;
/** On a fleet hub, how often the pages that list sites, devices or commands fetch them again (ms). */
export const HUB_REFRESH_MS = 5_000;

export interface ConnInfo {
  state: ConnState;
  detail: string;
}

export class LiveData {
  readonly alerts = new AlertStore();
  readonly devices = new DeviceDirectory();
  readonly feed: FeedModel;
  conn: ConnInfo = { state: 'connecting', detail: 'connecting…' };
  /** Alerts the server holds in all (from the last snapshot), and the cursor of the next older page. */
  serverTotal: number | null = null;
  /** A gateway's cursor is an activity number, a hub's an opaque string. */
  olderCursor: number | string | null = null;
  loadingOlder = false;

  private readonly stream: StreamClient | null;
  private readonly batcher = new FrameBatcher<StreamEvent>((evs) => this.applyEvents(evs));
  private readonly connListeners = new Set<(c: ConnInfo) => void>();
  private readonly logListeners = new Set<(logs: LogRecord[]) => void>();
  private readonly incidentListeners = new Set<(changes: IncidentChange[]) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private healthTimer: number | undefined;
  private tokenCheckedAt = 0;
  private stopped = false;

  constructor(
    private readonly session: Session,
    private readonly http: HttpClient,
    onRevoked: () => void,
  ) {
    this.feed = new FeedModel(this.alerts, (mac) => this.devices.hostname(mac));
    // A hub streams the same protocol; the feed and the device names need its alerts and devices.
    this.stream = canStream(session.role)
      ? new StreamClient(session.token, session.hub ? ['alert', 'device'] : ['alert', 'log', 'device', 'incident'], {
          onEvent: (ev) => this.batcher.push(ev),
          onResync: (reason) => void this.resync(reason),
          onState: (state, detail) => {
            this.setConn({ state, detail });
            if (state === 'offline') this.checkToken();
          },
          onRevoked,
        })
      : null;
  }

  start(): void {
    if (this.stream !== null) {
      this.stream.start();
      return;
    }
    // No stream for this role: the header reflects whether the gateway answers.
    const check = async (): Promise<void> => {
      try {
        const r = await fetch('/api/v1/health', { cache: 'no-store' });
        this.setConn(r.ok ? { state: 'live', detail: 'connected' } : { state: 'offline', detail: `gateway answers ${r.status}` });
      } catch {
        this.setConn({ state: 'offline', detail: 'gateway unreachable' });
      }
    };
    void check();
    this.healthTimer = window.setInterval(() => void check(), HEALTH_POLL_MS);
  }

  stop(): void {
    this.stopped = true;
    this.stream?.stop();
    this.batcher.clear();
    clearInterval(this.healthTimer);
  }

  onConn(fn: (c: ConnInfo) => void): () => void {
    this.connListeners.add(fn);
    return () => this.connListeners.delete(fn);
  }

  /** Live incident changes (stream topic `incident`), a batch per frame. */
  onIncidents(fn: (changes: IncidentChange[]) => void): () => void {
    this.incidentListeners.add(fn);
    return () => this.incidentListeners.delete(fn);
  }

  /** Live edge log records, a batch per frame. */
  onLogs(fn: (logs: LogRecord[]) => void): () => void {
    this.logListeners.add(fn);
    return () => this.logListeners.delete(fn);
  }

  /** The stream could not replay what was missed: views holding their own copies reload them. */
  onResync(fn: () => void): () => void {
    this.resyncListeners.add(fn);
    return () => this.resyncListeners.delete(fn);
  }

  /** Merges one alert the API returned (after acknowledge/resolve), before its stream event arrives. */
  putAlert(a: Alert): void {
    this.alerts.apply([a], false);
  }

  /** Fetches the next older page of alerts into the store. */
  async loadOlder(): Promise<void> {
    if (this.olderCursor === null || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const page = await this.http.get<AlertPage | HubAlertPage>('/api/v1/alerts', { limit: ALERT_PAGE, before: this.olderCursor });
      this.olderCursor = page.next;
      this.alerts.apply(this.held(page), false);
    } finally {
      this.loadingOlder = false;
    }
  }

  private setConn(c: ConnInfo): void {
    if (this.stopped) return;
    this.conn = c;
    for (const fn of this.connListeners) fn(c);
  }

  /**
   * A browser cannot see why a WebSocket upgrade failed: while offline, ask REST now and then
   * whether the token still works, so a token revoked meanwhile ends the session (the client's
   * 401 handler) instead of retrying forever.
   */
  private checkToken(): void {
    const now = Date.now();
    if (now - this.tokenCheckedAt < TOKEN_CHECK_MS) return;
    this.tokenCheckedAt = now;
    this.http.get('/api/v1/whoami').catch(() => {
      // Unreachable or an older server without /whoami: nothing to conclude.
    });
  }

  private async resync(reason: 'initial' | 'gap' | 'reset'): Promise<void> {
    if (this.stopped) return;
    if (reason === 'reset') {
      this.alerts.clear();
      this.olderCursor = null;
    }
    for (const fn of this.resyncListeners) fn();
    const jobs: Promise<unknown>[] = [
      this.http.get<AlertPage | HubAlertPage>('/api/v1/alerts', { limit: ALERT_PAGE }).then((page) => {
        this.serverTotal = 'total' in page ? page.total : null;
        // Keep the oldest cursor we reached: a resync only refreshes the newest page.
        if (this.olderCursor === null || this.alerts.list.length === 0) this.olderCursor = page.next;
        this.alerts.apply(this.held(page), false);
      }),
    ];
    if (canReadDevices(this.session.role)) {
      jobs.push(this.http.get<{ items: DeviceView[] }>('/api/v1/devices').then((r) => {
        this.devices.load(r.items);
        // Hostnames may now match the device filter.
        this.feed.rebuild();
      }));
    }
    await Promise.allSettled(jobs);
  }

  /** A page's alerts as the store holds them: on a hub keyed by site (hub-alerts.ts). */
  private held(page: AlertPage | HubAlertPage): Alert[] {
    return this.session.hub ? (page as HubAlertPage).items.map(siteKeyed) : page.items;
  }

  private applyEvents(evs: StreamEvent[]): void {
    const alerts: Alert[] = [];
    const devices: DeviceView[] = [];
    const logs: LogRecord[] = [];
    const incidents: IncidentChange[] = [];
    for (const ev of evs) {
      // A hub's alert carries its site: keyed by site as the REST pages are (hub-alerts.ts).
      if (ev.topic === 'alert') alerts.push(this.session.hub ? siteKeyed((ev.data as AlertChange).alert as Alert & { site: string }) : (ev.data as AlertChange).alert);
      else if (ev.topic === 'device') devices.push((ev.data as DeviceChange).device);
      else if (ev.topic === 'log') logs.push(ev.data as LogRecord);
      else if (ev.topic === 'incident') incidents.push(ev.data as IncidentChange);
    }
    if (devices.length > 0) this.devices.upsert(devices);
    if (alerts.length > 0) {
      const c = this.alerts.apply(alerts, true);
      if (this.serverTotal !== null) this.serverTotal += c.added.length;
    }
    if (logs.length > 0) for (const fn of this.logListeners) fn(logs);
    if (incidents.length > 0) for (const fn of this.incidentListeners) fn(incidents);
  }
}
