// Whom an alert is about, for grouping it into an incident: the LAN device attacked (inbound attack
// rules whose target is a LAN device), else the alert's device, else the external peer. Pure.
import type { Alert } from '../alerts/alert.js';
import type { RuleId } from '../alerts/rules.js';

/**
 * Rules whose `dst` is the target of an attack coming in: the subject is the device attacked, not
 * the scanner or the attacker (a laptop scanning the camera is an episode of the camera).
 */
export const INBOUND_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  'scan.port', 'scan.host', 'bruteforce.telnet', 'bruteforce.ssh', 'cleartext.telnet', 'device.default-credential', 'exploit.http',
  'flood.syn', 'flood.udp', 'flood.amplification',
]);

/**
 * Rules about the gateway itself or about many devices at once: no episode of one subject, so they
 * never join an incident (the alert feed and health report them).
 */
export const NOT_EPISODE_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['sensor.fault', 'sensor.capture-loss', 'storm.reconnect']);

/** An alert's subject: its key in the open-incident table, and who it is. */
export interface AlertSubject {
  /** `device:<mac>` or `peer:<address>`. */
  key: string;
  kind: 'device' | 'peer';
  device: string | null;
  peer: string | null;
}

/** Whether the alert's traffic came in from `src` (an inbound rule, or a flow denied on the way to the device). */
export function isInbound(a: Pick<Alert, 'rule' | 'evidence'>): boolean {
  return INBOUND_RULES.has(a.rule) || (a.rule === 'mud.violation' && a.evidence.direction === 'to-device');
}

/** Rules about a device itself, not about traffic with a peer (its logs, its arrival, its missing profile). */
const NO_PEER_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['edge.error', 'device.new', 'mud.no-profile']);

/**
 * The far end of the alert's traffic from its device: the address that is not the device's (a LAN
 * scanner's target, an attacker, a C&C); without a device, the source of inbound traffic, else the
 * destination. Null for alerts about a device itself, or when the end is empty.
 */
export function peerOf(a: Pick<Alert, 'rule' | 'evidence' | 'src' | 'dst' | 'device'>, resolveDevice: (ip: string) => string | null): string | null {
  if (NO_PEER_RULES.has(a.rule)) return null;
  let p: string;
  if (a.device !== null && a.src !== '' && resolveDevice(a.src) === a.device) p = a.dst;
  else if (a.device !== null && a.dst !== '' && resolveDevice(a.dst) === a.device) p = a.src;
  else p = isInbound(a) ? a.src : a.dst || a.src;
  return p === '' ? null : p;
}

/**
 * The subject of `a`. `resolveDevice` names the LAN device holding an address (null when none).
 * Null when the alert names no device and no address (nothing to group it by).
 */
export function subjectOf(a: Alert, resolveDevice: (ip: string) => string | null): AlertSubject | null {
  if (INBOUND_RULES.has(a.rule) && a.dst !== '') {
    const target = resolveDevice(a.dst);
    if (target !== null) return { key: `device:${target}`, kind: 'device', device: target, peer: null };
  }
  if (a.device !== null) return { key: `device:${a.device}`, kind: 'device', device: a.device, peer: null };
  // No LAN device: the external end groups it (one attacker across devices is one episode).
  let peer: string | null = null;
  for (const ip of [a.src, a.dst]) {
    if (ip === '') continue;
    const d = resolveDevice(ip);
    if (d !== null) return { key: `device:${d}`, kind: 'device', device: d, peer: null };
    peer ??= ip;
  }
  return peer === null ? null : { key: `peer:${peer}`, kind: 'peer', device: null, peer };
}
