// A client that stops reading: the server queues at most maxBufferedBytes plus one frame for it,
// then closes it with 4008 (slow-consumer) instead of letting memory grow; other clients go on.
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../gateway/server/stream-protocol.js';
import { connect, subscribed, startHarness, type Harness } from './stream-harness.js';

let h: Harness;
afterEach(async () => { await h.stop(); });

const MAX = 256 * 1024;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('slow consumer', () => {
  it('closes a client that stops reading with 4008, its buffer never past the ceiling plus one frame', async () => {
    h = await startHarness({ maxBufferedBytes: MAX });
    const stalled = await subscribed(h, { topics: ['log'] });
    const reader = await subscribed(h, { topics: ['log'] });
    stalled.ws.pause(); // stops reading its socket: the kernel buffers fill, then the server's

    const payload = 'x'.repeat(32 * 1024);
    let published = 0;
    // Loopback kernel buffers take a few MiB before the server's own buffer grows; 4096 frames of
    // 32 KiB (128 MiB) is far more than enough and bounds the loop if the server never closed it.
    while (h.stream.stats().slowClosed === 0 && published < 4096) {
      h.stream.publish('log', { seq: published, payload });
      published++;
      if (published % 8 === 0) await tick(); // let the sockets flush what they can
    }
    const stats = h.stream.stats();
    expect(stats.slowClosed).toBe(1);
    const frame = Buffer.byteLength(JSON.stringify({ type: 'event', id: 1, topic: 'log', at: new Date(0).toISOString(), data: { seq: published, payload } })) + 14;
    expect(stats.peakBufferedBytes).toBeGreaterThan(MAX);
    expect(stats.peakBufferedBytes).toBeLessThanOrEqual(MAX + frame);
    const slow = h.logs.find((l) => l.event === 'stream.slow-consumer');
    expect(slow?.fields.bufferedBytes as number).toBeGreaterThan(MAX);

    // Once it reads again it gets what was queued, then the close frame with 4008.
    stalled.ws.resume();
    expect((await stalled.closed).code).toBe(CLOSE_CODES['slow-consumer']);
    const got = stalled.events().map((e) => (e.data as { seq: number }).seq);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
    expect(got.length).toBeLessThan(published);

    // The reading client got everything and is still connected.
    await reader.until(() => reader.events().length === published);
    expect(reader.ws.readyState).toBe(reader.ws.OPEN);
    // The server saw the close handshake complete with 4008 and forgot the client.
    while (!h.logs.some((l) => l.event === 'stream.disconnect')) await tick();
    expect(h.logs.filter((l) => l.event === 'stream.disconnect').map((l) => l.fields.code)).toEqual([4008]);
    expect(h.stream.stats().clients).toBe(1);
    await reader.close();
  });

  it('paces a replay by the socket: a stalled replaying client holds at most half the ceiling and is not closed', async () => {
    h = await startHarness({ maxBufferedBytes: MAX, replayBatch: 500 });
    const payload = 'y'.repeat(32 * 1024);
    for (let i = 0; i < 800; i++) h.stream.publish('alert', { seq: i, payload }); // 25 MiB: more than loopback buffers hold
    const c = await connect(h.url, { headers: { Authorization: `Bearer ${h.token()}` } });
    await c.until(() => c.messages.length > 0);
    c.ws.pause();
    c.send({ type: 'subscribe', topics: ['alert'], since: 0 });
    for (let i = 0; i < 200; i++) await tick(); // the replay runs into the full socket and waits
    const stalled = h.stream.stats();
    expect(stalled.replayed).toBeLessThan(800);
    c.ws.resume();
    await c.until(() => c.ofType('live').length === 1);
    expect(c.events().map((e) => (e.data as { seq: number }).seq)).toEqual(Array.from({ length: 800 }, (_, i) => i));
    const frame = 32 * 1024 + 200;
    const stats = h.stream.stats();
    expect(stats).toMatchObject({ slowClosed: 0, replayed: 800 });
    expect(stats.peakBufferedBytes).toBeLessThanOrEqual(MAX / 2 + frame);
    await c.close();
  });
});
