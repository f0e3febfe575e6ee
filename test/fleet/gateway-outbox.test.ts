// The gateway side of the fleet (issue 18, item 1) against a real nats-server: a daemon with a
// `fleet` section puts every alert change in its SQLite outbox and publishes it to JetStream as its
// site user, each record once, in outbox order, the outbox emptied by the PubAcks; with the server
// stopped the records wait (health shows the depth) and drain in order when it returns; the bound
// drops the oldest and counts them; a restart publishes what the previous run left.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRecord } from '../../gateway/fleet/fleet-record.js';
import { ensureFleetStream, FLEET_STREAM } from '../../gateway/fleet/fleet-stream.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { writeDeviceCapture } from '../helpers/device-capture.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

/** One message of the stream as the hub reads it. */
interface Read { subject: string; msgId: string | undefined; rec: FleetRecord }
interface StoredAlertLike { id: string; rev: number; rule: string }
interface FleetHealth { connected: boolean; outboxDepth: number; dropped: number; published: number; lastAckAt: string | null; lastError: string | null }

describe.skipIf(natsServerUnavailable() !== null)('gateway fleet outbox (real nats-server)', () => {
  let nats: TestNats;
  let hub: NatsConnection;
  const daemons: TestDaemon[] = [];

  beforeAll(async () => {
    nats = await startNatsServer({ sites: ['north', 'south', 'east', 'west'] });
    // The hub reader follows the server through its stops.
    hub = await connect({ servers: nats.url, user: nats.hub.user, pass: nats.hub.pass, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    await ensureFleetStream(await hub.jetstreamManager());
  });
  afterAll(async () => {
    for (const d of daemons) await d.close();
    await hub?.close();
    await nats?.close();
  });

  /** A daemon of `site` linked to the test server with its site user. */
  async function gateway(site: string, fleet: Record<string, unknown> = {}): Promise<TestDaemon> {
    const c = nats.site(site);
    const t = await startTestDaemon({
      detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } },
      fleet: { enabled: true, servers: [nats.url], site, user: c.user, password: c.pass, ...fleet },
    });
    daemons.push(t);
    return t;
  }

  /** Every record of `site` in the stream, in stream order, read by the hub message by message. */
  async function streamOf(site: string): Promise<Read[]> {
    const jsm = await hub.jetstreamManager({ timeout: 1000 });
    const { state } = await jsm.streams.info(FLEET_STREAM);
    const out: Read[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(FLEET_STREAM, { seq });
      if (!m.subject.startsWith(`edgeward.${site}.`)) continue;
      out.push({ subject: m.subject, msgId: m.header.get('Nats-Msg-Id'), rec: m.json<FleetRecord>() });
    }
    return out;
  }

  /**
   * {@link streamOf} once the hub's own connection is back: right after a server restart the hub
   * may not have reconnected yet (its request fails with DISCONNECT or loses its reply).
   */
  async function streamOfSettled(site: string): Promise<Read[]> {
    let reads: Read[] | null = null;
    let last = '';
    await until(async () => {
      try {
        reads = await streamOf(site);
        return true;
      } catch (e) {
        last = String((e as Error).message);
        return false;
      }
    }, () => `the hub to read the stream (${last})`, 20_000, 100);
    return reads!;
  }

  async function health(t: TestDaemon): Promise<FleetHealth> {
    const res = await t.api('/api/v1/health', { token: t.tokens.analyst });
    expect(res.status).toBe(200);
    return ((await res.json()) as { fleet: FleetHealth }).fleet;
  }

  async function alertsOf(t: TestDaemon): Promise<StoredAlertLike[]> {
    const res = await t.api('/api/v1/alerts?limit=1000', { token: t.tokens.analyst });
    return ((await res.json()) as { items: StoredAlertLike[] }).items;
  }

  /** Replays devices from..to-1 into the daemon. */
  async function ingest(t: TestDaemon, from: number, to: number): Promise<void> {
    const file = join(t.dir, `devices-${from}-${to}.pcap`);
    writeDeviceCapture(file, from, to, 2);
    await t.daemon.ingestCapture(file);
  }

  /** Rows of the outbox; `notTraffic`: but the per-minute traffic summaries (a stop adds the last minute's). */
  const outboxRows = (t: TestDaemon, notTraffic = false): number => {
    const db = new Database(join(t.dir, 'edgeward.sqlite'), { readonly: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM fleet_outbox${notTraffic ? " WHERE kind != 'traffic'" : ''}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  /** Each record once, in outbox order, with its site-scoped id as Nats-Msg-Id, on its site's subject. */
  function expectOrderedOnce(site: string, reads: Read[]): void {
    const ids = reads.map((r) => r.rec.id);
    expect(new Set(ids).size, 'a record id twice in the stream').toBe(ids.length);
    const seqs = reads.map((r) => r.rec.seq);
    expect(seqs, 'records out of outbox order').toEqual([...seqs].sort((a, b) => a - b));
    for (const r of reads) {
      expect(r.msgId).toBe(`${r.rec.site}:${r.rec.id}`);
      expect(r.rec.site).toBe(site);
      expect(r.subject).toBe(`edgeward.${site}.${r.rec.kind}`);
    }
  }

  /** Every stored alert, at its current rev, has its record in the stream. */
  function expectEveryAlert(alerts: StoredAlertLike[], reads: Read[]): void {
    const ids = new Set(reads.filter((r) => r.rec.kind === 'alert').map((r) => r.rec.id));
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) expect(ids.has(`${a.id}:${a.rev}`), `alert ${a.id} rev ${a.rev} (${a.rule}) missing`).toBe(true);
    for (const r of reads.filter((x) => x.rec.kind === 'alert')) {
      const data = r.rec.data as StoredAlertLike;
      expect(r.rec.id).toBe(`${data.id}:${data.rev}`);
    }
  }

  it('publishes every alert record once, in outbox order, and empties the outbox', async () => {
    const t = await gateway('north');
    await ingest(t, 1, 4);
    await until(async () => (await health(t)).outboxDepth === 0 && (await health(t)).published > 0, () => 'the outbox to drain', 20_000);
    const alerts = await alertsOf(t);
    const reads = await streamOfSettled('north');
    expectOrderedOnce('north', reads);
    expectEveryAlert(alerts, reads);
    // Devices and alerts both went (every stream event is a record).
    expect(reads.some((r) => r.rec.kind === 'device')).toBe(true);
    const h = await health(t);
    expect(h).toMatchObject({ connected: true, outboxDepth: 0, dropped: 0, published: reads.length });
    expect(h.lastAckAt).not.toBeNull();
    expect(outboxRows(t)).toBe(0);
    // Secrets stay out of health and the daemon's log.
    const pass = nats.site('north').pass;
    expect(JSON.stringify(h)).not.toContain(pass);
    expect(JSON.stringify(t.events)).not.toContain(pass);
  });

  it('keeps records while the server is stopped and drains them in order, no duplicate, when it returns', async () => {
    const t = daemons[0]!;
    const before = (await streamOfSettled('north')).length;
    await nats.stop();
    try {
      await until(async () => !(await health(t)).connected, () => 'the link to see the server gone', 20_000);
      await ingest(t, 10, 14);
      const waiting = (await health(t)).outboxDepth;
      expect(waiting).toBeGreaterThan(0);
      expect(outboxRows(t)).toBe(waiting);
    } finally {
      await nats.start();
    }
    await until(async () => (await health(t)).outboxDepth === 0, () => 'the outbox to drain after the server returned', 30_000);
    const reads = await streamOfSettled('north');
    expect(reads.length).toBeGreaterThan(before);
    expectOrderedOnce('north', reads);
    expectEveryAlert(await alertsOf(t), reads);
    expect((await health(t)).connected).toBe(true);
  });

  it('drops the oldest records past fleet.outboxMaxRecords and counts them', async () => {
    await nats.stop();
    let t: TestDaemon;
    let made: number;
    try {
      t = await gateway('south', { outboxMaxRecords: 3 });
      await ingest(t, 20, 24);
      const h = await health(t);
      expect(h.outboxDepth).toBe(3);
      expect(h.dropped).toBeGreaterThan(0);
      made = h.dropped + 3;
      expect(t.daemon.events.toJSON()['fleet.outbox_dropped']).toBe(h.dropped);
      const metrics = await (await t.api('/metrics', { token: t.tokens.admin })).text();
      expect(metrics).toMatch(new RegExp(`^edgeward_fleet_dropped_total\\{site="south"\\} ${h.dropped}$`, 'm'));
      expect(metrics).toMatch(/^edgeward_fleet_outbox_depth\{site="south"\} 3$/m);
    } finally {
      await nats.start();
    }
    await until(async () => (await health(t)).outboxDepth === 0, () => 'the bounded outbox to drain', 30_000);
    const reads = await streamOfSettled('south');
    expectOrderedOnce('south', reads);
    // The three newest went out: the last seqs made.
    expect(reads.map((r) => r.rec.seq)).toEqual([made - 2, made - 1, made]);
  });

  it('sends at start an alert change whose outbox row a kill between the two writes lost', async () => {
    const t = await gateway('west');
    await ingest(t, 40, 43);
    await until(async () => (await health(t)).outboxDepth === 0, () => 'the outbox to drain', 30_000);
    await t.stop();
    // What a kill -9 right after an alert's write leaves: the alert at a new rev, no outbox row for it.
    const db = new Database(join(t.dir, 'edgeward.sqlite'));
    const last = db.prepare('SELECT id, rev FROM alerts ORDER BY activity DESC LIMIT 1').get() as { id: string; rev: number };
    db.prepare('UPDATE alerts SET count = count + 1, rev = rev + 1, activity = (SELECT max(activity) + 1 FROM alerts) WHERE id = ?').run(last.id);
    expect((db.prepare('SELECT count(*) AS n FROM fleet_outbox').get() as { n: number }).n).toBe(1); // the stop's traffic summary
    db.close();
    await t.start();
    await until(async () => (await health(t)).outboxDepth === 0, () => 'the restarted gateway to drain its outbox', 30_000);
    const reads = await streamOfSettled('west');
    expect(reads.map((r) => r.rec.id)).toContain(`${last.id}:${last.rev + 1}`);
    // The alerts sent again that the stream had are duplicates: each record is there once.
    expectOrderedOnce('west', reads);
    expectEveryAlert(await alertsOf(t), reads);
  });

  it('publishes after a restart what the previous run left in the outbox', async () => {
    await nats.stop();
    let t: TestDaemon;
    let left: number;
    try {
      t = await gateway('east');
      await ingest(t, 30, 33);
      left = (await health(t)).outboxDepth;
      expect(left).toBeGreaterThan(0);
      const kept = outboxRows(t, true);
      await t.stop();
      // The stop adds the last minute's traffic summary; nothing else is added or lost.
      expect(outboxRows(t, true)).toBe(kept);
      expect(outboxRows(t)).toBeGreaterThan(left);
    } finally {
      await nats.start();
    }
    await t.start();
    await until(async () => (await health(t)).outboxDepth === 0, () => 'the restarted gateway to drain its outbox', 30_000);
    const reads = await streamOfSettled('east');
    expect(reads.length).toBeGreaterThanOrEqual(left);
    expectOrderedOnce('east', reads);
    expectEveryAlert(await alertsOf(t), reads);
    expect(reads.map((r) => r.rec.seq).slice(0, left)).toEqual(Array.from({ length: left }, (_, i) => i + 1));
  });
});
