// `edgeward hub` reading the fleet stream of a real nats-server (issue 18, item 2): records of two
// sites published as the sites' own NATS users are stored once each with their site; a record sent
// twice (past the stream's dedup) is stored once; a higher rev replaces a lower, never the reverse;
// a hub that dies after its commit and before its acks is restarted and has every record exactly
// once; the API lists the sites with their counts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRecord } from '../../gateway/fleet/fleet-record.js';
import { FLEET_STREAM } from '../../gateway/fleet/fleet-stream.js';
import { hubDatabasePath, validateHubConfig, type HubConfig } from '../../gateway/hub/hub-config.js';
import { Hub } from '../../gateway/hub/hub.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';
import { ROOT } from '../helpers/fixtures.js';
import { SitePublisher } from '../helpers/fleet-site.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

const SITES = ['north', 'south'];
const quiet = () => {};

/** A StoredAlert-shaped object as a gateway's API has it. */
function alert(id: string, rev: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, ts: '2026-01-01T00:00:00.000Z', rule: 'policy.mud-violation', severity: 'high', device: 'aa:bb:cc:00:00:01',
    src: '192.168.1.10', dst: '203.0.113.9', proto: 'tcp', sport: 40000, dport: 443, communityId: null, count: rev,
    message: `alert ${id}`, evidence: {}, firstTs: '2026-01-01T00:00:00.000Z', lastTs: `2026-01-01T00:${String(rev).padStart(2, '0')}:00.000Z`,
    seq: 1, status: 'open', acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, reopenedAt: null, activity: rev, rev, ...over,
  };
}

/** One site's publisher (fleet-site.ts) with the two kinds of record this file publishes. */
class Site {
  private constructor(readonly pub: SitePublisher) {}
  get nc(): SitePublisher['nc'] { return this.pub.nc; }
  get site(): string { return this.pub.site; }
  static async open(nats: TestNats, site: string): Promise<Site> {
    return new Site(await SitePublisher.open(nats, site));
  }

  /** An alert change as record `${id}:${rev}` (message id `<site>:<record id>` unless given). */
  alert(a: Record<string, unknown>, msgId?: string, bodySite?: string): Promise<FleetRecord> {
    return this.pub.publish('alert', `${String(a.id)}:${String(a.rev)}`, a, { msgId, bodySite, at: '2026-01-01T00:00:00.000Z' });
  }

  /** A record of another kind (deduplicated by id, counted, not indexed). */
  async record(kind: 'device' | 'log', id: string): Promise<void> {
    await this.pub.publish(kind, id, { id }, { at: '2026-01-01T00:00:00.000Z' });
  }
}

describe.skipIf(natsServerUnavailable() !== null)('edgeward hub ingest (real nats-server)', () => {
  let nats: TestNats;
  let dir: string;
  let cfg: Readonly<HubConfig>;
  let hub: Hub;
  let token: string;
  const sites = new Map<string, Site>();

  /** A handle of the test's own on the hub's SQLite file (WAL: it reads while the hub writes, and across hub restarts). */
  let db: Db;
  const count = (sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;
  const api = async (path: string, auth = true): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${hub.url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Waits until the hub has stored (or absorbed) every message of the stream. */
  const caughtUp = (h: Hub = hub) => until(() => h.consumer!.caughtUp(), () => 'the hub to acknowledge every message', 20_000);

  beforeAll(async () => {
    nats = await startNatsServer({ sites: SITES });
    dir = mkdtempSync(join(tmpdir(), 'edgeward-hub-'));
    cfg = validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass },
      api: { port: 0 }, storage: { dataDir: dir },
      // Short ack wait: a restarted hub gets the dead one's batch back in 1.5 s instead of 30.
      consumer: { batch: 8, flushMs: 20, ackWaitMs: 1500 },
    });
    hub = new Hub(cfg, quiet);
    db = openDatabase(hubDatabasePath(cfg));
    token = hub.tokens.create({ role: 'analyst', name: 'test' }).token;
    await hub.start();
    for (const s of SITES) sites.set(s, await Site.open(nats, s));
  });

  afterAll(async () => {
    for (const s of sites.values()) await s.nc.close();
    await hub?.stop();
    db?.close();
    await nats?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each alert once with its site, the same id at two sites as two alerts', async () => {
    const north = sites.get('north')!;
    const south = sites.get('south')!;
    await north.alert(alert('a1', 1));
    await north.alert(alert('a2', 1, { severity: 'critical' }));
    await south.alert(alert('a1', 1, { severity: 'low' }));
    await caughtUp();
    const rows = db.prepare('SELECT site, id, severity, rev FROM hub_alerts ORDER BY site, id').all();
    expect(rows).toEqual([
      { site: 'north', id: 'a1', severity: 'high', rev: 1 },
      { site: 'north', id: 'a2', severity: 'critical', rev: 1 },
      { site: 'south', id: 'a1', severity: 'low', rev: 1 },
    ]);
    const onlySouth = await api('/api/v1/alerts?site=south');
    expect(onlySouth.status).toBe(200);
    expect((onlySouth.body.items as { site: string; id: string; severity: string }[]).map((a) => [a.site, a.id, a.severity])).toEqual([['south', 'a1', 'low']]);
  });

  it('stores a record published twice under two message ids once', async () => {
    const north = sites.get('north')!;
    const before = count('SELECT records AS n FROM sites WHERE site = ?', 'north');
    const seqBefore = (await hub.consumer!.jsm.streams.info(FLEET_STREAM)).state.last_seq;
    await north.alert(alert('dup', 4), 'dup:4');
    await north.alert(alert('dup', 4), 'dup:4-again');
    await north.record('device', 'dev-1');
    await north.record('device', 'dev-1'); // the stream drops this one (same Nats-Msg-Id)
    // The stream kept both alert copies (different message ids): the hub is what deduplicates.
    expect((await hub.consumer!.jsm.streams.info(FLEET_STREAM)).state.last_seq - seqBefore).toBe(3);
    await caughtUp();
    expect(count('SELECT count(*) AS n FROM hub_alerts WHERE id = ?', 'dup')).toBe(1);
    expect(count('SELECT count(*) AS n FROM hub_records WHERE site = ? AND id IN (?, ?)', 'north', 'dup:4', 'dev-1')).toBe(2);
    expect(count('SELECT records AS n FROM sites WHERE site = ?', 'north') - before).toBe(2);
    expect(hub.consumer!.stats.repeats).toBeGreaterThanOrEqual(1);
  });

  it('keeps the copy with the higher rev, whatever order the copies come in', async () => {
    const south = sites.get('south')!;
    await south.alert(alert('r', 1));
    await south.alert(alert('r', 3, { status: 'acknowledged' }));
    await south.alert(alert('r', 2, { status: 'open' })); // older, arrives last: must not win
    await caughtUp();
    const row = db.prepare("SELECT rev, status, data FROM hub_alerts WHERE site = 'south' AND id = 'r'").get() as { rev: number; status: string; data: string };
    expect([row.rev, row.status, (JSON.parse(row.data) as { rev: number }).rev]).toEqual([3, 'acknowledged', 3]);
    await south.alert(alert('r', 5, { status: 'resolved' }));
    await caughtUp();
    expect(db.prepare("SELECT rev, status FROM hub_alerts WHERE site = 'south' AND id = 'r'").get()).toEqual({ rev: 5, status: 'resolved' });
  });

  it('refuses a record whose body names another site than its subject', async () => {
    const north = sites.get('north')!;
    await north.alert(alert('spoof', 1), undefined, 'south');
    await caughtUp();
    expect(hub.consumer!.stats.invalid['record.site-mismatch']).toBe(1);
    expect(count("SELECT count(*) AS n FROM hub_alerts WHERE id = 'spoof'")).toBe(0);
  });

  it('a hub that dies between its commit and its acks has every record exactly once after a restart', async () => {
    await hub.stop();
    // 40 records of each site wait in the stream while no hub runs.
    const published = new Map<string, Set<string>>(SITES.map((s) => [s, new Set()]));
    for (let i = 0; i < 40; i++) {
      for (const s of SITES) published.get(s)!.add((await sites.get(s)!.alert(alert(`k${i}`, 1 + (i % 3)))).id);
    }
    const stored = () => new Map(SITES.map((s) => [s, count('SELECT records AS n FROM sites WHERE site = ?', s)]));
    const storedBefore = stored();
    // Die at the second commit: that batch is in SQLite, its acks never leave.
    const dying = new Hub(cfg, quiet);
    let batches = 0;
    let lost: string[] = [];
    dying.onCommitted = (_r, recs) => { if (++batches === 2) { lost = recs.map((x) => `${x.site}:${x.id}`); dying.consumer!.abort(); } };
    hub = dying;
    await dying.start();
    await until(() => lost.length > 0, () => `a second batch (${batches} so far)`, 20_000);
    await dying.kill();
    hub = new Hub(cfg, quiet);
    const seenAgain = new Set<string>();
    hub.onCommitted = (_r, recs) => { for (const x of recs) seenAgain.add(`${x.site}:${x.id}`); };
    // More records arrive while the hub is down.
    for (let i = 40; i < 50; i++) {
      for (const s of SITES) published.get(s)!.add((await sites.get(s)!.alert(alert(`k${i}`, 1))).id);
    }
    await hub.start();
    await caughtUp();
    for (const s of SITES) {
      expect(stored().get(s)! - storedBefore.get(s)!).toBe(published.get(s)!.size);
      const ids = db.prepare('SELECT id FROM hub_records WHERE site = ? AND id LIKE ?').all(s, 'k%') as { id: string }[];
      expect(new Set(ids.map((r) => r.id))).toEqual(published.get(s));
      expect(count("SELECT count(*) AS n FROM hub_alerts WHERE site = ? AND id LIKE 'k%'", s)).toBe(50);
    }
    // The batch the dead hub committed came again and was absorbed, not stored twice.
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.filter((id) => !seenAgain.has(id))).toEqual([]);
    expect(hub.consumer!.stats.repeats).toBeGreaterThanOrEqual(lost.length);
  });

  it('reads on after nats-server is stopped and started again', async () => {
    const before = count("SELECT records AS n FROM sites WHERE site = 'north'");
    await nats.stop();
    await until(() => hub.health().status === 'degraded', () => 'the hub to see NATS gone', 10_000);
    await nats.start();
    // The sites' test connections do not reconnect: open them again.
    for (const s of SITES) { await sites.get(s)!.nc.close(); sites.set(s, await Site.open(nats, s)); }
    await sites.get('north')!.alert(alert('after-restart', 1));
    await until(() => count("SELECT count(*) AS n FROM hub_alerts WHERE id = 'after-restart'") === 1, () => 'the record published after the restart', 20_000);
    expect(count("SELECT records AS n FROM sites WHERE site = 'north'")).toBe(before + 1);
    expect(hub.health().status).toBe('ok');
  });

  it('a batch the store cannot commit is stored later, still ahead of the records after it', async () => {
    // A real fault of the hub's SQLite file: a trigger aborts the transaction holding record sf-3.
    db.exec("CREATE TRIGGER store_fault BEFORE INSERT ON hub_records WHEN NEW.id = 'sf-3:1' BEGIN SELECT RAISE(ABORT, 'store fault'); END");
    const faults = hub.consumer!.stats.storeFaults;
    const north = sites.get('north')!;
    const seqs: number[] = [];
    for (let i = 1; i <= 3; i++) seqs.push((await north.alert(alert(`sf-${i}`, 1))).seq);
    await until(() => hub.consumer!.stats.storeFaults > faults, () => 'a store fault', 10_000);
    for (let i = 4; i <= 6; i++) seqs.push((await north.alert(alert(`sf-${i}`, 1))).seq);
    expect(count("SELECT count(*) AS n FROM hub_records WHERE id LIKE 'sf-%'")).toBe(0);
    db.exec('DROP TRIGGER store_fault');
    await until(() => count("SELECT count(*) AS n FROM hub_records WHERE id LIKE 'sf-%'") === 6, () => 'the six records stored', 10_000);
    const arrived = (db.prepare("SELECT seq FROM hub_records WHERE site = 'north' AND id LIKE 'sf-%' ORDER BY n").all() as { seq: number }[]).map((r) => r.seq);
    expect(arrived).toEqual(seqs);
  });

  it('GET /api/v1/sites lists both sites with their records, lag and alert counts', async () => {
    expect((await api('/api/v1/sites', false)).status).toBe(401);
    const { status, body } = await api('/api/v1/sites');
    expect(status).toBe(200);
    const items = body.items as { site: string; records: number; lag: number | null; alerts: Record<string, number> }[];
    expect(items.map((s) => s.site)).toEqual(['north', 'south']);
    for (const s of items) {
      expect(s.records).toBe(count('SELECT count(*) AS n FROM hub_records WHERE site = ?', s.site));
      expect(s.lag).toBe(0);
      const bySeverity = Object.fromEntries((db.prepare('SELECT severity, count(*) AS n FROM hub_alerts WHERE site = ? GROUP BY severity').all(s.site) as { severity: string; n: number }[]).map((r) => [r.severity, r.n]));
      expect(s.alerts).toEqual(bySeverity);
    }
    expect(items.find((s) => s.site === 'north')!.alerts.critical).toBe(1);
    const page = await api('/api/v1/alerts?limit=2');
    const next = await api(`/api/v1/alerts?limit=2&before=${String(page.body.next)}`);
    const all = await api('/api/v1/alerts?limit=4');
    expect([...(page.body.items as object[]), ...(next.body.items as object[])]).toEqual(all.body.items);
    expect((await api('/api/v1/alerts?before=nonsense')).body.code).toBe('request.invalid');
  });
});

/** `edgeward hub` as its own process (dist/), its log lines and its first admin token. */
class HubProcess {
  out = '';
  err = '';
  private constructor(readonly proc: ChildProcess) {}
  /** `natsPassword` goes in as EDGEWARD_HUB_NATS_PASSWORD, as an operator keeps it out of the file. */
  static async start(configFile: string, natsPassword: string): Promise<HubProcess> {
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EDGEWARD_'))), EDGEWARD_HUB_NATS_PASSWORD: natsPassword };
    const h = new HubProcess(spawn(process.execPath, [join(ROOT, 'dist/gateway/cli/main.js'), 'hub', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env }));
    h.proc.stdout!.on('data', (b: Buffer) => { h.out += b.toString(); });
    h.proc.stderr!.on('data', (b: Buffer) => { h.err += b.toString(); });
    await until(() => {
      if (h.proc.exitCode !== null) throw new Error(`edgeward hub exited ${h.proc.exitCode}: ${h.err}`);
      return h.url !== null;
    }, () => `edgeward hub to start: ${h.err}`, 20_000);
    return h;
  }

  get url(): string | null {
    const m = /"event":"started","url":"([^"]+)"/.exec(this.out);
    return m === null ? null : m[1]!;
  }

  kill9(): Promise<void> {
    return new Promise((resolve) => { this.proc.once('exit', () => resolve()); this.proc.kill('SIGKILL'); });
  }
}

describe.skipIf(natsServerUnavailable() !== null || !existsSync(join(ROOT, 'dist/gateway/cli/main.js')))('edgeward hub killed with SIGKILL (real process, real nats-server)', () => {
  it('has every record of both sites exactly once after kill -9 mid-stream and a restart', async () => {
    const nats = await startNatsServer({ sites: SITES });
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-hub-cli-'));
    const open: Site[] = [];
    let hub: HubProcess | null = null;
    try {
      const configFile = join(dir, 'hub.yaml');
      writeFileSync(configFile, [
        'nats:', `  servers: ["${nats.url}"]`, `  user: ${nats.hub.user}`,
        'api:', '  port: 0', 'storage:', `  dataDir: ${dir}`, 'consumer:', '  batch: 16', '  ackWaitMs: 1500', '',
      ].join('\n'));
      hub = await HubProcess.start(configFile, nats.hub.pass);
      const token = /created the first admin token[^\n]*\n\s*\n\s+(\S+)\s*\n/.exec(hub.err)?.[1];
      expect(token).toBeDefined();
      for (const s of SITES) open.push(await Site.open(nats, s));
      const published = new Map<string, Set<string>>(SITES.map((s) => [s, new Set()]));
      let n = 0;
      const publishSome = async (k: number) => {
        for (let i = 0; i < k; i++, n++) for (const s of open) published.get(s.site)!.add((await s.alert(alert(`p${n}`, 1 + (n % 4)))).id);
      };
      const db = openDatabase(join(dir, 'hub.sqlite'));
      const records = () => (db.prepare('SELECT coalesce(sum(records), 0) AS n FROM sites').get() as { n: number }).n;
      try {
        // Records flow while the hub reads them; it is killed once it has stored some.
        await publishSome(60);
        await until(() => records() > 0, () => 'the hub to store records', 20_000);
        await hub.kill9();
        await publishSome(40);
        hub = await HubProcess.start(configFile, nats.hub.pass);
        await publishSome(20);
        const total = 2 * n;
        await until(() => records() >= total, () => `${total} records in the hub (${records()})`, 30_000);
        for (const s of SITES) {
          const ids = db.prepare('SELECT id FROM hub_records WHERE site = ?').all(s) as { id: string }[];
          expect(ids.length).toBe(published.get(s)!.size);
          expect(new Set(ids.map((r) => r.id))).toEqual(published.get(s));
          expect((db.prepare('SELECT count(*) AS n FROM hub_alerts WHERE site = ?').get(s) as { n: number }).n).toBe(n);
        }
        const res = await fetch(`${hub.url!}/api/v1/sites`, { headers: { authorization: `Bearer ${token!}` } });
        const body = (await res.json()) as { items: { site: string; records: number }[] };
        expect(body.items.map((s) => [s.site, s.records])).toEqual(SITES.map((s) => [s, n]));
      } finally {
        db.close();
      }
    } finally {
      for (const s of open) await s.nc.close();
      if (hub !== null && hub.proc.exitCode === null && hub.proc.signalCode === null) await hub.kill9();
      await nats.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
