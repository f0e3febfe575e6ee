// Three gateways and a hub on one real nats-server: each gateway (its own daemon and data directory)
// ingests a different capture, and the hub has every alert of every gateway exactly once, with its
// site, as each gateway's own SQLite has it now (same count, status and rev). The same capture at
// two sites makes the same alert ids: the hub keeps them apart by site.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../../gateway/alerts/alert-store.js';
import { hubDatabasePath, validateHubConfig } from '../../gateway/hub/hub-config.js';
import { Hub } from '../../gateway/hub/hub.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';
import { ingestDemo } from '../browser/demo-daemon.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { fixture, ROOT } from '../helpers/fixtures.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

const SITES = ['home', 'shop', 'office'] as const;
const quiet = () => {};

describe.skipIf(natsServerUnavailable() !== null)('fleet end to end: three gateways, one hub (real nats-server)', () => {
  let nats: TestNats;
  let hub: Hub;
  let hubDir: string;
  let hubDb: Db;
  const gateways = new Map<string, TestDaemon>();

  beforeAll(async () => {
    nats = await startNatsServer({ sites: [...SITES] });
    hubDir = mkdtempSync(join(tmpdir(), 'edgeward-hub-e2e-'));
    const cfg = validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass }, api: { port: 0 }, storage: { dataDir: hubDir },
      consumer: { batch: 64, flushMs: 20 },
    });
    hub = new Hub(cfg, quiet);
    await hub.start();
    hubDb = openDatabase(hubDatabasePath(cfg));
    for (const site of SITES) {
      const c = nats.site(site);
      gateways.set(site, await startTestDaemon({
        detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } },
        fleet: { enabled: true, servers: [nats.url], site, user: c.user, password: c.pass },
      }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const g of gateways.values()) await g.close();
    hubDb?.close();
    await hub?.stop();
    await nats?.close();
    if (hubDir) rmSync(hubDir, { recursive: true, force: true });
  });

  const storedAt = async (g: TestDaemon): Promise<StoredAlert[]> =>
    ((await (await g.api('/api/v1/alerts?limit=1000', { token: g.tokens.analyst })).json()) as { items: StoredAlert[] }).items;

  it('the hub holds every alert of every gateway once, with its site, as the gateway has it now', async () => {
    // home and shop see the same demo traffic (the same alert ids); office a public Mirai-style capture.
    await ingestDemo(gateways.get('home')!);
    await ingestDemo(gateways.get('shop')!);
    await gateways.get('office')!.daemon.ingestCapture(fixture('pcap/ndpi/synscan.pcap'));
    // A triage at one site is a change the hub follows (a new rev of that alert).
    const home = gateways.get('home')!;
    const first = (await storedAt(home))[0]!;
    expect((await home.api(`/api/v1/alerts/${first.id}/resolve`, { method: 'POST', token: home.tokens.analyst })).status).toBe(200);

    const expected = new Map<string, StoredAlert[]>();
    for (const site of SITES) expected.set(site, await storedAt(gateways.get(site)!));
    for (const site of SITES) expect(expected.get(site)!.length, site).toBeGreaterThan(0);

    // Every gateway's outbox drained and the hub caught up with the stream.
    await until(async () => {
      for (const g of gateways.values()) if (g.daemon.fleet?.status().outboxDepth !== 0) return false;
      return hub.consumer!.caughtUp();
    }, () => 'outboxes drained and the hub caught up', 20_000);

    for (const site of SITES) {
      const rows = hubDb.prepare('SELECT id, rev, status FROM hub_alerts WHERE site = ? ORDER BY id').all(site) as { id: string; rev: number; status: string }[];
      const want = expected.get(site)!.map((a) => ({ id: a.id, rev: a.rev, status: a.status })).sort((x, y) => x.id.localeCompare(y.id));
      expect(rows, `${site}: each alert once, at the gateway's rev and status`).toEqual(want);
    }
    // The same traffic at home and shop: the same ids, kept apart by site.
    const homeIds = expected.get('home')!.map((a) => a.id).sort();
    expect(expected.get('shop')!.map((a) => a.id).sort()).toEqual(homeIds);
    expect(hubDb.prepare("SELECT status FROM hub_alerts WHERE site = 'home' AND id = ?").get(first.id)).toEqual({ status: 'resolved' });
    // Every envelope names the gateway's version; the sites page shows it.
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(hubDb.prepare('SELECT site, version FROM sites ORDER BY site').all()).toEqual([...SITES].sort().map((site) => ({ site, version })));
    expect(hubDb.prepare("SELECT status FROM hub_alerts WHERE site = 'shop' AND id = ?").get(first.id)).toEqual({ status: 'open' });
  }, 60_000);
});
