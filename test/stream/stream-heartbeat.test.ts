// Heartbeat: every round pings each client and drops those that did not answer the previous ping.
// Rounds are driven by hand (heartbeatMs 0) so the test waits on messages, not on time; one case
// runs the real timer with a short interval.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, startHarness, type Harness, type TestClient } from './stream-harness.js';

let h: Harness;
afterEach(async () => { await h.stop(); });

/** Resolves when `c` has received a ping. */
const pinged = (c: TestClient): Promise<void> => new Promise((resolve) => c.ws.once('ping', () => resolve()));

describe('stream heartbeat', () => {
  it('terminates a client that stops answering pings and keeps one that answers', async () => {
    h = await startHarness();
    const auth = (): { headers: Record<string, string> } => ({ headers: { Authorization: `Bearer ${h.token()}` } });
    const healthy = await connect(h.url, auth());
    const dead = await connect(h.url, { ...auth(), autoPong: false });
    await Promise.all([healthy.until(() => healthy.messages.length > 0), dead.until(() => dead.messages.length > 0)]);

    const pings = Promise.all([pinged(healthy), pinged(dead)]);
    h.stream.heartbeat();
    await pings;
    // ws answers a ping before it emits 'ping'; a request sent now reaches the server after that
    // pong (TCP keeps order), so its reply proves the server has seen the pong.
    healthy.send({ type: 'ping' });
    await healthy.until(() => healthy.ofType('pong').length === 1);

    h.stream.heartbeat();
    expect((await dead.closed).code).toBe(1006); // terminated: no close frame
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
    expect(h.stream.stats()).toMatchObject({ clients: 1, heartbeatClosed: 1 });
    expect(h.logs.filter((l) => l.event === 'stream.heartbeat-timeout')).toHaveLength(1);
    await healthy.close();
  });

  it('runs on its own timer', async () => {
    h = await startHarness({ heartbeatMs: 20 });
    const dead = await connect(h.url, { headers: { Authorization: `Bearer ${h.token()}` }, autoPong: false });
    expect((await dead.closed).code).toBe(1006);
    expect(h.stream.stats().heartbeatClosed).toBe(1);
  });
});
