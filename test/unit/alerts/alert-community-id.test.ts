// The Community ID on alerts: copied from the detector's input (null when it gave none), stored in
// its own column, found by the free-text search, and added to a database an older edgeward made.
// The same for a TLS flow's server name and JA4, which EVE writes as Suricata does (tls.sni, tls.ja4).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../gateway/alerts/alert.js';
import { ALERTS_DEFAULTS, AlertManager } from '../../../gateway/alerts/alert-manager.js';
import { AlertStore } from '../../../gateway/alerts/alert-store.js';
import { eveRecord } from '../../../gateway/alerts/eve-writer.js';
import { flowFields } from '../../../gateway/sensor/alert-fields.js';
import type { PluginHost } from '../../../gateway/sensor/plugin.js';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { DeviceInventory } from '../../../gateway/track/device-inventory.js';
import { Flow } from '../../../gateway/track/flow.js';

const T = Date.UTC(2026, 0, 1) * 1000;
// community-id-spec baseline/README.md, TCP 1.2.3.4:1122 → 5.6.7.8:3344.
const CID = '1:wCb3OG7yAFWelaUydu0D+125CLM=';

function input(over: Partial<AlertInput> = {}): AlertInput {
  return {
    rule: 'bruteforce.telnet', ts: T, device: 'aa:bb:cc:dd:ee:01', src: '1.2.3.4', dst: '5.6.7.8', proto: 'tcp',
    sport: 1122, dport: 3344, message: 'failed logins', evidence: { failures: 10 }, ...over,
  };
}

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgeward-alerts-cid-'));
  dirs.push(d);
  return join(d, 'alerts.sqlite');
}

describe('communityId on alerts', () => {
  it('is copied from the input, and null when the detector gave none', () => {
    const m = new AlertManager(ALERTS_DEFAULTS);
    expect(m.raise(input({ communityId: CID }))?.communityId).toBe(CID);
    expect(m.raise(input({ rule: 'scan.port' }))?.communityId).toBeNull();
    expect(m.raise(input({ rule: 'scan.host', communityId: null }))?.communityId).toBeNull();
  });

  it('keeps the first occurrence\'s id when later ones fold in', () => {
    const m = new AlertManager(ALERTS_DEFAULTS);
    const a = m.raise(input({ communityId: CID }));
    m.raise(input({ ts: T + 1e6, communityId: '1:other' }));
    expect(a).toMatchObject({ count: 2, communityId: CID });
  });

  it('is stored, read back, and found by the search text', () => {
    const store = new AlertStore(':memory:');
    const m = new AlertManager(ALERTS_DEFAULTS, store);
    const a = m.raise(input({ communityId: CID }))!;
    m.raise(input({ rule: 'scan.port', dst: '9.9.9.9' }));
    expect(store.get(a.id)?.communityId).toBe(CID);
    expect(store.list().map((x) => x.communityId)).toEqual([CID, null]);
    expect(store.query({ q: CID }).items.map((x) => x.id)).toEqual([a.id]);
    store.close();
  });

  it('adds the column to an alerts table made before it existed, keeping the rows', () => {
    const path = tempDb();
    const old = new Database(path);
    // The alerts table as edgeward made it before the Community ID (the schema of alert-store.ts then).
    old.exec(`CREATE TABLE alerts (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, rule TEXT NOT NULL, severity TEXT NOT NULL, device TEXT,
      src TEXT NOT NULL, dst TEXT NOT NULL, proto TEXT NOT NULL, sport INTEGER, dport INTEGER, count INTEGER NOT NULL,
      message TEXT NOT NULL, evidence TEXT NOT NULL, first_ts TEXT NOT NULL, last_ts TEXT NOT NULL,
      acked_by TEXT, acked_at TEXT, resolved_by TEXT, resolved_at TEXT)`);
    old.prepare(`INSERT INTO alerts (id, rule, severity, device, src, dst, proto, sport, dport, count, message, evidence, first_ts, last_ts)
      VALUES ('old1', 'device.new', 'low', NULL, '1.2.3.4', '5.6.7.8', 'tcp', 1, 2, 1, 'm', '{}', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')`).run();
    old.close();

    const store = new AlertStore(path);
    expect(store.get('old1')).toMatchObject({ rule: 'device.new', communityId: null });
    const m = new AlertManager(ALERTS_DEFAULTS, store);
    const a = m.raise(input({ communityId: CID }))!;
    expect(store.get(a.id)?.communityId).toBe(CID);
    store.close();
    // Opening it again finds the column there and changes nothing.
    const again = new AlertStore(path);
    expect(again.count()).toBe(2);
    again.close();
  });
});

describe('TLS server name and JA4 on alerts', () => {
  // FoxIO's JA4 README example value; the flow fields give whatever the TLS module put on the flow.
  const JA4 = 't13d1516h2_8daaf6152771_b186095e22b6';

  it('come from the flow through flowFields, are stored (columns added to an older file) and appear in EVE as tls.sni / tls.ja4', () => {
    const devices = new DeviceInventory(pipelineConfig().devices);
    const host = { devices, local: devices.local } as unknown as PluginHost;
    const f = new Flow(1, 0, 4, 6, T);
    f.a0 = 0xc0a80114; f.b0 = 0x5db8d822; f.aPort = 50000; f.bPort = 443; f.sni = 'c2.example.net'; f.ja4 = JA4;
    const plain = new Flow(2, 0, 4, 6, T);
    plain.a0 = 0xc0a80114; plain.b0 = 0x5db8d823; plain.aPort = 50001; plain.bPort = 80;

    const store = new AlertStore(':memory:');
    const m = new AlertManager(ALERTS_DEFAULTS, store);
    const tls = m.raise({ ...input(), ...flowFields(host, f), rule: 'beacon.c2' })!;
    const http = m.raise({ ...input(), ...flowFields(host, plain), rule: 'c2.http' })!;
    expect(tls).toMatchObject({ sni: 'c2.example.net', ja4: JA4, dport: 443 });
    expect('ja4' in http || 'sni' in http).toBe(false);
    expect(store.get(tls.id)).toMatchObject({ sni: 'c2.example.net', ja4: JA4 });
    expect('ja4' in store.get(http.id)!).toBe(false);
    expect(eveRecord(tls).tls).toEqual({ sni: 'c2.example.net', ja4: JA4 });
    expect(eveRecord(http).tls).toBeUndefined();
    store.close();
  });
});
