// EVE JSON lines as Suricata writes them: event_type alert, src/dest ip and port, proto in capitals,
// community_id, an alert object with signature id, category and numeric severity, plus edgeward's own fields.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../gateway/alerts/alert.js';
import { EveWriter, eveRecord } from '../../../gateway/alerts/eve-writer.js';

const alert: Alert = {
  id: '0123456789abcdef', ts: '2026-01-01T00:00:00.000001Z', rule: 'bruteforce.telnet', severity: 'critical', device: 'aa:bb:cc:dd:ee:01',
  src: '203.0.113.7', dst: '192.168.1.20', proto: 'tcp', sport: null, dport: 23,
  // Passed through as it is (the value is the spec's TCP example, community-id-spec baseline/README.md).
  communityId: '1:wCb3OG7yAFWelaUydu0D+125CLM=', count: 50, message: '50 failed logins',
  evidence: { failures: 50 }, firstTs: '2026-01-01T00:00:00.000001Z', lastTs: '2026-01-01T00:00:59.000001Z',
};

describe('EVE output', () => {
  it('maps an alert to a Suricata alert event', () => {
    expect(eveRecord(alert)).toEqual({
      timestamp: '2026-01-01T00:00:59.000001+0000', event_type: 'alert', src_ip: '203.0.113.7', dest_ip: '192.168.1.20', dest_port: 23, proto: 'TCP',
      community_id: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
      alert: { action: 'allowed', gid: 1, signature_id: 9100004, rev: 1, signature: 'edgeward bruteforce.telnet: 50 failed logins', category: 'Attempted Administrator Privilege Gain', severity: 1 },
      edgeward: { id: '0123456789abcdef', rule: 'bruteforce.telnet', severity: 'critical', device: 'aa:bb:cc:dd:ee:01', count: 50, firstTs: alert.firstTs, lastTs: alert.lastTs, evidence: { failures: 50 } },
    });
  });

  it('omits community_id when the alert has none, as Suricata does (output-json.c sets it only when computed)', () => {
    const rec = eveRecord({ ...alert, communityId: null });
    expect('community_id' in rec).toBe(false);
    expect(Object.keys(rec)).toEqual(['timestamp', 'event_type', 'src_ip', 'dest_ip', 'proto', 'dest_port', 'alert', 'edgeward']);
  });

  it('puts community_id at the top level, after the tuple and before the alert object', () => {
    expect(Object.keys(eveRecord(alert))).toEqual(['timestamp', 'event_type', 'src_ip', 'dest_ip', 'proto', 'dest_port', 'community_id', 'alert', 'edgeward']);
  });

  it('appends one JSON object a line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-eve-'));
    try {
      const w = new EveWriter(join(dir, 'eve.json'));
      w.write(alert);
      w.write({ ...alert, id: 'ffff', sport: 40000, rule: 'device.new', severity: 'low' });
      w.close();
      const lines = readFileSync(join(dir, 'eve.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.map((l) => [l.event_type, (l.alert as { severity: number }).severity, l.src_port, l.community_id])).toEqual([
        ['alert', 1, undefined, '1:wCb3OG7yAFWelaUydu0D+125CLM='], ['alert', 3, 40000, '1:wCb3OG7yAFWelaUydu0D+125CLM='],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
