// The alert lifecycle across restarts: a restarted manager continues the stored alert of the same
// key (same id, count carried on), a recurrence reopens a resolved alert with its time, an
// acknowledged one stays acknowledged, every status change is in the history, and the listing is
// ordered by last activity. Then the same through a real daemon restarted twice on its data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../gateway/alerts/alert.js';
import { ALERTS_DEFAULTS, AlertManager } from '../../gateway/alerts/alert-manager.js';
import { AlertStore, type StoredAlert } from '../../gateway/alerts/alert-store.js';
import { openDatabase } from '../../gateway/store/database.js';
import { iso } from '../../gateway/common/packet-time.js';
import { ingestDemo, startDemoDaemon } from '../browser/demo-daemon.js';
import type { TestDaemon } from '../helpers/daemon.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;

function input(over: Partial<AlertInput> = {}): AlertInput {
  return {
    rule: 'malware.download', ts: T, device: 'aa:bb:cc:dd:ee:01', src: '192.168.1.20', dst: '203.0.113.9', proto: 'tcp',
    sport: 40000, dport: 80, message: 'download', evidence: { sha256: 'x' }, ...over,
  };
}

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgeward-lifecycle-'));
  dirs.push(d);
  return join(d, 'alerts.sqlite');
}

/** A daemon's manager over the file at `path` (resume on), as a restart makes it. */
function run(path: string): { store: AlertStore; alerts: AlertManager; changes: string[] } {
  const store = new AlertStore(openDatabase(path));
  const alerts = new AlertManager(ALERTS_DEFAULTS, store, false, undefined, true);
  const changes: string[] = [];
  alerts.addListener((a, isNew, reopened) => changes.push(`${a.rule}:${isNew ? 'new' : reopened ? 'reopened' : 'updated'}`));
  return { store, alerts, changes };
}

describe('alert lifecycle in the store', () => {
  it('a restarted manager continues the stored alert (same id, count and last time carried on) within the window', () => {
    const path = tempDb();
    const r1 = run(path);
    const a = r1.alerts.raise(input())!;
    r1.alerts.raise(input({ ts: T + 5 * S }));
    r1.alerts.flush();
    r1.store.db.close();

    const r2 = run(path);
    const b = r2.alerts.raise(input({ ts: T + 600 * S, evidence: { sha256: 'y' } }))!;
    r2.alerts.flush();
    expect(b.id).toBe(a.id);
    expect(r2.changes).toEqual(['malware.download:updated']);
    expect(r2.store.count()).toBe(1);
    expect(r2.store.get(a.id)).toMatchObject({ count: 3, firstTs: iso(T), lastTs: iso(T + 600 * S), evidence: { sha256: 'y' }, status: 'open' });
    // Past the window it is a new alert, as without a restart.
    const c = r2.alerts.raise(input({ ts: T + 600 * S + (ALERTS_DEFAULTS.dedupWindowSeconds + 1) * S }))!;
    expect(c.id).not.toBe(a.id);
    expect(r2.store.count()).toBe(2);
    r2.store.db.close();
  });

  it('a resolved alert reopens on recurrence with the recurrence time; an acknowledged one stays acknowledged; the history has every change', () => {
    const { store, alerts, changes } = run(tempDb());
    const a = alerts.raise(input())!;
    const other = alerts.raise(input({ rule: 'beacon.c2', ts: T + S }))!;
    alerts.flush();
    expect(store.triage(a.id, 'resolve', 'ana (t1)', new Date(Date.UTC(2026, 0, 1, 0, 1)), 'false alarm?')!.status).toBe('resolved');
    expect(store.triage(other.id, 'acknowledge', 'bob (t2)')!.status).toBe('acknowledged');
    // Repeating an action changes nothing (no second history row).
    const rev = store.get(a.id)!.rev;
    expect(store.triage(a.id, 'resolve', 'someone else')!.rev).toBe(rev);

    alerts.raise(input({ ts: T + 120 * S }));
    alerts.raise(input({ rule: 'beacon.c2', ts: T + 130 * S }));
    alerts.flush();
    const reopened = store.get(a.id)!;
    expect(reopened).toMatchObject({ status: 'reopened', reopenedAt: iso(T + 120 * S), count: 2, resolvedBy: 'ana (t1)' });
    expect(store.get(other.id)).toMatchObject({ status: 'acknowledged', count: 2 });
    expect(changes).toEqual(['malware.download:new', 'beacon.c2:new', 'malware.download:reopened', 'beacon.c2:updated']);
    expect(store.history(a.id)).toEqual([
      { status: 'resolved', by: 'ana (t1)', at: '2026-01-01T00:01:00.000Z', note: 'false alarm?' },
      { status: 'reopened', by: 'edgeward', at: iso(T + 120 * S), note: 'recurred (2 occurrences)' },
    ]);
    // A reopened alert is acknowledged and resolved again like an open one.
    expect(store.triage(a.id, 'acknowledge', 'ana (t1)')!.status).toBe('acknowledged');
    expect(store.query({ status: ['reopened'] }).total).toBe(0);
    expect(store.query({ status: ['acknowledged'] }).items.map((x) => x.id).sort()).toEqual([a.id, other.id].sort());
    store.db.close();
  });

  it('lists by last activity: an old alert with a new occurrence comes first; pages follow the activity cursor', () => {
    const { store, alerts } = run(tempDb());
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(alerts.raise(input({ dst: `203.0.113.${i}`, ts: T + i * S }))!.id);
    alerts.flush();
    alerts.raise(input({ dst: '203.0.113.1', ts: T + 100 * S }));
    alerts.flush();
    const order = [ids[1], ids[4], ids[3], ids[2], ids[0]];
    expect(store.query({}).items.map((a) => a.id)).toEqual(order);
    const seen: StoredAlert[] = [];
    let before: number | undefined;
    for (;;) {
      const page = store.query({ limit: 2, ...(before !== undefined && { before }) });
      seen.push(...page.items);
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen.map((a) => a.id)).toEqual(order);
    expect(store.query({ after: seen[2]!.activity }).items.map((a) => a.id)).toEqual([ids[4], ids[1]]);
    store.db.close();
  });

  it('orders by the last occurrence, not by when the gateway wrote it: an alert raised late about an earlier time sits below', () => {
    const { store, alerts } = run(tempDb());
    const later = alerts.raise(input({ dst: '203.0.113.1', ts: T + 10 * S }))!;
    // Raised after, about an earlier time (a detector that holds its finding, as device.new does).
    const earlier = alerts.raise(input({ dst: '203.0.113.2', ts: T + 5 * S }))!;
    const same = alerts.raise(input({ dst: '203.0.113.3', ts: T + 10 * S }))!;
    alerts.flush();
    expect(store.query({}).items.map((a) => a.id)).toEqual([same.id, later.id, earlier.id]);
    const first = store.query({ limit: 1 });
    const second = store.query({ limit: 1, before: first.next! });
    const third = store.query({ limit: 1, before: second.next! });
    expect([first, second, third].map((p) => p.items[0]!.id)).toEqual([same.id, later.id, earlier.id]);
    expect(third.next).toBeNull();
    store.db.close();
  });
});

describe('alert lifecycle through daemon restarts', () => {
  let t: TestDaemon | null = null;
  afterEach(async () => { await t?.close(); t = null; });

  it('two restarts with the same traffic: each alert once with its count carried on, no device.new for known devices, devices restored', async () => {
    t = await startDemoDaemon();
    await ingestDemo(t);
    const list = async (): Promise<StoredAlert[]> => ((await (await t!.api('/api/v1/alerts?limit=1000', { token: t!.tokens.analyst })).json()) as { items: StoredAlert[] }).items;
    const first = await list();
    expect(first.length).toBeGreaterThan(5);
    const devices = async (): Promise<string[]> => ((await (await t!.api('/api/v1/devices', { token: t!.tokens.analyst })).json()) as { items: { mac: string; hostname: string | null }[] }).items
      .map((d) => `${d.mac} ${d.hostname}`).sort();
    const macs = await devices();
    expect(macs.length).toBeGreaterThan(3);
    for (let round = 2; round <= 3; round++) {
      await t.restart();
      // Known before any traffic: the inventory came back from SQLite.
      expect(await devices()).toEqual(macs);
      await ingestDemo(t);
      const now = await list();
      expect(now.map((a) => a.id).sort(), `round ${round}: the same alerts, none copied`).toEqual(first.map((a) => a.id).sort());
      for (const a of first) {
        const b = now.find((x) => x.id === a.id)!;
        // device.new is not raised again for a device the gateway knew; every other alert counts on.
        expect(b.count, `${a.rule} ${a.device}`).toBe(a.rule === 'device.new' ? a.count : a.count * round);
      }
      expect(t.events.filter((e) => e.event === 'device.new')).toHaveLength(macs.length);
    }
  });
});
