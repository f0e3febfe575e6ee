// One device: identity, its MUD profile's ACEs with how many flows each allowed (or the implicit
// deny refused), its recent flows with the verdict on each, its alerts and edge error logs.
// Clicking an ACE shows the flows it decided.
import type { AceView, Alert, DeviceDetail, FlowRecord, LogRecord } from '../api/api-types';
import { ApiError } from '../api/http-client';
import { h, replaceChildren } from '../ui/element';
import { ago, bytes, count, endpoint, shortTime } from '../ui/format';
import { aceDecided, allowedAttr, verdictCell, verdictFor } from './flow-verdict';
import { complianceBadge, severityBadge, syslogBadge } from './severity-badge';
import { exposureCard } from './exposure-card';
import { canAudit } from '../api/role-access';
import type { View, ViewContext } from './view';

/** Refresh while the page is open (ms): flows and counts move. */
const REFRESH_MS = 10_000;
/** Flows listed at most (live first, then the most recent ended). */
const MAX_FLOWS = 200;
const MAX_ALERTS = 50;

type FlowFilter = 'all' | 'allowed' | 'denied';

export class DeviceDetailView implements View {
  readonly el: HTMLElement;
  private detail: DeviceDetail | null = null;
  private selectedAce: AceView | null = null;
  private flowFilter: FlowFilter = 'all';
  private readonly timer: number;
  private readonly offs: (() => void)[] = [];
  private liveAlertsDirty = false;
  private readonly acesBox = h('div', { class: 'card' });
  private readonly flowsBox = h('div', { class: 'card' });
  private readonly alertsBox = h('div', { class: 'card' });
  /** The audit button and what the last audit request said (kept across re-renders). */
  private readonly auditStatus = h('span', { class: 'muted', 'data-testid': 'audit-status' });
  private readonly auditButton = h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'audit-now', title: 'Try the default-password lists on its telnet, SSH and web logins (only with the owner\'s consent: audit.consent)' }, 'Audit now');
  private readonly auditBox = h('span', { class: 'audit-action' }, this.auditStatus, ' ', this.auditButton);

  constructor(private readonly ctx: ViewContext, private readonly mac: string) {
    this.auditButton.addEventListener('click', () => void this.audit());
    this.el = h('section', { class: 'page page-device', 'data-testid': 'device-detail', 'data-mac': mac }, h('p', { class: 'muted' }, 'Loading…'));
    void this.load();
    this.timer = window.setInterval(() => void this.load(), REFRESH_MS);
    // New alerts for this device show up without waiting for the refresh.
    this.offs.push(ctx.live.alerts.onChange((c) => {
      if (this.detail !== null && [...c.added, ...c.updated].some((e) => e.alert.device === mac) && !this.liveAlertsDirty) {
        this.liveAlertsDirty = true;
        requestAnimationFrame(() => {
          this.liveAlertsDirty = false;
          this.renderAlerts();
        });
      }
    }));
  }

  destroy(): void {
    clearInterval(this.timer);
    for (const off of this.offs) off();
  }

  private async load(): Promise<void> {
    try {
      this.detail = await this.ctx.http.get<DeviceDetail>(`/api/v1/devices/${encodeURIComponent(this.mac)}`);
      if (this.selectedAce !== null) {
        const s = this.selectedAce;
        this.selectedAce = this.detail.aces.find((a) => a.acl === s.acl && a.ace === s.ace) ?? null;
      }
      this.render();
    } catch (e) {
      if (this.detail !== null && e instanceof ApiError && e.status === 0) return;
      clearInterval(this.timer);
      replaceChildren(this.el,
        h('p', { class: 'form-error' }, e instanceof ApiError && e.status === 404 ? `No device ${this.mac} is known to the gateway.` : `Could not load ${this.mac}: ${e instanceof Error ? e.message : String(e)}`),
        h('a', { href: '#/devices' }, '← All devices'));
    }
  }

  private render(): void {
    const d = this.detail!;
    this.el.dataset.compliance = d.compliance;
    const meta = (k: string, v: unknown): HTMLElement[] => [h('dt', null, k), h('dd', null, v === null || v === undefined || v === '' ? '—' : (v as string | Node))];
    replaceChildren(this.el,
      h('div', { class: 'page-head' },
        h('a', { href: '#/devices', class: 'back' }, '← Devices'),
        h('h1', null, d.hostname ?? d.mac), h('span', { class: 'mono muted' }, d.mac), complianceBadge(d.compliance),
        h('div', { class: 'spacer' }),
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => void this.load() }, 'Refresh')),
      h('div', { class: 'card' },
        h('dl', { class: 'meta' },
          meta('vendor', d.vendor), meta('addresses', d.ips.join(', ')),
          meta('MUD URL', d.mudUrl === null ? null : `${d.mudUrl}${d.mudUrlSource ? ` (via ${d.mudUrlSource})` : ''}`),
          meta('profile', d.profile === null ? 'none' : d.profile),
          meta('open violations', count(d.openViolations)), meta('alerts', count(d.alerts)),
          meta('sent', `${bytes(d.txBytes)} in ${count(d.txPackets)} packets`),
          meta('first seen', shortTime(d.firstSeen)), meta('last seen', `${shortTime(d.lastSeen)} (${ago(d.lastSeen)})`),
          meta('DHCP', [d.dhcpVendorClass, d.dhcpFingerprint ? `fingerprint ${d.dhcpFingerprint}` : null].filter(Boolean).join(' · ') || null),
          d.ssdpServer ? meta('SSDP', d.ssdpServer) : null)),
      d.exposureDetail === undefined ? null : exposureCard(d.exposureDetail, canAudit(this.ctx.session.role) ? this.auditBox : null),
      this.acesBox,
      this.flowsBox,
      h('div', { class: 'two-col' }, this.alertsBox, this.logsCard(d.logs)));
    this.renderAces();
    this.renderFlows();
    this.renderAlerts();
  }

  /**
   * Starts an audit of this device (the server refuses one without consent, saying why) and follows
   * it until it ends, then shows the device again with the audit's results in its exposure.
   */
  private async audit(): Promise<void> {
    this.auditButton.disabled = true;
    this.auditStatus.className = 'muted';
    this.auditStatus.textContent = 'auditing…';
    try {
      const r = await this.ctx.http.post<{ audit: { id: string } }>('/api/v1/exposure/audits', { devices: [this.mac] });
      for (;;) {
        await new Promise((res) => setTimeout(res, 1000));
        const a = await this.ctx.http.get<{ state: string; error: string | null }>(`/api/v1/exposure/audits/${encodeURIComponent(r.audit.id)}`);
        if (a.state === 'running') continue;
        this.auditStatus.textContent = a.state === 'done' ? 'audit done' : `audit failed: ${a.error ?? 'unknown error'}`;
        break;
      }
      await this.load();
    } catch (e) {
      this.auditStatus.className = 'form-error';
      // The details name each refused device; the message already does when there is one.
      const more = e instanceof ApiError ? e.details.map((d) => d.message).filter((m) => !e.message.includes(m)) : [];
      this.auditStatus.textContent = e instanceof ApiError ? `${e.message}${more.length > 0 ? `: ${more.join('; ')}` : ''}` : String(e);
    } finally {
      this.auditButton.disabled = false;
    }
  }

  private renderAces(): void {
    const d = this.detail!;
    const p = d.profileInfo;
    const head = h('div', { class: 'card-head' }, h('h2', null, 'MUD profile'),
      p === null ? h('span', { class: 'muted' }, d.compliance === 'no-profile' ? 'This device has no profile: its traffic is judged by the default policy.' : 'No profile information.')
        : [h('span', null, [p.mfgName, p.modelName].filter(Boolean).join(' ') || p.mudUrl),
          h('span', { class: `badge sig-${p.signature}` }, p.signature === 'signed' ? `signed${p.signer ? ` by ${p.signer}` : ''}` : p.signature),
          h('span', { class: 'muted' }, `${p.source} · ${p.acls} ACLs, ${p.aces} ACEs`)]);
    if (d.aces.length === 0) {
      replaceChildren(this.acesBox, head);
      return;
    }
    const rows = d.aces.map((a) => {
      const on = this.selectedAce !== null && this.selectedAce.acl === a.acl && this.selectedAce.ace === a.ace;
      return h('tr', {
        'data-testid': 'ace-row', 'data-acl': a.acl, 'data-ace': a.ace ?? '', 'data-flows': String(a.flows),
        class: `clickable${a.ace === null ? ' implicit-deny' : ''}${on ? ' selected' : ''}`,
        title: 'Show the flows this entry decided',
        onclick: () => {
          this.selectedAce = on ? null : a;
          this.renderAces();
          this.renderFlows();
        },
      },
      h('td', { class: 'mono' }, a.acl),
      h('td', null, a.ace ?? h('i', null, 'implicit deny')),
      h('td', null, a.direction),
      h('td', null, h('span', { class: a.action.startsWith('accept') ? 'tick' : 'cross' }, a.action)),
      h('td', null, a.matches),
      h('td', { class: `num${a.ace === null && a.flows > 0 ? ' warn' : ''}` }, count(a.flows)),
      h('td', { class: 'num' }, bytes(a.bytes)));
    });
    replaceChildren(this.acesBox, head,
      h('table', { class: 'grid', 'data-testid': 'ace-table' },
        h('thead', null, h('tr', null, ['ACL', 'ACE', 'Direction', 'Action', 'Matches', 'Flows', 'Bytes'].map((t) => h('th', null, t)))),
        h('tbody', null, rows)));
  }

  private renderFlows(): void {
    const d = this.detail!;
    const all: { f: FlowRecord; live: boolean }[] = [
      ...d.flows.live.map((f) => ({ f, live: true })),
      ...[...d.flows.ended].sort((a, b) => b.lastTs.localeCompare(a.lastTs)).map((f) => ({ f, live: false })),
    ];
    const sel = this.selectedAce;
    const shown = all.filter(({ f }) => {
      const v = verdictFor(f, d.mac);
      if (sel !== null && !aceDecided(sel, v)) return false;
      if (this.flowFilter === 'allowed') return v?.allowed === true;
      if (this.flowFilter === 'denied') return v?.allowed === false;
      return true;
    }).slice(0, MAX_FLOWS);
    const chip = (f: FlowFilter, label: string): HTMLElement => h('button', {
      type: 'button', class: `chip${this.flowFilter === f ? ' on' : ''}`, 'data-testid': `flows-${f}`,
      onclick: () => { this.flowFilter = f; this.renderFlows(); },
    }, label);
    const rows = shown.map(({ f, live }) => {
      const v = verdictFor(f, d.mac);
      const name = f.sni ?? f.http?.host ?? '';
      return h('tr', { 'data-testid': 'flow-row', 'data-allowed': allowedAttr(v), class: v !== null && !v.allowed ? 'denied-row' : '' },
        h('td', { title: `${f.firstTs} → ${f.lastTs}` }, shortTime(f.firstTs), live ? h('span', { class: 'badge live' }, 'live') : null),
        h('td', null, f.proto),
        h('td', { class: 'mono' }, endpoint(f.src, f.sport)),
        h('td', { class: 'mono' }, endpoint(f.dst, f.dport)),
        h('td', { class: 'url' }, name, f.http?.uri ? h('span', { class: 'muted' }, ` ${f.http.method ?? ''} ${f.http.uri}`) : null),
        h('td', { class: 'num', title: `${count(f.srcPackets)} / ${count(f.dstPackets)} packets` }, `${bytes(f.srcBytes)} / ${bytes(f.dstBytes)}`),
        h('td', null, f.state ?? '', f.endReason && f.endReason !== f.state ? h('span', { class: 'muted' }, ` ${f.endReason}`) : null),
        verdictCell(v, d.aces));
    });
    replaceChildren(this.flowsBox,
      h('div', { class: 'card-head' }, h('h2', null, 'Recent flows'),
        chip('all', 'All'), chip('allowed', 'Allowed'), chip('denied', 'Denied'),
        sel !== null ? h('span', { class: 'filter-note' }, `decided by ${sel.ace === null ? `the implicit deny of ${sel.acl}` : `ACE ${sel.ace}`} `,
          h('button', { type: 'button', class: 'btn btn-xs btn-ghost', onclick: () => { this.selectedAce = null; this.renderAces(); this.renderFlows(); } }, 'show all')) : null,
        h('span', { class: 'muted' }, `${shown.length} of ${all.length}`)),
      rows.length === 0 ? h('p', { class: 'muted pad' }, 'No flow to show.')
        : h('div', { class: 'table-scroll' }, h('table', { class: 'grid', 'data-testid': 'flow-table' },
          h('thead', null, h('tr', null, ['Started', 'Proto', 'Source', 'Destination', 'Name', 'Bytes out / in', 'State', 'MUD verdict'].map((t) => h('th', null, t)))),
          h('tbody', null, rows))));
  }

  /** The alerts REST returned, merged with newer ones the stream brought since. */
  private renderAlerts(): void {
    const d = this.detail;
    if (d === null) return;
    const byId = new Map<string, Alert>();
    for (const a of d.recentAlerts) byId.set(a.id, a);
    for (const e of this.ctx.live.alerts.list) if (e.alert.device === d.mac) byId.set(e.alert.id, e.alert);
    const list = [...byId.values()].sort((a, b) => (b.activity ?? b.seq ?? 0) - (a.activity ?? a.seq ?? 0) || b.lastTs.localeCompare(a.lastTs)).slice(0, MAX_ALERTS);
    replaceChildren(this.alertsBox,
      h('div', { class: 'card-head' }, h('h2', null, 'Alerts'), h('span', { class: 'muted' }, `${count(d.alerts)} in all, newest ${list.length}`)),
      list.length === 0 ? h('p', { class: 'muted pad' }, 'No alert for this device.')
        : h('ul', { class: 'rows' }, list.map((a) => h('li', {
          'data-testid': 'detail-alert', 'data-alert-id': a.id, 'data-rule': a.rule, 'data-severity': a.severity, 'data-status': a.status ?? 'open',
        }, h('span', { class: 'c-time', title: a.lastTs }, shortTime(a.lastTs)), severityBadge(a.severity), h('span', { class: 'mono' }, a.rule),
        a.count > 1 ? h('span', { class: 'muted' }, `×${count(a.count)}`) : null,
        h('span', { class: 'grow ellipsis', title: a.message }, a.message), h('span', { class: `status st-${a.status ?? 'open'}` }, a.status ?? 'open')))));
  }

  private logsCard(logs: LogRecord[]): HTMLElement {
    return h('div', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Edge logs'), h('a', { href: '#/logs' }, 'all logs →')),
      logs.length === 0 ? h('p', { class: 'muted pad' }, 'This device has sent no log.')
        : h('ul', { class: 'rows' }, logs.map((l) => h('li', { 'data-testid': 'detail-log', 'data-severity': l.severity ?? 'unknown' },
          h('span', { class: 'c-time', title: l.ts ?? '' }, shortTime(l.ts ?? l.receivedAt ?? null)), syslogBadge(l.severity),
          h('span', { class: 'mono' }, l.app ?? l.host ?? ''), h('span', { class: 'grow ellipsis', title: l.raw }, l.message)))));
  }
}
