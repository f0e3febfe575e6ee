// What a false positive offers to silence: one suppression per distinct (rule, device, peer, port)
// among the incident's alerts, each as narrow as the alert allows, for the analyst to create (POST
// /api/v1/suppressions) or not. Pure.
import type { SuggestedSuppression } from './incident.js';
import type { MemberRow } from './incident-store.js';

/** Suggestions offered at most (an incident of a hundred distinct alerts is not one false positive). */
export const MAX_SUGGESTIONS = 20;

/** Rules whose port says which service (the port a brute force or a denied flow went to). */
const PORT_RULES = new Set(['mud.violation', 'bruteforce.telnet', 'bruteforce.ssh', 'cleartext.telnet', 'beacon.c2', 'c2.http', 'malware.download',
  'exploit.http', 'upnp.portmap', 'intel.blocklist', 'baseline.new-destination', 'malware.mining']);

/** The suggestions for an incident's members, in the order the alerts joined. */
export function suggestSuppressions(members: readonly MemberRow[]): SuggestedSuppression[] {
  const seen = new Set<string>();
  const out: SuggestedSuppression[] = [];
  for (const m of members) {
    // An inbound denial's port is the device's, walked by a scan: the peer alone is the finding.
    const port = PORT_RULES.has(m.rule) && !(m.rule === 'mud.violation' && m.inbound) ? m.dport : null;
    const s: SuggestedSuppression = { rule: m.rule, device: m.device, peer: m.peer, port };
    const key = `${s.rule}|${s.device ?? ''}|${s.peer ?? ''}|${s.port ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
    if (out.length === MAX_SUGGESTIONS) break;
  }
  return out;
}
