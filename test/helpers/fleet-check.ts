// The exactly-once check of the fleet process tests: after the gateways are settled (nothing left in
// any outbox) and the hub has caught up, the hub holds every alert of every site at the site's own
// rev, each record once, each site's records in the order the site made them, and the stream holds
// each Nats-Msg-Id once.
import { expect } from 'vitest';
import type { TestNats } from './nats-server.js';
import { hubCaughtUp, readHubDb, streamMsgIds, type GatewayDb, type HubDb } from './fleet-processes.js';
import { until } from './wait-until.js';

/** Waits for the hub to have read and acknowledged the whole stream, then reads its SQLite. */
export async function caughtUpHub(nats: TestNats, hubDbFile: string): Promise<HubDb> {
  await until(() => hubCaughtUp(nats), () => 'the hub to read and acknowledge the whole stream', 60_000, 200);
  return readHubDb(hubDbFile);
}

/**
 * Compares the hub with every settled site (`sites`: site → its SQLite as settled) and the stream.
 * `minAlerts`: each site must have made at least this many alert records (so the test saw traffic).
 */
export async function expectExactlyOnce(nats: TestNats, hub: HubDb, sites: ReadonlyMap<string, GatewayDb>, minAlerts = 1): Promise<void> {
  for (const [site, g] of sites) {
    expect(g.outbox, `${site}: its outbox is empty (every record acknowledged by JetStream)`).toBe(0);
    expect(g.alerts.length, `${site}: made alerts`).toBeGreaterThanOrEqual(minAlerts);
    // Every alert of the site once, with its site, at the site's rev (the latest copy it sent).
    const atHub = hub.alerts.filter((a) => a.site === site).map((a) => ({ id: a.id, rev: a.rev }));
    expect(atHub, `${site}: the hub's alerts (id, rev) are the gateway's`).toEqual(g.alerts);
    const records = hub.records.filter((r) => r.site === site);
    // Each alert change the site made is a record the hub stored (id `<alert>:<rev>`), latest rev included.
    const alertRecords = new Set(records.filter((r) => r.kind === 'alert').map((r) => r.id));
    const missing = g.alerts.filter((a) => !alertRecords.has(`${a.id}:${a.rev}`)).map((a) => `${a.id}:${a.rev}`);
    expect(missing, `${site}: alert records missing at the hub`).toEqual([]);
    // Once: no record id twice (the table is UNIQUE on (site, id): this checks the reading).
    expect(new Set(records.map((r) => r.id)).size, `${site}: record ids stored once`).toBe(records.length);
    // In the site's order: the outbox seq of its records increases in the hub's arrival order.
    const outOfOrder = records.flatMap((r, i) => (i > 0 && r.seq <= records[i - 1]!.seq ? [`n=${r.n} seq ${r.seq} (${r.kind} ${r.id}) after n=${records[i - 1]!.n} seq ${records[i - 1]!.seq}`] : []));
    expect(outOfOrder, `${site}: records arrived in the site's seq order`).toEqual([]);
    expect(records.every((r) => r.seq <= g.lastSeq), `${site}: no record beyond the last the site made (${g.lastSeq})`).toBe(true);
  }
  // Every site the hub knows is one of ours, and the stream holds each message id once.
  expect([...new Set(hub.alerts.map((a) => a.site))].sort()).toEqual([...sites.keys()].sort());
  const ids = await streamMsgIds(nats);
  const seen = new Set<string>();
  const twice = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  expect(twice, 'Nats-Msg-Id stored twice in the stream').toEqual([]);
  expect(ids.length, 'the stream holds every record the hub stored').toBe(hub.records.length);
}
