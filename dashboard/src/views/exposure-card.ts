// A device's exposure on the dashboard: the list's column (how bad, which maintenance services,
// reachable from the internet, default password) and the detail's card — the findings in words with
// what to do, then each service with who reached it, how the internet gets in, and what the audit found.
import type { DeviceExposure, ExposedService, ExposureSummary, InternetPath } from '../api/api-types';
import { h } from '../ui/element';
import { ago, count, shortTime } from '../ui/format';
import { severityBadge } from './severity-badge';

const VIA: Record<string, string> = { upnp: 'UPnP mapping', natpmp: 'NAT-PMP mapping', pcp: 'PCP mapping', nft: 'gateway port forward' };

/** The list's exposure column. */
export function exposureCell(s: ExposureSummary | undefined): HTMLElement {
  if (s === undefined || s.services === 0) return h('td', { 'data-testid': 'exposure-cell', 'data-level': s?.level ?? 'none', class: 'muted' }, '—');
  return h('td', { 'data-testid': 'exposure-cell', 'data-level': s.level, title: `${count(s.services)} service(s)` },
    s.level === 'none' ? null : severityBadge(s.level),
    s.maintenance.length > 0 ? h('span', { class: 'mono' }, ` ${s.maintenance.join(', ')}`) : h('span', { class: 'muted' }, ` ${count(s.services)} service(s)`),
    s.internet ? h('span', { class: 'badge sev-high', title: 'reachable from the internet' }, 'internet') : null,
    s.defaultCredential ? h('span', { class: 'badge sev-critical', title: 'accepts a factory default password' }, 'default password') : null);
}

/** Worst level first, for the list's sort. */
export const EXPOSURE_ORDER = ['critical', 'high', 'medium', 'low', 'info', 'none'];

function pathText(p: InternetPath): string {
  if (p.kind === 'wan-peer') return `reached from outside ${ago(p.at)}`;
  return `${VIA[p.kind] ?? p.kind}${p.externalPort > 0 ? ` (outside port ${p.externalPort})` : ''}${p.expiresAt !== null ? `, until ${shortTime(p.expiresAt)}` : ''}`;
}

function auditText(s: ExposedService): string {
  const a = s.audit;
  if (a === null) return '—';
  const when = shortTime(a.at);
  switch (a.outcome) {
    case 'default-accepted': return `default password accepted (${a.list ?? '?'} list), ${when}`;
    case 'not-accepted': return `${count(a.tried)} default passwords refused, ${when}`;
    case 'not-offered': return `no login to try${a.detail ? ` (${a.detail})` : ''}, ${when}`;
    case 'error': return `audit failed: ${a.detail ?? 'error'}, ${when}`;
    default: return `${a.outcome}, ${when}`;
  }
}

/** The detail's exposure card; `action`: the audit button and its status (admins), or null. */
export function exposureCard(e: DeviceExposure | undefined, action: HTMLElement | null = null): HTMLElement {
  const head = h('div', { class: 'card-head' }, h('h2', null, 'Exposure'),
    e === undefined || e.level === 'none' ? null : severityBadge(e.level),
    e?.audit ? h('span', { class: 'muted' }, `last audit ${shortTime(e.audit.at)}`) : h('span', { class: 'muted' }, 'never audited'),
    h('div', { class: 'spacer' }), action);
  if (e === undefined || e.services.length === 0) {
    return h('div', { class: 'card', 'data-testid': 'exposure-card' }, head, h('p', { class: 'muted pad' }, 'No service seen answering on this device.'));
  }
  return h('div', { class: 'card', 'data-testid': 'exposure-card', 'data-level': e.level }, head,
    e.findings.length === 0 ? null : h('ul', { class: 'findings' }, e.findings.map((f) => h('li', { 'data-testid': 'exposure-finding', 'data-severity': f.severity },
      severityBadge(f.severity), h('span', null, ` ${f.text}`),
      f.todo.length === 0 ? null : h('ol', { class: 'todo' }, f.todo.map((t) => h('li', null, t)))))),
    h('table', { class: 'grid', 'data-testid': 'exposure-table' },
      h('thead', null, h('tr', null, ['Service', 'Port', 'Accepted from LAN / outside', 'Internet', 'Default password', 'Audit'].map((t) => h('th', null, t)))),
      h('tbody', null, e.services.map((s) => h('tr', { 'data-testid': 'exposure-service', 'data-port': String(s.port), 'data-reachable': String(s.internet.reachable) },
        h('td', { title: s.words }, s.service ?? '—', s.maintenance ? h('span', { class: 'muted' }, ' maintenance') : null),
        h('td', { class: 'mono' }, `${s.proto}/${s.port}`),
        h('td', { class: 'num' }, `${count(s.lanPeers)} / ${count(s.wanPeers)}`),
        h('td', { class: s.internet.reachable ? 'warn' : 'muted' }, s.internet.reachable ? s.internet.paths.map(pathText).join('; ') : 'not reachable'),
        h('td', { class: s.credentials.length > 0 ? 'warn' : 'muted' }, s.credentials.length > 0 ? s.credentials.map((c) => `${c.list} list (${c.source})`).join(', ') : 'none found'),
        h('td', null, auditText(s)))))));
}
