// Fleet sites as real processes for the fault tests: gateway daemons (`edgeward start` from dist,
// each replaying its own capture through demo.capture into its own data directory, its fleet link
// signed in as its site) and a hub (`edgeward hub`), all on one test nats-server; plus read-only
// readers of each process's SQLite file, taken after the writer stopped or died, and of the stream.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, DeliverPolicy } from 'nats';
import { stringify } from 'yaml';
import { FLEET_STREAM } from '../../gateway/fleet/fleet-stream.js';
import { HUB_CONSUMER } from '../../gateway/hub/hub-consumer.js';
import { DaemonProcess, daemonEnv, type Exit } from '../e2e/daemon-process.js';
import { fixture } from './fixtures.js';
import type { TestNats } from './nats-server.js';
import { until } from './wait-until.js';

/** Deadline of a process start, ms: generous, the machine is shared. */
const START_MS = 30_000;
/** A pcap file with its global header only (little-endian, v2.4, snaplen 65535, Ethernet): no frame. */
const EMPTY_PCAP = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');

/** `node dist/gateway/cli/main.js <args>` as a child the test owns: JSON log lines of stdout, stderr, signals. */
export class CliProcess extends DaemonProcess {
  /**
   * Resolves once stderr has `line`, which the CLI prints right before it installs its SIGTERM
   * handler in the same turn (a SIGTERM before that would end it as a killed process, not a clean
   * stop); rejects if the process exits first.
   */
  async ready(line: string): Promise<void> {
    await until(() => { this.assertRunning(); return this.stderr.includes(line); }, () => `${this.name} to print "${line}" (stderr: ${this.stderr})`, START_MS);
  }

  /** `signal`, then resolves with how it ended (at once if it had ended already). */
  async signal(signal: NodeJS.Signals): Promise<Exit> {
    if (this.running) this.proc.kill(signal);
    return this.exited;
  }
}

/** What one gateway replays. */
export interface GatewaySpec {
  site: string;
  /** demo.capture: a capture file, '' for the generated demo network. */
  capture: string;
  /** demo.speed. */
  speed: number;
}

/**
 * The three sites of the fleet process tests, each replaying a different capture that raises
 * alerts loop after loop: the generated home network (a Mirai infection of its camera: port scan,
 * telnet brute force, C&C; DNS tunnelling), a CryptoWall C&C check-in capture (Chris Sanders',
 * 46 s: about 5 s a loop at 10×, the c2.http alert counting on) and a SYN port scan (nDPI's
 * synscan.pcap, 23 s: about 2.4 s a loop at 10×, new alerts every loop).
 */
export const FLEET_SITES: readonly GatewaySpec[] = [
  { site: 'home', capture: '', speed: 20 },
  { site: 'shop', capture: fixture('pcap/attacks/chrissanders__packets/cryptowall4_c2.pcapng'), speed: 10 },
  { site: 'office', capture: fixture('pcap/ndpi/synscan.pcap'), speed: 10 },
];

/**
 * One site's gateway: a data directory kept across its processes, and the process running now (if
 * any). start() replays the capture; startIdle() replays a capture without frames, so nothing new
 * is made and the link only drains what the outbox holds.
 */
export class FleetGateway {
  readonly dir: string;
  readonly dbFile: string;
  proc: CliProcess | null = null;
  private readonly configFile: string;
  private readonly idleConfigFile: string;

  constructor(readonly spec: GatewaySpec, nats: TestNats) {
    this.dir = mkdtempSync(join(tmpdir(), `edgeward-site-${spec.site}-`));
    this.dbFile = join(this.dir, 'data', 'edgeward.sqlite');
    const cred = nats.site(spec.site);
    const config = (demo: Record<string, unknown>) => stringify({
      storage: { dataDir: join(this.dir, 'data') },
      server: { host: '127.0.0.1', port: 0 },
      edgeLogs: { udp: false, tcp: false },
      demo,
      fleet: { enabled: true, servers: [nats.url], site: spec.site, user: cred.user, password: cred.pass },
    });
    this.configFile = join(this.dir, 'edgeward.yaml');
    this.idleConfigFile = join(this.dir, 'edgeward-idle.yaml');
    writeFileSync(this.configFile, config({ enabled: true, speed: spec.speed, capture: spec.capture }), { mode: 0o600 });
    // Idle: the daemon refuses to run with no source at all, so it replays a capture with no frame.
    const empty = join(this.dir, 'empty.pcap');
    writeFileSync(empty, EMPTY_PCAP);
    writeFileSync(this.idleConfigFile, config({ enabled: true, speed: 1, capture: empty }), { mode: 0o600 });
  }

  get site(): string {
    return this.spec.site;
  }

  /** Starts the daemon replaying its capture; resolves once it has started (and handles SIGTERM). */
  start(): Promise<void> {
    return this.spawn(this.configFile);
  }

  /** Starts the daemon on a capture with no frame (it only drains its outbox); resolves once started. */
  startIdle(): Promise<void> {
    return this.spawn(this.idleConfigFile);
  }

  private async spawn(configFile: string): Promise<void> {
    if (this.proc?.running === true) throw new Error(`gateway ${this.site} is running already`);
    this.proc = new CliProcess(daemonEnv({ EDGEWARD_CONFIG: configFile }), ['start'], `gateway ${this.site}`);
    await this.proc.ready('dashboard and API on');
  }

  /** SIGKILL (a crash) or SIGTERM (a clean stop); resolves when the process is gone. */
  async halt(signal: 'SIGKILL' | 'SIGTERM'): Promise<Exit | null> {
    const p = this.proc;
    this.proc = null;
    return p === null ? null : p.signal(signal);
  }

  /**
   * Brings the site to rest with nothing unsent: stops the replay (SIGTERM), runs the daemon idle
   * until its outbox is empty, stops it again. What the SQLite file then holds is everything the
   * site ever made, every record of it acknowledged by JetStream. A record made by a stop itself
   * (a last flush) waits for the next run, so the idle run is repeated while one is left, up to
   * `rounds` times; the result says what is left after the last.
   */
  async settle(rounds = 3): Promise<GatewayDb> {
    const stopped = await this.halt('SIGTERM');
    if (stopped !== null && stopped.code !== 0) throw new Error(`gateway ${this.site}: stop ended ${JSON.stringify(stopped)}`);
    let db = readGatewayDb(this.dbFile);
    for (let round = 0; round < rounds && (round === 0 || db.outbox > 0); round++) {
      await this.startIdle();
      await until(() => { this.proc!.assertRunning(); return readGatewayDb(this.dbFile).outbox === 0; },
        () => `gateway ${this.site}: its outbox drained (${readGatewayDb(this.dbFile).outbox} left)`, 60_000, 100);
      const exit = await this.halt('SIGTERM');
      if (exit?.code !== 0) throw new Error(`gateway ${this.site}: idle run ended ${JSON.stringify(exit)}`);
      db = readGatewayDb(this.dbFile);
    }
    return db;
  }

  /** Kills any process left (after a failed test) and removes the directory. */
  async close(): Promise<void> {
    await this.halt('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A gateway's SQLite as a restart would find it. */
export interface GatewayDb {
  /** Every alert: its id and rev (the rev its latest record carried). */
  alerts: { id: string; rev: number }[];
  /** Rows in fleet_outbox (records not yet acknowledged by JetStream). */
  outbox: number;
  /** The highest outbox sequence ever given (sqlite_sequence): how many records the site made. */
  lastSeq: number;
}

/** Reads a gateway's SQLite read-only (safe beside a running writer: WAL). */
export function readGatewayDb(file: string): GatewayDb {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const alerts = db.prepare('SELECT id, rev FROM alerts ORDER BY id').all() as { id: string; rev: number }[];
    const hasOutbox = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'fleet_outbox'").get() !== undefined;
    const outbox = hasOutbox ? (db.prepare('SELECT count(*) AS n FROM fleet_outbox').get() as { n: number }).n : 0;
    const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'fleet_outbox'").get() as { seq: number } | undefined;
    return { alerts, outbox, lastSeq: seq?.seq ?? 0 };
  } finally {
    db.close();
  }
}

/** A hub process with its own data directory and config file (the NATS password in its environment). */
export class FleetHub {
  readonly dir: string;
  readonly dbFile: string;
  proc: CliProcess | null = null;
  private readonly configFile: string;

  /** `ackWaitMs`: how soon a batch a killed hub held is delivered again. */
  constructor(private readonly nats: TestNats, ackWaitMs = 5000) {
    this.dir = mkdtempSync(join(tmpdir(), 'edgeward-hub-proc-'));
    this.dbFile = join(this.dir, 'hub.sqlite');
    this.configFile = join(this.dir, 'hub.yaml');
    writeFileSync(this.configFile, stringify({
      nats: { servers: [nats.url], user: nats.hub.user },
      api: { host: '127.0.0.1', port: 0 },
      storage: { dataDir: this.dir },
      consumer: { batch: 64, flushMs: 20, ackWaitMs },
    }));
  }

  /** Starts `edgeward hub`; resolves once it is up (stream, consumer, API) and handles SIGTERM. */
  async start(): Promise<void> {
    if (this.proc?.running === true) throw new Error('the hub is running already');
    this.proc = new CliProcess(daemonEnv({ EDGEWARD_HUB_NATS_PASSWORD: this.nats.hub.pass }), ['hub', '--config', this.configFile], 'the hub');
    await this.proc.ready('hub reading the fleet stream');
  }

  async halt(signal: 'SIGKILL' | 'SIGTERM'): Promise<Exit | null> {
    const p = this.proc;
    this.proc = null;
    return p === null ? null : p.signal(signal);
  }

  async close(): Promise<void> {
    await this.halt('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One row of hub_records: a record the hub stored, `n` its arrival order. */
export interface HubRecordRow {
  n: number;
  site: string;
  id: string;
  kind: string;
  seq: number;
}

/** What a hub's SQLite holds. */
export interface HubDb {
  alerts: { site: string; id: string; rev: number }[];
  /** In arrival order. */
  records: HubRecordRow[];
}

/** Reads the hub's SQLite read-only (safe beside the running hub: WAL). */
export function readHubDb(file: string): HubDb {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return {
      alerts: db.prepare('SELECT site, id, rev FROM hub_alerts ORDER BY site, id').all() as HubDb['alerts'],
      records: db.prepare('SELECT n, site, id, kind, seq FROM hub_records ORDER BY n').all() as HubRecordRow[],
    };
  } finally {
    db.close();
  }
}

/** Whether the hub's durable consumer has nothing left: no message undelivered, none unacknowledged. */
export async function hubCaughtUp(nats: TestNats): Promise<boolean> {
  const nc = await connect({ servers: nats.url, user: nats.hub.user, pass: nats.hub.pass, reconnect: false, timeout: 2000 });
  try {
    const i = await (await nc.jetstreamManager()).consumers.info(FLEET_STREAM, HUB_CONSUMER);
    return i.num_pending === 0 && i.num_ack_pending === 0;
  } finally {
    await nc.close();
  }
}

/** Messages of the hub's consumer delivered and not yet acknowledged (the hub holds records in hand). */
export async function hubAckPending(nats: TestNats): Promise<number> {
  const nc = await connect({ servers: nats.url, user: nats.hub.user, pass: nats.hub.pass, reconnect: false, timeout: 2000 });
  try {
    return (await (await nc.jetstreamManager()).consumers.info(FLEET_STREAM, HUB_CONSUMER)).num_ack_pending;
  } finally {
    await nc.close();
  }
}

/**
 * The Nats-Msg-Id of every message of the fleet stream, in stream order, read through a throw-away
 * ephemeral consumer of the test's own (the hub's durable one is not touched).
 */
export async function streamMsgIds(nats: TestNats): Promise<string[]> {
  const nc = await connect({ servers: nats.url, user: nats.hub.user, pass: nats.hub.pass, reconnect: false, timeout: 2000 });
  try {
    const jsm = await nc.jetstreamManager();
    const total = (await jsm.streams.info(FLEET_STREAM)).state.messages;
    const ci = await jsm.consumers.add(FLEET_STREAM, { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 30_000_000_000 });
    const consumer = await nc.jetstream().consumers.get(FLEET_STREAM, ci.name);
    const ids: string[] = [];
    while (ids.length < total) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        ids.push(m.headers?.get('Nats-Msg-Id') ?? '');
        got++;
      }
      if (got === 0) break;
    }
    await jsm.consumers.delete(FLEET_STREAM, ci.name).catch(() => undefined);
    return ids;
  } finally {
    await nc.close();
  }
}
