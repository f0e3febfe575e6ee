// What `edgeward audit` prints for a device: each port's outcome with the list's name (never a
// pair), then the device's findings from the inventory with this audit in it, each with its steps.
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../gateway/alerts/alert-store.js';
import { formatReport, reportEntry, reportJson } from '../../gateway/cli/audit-report.js';
import { ExposureStore, type AuditRun } from '../../gateway/exposure/exposure-store.js';
import { openDatabase } from '../../gateway/store/database.js';

const RUN: AuditRun = {
  mac: '02:aa:00:00:00:01', ip: '192.168.1.20', startedAt: '2026-01-01T10:00:00.000Z', endedAt: '2026-01-01T10:00:12.000Z',
  results: [
    { service: 'telnet', port: 23, outcome: 'default-accepted', list: 'mirai', tried: 4, detail: null },
    { service: 'telnet', port: 2323, outcome: 'closed', list: null, tried: 0, detail: 'connection refused' },
    { service: 'ssh', port: 22, outcome: 'not-accepted', list: null, tried: 4, detail: null },
    { service: 'http', port: 80, outcome: 'not-offered', list: null, tried: 0, detail: 'HTTP 200' },
  ],
};

describe('audit report', () => {
  it('lists each port, then the findings with what to do', () => {
    const db = openDatabase(':memory:');
    const store = new ExposureStore(db);
    const id = store.recordAudit(RUN);
    const entry = reportEntry(store, new AlertStore(db), { ...RUN, id }, 'garden-camera');
    const text = formatReport([entry]);
    const lines = text.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'garden-camera (02:aa:00:00:00:01) at 192.168.1.20, audited 2026-01-01T10:00:00.000Z to 2026-01-01T10:00:12.000Z',
      '  telnet  23    default-accepted  logged in with a pair of the mirai list, 4 tried',
      '  telnet  2323  closed            connection refused',
      '  ssh     22    not-accepted      no pair accepted, 4 tried',
      '  http    80    not-offered       HTTP 200',
    ]);
    expect(lines[5]).toBe('  findings:');
    expect(lines[6]).toMatch(/^ {4}HIGH {5}garden-camera accepts a factory default password on telnet \(tcp 23\): the audit logged in with a pair from the mirai list/);
    expect(lines[7]).toMatch(/^ {6}- Change the password of telnet on garden-camera now/);
    const json = JSON.parse(reportJson([entry])) as { audits: { id: number; name: string; level: string; findings: unknown[] }[] };
    expect(json.audits).toHaveLength(1);
    expect(json.audits[0]).toMatchObject({ id, name: 'garden-camera', level: 'high', mac: RUN.mac });
    db.close();
  });
});
