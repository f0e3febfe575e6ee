// A full disk, for real: the daemon's data directory is a 2 MiB tmpfs this test mounts, filled with
// a file of zeros. New devices then raise alerts that still reach a WebSocket client live, health
// says the storage is full and /metrics counts what was not stored; once the filler is deleted,
// the next alerts are stored again (no restart) and the alerts stored before read back unchanged,
// in a file SQLite's integrity check passes. Needs root (mount); skipped, saying so, without it.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { deviceMac, writeDeviceCapture } from '../helpers/device-capture.js';
import { until } from '../helpers/wait-until.js';
import { StreamRecorder } from '../e2e/stream-recorder.js';

const mnt = mkdtempSync(join(tmpdir(), 'edgeward-full-'));
/** Whether this process may mount a tmpfs (root in the test container); the reason when not. */
const mount = ((): { ok: true } | { ok: false; reason: string } => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
    return { ok: true };
  } catch (e) {
    rmSync(mnt, { recursive: true, force: true });
    return { ok: false, reason: `cannot mount a tmpfs (${String((e as { stderr?: Buffer }).stderr ?? e).trim()}): run as root` };
  }
})();
if (!mount.ok) console.warn(`disk-full test skipped: ${mount.reason}`);

const filler = join(mnt, 'filler');
const eve = join(mnt, 'eve.jsonl');
let t: TestDaemon;
let captures = 0;

interface AlertEvent { change: string; alert: { id: string; rule: string; device: string } }
interface Health { status: string; storage: { status: string; failedWrites: Record<string, number>; lastError: string | null; resumedAt: string | null } }

/** Devices `from`..`to-1` appear (one datagram each): one device.new alert each. */
async function newDevices(from: number, to: number): Promise<void> {
  const file = join(t.dir, `devices-${captures++}.pcap`);
  writeDeviceCapture(file, from, to);
  await t.daemon.ingestCapture(file);
}

/** Writes zeros to `filler` until the file system refuses (ENOSPC). */
function fill(): void {
  const fd = openSync(filler, 'w');
  const zeros = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, zeros);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

const health = async (): Promise<Health> => (await (await t.api('/api/v1/health')).json()) as Health;
const alertById = async (id: string): Promise<Record<string, unknown> | null> => {
  const r = await t.api(`/api/v1/alerts/${id}`, { token: t.tokens.analyst });
  return r.status === 404 ? null : ((await r.json()) as Record<string, unknown>);
};
const deviceAlerts = async (): Promise<Map<string, string>> => {
  const r = await t.api('/api/v1/alerts?rule=device.new&limit=1000', { token: t.tokens.analyst });
  const items = ((await r.json()) as { items: { id: string; device: string }[] }).items;
  return new Map(items.map((a) => [a.device, a.id]));
};

describe.skipIf(!mount.ok)('a full disk under the data directory', () => {
  beforeAll(async () => {
    t = await startTestDaemon({
      storage: { dataDir: mnt, eve },
      detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } },
    });
  });
  afterAll(async () => {
    try { unlinkSync(filler); } catch { /* deleted by the test */ }
    try {
      await t?.close();
    } finally {
      execFileSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('streams live while nothing can be stored, reports it, and stores again once space returns', async () => {
    // Before: three alerts stored, and their rows as the API gives them.
    await newDevices(1, 4);
    const stored = await deviceAlerts();
    expect([...stored.keys()].sort()).toEqual([deviceMac(1), deviceMac(2), deviceMac(3)]);
    const before = new Map<string, unknown>();
    for (const id of stored.values()) before.set(id, await alertById(id));
    expect((await health()).storage).toMatchObject({ status: 'ok', failedWrites: {}, lastError: null });

    const client = await StreamRecorder.open(`${t.url.replace('http', 'ws')}/api/v1/stream`, t.tokens.analyst, ['alert']);
    await until(() => client.first('live') !== undefined, () => 'the stream to go live', 10_000);

    fill();
    // Five devices appear on a full disk: the packet path does not throw, the alerts go out live.
    await newDevices(4, 9);
    await until(() => client.events.length >= 5, () => `5 live alerts, got ${client.events.length}`, 10_000);
    const live = client.events.map((e) => e.data as AlertEvent);
    expect(live.map((e) => [e.change, e.alert.rule, e.alert.device])).toEqual([4, 5, 6, 7, 8].map((i) => ['new', 'device.new', deviceMac(i)]));
    // A high alert on a full disk (one that opens an incident): raised without a throw, streamed live.
    const raised = t.daemon.alerts.raise({
      rule: 'malware.download', ts: Date.UTC(2026, 0, 1, 1) * 1000, device: deviceMac(4), src: '192.168.7.4', dst: '198.51.100.7', proto: 'tcp',
      sport: 40000, dport: 80, message: 'fetched a binary', evidence: {}, severity: 'high',
    });
    expect(raised).not.toBeNull();
    await until(() => client.events.length >= 6, () => `6 live alerts, got ${client.events.length}`, 10_000);
    expect((client.events[5]!.data as AlertEvent).alert.rule).toBe('malware.download');
    const ids = client.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const full = await health();
    expect(full.status).toBe('degraded');
    expect(full.storage.status).toBe('full');
    expect(full.storage.failedWrites.alerts).toBeGreaterThanOrEqual(1);
    expect(full.storage.failedWrites.stream_events).toBeGreaterThanOrEqual(1);
    expect(full.storage.lastError).not.toBeNull();
    const metrics = await (await t.api('/metrics', { token: t.tokens.analyst })).text();
    const failures = Number(/^edgeward_storage_write_failures_total\{table="alerts"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(failures).toBe(full.storage.failedWrites.alerts);
    // What was not stored is not in the table: none of the five is readable yet.
    const during = await deviceAlerts();
    for (const i of [4, 5, 6, 7, 8]) expect(during.has(deviceMac(i))).toBe(false);
    // An analyst's write the disk has no room for is refused as such (507 storage.full), not as a bug,
    // and changes nothing.
    const [firstId] = [...before.keys()];
    const ack = await t.api(`/api/v1/alerts/${firstId}/acknowledge`, { method: 'POST', token: t.tokens.analyst });
    expect(ack.status).toBe(507);
    expect(((await ack.json()) as { code: string }).code).toBe('storage.full');
    expect((await alertById(firstId!))).toEqual(before.get(firstId!));

    // Space returns: the next writes succeed, with no restart.
    unlinkSync(filler);
    await newDevices(9, 12);
    await until(() => client.events.length >= 9, () => `9 live alerts, got ${client.events.length}`, 10_000);
    const after = await deviceAlerts();
    for (const i of [9, 10, 11]) expect(after.has(deviceMac(i)), `alert of device ${i} stored`).toBe(true);
    const ok = await health();
    expect(ok.storage.status).toBe('ok');
    expect(ok.storage.resumedAt).not.toBeNull();
    expect(ok.status).toBe('ok');
    // The live ids kept growing across the fault (a client resuming from any of them is not refused).
    const allIds = client.events.map((e) => e.id);
    expect(new Set(allIds).size).toBe(allIds.length);
    expect(allIds).toEqual([...allIds].sort((a, b) => a - b));

    // The alerts stored before the fault read back exactly as they were.
    for (const [id, row] of before) expect(await alertById(id)).toEqual(row);
    expect(t.daemon.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // EVE: every whole line is one JSON object; the alerts before and after the fault are there.
    const lines = readFileSync(eve, 'utf8').split('\n').filter((l) => l !== '');
    const parsed = lines.flatMap((l) => { try { return [JSON.parse(l) as { edgeward: { device: string } }]; } catch { return []; } });
    expect(lines.length - parsed.length).toBeLessThanOrEqual(1); // at most the one line the disk cut short
    const eveDevices = new Set(parsed.map((r) => r.edgeward.device));
    for (const i of [1, 2, 3, 9, 10, 11]) expect(eveDevices.has(deviceMac(i))).toBe(true);
    // A client that resumes from before the fault is replayed what was stored and told of the rest:
    // every event sent live during the fault is in its replay or inside a gap it was sent.
    const faultIds = ids;
    const resumed = await StreamRecorder.open(`${t.url.replace('http', 'ws')}/api/v1/stream`, t.tokens.analyst, ['alert'], faultIds[0]! - 1);
    await until(() => resumed.first('live') !== undefined, () => 'the resumed stream to go live', 10_000);
    const gaps = resumed.messages.filter((m) => m.type === 'gap') as unknown as { from: number; to: number }[];
    expect(gaps.length).toBeGreaterThan(0);
    for (const id of faultIds) {
      const told = resumed.events.some((e) => e.id === id) || gaps.some((g) => g.from <= id && id <= g.to);
      expect(told, `event ${id}: replayed or reported as a gap`).toBe(true);
    }
    await resumed.close();
    await client.close();

    // And the file itself, closed and opened afresh.
    await t.stop();
    const db = new Database(join(mnt, 'edgeward.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const n = (db.prepare("SELECT count(*) AS n FROM alerts WHERE rule = 'device.new'").get() as { n: number }).n;
      expect(n).toBe(6);
    } finally {
      db.close();
    }
  });
});
