// What an incident is, in words: the Mirai infection chain when its alerts show one, in order
// (telnet or SSH brute force or a cleartext telnet login → the device fetching malware → C&C
// check-ins, or flows denied to the loader's host → the device's own error logs), else an episode
// named by its alerts. Pure over the incident's members.
import type { RuleId, Severity } from '../alerts/rules.js';
import { SEVERITIES } from '../alerts/rules.js';
import type { IncidentKind, IncidentSubject } from './incident.js';

/** What recognition reads of one member alert. */
export interface KindMember {
  rule: RuleId;
  severity: Severity;
  /** The alert's far end (incident-subject.ts peerOf), or null. */
  peer: string | null;
  /** Its traffic came in from the peer. */
  inbound: boolean;
  dport: number | null;
  /** First occurrence in this incident, µs of packet time. */
  firstUs: number;
}

/** Short names of what each rule found, for titles ("telnet brute force, malware download on example-camera"). */
const LABELS: Partial<Record<RuleId, string>> = {
  'mud.violation': 'flows outside the MUD profile',
  'mud.no-profile': 'no MUD profile',
  'scan.port': 'port scan',
  'scan.host': 'host sweep',
  'scan.icmp': 'ICMP sweep',
  'scan.arp': 'ARP sweep',
  'bruteforce.telnet': 'telnet brute force',
  'bruteforce.ssh': 'SSH brute force',
  'cleartext.telnet': 'cleartext telnet',
  'device.default-credential': 'default password accepted',
  'beacon.c2': 'C&C beaconing',
  'c2.http': 'HTTP C&C',
  'dns.tunnel': 'DNS tunnel',
  'dns.exfiltration': 'DNS exfiltration',
  'icmp.tunnel': 'ICMP tunnel',
  'flood.syn': 'SYN flood',
  'flood.udp': 'UDP flood',
  'flood.amplification': 'amplification flood',
  'intel.blocklist': 'blocklisted destination',
  'malware.download': 'malware download',
  'malware.mining': 'crypto mining',
  'exploit.http': 'HTTP exploit',
  'upnp.portmap': 'port mapping request',
  'baseline.new-destination': 'new destination',
  'device.new': 'new device',
  'edge.error': 'device error logs',
};

/** The words for a rule in a title. */
export function ruleLabel(rule: RuleId): string {
  return LABELS[rule] ?? rule;
}

// A login with a factory password is the break-in itself, as a brute force's success is.
const ACCESS: ReadonlySet<RuleId> = new Set<RuleId>(['bruteforce.telnet', 'bruteforce.ssh', 'device.default-credential', 'cleartext.telnet']);
const C2: ReadonlySet<RuleId> = new Set<RuleId>(['beacon.c2', 'c2.http']);

/** The stages of the Mirai chain found, in order, or null when the chain is not complete up to the C&C. */
export function miraiStages(members: readonly KindMember[]): string[] | null {
  const earliest = (pred: (m: KindMember) => boolean): KindMember | null => {
    let best: KindMember | null = null;
    for (const m of members) if (pred(m) && (best === null || m.firstUs < best.firstUs)) best = m;
    return best;
  };
  // Mirai's scanner comes in over telnet (SSH for its kin): the break-in is the first stage, a brute
  // force when there is one (a telnet session alone may be a scan finding the port open).
  const access = earliest((m) => m.rule === 'bruteforce.telnet' || m.rule === 'bruteforce.ssh') ?? earliest((m) => ACCESS.has(m.rule));
  if (access === null) return null;
  // The loader then has the device fetch the bot: after the break-in began.
  const download = earliest((m) => m.rule === 'malware.download' && m.firstUs >= access.firstUs);
  if (download === null) return null;
  // The bot checks in: a beacon or C&C alert, or flows the profile denied to the loader's host on
  // another port than the download's (the check-ins themselves, seen before they are periodic).
  const c2 = earliest((m) => m.firstUs >= download.firstUs && (C2.has(m.rule)
    || (m.rule === 'mud.violation' && !m.inbound && m.peer !== null && m.peer === download.peer && m.dport !== download.dport)));
  if (c2 === null) return null;
  const stages = [
    access.rule === 'bruteforce.ssh' ? 'SSH brute force' : access.rule === 'cleartext.telnet' ? 'telnet login'
      : access.rule === 'device.default-credential' ? 'default password login' : 'telnet brute force',
    'malware download', 'C&C check-ins',
  ];
  // The device's own logs complaining once the bot runs (it kills telnetd and takes its port).
  if (members.some((m) => m.rule === 'edge.error' && m.firstUs >= download.firstUs)) stages.push('device error logs');
  return stages;
}

/** Whom a title names: the device by name (else MAC), or the peer's address. */
export function subjectText(s: IncidentSubject): string {
  return s.kind === 'device' ? s.name ?? s.device ?? 'unknown device' : s.peer ?? 'unknown peer';
}

/**
 * The kind and the title of an incident over its members: "Mirai-style infection of example-camera:
 * telnet brute force → malware download → C&C check-ins → device error logs", or "DNS tunnel, DNS
 * exfiltration on example-speaker" (the worst three findings, worst first, then how many more).
 */
export function describe(subject: IncidentSubject, members: readonly KindMember[]): { kind: IncidentKind; title: string } {
  const who = subjectText(subject);
  const stages = subject.kind === 'device' ? miraiStages(members) : null;
  if (stages !== null) return { kind: 'mirai-chain', title: `Mirai-style infection of ${who}: ${stages.join(' → ')}` };
  // Each rule once, at its worst severity and first time; worst first, then earliest.
  const byRule = new Map<RuleId, { sev: number; first: number }>();
  for (const m of members) {
    const sev = SEVERITIES.indexOf(m.severity);
    const cur = byRule.get(m.rule);
    if (cur === undefined) byRule.set(m.rule, { sev, first: m.firstUs });
    else { cur.sev = Math.max(cur.sev, sev); cur.first = Math.min(cur.first, m.firstUs); }
  }
  const rules = [...byRule].sort((a, b) => b[1].sev - a[1].sev || a[1].first - b[1].first).map(([r]) => ruleLabel(r));
  const shown = rules.slice(0, 3).join(', ');
  const more = rules.length > 3 ? ` and ${rules.length - 3} more` : '';
  const what = shown === '' ? 'Alerts' : shown[0]!.toUpperCase() + shown.slice(1);
  return { kind: 'episode', title: `${what}${more} ${subject.kind === 'device' ? 'on' : 'involving'} ${who}` };
}
