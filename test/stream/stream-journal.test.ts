// The stream journal: ids only grow (also across pruning and reopening), `since` filters by topic in
// id order, and pruning keeps the newest rows and reports the oldest id kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.js';
import { StreamJournal, type Topic } from '../../gateway/store/stream-journal.js';

const at = Date.UTC(2026, 0, 1);

describe('StreamJournal', () => {
  it('appends with increasing ids and reads back by topic, in id order, from a given id', () => {
    const j = new StreamJournal(openDatabase(':memory:'), { now: () => at });
    expect([j.lastId(), j.oldestId()]).toEqual([0, 1]);
    const topics: Topic[] = ['alert', 'log', 'device', 'alert', 'log', 'alert'];
    const evs = topics.map((t, i) => j.append(t, { i }));
    expect(evs.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(evs[0]).toEqual({ id: 1, topic: 'alert', at: '2026-01-01T00:00:00.000Z', data: '{"i":0}' });
    expect(j.since(0, ['alert']).map((e) => e.id)).toEqual([1, 4, 6]);
    expect(j.since(1, ['alert', 'log']).map((e) => e.id)).toEqual([2, 4, 5, 6]);
    expect(j.since(2, ['device', 'log', 'alert'], 2).map((e) => e.id)).toEqual([3, 4]);
    expect(j.since(0, [])).toEqual([]);
    expect(j.since(6, ['alert'])).toEqual([]);
    expect(j.since(0, ['log'])[1]).toEqual({ id: 5, topic: 'log', at: '2026-01-01T00:00:00.000Z', data: '{"i":4}' });
    expect(j.append('device', undefined).data).toBe('null');
    expect(j.lastId()).toBe(7);
  });

  it('stores a reference for appendRef, sends the live JSON, and reads the reference back through expand (skipping those gone, pages still full)', () => {
    const held = new Map([['a', '{"v":"a2"}'], ['c', '{"v":"c1"}']]);
    const db = openDatabase(':memory:');
    const j = new StreamJournal(db, { now: () => at, expand: (topic, ref) => (topic === 'alert' ? held.get(ref) ?? null : null) });
    expect(j.appendRef('alert', 'a', '{"v":"a1"}')).toEqual({ id: 1, topic: 'alert', at: '2026-01-01T00:00:00.000Z', data: '{"v":"a1"}' });
    j.appendRef('alert', 'b', '{"v":"b1"}'); // b is gone by the replay
    j.append('log', { l: 1 });
    j.appendRef('alert', 'c', '{"v":"c1"}');
    // The row holds the reference, not the copy.
    expect((db.prepare('SELECT data FROM stream_events WHERE id = 1').get() as { data: string }).data).toBe('@a');
    // A replay reads what the reference reads now (a's latest copy); b is skipped.
    expect(j.since(0, ['alert', 'log']).map((e) => [e.id, e.data])).toEqual([[1, '{"v":"a2"}'], [3, '{"l":1}'], [4, '{"v":"c1"}']]);
    // A page of 2 skips b and is filled from further on: a short page means the end.
    expect(j.since(0, ['alert', 'log'], 2).map((e) => e.id)).toEqual([1, 3]);
    expect(j.since(1, ['alert'], 1).map((e) => e.id)).toEqual([4]);
    expect(j.since(4, ['alert'], 1)).toEqual([]);
  });

  it('prunes to the newest rows, never reuses ids, and reopens where it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-journal-'));
    try {
      const file = join(dir, 'gw.sqlite');
      const db = openDatabase(file);
      const j = new StreamJournal(db, { retain: 0 });
      for (let i = 0; i < 30; i++) j.append('alert', i);
      expect(j.prune(10)).toEqual({ deleted: 20, oldestId: 21 });
      expect([j.count(), j.oldestId(), j.lastId()]).toEqual([10, 21, 30]);
      expect(j.prune(0)).toEqual({ deleted: 10, oldestId: 31 });
      expect([j.count(), j.oldestId(), j.lastId()]).toEqual([0, 31, 30]);
      expect(j.append('log', 'x').id).toBe(31); // AUTOINCREMENT: not 1 again
      db.close();
      const j2 = new StreamJournal(openDatabase(file));
      expect([j2.lastId(), j2.oldestId()]).toEqual([31, 31]);
      expect(j2.append('log', 'y').id).toBe(32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prunes by itself every pruneEvery appends, keeping `retain` rows', () => {
    const j = new StreamJournal(openDatabase(':memory:'), { retain: 50, pruneEvery: 20 });
    for (let i = 0; i < 199; i++) j.append('log', i);
    expect(j.count()).toBe(50 + 19); // pruned at 180, 19 since
    j.append('log', 199);
    expect([j.count(), j.oldestId(), j.lastId()]).toEqual([50, 151, 200]);
  });
});
