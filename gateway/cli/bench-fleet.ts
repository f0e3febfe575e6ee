#!/usr/bin/env node
// `npm run bench:fleet`: N simulated gateways — each its own SQLite outbox and fleet link, as a
// daemon has them, all in one child process (bench-fleet-gateways.ts) — publish alert records into
// one nats-server (Debian's, JetStream, loopback, a temporary store) that one hub, in this process,
// reads into its SQLite. Prints the ingest rate (every outbox filled, then the time until the hub
// has committed the last record), the end-to-end latency p50/p99 at a tenth of that rate (record
// made at a gateway → committed in the hub, the moment the hub's API shows it), and the hub's
// memory, then the hub alone: a stream already holding N×R more records, read by a hub started on it
// (the rate the hub keeps when the gateways are not on its machine). Options: --gateways N (10), --records R per gateway (5000), --seconds S of the latency
// run (10).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from 'nats';
import { HUB_USER, renderNatsServerConfig } from '../fleet/nats-server-config.js';
import { validateHubConfig } from '../hub/hub-config.js';
import { Hub } from '../hub/hub.js';
import { freePorts, ServerProcess } from '../common/server-process.js';
import type { GatewaysCommand, GatewaysReply } from './bench-fleet-gateways.js';

const NATS_SERVER = '/usr/sbin/nats-server';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The gateways' process: send a command, wait for the answer of `op`. */
class Gateways {
  private readonly waiting = new Map<string, () => void>();
  private failure: Error | null = null;
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: GatewaysReply) => {
      if (m.op === 'error') { this.failure = new Error(`bench:fleet gateways: ${m.message}`); for (const w of this.waiting.values()) w(); return; }
      this.waiting.get(m.op)?.();
    });
    child.on('exit', () => { this.failure ??= new Error('bench:fleet: the gateways process ended'); for (const w of this.waiting.values()) w(); });
  }
  /** Sends `cmd` and resolves on the reply `answer`. */
  async ask(cmd: GatewaysCommand, answer: GatewaysReply['op']): Promise<void> {
    const done = new Promise<void>((resolve) => this.waiting.set(answer, resolve));
    this.child.send(cmd);
    await done;
    this.waiting.delete(answer);
    if (this.failure !== null) throw this.failure;
  }
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { gateways: { type: 'string', default: '10' }, records: { type: 'string', default: '5000' }, seconds: { type: 'string', default: '10' } } });
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
  const passwords = Object.fromEntries(sites.map((s) => [s, pass()]));
  const [port] = (await freePorts(1)) as [number];
  const conf = join(dir, 'nats-server.conf');
  writeFileSync(conf, renderNatsServerConfig({
    host: '127.0.0.1', port, serverName: 'edgeward-bench', storeDir: join(dir, 'store'),
    hubPassword: hubPass, sites: sites.map((site) => ({ site, password: passwords[site]! })),
  }), { mode: 0o600 });
  const url = `nats://127.0.0.1:${port}`;
  const server = new ServerProcess('nats-server', NATS_SERVER, ['-c', conf], async () => {
    try { await (await connect({ servers: url, user: HUB_USER, pass: hubPass, reconnect: false, timeout: 500 })).close(); return true; } catch { return false; }
  });
  let hub: Hub | null = null;
  let gateways: Gateways | null = null;
  try {
    await server.start();
    // The hub, in this process: the figures of memory are its own.
    let committed = 0;
    let latencies: number[] | null = null;
    const hubConfig = validateHubConfig({
      nats: { servers: [url], user: HUB_USER, password: hubPass }, api: { port: 0 }, storage: { dataDir: join(dir, 'hub') },
    });
    const startHub = async (): Promise<Hub> => {
      const h = new Hub(hubConfig, () => undefined);
      h.onCommitted = (_result, records) => {
        committed += records.length;
        if (latencies !== null) { const now = Date.now(); for (const r of records) latencies.push(now - Date.parse(r.at)); }
      };
      await h.start();
      return h;
    };
    hub = await startHub();

    gateways = new Gateways(fork(join(dirname(fileURLToPath(import.meta.url)), 'bench-fleet-gateways.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    // Ingest: every outbox full, then the links start; the clock runs until the hub committed the last.
    await gateways.ask({ op: 'fill', url, dir, sites, passwords, records: perGateway }, 'ready');
    const total = n * perGateway;
    const t0 = performance.now();
    let drainedS = NaN;
    const drained = gateways.ask({ op: 'go' }, 'drained').then(() => { drainedS = (performance.now() - t0) / 1000; });
    while (committed < total) {
      if (performance.now() - t0 > 600_000) throw new Error(`bench:fleet: only ${committed} of ${total} records after 600 s`);
      await sleep(5);
    }
    const ingestS = (performance.now() - t0) / 1000;
    const rate = total / ingestS;
    const rssAfterIngest = process.memoryUsage().rss;
    await drained;

    // Latency at a tenth of that rate: records made evenly over `seconds`, round robin over the gateways.
    latencies = [];
    const paced = Math.max(1, Math.round(rate / 10));
    const made = paced * seconds;
    const before = committed;
    await gateways.ask({ op: 'pace', perSecond: paced, total: made }, 'made');
    while (committed < before + made) await sleep(5);
    const sorted = latencies.sort((a, b) => a - b);
    latencies = null;

    // The hub alone: with the hub stopped the gateways put `total` more records in the stream, then
    // a hub starts on the same file and durable consumer. Its rate is the hub's own, on a machine
    // it does not share with the gateways (in a fleet they are elsewhere).
    await hub.stop();
    hub = null;
    await gateways.ask({ op: 'burst', total }, 'drained');
    const beforeAlone = committed;
    const t1 = performance.now();
    hub = await startHub();
    while (committed < beforeAlone + total) {
      if (performance.now() - t1 > 600_000) throw new Error(`bench:fleet: the hub alone stored only ${committed - beforeAlone} of ${total} after 600 s`);
      await sleep(5);
    }
    const aloneS = (performance.now() - t1) / 1000;
    const mb = (b: number) => (b / 1048576).toFixed(0);
    process.stdout.write(
      `bench:fleet: ${n} gateways × ${perGateway} alert records (one process, up to 256 publishes in flight a gateway), one hub, nats-server ${url}\n` +
      `  ingest: ${total} records in ${ingestS.toFixed(2)} s = ${Math.round(rate)} records/s into the hub (every PubAck back at the gateways after ${drainedS.toFixed(2)} s)\n` +
      `  latency at ${paced} records/s (a tenth), ${made} records over ${seconds} s: p50 ${quantile(sorted, 0.5)} ms, p99 ${quantile(sorted, 0.99)} ms, max ${sorted.at(-1)} ms (made at a gateway → committed in the hub)\n` +
      `  hub alone: ${total} records already in the stream stored in ${aloneS.toFixed(2)} s = ${Math.round(total / aloneS)} records/s (the gateways idle; start-up included)\n` +
      `  hub memory: RSS ${mb(rssAfterIngest)} MiB after ingest, ${mb(process.memoryUsage().rss)} MiB at the end (the hub's process; the gateways run in another)\n`,
    );
    return 0;
  } finally {
    if (gateways !== null && gateways.child.connected) {
      await gateways.ask({ op: 'stop' }, 'stopped').catch(() => undefined);
      // Let it end by itself (it disconnects after stopping), so `node --cpu-prof` there writes its profile.
      const child = gateways.child;
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(2000)]);
    }
    gateways?.child.kill();
    await hub?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => { process.stderr.write(`bench:fleet: ${(e as Error).stack ?? String(e)}\n`); process.exitCode = 1; });
