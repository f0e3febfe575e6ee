#!/usr/bin/env node
// `npm run bench:fleet`: N simulated gateways — each its own SQLite outbox and fleet link, as a
// daemon has them — publish alert records into one nats-server (Debian's, JetStream, loopback, a
// temporary store) that one hub reads into its SQLite. Prints the ingest rate (every outbox filled,
// then the time until the hub has committed the last record), the end-to-end latency p50/p99 at a
// tenth of that rate (record made at a gateway → committed in the hub, the moment the hub's API
// shows it), and memory. Options: --gateways N (10), --records R per gateway (2000), --seconds S of
// the latency run (10).
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from 'nats';
import { FLEET_DEFAULTS } from '../fleet/fleet-config.js';
import { FleetLink } from '../fleet/fleet-link.js';
import { HUB_USER, renderNatsServerConfig, siteUser } from '../fleet/nats-server-config.js';
import { Outbox } from '../fleet/outbox.js';
import { validateHubConfig } from '../hub/hub-config.js';
import { Hub } from '../hub/hub.js';
import { openDatabase, type Db } from '../store/database.js';
import { freePorts, ServerProcess } from '../common/server-process.js';

const NATS_SERVER = '/usr/sbin/nats-server';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An alert as a gateway's API has it (the record's data), about 700 bytes of JSON. */
function alertData(id: string, i: number): Record<string, unknown> {
  const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    id, seq: i + 1, activity: i + 1, rev: 1, ts: t, rule: 'mud.violation', severity: 'high', device: '02:00:00:00:00:0a',
    src: '192.168.1.10', dst: '198.51.100.23', proto: 'tcp', sport: 40000 + (i % 20000), dport: 6667, communityId: '1:PJ0qGVvR8CXD1vLp6bEj1yz2g7E=',
    count: 1, message: 'example-camera sent tcp to 198.51.100.23:6667, outside its MUD profile: no ACE matched in from-device-policy ACLs [camera-v4-from-device]',
    evidence: { acl: 'camera-v4-from-device', direction: 'from-device', mudUrl: 'https://mud.example.com/edgeward-demo/camera.json' },
    firstTs: t, lastTs: t, status: 'open', acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, reopenedAt: null,
  };
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { gateways: { type: 'string', default: '10' }, records: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '10' } } });
  const n = Number(values.gateways);
  const perGateway = Number(values.records);
  const seconds = Number(values.seconds);
  try { accessSync(NATS_SERVER, constants.X_OK); } catch {
    process.stderr.write(`bench:fleet: ${NATS_SERVER} is missing (apt-get install nats-server)\n`);
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-bench-fleet-'));
  const sites = Array.from({ length: n }, (_, i) => `g${String(i + 1).padStart(2, '0')}`);
  const pass = (): string => randomBytes(18).toString('base64url');
  const hubPass = pass();
  const sitePass = new Map(sites.map((s) => [s, pass()]));
  const [port] = (await freePorts(1)) as [number];
  const conf = join(dir, 'nats-server.conf');
  writeFileSync(conf, renderNatsServerConfig({
    host: '127.0.0.1', port, serverName: 'edgeward-bench', storeDir: join(dir, 'store'),
    hubPassword: hubPass, sites: sites.map((site) => ({ site, password: sitePass.get(site)! })),
  }), { mode: 0o600 });
  const url = `nats://127.0.0.1:${port}`;
  const server = new ServerProcess('nats-server', NATS_SERVER, ['-c', conf], async () => {
    try { await (await connect({ servers: url, user: HUB_USER, pass: hubPass, reconnect: false, timeout: 500 })).close(); return true; } catch { return false; }
  });
  const links: FleetLink[] = [];
  const dbs: Db[] = [];
  let hub: Hub | null = null;
  try {
    await server.start();
    // The hub: its own process in production; here in this one, and the figures say so.
    let committed = 0;
    let latencies: number[] | null = null;
    hub = new Hub(validateHubConfig({
      nats: { servers: [url], user: HUB_USER, password: hubPass }, api: { port: 0 }, storage: { dataDir: join(dir, 'hub') },
      consumer: { batch: 256, flushMs: 20 },
    }), () => undefined);
    hub.onCommitted = (_result, records) => {
      committed += records.length;
      if (latencies !== null) { const now = Date.now(); for (const r of records) latencies.push(now - Date.parse(r.at)); }
    };
    await hub.start();

    // Ingest: every outbox full, then the links start; the clock runs until the hub committed the last.
    const outboxes = sites.map((site) => {
      const db = openDatabase(join(dir, `${site}.sqlite`));
      dbs.push(db);
      const o = new Outbox(db, { maxRecords: 10_000_000 });
      for (let i = 0; i < perGateway; i++) o.add('alert', `a${i}:1`, alertData(`a${i}`, i));
      return o;
    });
    const total = n * perGateway;
    const t0 = performance.now();
    sites.forEach((site, k) => {
      const link = new FleetLink({ config: { ...FLEET_DEFAULTS, enabled: true, servers: [url], site, user: siteUser(site), password: sitePass.get(site)! }, outbox: outboxes[k]! });
      links.push(link);
      link.start();
    });
    while (committed < total) {
      if (performance.now() - t0 > 600_000) throw new Error(`bench:fleet: only ${committed} of ${total} records after 600 s`);
      await sleep(5);
    }
    const ingestS = (performance.now() - t0) / 1000;
    const rate = total / ingestS;
    const rssAfterIngest = process.memoryUsage().rss;

    // Latency at a tenth of that rate: records made evenly over `seconds`, round robin over the gateways.
    latencies = [];
    const paced = Math.max(1, Math.round(rate / 10));
    const made = paced * seconds;
    const startAt = performance.now();
    const before = committed;
    for (let i = 0; i < made; i++) {
      const due = startAt + (i / paced) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      outboxes[i % n]!.add('alert', `l${i}:1`, alertData(`l${i}`, i));
    }
    while (committed < before + made) await sleep(5);
    const sorted = latencies.sort((a, b) => a - b);
    const mb = (b: number) => (b / 1048576).toFixed(0);
    process.stdout.write(
      `bench:fleet: ${n} gateways × ${perGateway} alert records (one publish in flight per gateway), one hub, nats-server ${url}\n` +
      `  ingest: ${total} records in ${ingestS.toFixed(2)} s = ${Math.round(rate)} records/s into the hub\n` +
      `  latency at ${paced} records/s (a tenth), ${made} records over ${seconds} s: p50 ${quantile(sorted, 0.5)} ms, p99 ${quantile(sorted, 0.99)} ms, max ${sorted.at(-1)} ms (made at a gateway → committed in the hub)\n` +
      `  memory: RSS ${mb(rssAfterIngest)} MiB after ingest, ${mb(process.memoryUsage().rss)} MiB at the end (this process: the hub and the ${n} simulated gateways)\n`,
    );
    return 0;
  } finally {
    for (const l of links) await l.stop();
    await hub?.stop();
    for (const db of dbs) db.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => { process.stderr.write(`bench:fleet: ${(e as Error).stack ?? String(e)}\n`); process.exitCode = 1; });
