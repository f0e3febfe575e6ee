// Issue 17's lockout case on a real daemon (default limits: 10 per token prefix, 30 per address):
// 50 bad tokens from 127.0.0.1, then the valid token still works over REST and the WebSocket; the bad
// ones get 429 after the limit; another address (127.0.0.2, the same loopback) is unaffected.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, refusal } from '../stream/stream-harness.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let t: TestDaemon;
beforeAll(async () => { t = await startTestDaemon(); });
afterAll(async () => { await t.close(); });

/** A token-shaped credential that verifies nowhere, with its own first 8 characters for each `i`. */
const badToken = (i: number): string => `ew_${String(i).padStart(8, 'Z')}${'q'.repeat(35)}`;

/** GET `path` with a bearer token from the local address `from`: the status and Retry-After. */
function getFrom(from: string, path: string, token: string): Promise<{ status: number; retryAfter: string | undefined }> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, localAddress: from, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('50 bad tokens from one address', () => {
  const stream = () => `${t.url.replace(/^http/, 'ws')}/api/v1/stream`;

  it('answers 401 up to server.authSourceFailures, then 429; the valid token still works (REST and WebSocket); 127.0.0.2 is unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await getFrom('127.0.0.1', '/api/v1/alerts', badToken(i))).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(20).fill(429));
    const limited = await getFrom('127.0.0.1', '/api/v1/alerts', badToken(50));
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);

    // REST: the valid token from the same address.
    expect((await getFrom('127.0.0.1', '/api/v1/alerts', t.tokens.admin)).status).toBe(200);
    const res = await t.api('/api/v1/alerts', { token: t.tokens.analyst });
    expect(res.status).toBe(200);
    // WebSocket: a bad token is refused 429, the valid one connects (header and subprotocol).
    const ws429 = await refusal(stream(), { headers: { Authorization: `Bearer ${badToken(51)}` } });
    expect([ws429.status, ws429.code]).toEqual([429, 'auth.rate-limited']);
    const c1 = await connect(stream(), { headers: { Authorization: `Bearer ${t.tokens.analyst}` } });
    await c1.until(() => c1.ofType('hello').length === 1);
    await c1.close();
    const c2 = await connect(stream(), { protocols: ['edgeward.v1', `bearer.${t.tokens.admin}`] });
    expect(c2.ws.protocol).toBe('edgeward.v1');
    await c2.close();

    // Another address: its bad tokens are answered 401, not 429, over REST and the WebSocket.
    expect((await getFrom('127.0.0.2', '/api/v1/alerts', badToken(0))).status).toBe(401);
    const other = await refusal(stream(), { headers: { Authorization: `Bearer ${badToken(52)}` }, localAddress: '127.0.0.2' });
    expect([other.status, other.code]).toEqual([401, 'auth.invalid']);
    const c3 = await connect(stream(), { headers: { Authorization: `Bearer ${t.tokens.admin}` }, localAddress: '127.0.0.2' });
    await c3.close();

    // Nothing of the tokens reached the log.
    const log = JSON.stringify(t.events);
    for (const tok of [t.tokens.admin, t.tokens.analyst, badToken(0)]) expect(log).not.toContain(tok.slice(3));
  });
});
