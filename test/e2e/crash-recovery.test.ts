// Crash recovery: the daemon is killed with SIGKILL while its demo replay raises alerts and clients
// read the stream. Every alert a client was sent is then in SQLite (persisted before it is sent),
// and after a restart on the same data each client resumes by its last id: no gap, no duplicate.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DAEMON_MAIN, DaemonProcess, daemonEnv, freePort } from './daemon-process.js';
import { LaggingLink } from './lagging-link.js';
import { StreamRecorder, type EventMessage } from './stream-recorder.js';
import { until } from './wait-until.js';

/** The demo at 40×: its 240 s loop, attacks first, every 6 s, and count updates a few times a second between. */
const DEMO_SPEED = 40;
const TOPICS = ['alert', 'log', 'device', 'incident'];
/** Alert events each client holds before the kill (the first loop alone journals more). */
const ALERTS_BEFORE_KILL = 30;
/** Alert events the restarted daemon must send live (its demo starts over: the same alerts count on). */
const NEW_ALERTS_AFTER_RESTART = 5;
/**
 * The lagged client's link delivers a second late and loses what is in flight when the daemon dies,
 * so the crash leaves journaled events that client never got, and its reconnect must replay them.
 */
const LINK_LAG_MS = 1000;
/** Deadline of each wait: generous, a loaded machine only makes the test slower. */
const WAIT_MS = 20_000;

interface AlertEvent {
  change: 'new' | 'updated' | 'reopened';
  alert: { id: string; rule: string; device: string | null; dst: string };
}

interface JournalRow {
  id: number;
  topic: string;
  data: string;
}

/** What the SQLite file holds: the stream journal, its highest id ever given, and the alert ids. */
interface Stored {
  rows: JournalRow[];
  lastId: number;
  alertIds: Set<string>;
}

/** Reads the database read-only, after its writer is gone (killed or stopped): what a restart finds. */
function readDatabase(file: string): Stored {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, topic, data FROM stream_events ORDER BY id').all() as JournalRow[];
    const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'stream_events'").get() as { seq: number } | undefined;
    const alertIds = new Set((db.prepare('SELECT id FROM alerts').all() as { id: string }[]).map((r) => r.id));
    return { rows, lastId: seq?.seq ?? 0, alertIds };
  } finally {
    db.close();
  }
}

const alertEvents = (events: readonly EventMessage[]) => events.filter((e) => e.topic === 'alert').map((e) => e.data as AlertEvent);

/** Ids of `events`, checked to strictly increase (so no duplicate either). */
function increasingIds(events: readonly EventMessage[]): number[] {
  const ids = events.map((e) => e.id);
  for (let i = 1; i < ids.length; i++) expect(ids[i], `event ${i} after ${ids[i - 1]}`).toBeGreaterThan(ids[i - 1]!);
  return ids;
}

/**
 * What a client got before the crash is the stored journal's, byte for byte, and every alert it
 * names is stored. Subscribed from 0 to every topic, it got the whole journal up to its last id, in
 * order. Returns how many journaled events it did not get.
 */
function checkBeforeCrash(name: string, r: StreamRecorder, crashed: Stored): number {
  const journal = new Map(crashed.rows.map((row) => [row.id, row]));
  for (const ev of alertEvents(r.events)) expect(crashed.alertIds.has(ev.alert.id), `${name}: alert ${ev.alert.id} (${ev.alert.rule}, ${ev.change}) in SQLite`).toBe(true);
  for (const ev of r.events) {
    expect(ev.id, `${name}: event ${ev.id} within the journal`).toBeLessThanOrEqual(crashed.lastId);
    const row = journal.get(ev.id);
    expect(row, `${name}: event ${ev.id} journaled`).toBeDefined();
    expect(row!.topic, `${name}: event ${ev.id}'s topic`).toBe(ev.topic);
    expect(JSON.stringify(ev.data), `${name}: event ${ev.id}'s data`).toBe(row!.data);
  }
  const last = r.lastId(0);
  expect(increasingIds(r.events), `${name}: the journal up to its last id`).toEqual(crashed.rows.filter((row) => row.id <= last).map((row) => row.id));
  expect(r.messages.some((m) => m.type === 'gap'), `${name}: no gap`).toBe(false);
  return crashed.rows.filter((row) => row.id > last).length;
}

/**
 * No gap, no duplicate across the crash: ids strictly increase over both sessions, and the events
 * after the reconnect are exactly the journal's rows after the last id received before, to the end.
 */
function checkResumed(name: string, before: StreamRecorder, after: StreamRecorder, stopped: Stored): void {
  increasingIds([...before.events, ...after.events]);
  const expected = stopped.rows.filter((row) => row.id > before.lastId(0));
  expect(after.events[0]?.id, `${name}: the first event after the reconnect is the next one journaled`).toBe(expected[0]?.id);
  expect(after.events.map((e) => e.id), `${name}: every event after its last id, to the end`).toEqual(expected.map((row) => row.id));
  expect(after.events.map((e) => JSON.stringify(e.data)), `${name}: their data`).toEqual(expected.map((row) => row.data));
  expect(after.messages.some((m) => m.type === 'gap'), `${name}: no gap`).toBe(false);
  for (const ev of alertEvents(after.events)) expect(stopped.alertIds.has(ev.alert.id), `${name}: alert ${ev.alert.id} in SQLite`).toBe(true);
}

/** Events an after-reconnect session was replayed before it went live. */
const replayedCount = (r: StreamRecorder) => r.messages.findIndex((m) => m.type === 'live') - r.messages.findIndex((m) => m.type === 'hello') - 1;

describe.skipIf(!existsSync(DAEMON_MAIN))('crash recovery (npm run build first)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgeward-crash-'));
  const dbFile = join(dataDir, 'edgeward.sqlite');
  const daemons: DaemonProcess[] = [];
  const clients: StreamRecorder[] = [];
  let link: LaggingLink | null = null;

  afterAll(async () => {
    // After a failure: whatever still runs is killed first, so no client waits on a close handshake.
    for (const d of daemons) {
      if (!d.running) continue;
      d.kill('SIGKILL');
      await d.exited;
    }
    for (const c of clients) await c.close();
    await link?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every alert a client saw across kill -9, and resumes the stream by id with no gap or duplicate', async () => {
    const t0 = Date.now();
    const port = await freePort();
    const env = daemonEnv({
      EDGEWARD_STORAGE_DATA_DIR: dataDir,
      EDGEWARD_SERVER_HOST: '127.0.0.1',
      EDGEWARD_SERVER_PORT: String(port),
      EDGEWARD_EDGE_LOGS_UDP: 'false',
      EDGEWARD_EDGE_LOGS_TCP: 'false',
      EDGEWARD_DEMO_SPEED: String(DEMO_SPEED),
    });
    const url = `ws://127.0.0.1:${port}/api/v1/stream`;

    // 1. The daemon runs its demo. Two clients subscribe from the journal's start and record
    // everything: one directly (what it holds is fresh when the kill comes), one over a slow link.
    const first = new DaemonProcess(env);
    daemons.push(first);
    await until(() => { first.assertRunning(); return first.token() !== null && first.logged('started') !== undefined; }, () => `the first start (stderr: ${first.stderr})`, WAIT_MS);
    const token = first.token()!;
    link = await LaggingLink.open(port, LINK_LAG_MS);
    const direct = await StreamRecorder.open(url, token, TOPICS, 0);
    const lagged = await StreamRecorder.open(`ws://127.0.0.1:${link.port}/api/v1/stream`, token, TOPICS, 0);
    clients.push(direct, lagged);
    const ready = (r: StreamRecorder) => alertEvents(r.events).length >= ALERTS_BEFORE_KILL && r.first('live') !== undefined;
    await until(() => { first.assertRunning(); return ready(direct) && ready(lagged); },
      () => `${ALERTS_BEFORE_KILL} alert events and live on both clients (${alertEvents(direct.events).length} and ${alertEvents(lagged.events).length} so far)`, WAIT_MS);

    // 2. SIGKILL while events flow: on the arrival of the direct client's k-th next event, from the
    // socket's own handler, so the daemon is in the middle of its work. Count updates come a few
    // times a second and each loop opens with a burst, so k from 1 to 30 puts the kill anywhere in
    // the first loop or in the second's burst. It varies from run to run; it is printed, and
    // CRASH_KILL_AFTER=k replays a failing run's choice.
    const killAfter = Number(process.env.CRASH_KILL_AFTER) || 1 + Math.floor(Math.random() * 30);
    const armedAt = direct.events.length;
    console.log(`crash-recovery: SIGKILL on the ${killAfter}th event after the first ${armedAt}`);
    let killed = false;
    direct.onEvent = () => {
      if (killed || direct.events.length < armedAt + killAfter) return;
      killed = true;
      first.kill('SIGKILL');
    };
    await until(() => { if (!killed) first.assertRunning(); return killed; }, () => `${killAfter} more events (${direct.events.length - armedAt} so far)`, WAIT_MS);
    const tKill = Date.now();
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Frames the kernel had accepted still land after the kill: they count as received.
    await Promise.all([direct.closed, lagged.closed]);

    // 3. What the crash left: everything each client got, and the alerts it names, are stored.
    const crashed = readDatabase(dbFile);
    const missedDirect = checkBeforeCrash('direct', direct, crashed);
    const missedLagged = checkBeforeCrash('lagged', lagged, crashed);

    // 4. Restart on the same data and port: the token and the devices' MUD URLs are still known.
    const tRestart = Date.now();
    const second = new DaemonProcess(env);
    daemons.push(second);
    await until(() => { second.assertRunning(); return second.logged('started') !== undefined; }, () => `the restart (stderr: ${second.stderr})`, WAIT_MS);
    const tRestarted = Date.now();
    expect(second.token(), 'no new admin token: the old one is still stored').toBeNull();
    expect(second.logged('state.restored')?.devices).toBeGreaterThan(0);

    // 5. The clients come back as real ones do: a new socket (the lagged one's network is fine
    // again), since = the last id each got. Each is replayed what it missed, goes live, and the
    // restarted demo's traffic reaches them: the alerts it had count on (a restart makes no copies).
    const direct2 = await StreamRecorder.open(url, token, TOPICS, direct.lastId(0));
    const lagged2 = await StreamRecorder.open(url, token, TOPICS, lagged.lastId(0));
    clients.push(direct2, lagged2);
    const seenBefore = new Set([...alertEvents(direct.events), ...alertEvents(lagged.events)].map((e) => e.alert.id));
    const newAlerts = (r: StreamRecorder) => alertEvents(r.events.slice(Math.max(0, replayedCount(r)))).length;
    const resumed = (r: StreamRecorder) => r.first('live') !== undefined && newAlerts(r) >= NEW_ALERTS_AFTER_RESTART;
    await until(() => { second.assertRunning(); return resumed(direct2) && resumed(lagged2); },
      () => `live and ${NEW_ALERTS_AFTER_RESTART} new alerts after the restart on both clients (${newAlerts(direct2)} and ${newAlerts(lagged2)} so far)`, WAIT_MS);

    // 6. A clean stop (SIGTERM) with the clients connected: it ends with 'stopped', closes them with 1001.
    second.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.log.at(-1)?.event).toBe('stopped');
    expect(await direct2.closed).toBe(1001);
    expect(await lagged2.closed).toBe(1001);

    // 7. The restart kept the crashed daemon's journal as it was, and its ids went on from there;
    // each client resumed with no gap and no duplicate.
    const stopped = readDatabase(dbFile);
    expect(stopped.rows.slice(0, crashed.rows.length)).toEqual(crashed.rows);
    expect(stopped.rows[crashed.rows.length]?.id).toBe(crashed.lastId + 1);
    checkResumed('direct', direct, direct2, stopped);
    checkResumed('lagged', lagged, lagged2, stopped);
    // No copy of an alert the crashed daemon had: every alert it announced after the restart as new
    // is of a (rule, device, destination) the first run never raised.
    const keyOf = (e: AlertEvent) => `${e.alert.rule}|${e.alert.device ?? ''}|${e.alert.dst}`;
    const before = new Set([...alertEvents(direct.events), ...alertEvents(lagged.events)].map(keyOf));
    const copies = alertEvents(direct2.events).filter((e) => e.change === 'new' && before.has(keyOf(e)) && !seenBefore.has(e.alert.id));
    expect(copies.map(keyOf), 'alerts raised again as new after the restart').toEqual([]);

    console.log(`crash-recovery: killed on event ${armedAt + killAfter} of the direct client; ` +
      `before the kill direct ${direct.events.length} events (${alertEvents(direct.events).length} alert), lagged ${lagged.events.length} (${alertEvents(lagged.events).length} alert); ` +
      `journal ${crashed.lastId} events, not yet received: direct ${missedDirect}, lagged ${missedLagged}; ${crashed.alertIds.size} alerts in SQLite; ` +
      `after the reconnect direct ${replayedCount(direct2)} replayed + ${direct2.events.length - replayedCount(direct2)} live, lagged ${replayedCount(lagged2)} + ${lagged2.events.length - replayedCount(lagged2)}, ` +
      `${newAlerts(direct2)} new alerts; journal at stop ${stopped.lastId}; ` +
      `kill at ${tKill - t0} ms, restart to 'started' ${tRestarted - tRestart} ms, total ${Date.now() - t0} ms`);
  }, 60_000);
});
