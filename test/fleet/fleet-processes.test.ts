// Three gateway processes and a hub process on one real nats-server (issue 18, "Must show"): each
// gateway is `edgeward start` from dist with its own data directory, replaying a different capture
// in a loop (the generated home network, a C&C check-in capture, a SYN scan), its link signed in as its
// site; the hub is `edgeward hub`. Once the gateways are settled, the hub holds every alert of every
// gateway exactly once, with its site, at the gateway's rev, in each site's order.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_MAIN } from '../e2e/daemon-process.js';
import { caughtUpHub, expectExactlyOnce } from '../helpers/fleet-check.js';
import { FLEET_SITES, FleetGateway, FleetHub, readHubDb, type GatewayDb } from '../helpers/fleet-processes.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

/** Alert records each site must have at the hub before the gateways are stopped: some loops of each replay. */
const ALERT_RECORDS = 8;

describe.skipIf(natsServerUnavailable() !== null || !existsSync(DAEMON_MAIN))('fleet: three gateway processes and a hub process (real nats-server; npm run build first)', () => {
  let nats: TestNats;
  let hub: FleetHub;
  const gateways: FleetGateway[] = [];

  beforeAll(async () => {
    nats = await startNatsServer({ sites: FLEET_SITES.map((s) => s.site) });
    hub = new FleetHub(nats);
    await hub.start();
    for (const spec of FLEET_SITES) gateways.push(new FleetGateway(spec, nats));
    await Promise.all(gateways.map((g) => g.start()));
  }, 90_000);

  afterAll(async () => {
    for (const g of gateways) await g.close();
    await hub?.close();
    await nats?.close();
  });

  it('the hub holds every alert of every gateway exactly once, with its site, in each site\'s order', async () => {
    // Each replay runs a few loops and the hub hears them while they run.
    const alertRecords = (site: string) => readHubDb(hub.dbFile).records.filter((r) => r.site === site && r.kind === 'alert').length;
    await until(() => {
      for (const g of gateways) g.proc!.assertRunning();
      hub.proc!.assertRunning();
      return gateways.every((g) => alertRecords(g.site) >= ALERT_RECORDS);
    }, () => `${ALERT_RECORDS} alert records of each site at the hub (${gateways.map((g) => `${g.site} ${alertRecords(g.site)}`).join(', ')})`, 90_000, 250);

    const settled = new Map<string, GatewayDb>();
    await Promise.all(gateways.map(async (g) => settled.set(g.site, await g.settle())));
    const stored = await caughtUpHub(nats, hub.dbFile);
    await expectExactlyOnce(nats, stored, settled);
    // Three different captures: three different sets of alerts.
    const idsOf = (site: string) => new Set(settled.get(site)!.alerts.map((a) => a.id));
    for (const a of FLEET_SITES) for (const b of FLEET_SITES) if (a !== b) expect([...idsOf(a.site)].some((id) => idsOf(b.site).has(id)), `${a.site} and ${b.site} share no alert`).toBe(false);
  }, 240_000);
});
