// `edgeward audit`: the opt-in exposure audit from the command line (issue 20). Consenting devices
// (audit.consent, --consent-file) are found at the address the daemon's device table has for them
// (the same SQLite file `edgeward token` opens), else the kernel's neighbour table; every target is
// checked (consent, LAN, not the gateway's own address) before anything is sent. Each device's run
// goes to the exposure inventory and the audit log as it ends; the report (or JSON) follows.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AlertStore } from '../alerts/alert-store.js';
import { deviceName } from '../alerts/device-name.js';
import { auditCliWrite } from '../audit/cli-audit.js';
import { macToString, parseMac } from '../common/address-text.js';
import { databasePath } from '../config/daemon-config.js';
import { auditScope, AuditRefusal, nobodyConsents } from '../exposure/audit/audit-targets.js';
import { ConsentFileError, consentOf, parseConsentFile } from '../exposure/audit/consent.js';
import { targetsWithNeighbours } from '../exposure/audit/neighbour-table.js';
import { auditPairs, runAudit } from '../exposure/audit/run-audit.js';
import { ExposureStore, type AuditRun, type StoredAuditRun } from '../exposure/exposure-store.js';
import { loadConfig } from '../plugins/gateway-config.js';
import { hostAddresses } from '../response/protected-addresses.js';
import { openDatabase } from '../store/database.js';
import { DeviceStore, type DeviceRecord } from '../store/device-store.js';
import { UsageError, type CliIo } from './cli-io.js';
import { formatReport, reportEntry, reportJson } from './audit-report.js';

/** One line a run for the audit log: outcomes and list names, never a credential. */
function runSummary(run: AuditRun): string {
  return run.results.map((r) => `${r.service}/${r.port}=${r.outcome}${r.list !== null ? `(${r.list})` : ''}`).join(' ');
}

/** Runs `edgeward audit` (argv after `audit`); resolves to the exit code. */
export async function runAuditCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { device: { type: 'string', multiple: true }, 'consent-file': { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]} (devices are named with --device MAC)`);
  const devices: string[] = [];
  for (const d of values.device ?? []) {
    const n = parseMac(d);
    if (n < 0) throw new UsageError(`--device ${d}: not a MAC address`);
    if (!devices.includes(macToString(n))) devices.push(macToString(n));
  }
  const cfg = loadConfig(values.config ?? process.env.EDGEWARD_CONFIG);
  let fromFile: string[] = [];
  if (values['consent-file'] !== undefined) {
    const path = values['consent-file'];
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      io.stderr(`edgeward audit: cannot read the consent file ${path}: ${(e as Error).message}\n`);
      return 2;
    }
    try {
      fromFile = parseConsentFile(text, path);
    } catch (e) {
      if (!(e instanceof ConsentFileError)) throw e;
      io.stderr(`edgeward audit: consent file ${e.path}:\n  ${e.problems.join('\n  ')}\n`);
      return 2;
    }
  }
  const scope = auditScope(consentOf(cfg.audit.consent, fromFile), [...cfg.pipeline.devices.localNetworks, ...cfg.policy.localNetworks], [...cfg.policy.gatewayAddresses, ...hostAddresses()]);

  const db = openDatabase(databasePath(cfg.storage));
  const logged = (w: Parameters<typeof auditCliWrite>[1]): void => {
    if (!auditCliWrite(db, w)) io.stderr('edgeward: warning: the audit log did not take this audit (storage refused it)\n');
  };
  try {
    const known = new Map<string, DeviceRecord>(new DeviceStore(db).load(cfg.pipeline.devices.maxDevices).map((d) => [d.mac, d]));
    const macs = devices.length > 0 ? devices : [...scope.consent].sort();
    let targets;
    try {
      if (macs.length === 0) throw nobodyConsents();
      targets = await targetsWithNeighbours(scope, macs, (m) => known.get(m)?.ips ?? []);
    } catch (e) {
      if (!(e instanceof AuditRefusal)) throw e;
      logged({ command: 'audit', target: macs.join(',') || null, status: 422, code: e.code, detail: e.refusals.map((r) => `${r.mac || '-'}:${r.code}`).join(' ') });
      io.stderr(`edgeward audit: refused, nothing was sent:\n  ${e.refusals.map((r) => r.message).join('\n  ')}\n`);
      return 2;
    }
    const pairs = auditPairs(cfg.audit).length;
    io.stderr(`edgeward audit: ${targets.length} device${targets.length === 1 ? '' : 's'} (${targets.map((t) => `${t.mac} at ${t.ip}`).join(', ')}); up to ${pairs} pairs a service at ${cfg.audit.attemptsPerSecond} attempts/s\n`);
    const store = new ExposureStore(db);
    const stored: StoredAuditRun[] = [];
    await runAudit(targets, {
      config: cfg.audit, scope,
      onRun: (run) => {
        // Kept as each device ends: an audit cut short still leaves what it found.
        let id = 0;
        try {
          id = store.recordAudit(run);
        } catch (e) {
          // A full disk: the report still says what was found; the inventory does not have it.
          io.stderr(`edgeward audit: warning: the run of ${run.mac} was not stored: ${(e as Error).message}\n`);
        }
        stored.push({ ...run, id });
        logged({ command: 'audit', target: run.mac, status: id > 0 ? 201 : 507, code: id > 0 ? null : 'storage.full', detail: runSummary(run) });
      },
    });
    const alerts = new AlertStore(db);
    const entries = targets.map((t) => stored.find((r) => r.mac === t.mac)!).map((run) => reportEntry(store, alerts, run, deviceName(run.mac, known.get(run.mac))));
    io.stdout(values.json ? `${reportJson(entries)}\n` : formatReport(entries));
    return 0;
  } finally {
    db.close();
  }
}
