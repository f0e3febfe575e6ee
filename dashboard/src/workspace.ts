// The signed-in dashboard: the shell, the live data of the session, and the page the hash names.
// The feed page is kept while the user visits others, so its filters and scroll survive; the
// other pages are built on entry and stopped on exit.
import { HttpClient } from './api/http-client';
import { homePage, pagesFor } from './api/role-access';
import type { Session } from './api/session';
import { hashOf, parseHash, type Route } from './router';
import { LiveData } from './state/live-data';
import { AppShell } from './views/app-shell';
import { DeviceDetailView } from './views/device-detail-view';
import { DevicesView } from './views/devices-view';
import { FeedView } from './views/feed-view';
import { LazyView } from './views/lazy-view';
import { LogsView } from './views/logs-view';
import { ProfilesView } from './views/profiles-view';
import { SuppressionsView } from './views/suppressions-view';
import { HubCommandsView } from './views/hub-commands-view';
import { HubDevicesView } from './views/hub-devices-view';
import { HubSearchView } from './views/hub-search-view';
import { SitesView } from './views/sites-view';
import { IncidentDetailView } from './views/incident-detail-view';
import { IncidentsView } from './views/incidents-view';
import type { View, ViewContext } from './views/view';

export class Workspace {
  private readonly ctx: ViewContext;
  private readonly shell: AppShell;
  private feed: FeedView | null = null;
  private current: View | null = null;
  private ended = false;
  private readonly offConn: () => void;

  constructor(
    private readonly root: HTMLElement,
    session: Session,
    /** Leaves the workspace; `reason` is shown on the sign-in page. */
    private readonly onEnd: (reason: string | null) => void,
  ) {
    const http = new HttpClient(session.token, () => this.end('The gateway no longer accepts this token (revoked or expired). Sign in again.'));
    const live = new LiveData(session, http, () => this.end('This token was revoked. Sign in with another one.'));
    this.ctx = { session, http, live };
    this.shell = new AppShell(session, () => this.end(null));
    this.offConn = live.onConn((c) => this.shell.setConn(c));
  }

  start(): void {
    this.root.replaceChildren(this.shell.el);
    window.addEventListener('hashchange', this.route);
    this.ctx.live.start();
    this.route();
  }

  /** Stops everything and hands back to the sign-in page. */
  end(reason: string | null): void {
    if (this.ended) return;
    this.ended = true;
    window.removeEventListener('hashchange', this.route);
    this.offConn();
    this.ctx.live.stop();
    if (this.current !== this.feed) this.current?.destroy();
    this.feed?.destroy();
    this.onEnd(reason);
  }

  private readonly route = (): void => {
    if (this.ended) return;
    const { role, hub } = this.ctx.session;
    const r = parseHash(location.hash);
    // A hub has no device page of its own (a device's detail stays at its site): the inventory.
    if (hub && r?.page === 'devices' && r.mac !== null) {
      history.replaceState(null, '', hashOf({ page: 'devices', mac: null }));
      this.route();
      return;
    }
    if (r === null || !pagesFor(role, hub).includes(r.page)) {
      // Unknown or not for this role: the role's first page, without a history entry.
      history.replaceState(null, '', hashOf({ page: homePage(role, hub) } as Route));
      this.route();
      return;
    }
    this.show(r);
  };

  private show(r: Route): void {
    if (this.current === this.feed && this.current !== null) this.feed!.hidden?.();
    else this.current?.destroy();
    let view: View;
    switch (r.page) {
      case 'feed':
        view = this.feed ??= new FeedView(this.ctx);
        break;
      case 'devices':
        if (this.ctx.session.hub) view = new HubDevicesView(this.ctx);
        else view = r.mac === null ? new DevicesView(this.ctx) : new DeviceDetailView(this.ctx, r.mac);
        break;
      case 'sites':
        view = new SitesView(this.ctx);
        break;
      case 'search':
        view = new HubSearchView(this.ctx);
        break;
      case 'commands':
        view = new HubCommandsView(this.ctx);
        break;
      case 'profiles':
        view = new ProfilesView(this.ctx);
        break;
      case 'logs':
        view = new LogsView(this.ctx);
        break;
      case 'suppressions':
        view = new SuppressionsView(this.ctx);
        break;
      case 'incidents':
        view = r.id === null ? new IncidentsView(this.ctx) : new IncidentDetailView(this.ctx, r.id);
        break;
      case 'charts':
        // uPlot is only needed here: its code comes with the page.
        view = new LazyView(async () => new (await import('./views/charts-view')).ChartsView(this.ctx));
        break;
    }
    this.current = view;
    this.shell.setActive(r.page);
    this.shell.main.replaceChildren(view.el);
    view.shown?.();
    document.title = `edgeward · ${r.page === 'devices' && r.mac !== null ? r.mac : r.page}`;
  }
}
