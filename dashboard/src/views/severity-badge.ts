// Severity and state badges, coloured by class (critical red, high orange, medium amber, low blue-grey).
import type { Compliance } from '../api/api-types';
import { h } from '../ui/element';
import { syslogTone } from '../state/severity';

export function severityBadge(severity: string): HTMLSpanElement {
  return h('span', { class: `badge sev-${severity}` }, severity);
}

export function syslogBadge(severity: string | null): HTMLSpanElement {
  return h('span', { class: `badge sev-${syslogTone(severity)}` }, severity ?? 'unknown');
}

const COMPLIANCE_LABEL: Record<Compliance, string> = {
  compliant: 'compliant',
  violating: 'violating',
  'no-profile': 'no profile',
  quarantined: 'quarantined',
};

export function complianceBadge(c: Compliance): HTMLSpanElement {
  return h('span', { class: `badge comp-${c}` }, COMPLIANCE_LABEL[c] ?? c);
}
