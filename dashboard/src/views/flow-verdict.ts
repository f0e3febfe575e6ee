// Why a flow was allowed or flagged, in words: the ACE of the device's MUD profile that allowed it,
// or the ACL that denied it with the nearest ACE and the reason the policy layer gave.
import type { AceView, FlowRecord, MudVerdict } from '../api/api-types';
import { h } from '../ui/element';

/** The verdict that concerns `mac` (a flow between two profiled devices carries one per device). */
export function verdictFor(f: FlowRecord, mac: string): MudVerdict | null {
  const vs = f.mud ?? [];
  return vs.find((v) => v.device === mac) ?? vs[0] ?? null;
}

/** data-allowed of a flow row. */
export function allowedAttr(v: MudVerdict | null): 'true' | 'false' | 'none' {
  return v === null ? 'none' : v.allowed ? 'true' : 'false';
}

/** Whether the ACE row (or the ACL's implicit deny row) decided this verdict. */
export function aceDecided(ace: AceView, v: MudVerdict | null): boolean {
  if (v === null || v.acl !== ace.acl) return false;
  return ace.ace === null ? !v.allowed : v.allowed && v.ace === ace.ace;
}

export function verdictCell(v: MudVerdict | null, aces: readonly AceView[]): HTMLElement {
  if (v === null) return h('td', { class: 'verdict verdict-none' }, h('span', { class: 'muted' }, 'no MUD verdict (no profile on this flow)'));
  const sentence = aces.find((a) => a.acl === v.acl && a.ace === v.ace)?.matches;
  if (v.allowed) {
    return h('td', { class: 'verdict verdict-allowed', title: sentence ?? '' },
      h('span', { class: 'tick' }, '✓ allowed'), ' by ACE ', h('b', null, v.ace ?? '?'), ' in ', h('span', { class: 'mono' }, v.acl ?? '?'),
      sentence ? h('div', { class: 'muted small' }, sentence) : null);
  }
  return h('td', { class: 'verdict verdict-denied', title: v.reason ?? '' },
    h('span', { class: 'cross' }, '✗ denied'), ' by ACL ', h('b', { class: 'mono' }, v.acl ?? '?'),
    v.ace !== null ? [' (nearest ACE ', h('b', null, v.ace), ')'] : null,
    v.reason ? h('div', { class: 'muted small' }, v.reason) : null);
}
