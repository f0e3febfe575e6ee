// The fleet link's publish window (gateway/fleet/fleet-link.ts) against a real nats-server: with
// up to 256 records in flight, a server stopped mid-window and started again leaves every record of
// the outbox in the stream exactly once, in seq order, and the outbox empty.
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_DEFAULTS } from '../../gateway/fleet/fleet-config.js';
import { FleetLink } from '../../gateway/fleet/fleet-link.js';
import type { FleetRecord } from '../../gateway/fleet/fleet-record.js';
import { ensureFleetStream, FLEET_STREAM } from '../../gateway/fleet/fleet-stream.js';
import { Outbox } from '../../gateway/fleet/outbox.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

const SITE = 'window';
const FIRST = 3000;
const WHILE_DOWN = 200;

describe.skipIf(natsServerUnavailable() !== null)('fleet link publish window (real nats-server)', () => {
  let nats: TestNats;
  let hub: NatsConnection;
  let db: Db;

  beforeAll(async () => {
    nats = await startNatsServer({ sites: [SITE] });
    hub = await connect({ servers: nats.url, user: nats.hub.user, pass: nats.hub.pass, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    await ensureFleetStream(await hub.jetstreamManager());
    db = openDatabase(':memory:');
  });
  afterAll(async () => {
    await hub?.close();
    await nats?.close();
    db?.close();
  });

  /** The outbox seq and id of every record of SITE in the stream, in stream order (an ordered consumer; all are alerts). */
  async function streamSeqs(): Promise<{ seqs: number[]; ids: string[] }> {
    const js = hub.jetstream();
    const jsm = await hub.jetstreamManager();
    const total = (await jsm.streams.info(FLEET_STREAM)).state.messages;
    const c = await js.consumers.get(FLEET_STREAM, { filterSubjects: `edgeward.${SITE}.alert` });
    const seqs: number[] = [];
    const ids: string[] = [];
    while (seqs.length < total) {
      const before = seqs.length;
      for await (const m of await c.fetch({ max_messages: 1000, expires: 2000 })) {
        const r = m.json<FleetRecord>();
        seqs.push(r.seq);
        ids.push(r.id);
      }
      if (seqs.length === before) break;
    }
    await c.delete();
    return { seqs, ids };
  }

  it('stores every record once, in seq order, through a server stop mid-window', async () => {
    const outbox = new Outbox(db, { maxRecords: 100_000 });
    for (let i = 1; i <= FIRST; i++) outbox.add('alert', `w${i}:1`, { n: i, pad: 'x'.repeat(300) });
    const events: string[] = [];
    const c = nats.site(SITE);
    const link = new FleetLink({
      config: { ...FLEET_DEFAULTS, enabled: true, servers: [nats.url], site: SITE, user: c.user, password: c.pass },
      outbox, log: (event) => { events.push(event); }, ackTimeoutMs: 1000,
    });
    link.start();
    try {
      // Mid-window: some records acknowledged, most still to go. The server is frozen first: a
      // graceful stop goes on acknowledging while it shuts down, and on a fast run that was all of them.
      await until(() => link.status().published >= 300, () => `records to be acknowledged (${link.status().published})`, 20_000, 1);
      nats.freeze();
      // Acks already on their way may still land; nothing past the window can.
      await new Promise((r) => setTimeout(r, 50));
      const atStop = link.status().published;
      expect(atStop).toBeLessThan(FIRST);
      await nats.stop();
      for (let i = FIRST + 1; i <= FIRST + WHILE_DOWN; i++) outbox.add('alert', `w${i}:1`, { n: i });
      expect(outbox.depth).toBeGreaterThan(WHILE_DOWN);
      await nats.start();
      await until(() => outbox.depth === 0, () => `the outbox to drain (${outbox.depth} left, ${JSON.stringify(link.status())})`, 60_000);
    } finally {
      await link.stop();
    }
    const { seqs, ids } = await streamSeqs();
    const all = FIRST + WHILE_DOWN;
    // Exactly once and in order: the stream holds 1..all, nothing twice, nothing missing.
    expect(seqs).toEqual(Array.from({ length: all }, (_, i) => i + 1));
    expect(new Set(ids).size).toBe(all);
    expect(events).not.toContain('fleet.out-of-order');
    expect(events).toContain('fleet.disconnected');
    const rows = (db.prepare('SELECT count(*) AS n FROM fleet_outbox').get() as { n: number }).n;
    expect(rows).toBe(0);
  }, 120_000);
});
