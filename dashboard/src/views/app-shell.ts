// The frame around every page: the dark header with the pages this role may open, the stream state,
// who is signed in, sign-out, and a banner while the gateway is out of reach.
import { HUB_PAGES, PAGES, pagesFor, type Page } from '../api/role-access';
import type { Session } from '../api/session';
import type { ConnInfo } from '../state/live-data';
import { h } from '../ui/element';

const STATE_LABEL: Record<ConnInfo['state'], string> = { live: 'Live', connecting: 'Connecting', offline: 'Offline' };

export class AppShell {
  readonly el: HTMLElement;
  readonly main = h('main', { class: 'content' });
  private readonly links = new Map<Page, HTMLAnchorElement>();
  private readonly conn = h('span', { class: 'conn', 'data-testid': 'conn-state', 'data-state': 'connecting', role: 'status' });
  private readonly banner = h('div', { class: 'offline-banner', 'data-testid': 'offline-banner', hidden: true });

  /** What is out of reach when the banner shows: the gateway, or the fleet hub. */
  private readonly server: string;

  constructor(session: Session, onSignOut: () => void) {
    const allowed = pagesFor(session.role, session.hub);
    this.server = session.hub ? 'hub' : 'gateway';
    const nav = h('nav', { class: 'nav' });
    for (const { page, label } of session.hub ? HUB_PAGES : PAGES) {
      if (!allowed.includes(page)) continue;
      const a = h('a', { href: `#/${page}`, 'data-testid': `nav-${page}` }, label);
      this.links.set(page, a);
      nav.append(a);
    }
    const who = session.role === 'vendor' ? session.vendor : session.name;
    this.el = h('div', { class: 'shell' },
      h('header', { class: 'topbar' },
        h('a', { class: 'brand', href: allowed.length > 0 ? `#/${allowed[0]}` : '#/' }, h('span', { class: 'brand-mark' }, '◆'), ' edgeward',
          session.hub ? h('span', { class: 'brand-hub', 'data-testid': 'hub-mode' }, ' hub') : null),
        nav,
        h('div', { class: 'topbar-right' },
          this.conn,
          h('span', { class: 'who' }, h('span', { class: 'role', 'data-testid': 'role' }, session.role), who ? h('span', { class: 'who-name' }, who) : null),
          h('button', { type: 'button', class: 'btn btn-dark', 'data-testid': 'sign-out', onclick: onSignOut }, 'Sign out'))),
      this.banner,
      this.main);
    this.setConn({ state: 'connecting', detail: 'connecting…' });
  }

  setActive(page: Page): void {
    for (const [p, a] of this.links) {
      a.classList.toggle('active', p === page);
      if (p === page) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  setConn(c: ConnInfo): void {
    this.conn.dataset.state = c.state;
    this.conn.textContent = STATE_LABEL[c.state];
    this.conn.title = c.detail;
    this.banner.hidden = c.state !== 'offline';
    this.banner.textContent = `The ${this.server} is out of reach (${c.detail}). What you see may be out of date; the dashboard reconnects by itself and catches up.`;
  }
}
