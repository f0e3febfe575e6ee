// Authentication in the WebSocket upgrade: a Bearer header or a `bearer.<token>` subprotocol
// (answered with edgeward.v1 only), never the query string; the role must have stream:read; failed
// attempts count in the limiter (429 after 10 of one token; other tokens still connect); nothing
// but public token ids reach the log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../gateway/auth/token-secret.js';
import { connect, refusal, startHarness, type Harness } from './stream-harness.js';

let h: Harness;
beforeEach(async () => { h = await startHarness(); });
afterEach(async () => { await h.stop(); });

describe('stream upgrade auth', () => {
  it('accepts a Bearer header and says hello with the journal position', async () => {
    h.journal.append('alert', { n: 1 });
    const c = await connect(h.url, { headers: { Authorization: `Bearer ${h.token('analyst')}` } });
    await c.until(() => c.messages.length > 0);
    expect(c.messages[0]).toEqual({ type: 'hello', lastId: 1, oldestId: 1 });
    expect(c.ws.protocol).toBe('');
    await c.close();
  });

  it('accepts the token as a subprotocol and selects edgeward.v1 only, never echoing the token', async () => {
    const token = h.token('admin');
    const c = await connect(h.url, { protocols: ['edgeward.v1', `bearer.${token}`] });
    expect(c.ws.protocol).toBe('edgeward.v1');
    await c.until(() => c.ofType('hello').length === 1);
    await c.close();
  });

  it('refuses subprotocols without edgeward.v1 (a browser would fail the handshake)', async () => {
    const r = await refusal(h.url, { protocols: [`bearer.${h.token()}`] });
    expect([r.status, r.code]).toEqual([400, 'stream.bad-protocol']);
  });

  it('refuses a missing token, an unknown one and a revoked one with 401', async () => {
    const none = await refusal(h.url);
    expect([none.status, none.code]).toEqual([401, 'auth.missing']);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const forged = await refusal(h.url, { headers: { Authorization: `Bearer ew_${'A'.repeat(43)}` } });
    expect([forged.status, forged.code]).toEqual([401, 'auth.invalid']);
    const { id, token } = h.tokens.create({ role: 'analyst' });
    h.tokens.revoke(id);
    const revoked = await refusal(h.url, { headers: { Authorization: `Bearer ${token}` } });
    expect([revoked.status, revoked.code]).toEqual([401, 'auth.invalid']);
  });

  it('refuses a token in the query string even when it is valid', async () => {
    const token = h.token('admin');
    const r = await refusal(`${h.url}?access_token=${token}`);
    expect([r.status, r.code]).toEqual([401, 'auth.token-in-query']);
    // Also with a good header: the URL has leaked the token already, so the client is told.
    const both = await refusal(`${h.url}?token=${token}`, { headers: { Authorization: `Bearer ${token}` } });
    expect([both.status, both.code]).toEqual([401, 'auth.token-in-query']);
  });

  it('refuses roles without stream:read with 403', async () => {
    for (const role of ['vendor', 'device'] as const) {
      const r = await refusal(h.url, { headers: { Authorization: `Bearer ${h.token(role)}` } });
      expect([r.status, r.code]).toEqual([403, 'auth.forbidden']);
    }
  });

  it('answers 429 with Retry-After from the 11th attempt after 10 failures, until the block ends', async () => {
    const bad = { headers: { Authorization: `Bearer ew_${'B'.repeat(43)}` } };
    for (let i = 0; i < 10; i++) expect((await refusal(h.url, bad)).status).toBe(401);
    const limited = await refusal(h.url, bad);
    expect([limited.status, limited.code]).toEqual([429, 'auth.rate-limited']);
    expect(limited.headers['retry-after']).toBe('300');
    // Only that token is blocked: a valid token from the same address connects (auth.rate-limited
    // is per source and token prefix, README "Tokens and roles").
    const c = await connect(h.url, { headers: { Authorization: `Bearer ${h.token()}` } });
    await c.close();
    h.clock.now += 300_000;
    expect((await refusal(h.url, bad)).status).toBe(401);
  });

  it('answers 404 on other paths', async () => {
    const r = await refusal(h.url.replace('/api/v1/stream', '/api/v1/streams'), { headers: { Authorization: `Bearer ${h.token()}` } });
    expect([r.status, r.code]).toEqual([404, 'stream.not-found']);
  });

  it('writes token ids to the log, never a token or its hash', async () => {
    const { id, token } = h.tokens.create({ role: 'analyst', name: 'soc' });
    const c = await connect(h.url, { headers: { Authorization: `Bearer ${token}` } });
    await c.close();
    await refusal(h.url, { headers: { Authorization: `Bearer ${token.slice(0, -1)}x` } });
    await refusal(`${h.url}?token=${token}`);
    const text = JSON.stringify(h.logs);
    expect(h.logs.map((l) => l.event)).toEqual(expect.arrayContaining(['stream.connect', 'stream.disconnect', 'stream.refused']));
    expect(h.logs.find((l) => l.event === 'stream.connect')?.fields.token).toBe(id);
    expect(text).not.toContain(token.slice(3, 20));
    expect(text).not.toContain(hashToken(token));
  });

  it('closes the connections of a revoked token with 4003', async () => {
    const { id, token } = h.tokens.create({ role: 'analyst' });
    const c = await connect(h.url, { headers: { Authorization: `Bearer ${token}` } });
    await c.until(() => c.messages.length > 0);
    h.tokens.revoke(id);
    expect(h.stream.disconnectToken(id)).toBe(1);
    expect((await c.closed).code).toBe(4003);
  });

  it('cuts off a token revoked elsewhere (the CLI) at the next heartbeat round', async () => {
    await h.stop();
    h = await startHarness({ tokenActive: (id) => h.tokens.get(id)?.revokedAt === null });
    const { id, token } = h.tokens.create({ role: 'analyst' });
    const kept = await connect(h.url, { headers: { Authorization: `Bearer ${h.token()}` } });
    const c = await connect(h.url, { headers: { Authorization: `Bearer ${token}` } });
    await c.until(() => c.messages.length > 0);
    const pinged = new Promise((resolve) => kept.ws.once('ping', resolve));
    h.stream.heartbeat();
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    h.tokens.revoke(id);
    // The server must see kept's pong before the second round (see stream-heartbeat.test.ts).
    await pinged;
    kept.send({ type: 'ping' });
    await kept.until(() => kept.ofType('pong').length === 1);
    h.stream.heartbeat();
    expect((await c.closed).code).toBe(4003);
    expect(kept.ws.readyState).toBe(kept.ws.OPEN);
    await kept.close();
  });
});
