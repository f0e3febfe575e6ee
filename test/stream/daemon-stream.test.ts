// The WebSocket stream of a real daemon: an alert raised by a replayed packet reaches a connected
// client; a client that went away and comes back with its last id gets exactly what it missed, in
// order, without duplicates, then the live events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { deviceMac, writeDeviceCapture } from '../helpers/device-capture.js';
import { messageText } from '../helpers/ws-text.js';
import { join } from 'node:path';

interface EventMsg { type: 'event'; id: number; topic: string; data: { change: string; alert: { rule: string; device: string } } }

let t: TestDaemon;
let captures = 0;

beforeAll(async () => {
  // Only device.new, raised at once: one alert per new device, nothing else to count.
  t = await startTestDaemon({ detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } } });
});
afterAll(async () => { await t.close(); });

const mac = deviceMac;

/** Replays a capture in which devices `from`..`to-1` each send one datagram, two minutes apart. */
async function newDevices(from: number, to: number): Promise<void> {
  const file = join(t.dir, `devices-${captures++}.pcap`);
  writeDeviceCapture(file, from, to);
  await t.daemon.ingestCapture(file);
}

/**
 * A client authenticated by subprotocol that collects events. Resolves once the server answered
 * the subscribe with `live` (after the replay, when `since` is given): from then on every event
 * raised reaches it, so no test needs to guess how long the subscribe takes to land.
 */
function connect(since?: number): Promise<{ ws: WebSocket; events: EventMsg[]; next: (n: number) => Promise<void> }> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/stream`, ['edgeward.v1', `bearer.${t.tokens.analyst}`]);
  const events: EventMsg[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let live: () => void = () => {};
  const isLive = new Promise<void>((resolve) => { live = resolve; });
  ws.on('message', (raw) => {
    const m = JSON.parse(messageText(raw)) as { type: string };
    if (m.type === 'live') live();
    if (m.type !== 'event') return;
    events.push(m as EventMsg);
    for (const w of waiters.splice(0)) if (events.length >= w.n) w.resolve(); else waiters.push(w);
  });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      expect(ws.protocol).toBe('edgeward.v1');
      ws.send(JSON.stringify(since === undefined ? { type: 'subscribe', topics: ['alert'] } : { type: 'subscribe', topics: ['alert'], since }));
      void isLive.then(() => resolve({
        ws, events,
        next: (n) => new Promise<void>((res, rej) => {
          if (events.length >= n) return res();
          const timer = setTimeout(() => rej(new Error(`only ${events.length} of ${n} events`)), 10_000);
          waiters.push({ n, resolve: () => { clearTimeout(timer); res(); } });
        }),
      }));
    });
  });
}

describe('daemon stream', () => {
  it('delivers a replayed packet\'s alert, then exactly the 100 missed while away, in order', async () => {
    const a = await connect(); // subscribed (the server said live) before anything happens
    await newDevices(1, 2);
    await a.next(1);
    expect(a.events[0]!.data.alert).toMatchObject({ rule: 'device.new', device: mac(1) });
    const lastId = a.events[0]!.id;
    a.ws.close();
    await new Promise((r) => a.ws.once('close', r));

    await newDevices(2, 102);
    const b = await connect(lastId);
    await b.next(100);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.events).toHaveLength(100);
    const ids = b.events.map((e) => e.id);
    expect(ids[0]).toBeGreaterThan(lastId);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
    expect(b.events.map((e) => e.data.alert.device)).toEqual(Array.from({ length: 100 }, (_, i) => mac(i + 2)));
    expect(b.events.every((e) => e.topic === 'alert' && e.data.change === 'new' && e.data.alert.rule === 'device.new')).toBe(true);

    // And live again: the next alert arrives once.
    await newDevices(102, 103);
    await b.next(101);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.events).toHaveLength(101);
    expect(b.events[100]!.data.alert.device).toBe(mac(102));
    b.ws.close();
  });

  it('refuses an upgrade without a token, with the token in the query, and for a vendor', async () => {
    const status = (url: string, protocols?: string[]) => new Promise<number>((resolve) => {
      const ws = new WebSocket(url, protocols);
      ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.once('open', () => { resolve(101); ws.close(); });
      ws.once('error', () => {});
    });
    const base = `${t.url.replace('http', 'ws')}/api/v1/stream`;
    expect(await status(base)).toBe(401);
    expect(await status(`${base}?token=${t.tokens.admin}`, ['edgeward.v1'])).toBe(401);
    expect(await status(base, ['edgeward.v1', `bearer.${t.tokens.vendor}`])).toBe(403);
    expect(await status(base, ['edgeward.v1', `bearer.${t.tokens.admin}`])).toBe(101);
  });
});
