// What `edgeward audit` prints: per audited device, each service's outcome (and the list of a pair
// that logged in — never the pair), then the device's exposure findings in words with what to do
// (gateway/exposure/exposure-words.ts), built from the saved inventory with this audit in it.
import type { AlertStore } from '../alerts/alert-store.js';
import type { StoredAuditRun } from '../exposure/exposure-store.js';
import { exposureFromStore, passiveSighting, type DeviceExposure } from '../exposure/exposure-view.js';
import type { PassiveSighting } from '../exposure/exposure-types.js';
import type { ExposureStore } from '../exposure/exposure-store.js';

/** One device's part of the report. */
export interface AuditReportEntry {
  run: StoredAuditRun;
  /** How the device is named to a person. */
  name: string;
  exposure: DeviceExposure;
}

/** `device.default-credential` alerts read per device for its findings. */
const MAX_PASSIVE = 100;

/** The device's passive default-credential sightings (its alerts), as the daemon's exposure view reads them. */
function passiveOf(alerts: AlertStore, mac: string): PassiveSighting[] {
  const out: PassiveSighting[] = [];
  for (const a of alerts.query({ rule: ['device.default-credential'], device: mac, limit: MAX_PASSIVE }).items) {
    const p = passiveSighting(a);
    if (p !== null) out.push(p);
  }
  return out;
}

/** The report entry of a stored run: its device's exposure from the inventory (this run is its latest audit). */
export function reportEntry(store: ExposureStore, alerts: AlertStore, run: StoredAuditRun, name: string): AuditReportEntry {
  return { run, name, exposure: exposureFromStore(store, run.mac, { name, passive: passiveOf(alerts, run.mac) }) };
}

/** The report as text for people. */
export function formatReport(entries: readonly AuditReportEntry[]): string {
  const lines: string[] = [];
  for (const { run, name, exposure } of entries) {
    lines.push(`${name === run.mac ? run.mac : `${name} (${run.mac})`} at ${run.ip}, audited ${run.startedAt} to ${run.endedAt}`);
    for (const r of run.results) {
      const what = r.outcome === 'default-accepted' ? `logged in with a pair of the ${r.list} list` : r.outcome === 'not-accepted' ? 'no pair accepted' : '';
      const note = [what, r.tried > 0 ? `${r.tried} tried` : '', r.detail ?? ''].filter((x) => x !== '').join(', ');
      lines.push(`  ${r.service.padEnd(7)} ${String(r.port).padEnd(5)} ${r.outcome.padEnd(17)} ${note}`.trimEnd());
    }
    if (exposure.findings.length === 0) lines.push('  findings: none');
    else lines.push('  findings:');
    for (const f of exposure.findings) {
      lines.push(`    ${f.severity.toUpperCase().padEnd(9)}${f.text}`);
      for (const t of f.todo) lines.push(`      - ${t}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** The report as one JSON object. */
export function reportJson(entries: readonly AuditReportEntry[]): string {
  return JSON.stringify({
    audits: entries.map(({ run, name, exposure }) => ({ ...run, name, level: exposure.level, findings: exposure.findings })),
  });
}
