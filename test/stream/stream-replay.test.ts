// Publishing and replay: live events reach subscribed clients with increasing ids; a client that
// reconnects with its last id gets exactly what it missed, in order, then live events; topics
// filter; pruned history is reported as a gap; a long replay paced in pages stays ordered while
// events keep being published.
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, subscribed, type Harness } from './stream-harness.js';

let h: Harness;
afterEach(async () => { await h.stop(); });

const ids = (c: { events(): { id: number }[] }): number[] => c.events().map((e) => e.id);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('stream publish and replay', () => {
  it('sends a published alert to a subscribed client, ids increasing', async () => {
    h = await startHarness();
    const c = await subscribed(h, { topics: ['alert'] });
    const a = h.stream.publish('alert', { rule: 'scan.port', device: 'aa:bb:cc:dd:ee:01' });
    const b = h.stream.publish('alert', { rule: 'bruteforce.telnet', device: null });
    await c.until(() => c.events().length === 2);
    expect(b).toBeGreaterThan(a);
    expect(c.events()).toEqual([
      { type: 'event', id: a, topic: 'alert', at: expect.any(String) as unknown, data: { rule: 'scan.port', device: 'aa:bb:cc:dd:ee:01' } },
      { type: 'event', id: b, topic: 'alert', at: expect.any(String) as unknown, data: { rule: 'bruteforce.telnet', device: null } },
    ]);
    expect(h.stream.stats()).toMatchObject({ clients: 1, replayed: 0 });
    await c.close();
  });

  it('replays exactly the 100 events missed while disconnected, in order, without duplicates, then goes live', async () => {
    h = await startHarness();
    const first = await subscribed(h, { topics: ['alert'] });
    for (let i = 0; i < 5; i++) h.stream.publish('alert', { n: i });
    await first.until(() => first.events().length === 5);
    const lastId = first.events()[4]!.id;
    await first.close();

    const missed: number[] = [];
    for (let i = 5; i < 105; i++) missed.push(h.stream.publish('alert', { n: i }));

    const again = await subscribed(h, { topics: ['alert'], since: lastId });
    expect(ids(again)).toEqual(missed);
    expect(again.events().map((e) => (e.data as { n: number }).n)).toEqual(range(5, 104));
    // `live` comes after the replay and names where it ended.
    const types = again.messages.map((m) => m.type);
    expect(types.indexOf('live')).toBe(types.length - 1);
    expect(again.ofType('live')[0]).toMatchObject({ lastId: missed[99], topics: ['alert'] });

    const live = h.stream.publish('alert', { n: 105 });
    await again.until(() => again.events().length === 101);
    expect(ids(again)).toEqual([...missed, live]);
    expect(h.stream.stats().replayed).toBe(100);
    await again.close();
  });

  it('replays and streams only the subscribed topics, and a new subscribe changes them', async () => {
    h = await startHarness();
    h.stream.publish('alert', { k: 'a1' });
    h.stream.publish('log', { k: 'l1' });
    h.stream.publish('device', { k: 'd1' });
    const c = await subscribed(h, { topics: ['log', 'device'], since: 0 });
    h.stream.publish('alert', { k: 'a2' });
    h.stream.publish('log', { k: 'l2' });
    await c.until(() => c.events().length === 3);
    expect(c.events().map((e) => e.topic + ':' + (e.data as { k: string }).k)).toEqual(['log:l1', 'device:d1', 'log:l2']);
    c.send({ type: 'subscribe', topics: ['alert'] });
    await c.until(() => c.ofType('live').length === 2);
    h.stream.publish('log', { k: 'l3' });
    h.stream.publish('alert', { k: 'a3' });
    await c.until(() => c.events().length === 4);
    expect(c.events()[3]).toMatchObject({ topic: 'alert', data: { k: 'a3' } });
    await c.close();
  });

  it('tells a client further behind than the journal keeps about the gap, then replays the rest', async () => {
    h = await startHarness();
    for (let i = 1; i <= 50; i++) h.stream.publish('alert', { n: i });
    expect(h.journal.prune(20)).toEqual({ deleted: 30, oldestId: 31 });
    const c = await subscribed(h, { since: 10 });
    expect(c.ofType('gap')).toEqual([{ type: 'gap', from: 11, to: 30 }]);
    expect(ids(c)).toEqual(range(31, 50));
    // The gap comes before the first replayed event.
    expect(c.messages.findIndex((m) => m.type === 'gap')).toBeLessThan(c.messages.findIndex((m) => m.type === 'event'));
    await c.close();
  });

  it('caps a replay at maxReplay events and reports the older ones as a gap', async () => {
    h = await startHarness({ maxReplay: 30 });
    for (let i = 1; i <= 100; i++) h.stream.publish('log', { n: i });
    const c = await subscribed(h, { since: 0 });
    expect(c.ofType('gap')).toEqual([{ type: 'gap', from: 1, to: 70 }]);
    expect(ids(c)).toEqual(range(71, 100));
    await c.close();
  });

  it('pages a long replay while events keep being published: every id once, in order', async () => {
    h = await startHarness({ replayBatch: 64 });
    for (let i = 0; i < 1000; i++) h.stream.publish(i % 3 === 0 ? 'log' : 'alert', { n: i });
    // Publish 20 events before each page is read, i.e. between pages, while the client is replaying:
    // they must not go out live (ahead of the replay) but be read by later pages.
    const read = h.journal.since.bind(h.journal);
    let pages = 0;
    h.journal.since = (afterId, topics, limit) => {
      pages++;
      if (pages <= 15) for (let i = 0; i < 20; i++) h.stream.publish('alert', { extra: i });
      return read(afterId, topics, limit);
    };
    const c = await subscribed(h, { topics: ['alert', 'log'], since: 0 });
    expect(ids(c)).toEqual(range(1, 1300));
    expect(c.ofType('live')).toEqual([{ type: 'live', topics: ['alert', 'log'], lastId: 1300 }]);
    expect(pages).toBeGreaterThan(1300 / 64);
    const live = h.stream.publish('log', { after: true });
    await c.until(() => c.events().length === 1301);
    expect(ids(c).slice(-2)).toEqual([1300, live]);
    await c.close();
  });

  it('answers bad messages with stable codes and keeps the connection', async () => {
    h = await startHarness();
    h.stream.publish('alert', {});
    const c = await subscribed(h);
    c.send('{not json');
    c.send({ type: 'unsubscribe' });
    c.send({ type: 'subscribe', topics: ['alerts'] });
    c.send({ type: 'subscribe', topics: [] });
    c.send({ type: 'subscribe', since: -1 });
    c.send({ type: 'subscribe', since: 1.5 });
    c.send({ type: 'subscribe', since: 2 }); // ahead of the journal (lastId 1): it was reset
    c.send([1, 2]);
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    c.send({ type: 'ping' });
    await c.until(() => c.ofType('pong').length === 1);
    expect(c.ofType('error').map((m) => m.code)).toEqual([
      'stream.bad-json', 'stream.unknown-type', 'stream.unknown-topic', 'stream.unknown-topic',
      'stream.bad-since', 'stream.bad-since', 'stream.bad-since', 'stream.bad-message', 'stream.bad-message',
    ]);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    // A refused message changes nothing: the live subscription to every topic still delivers.
    const id = h.stream.publish('log', { after: 'errors' });
    await c.until(() => c.events().length === 1);
    expect(c.events()[0]).toMatchObject({ id, topic: 'log' });
    await c.close();
  });
});
