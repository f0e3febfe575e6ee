// The alert side of config `privacy`: every alert input a plug-in emits passes here before the
// alert manager sees it, so a metadata field switched off (HTTP URLs, user agents, DNS names, TLS
// server names) is blanked in the evidence, the message, the deduplication peer and the SNI before
// anything is deduplicated, stored, streamed, exported as EVE or grouped into an incident.
import type { AlertInput } from '../alerts/alert.js';
import { Withholder, withholdsAny, type PrivacyConfig } from '../track/privacy.js';

/** The blanking of alert inputs for `p`, or null when `p` keeps everything (nothing to do). */
export function alertRedactor(p: Readonly<PrivacyConfig>): ((a: AlertInput) => AlertInput) | null {
  if (!withholdsAny(p)) return null;
  const w = new Withholder(p);
  return (a) => {
    // A copy: a detector may keep (and later extend) the object it handed over as evidence.
    const evidence = structuredClone(a.evidence);
    const sni = !p.tlsSni && typeof a.sni === 'string' ? [a.sni] : [];
    const values = w.evidence(evidence, sni);
    const out: AlertInput = { ...a, evidence };
    if (!p.tlsSni && a.sni != null) out.sni = null;
    if (values.length > 0) {
      out.message = Withholder.text(a.message, values);
      if (a.peer !== undefined) out.peer = Withholder.text(a.peer, values);
      out.dst = Withholder.text(a.dst, values);
    }
    return out;
  };
}
