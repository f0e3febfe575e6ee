// The audit runner and its HTTP Basic client on 127.0.0.1. A target outside the LAN (loopback is
// not in the LAN ranges) or without consent is refused before any connection — a listener standing
// in for its services sees none — while the same target with loopback counted as LAN is connected
// to (so the listener would see a refused one). HTTP Basic: the first pair that logs in is reported
// by its list and nothing is requested after it; no Basic challenge is not-offered.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../../gateway/exposure/audit/attempt-limiter.js';
import { auditScope, AuditRefusal } from '../../gateway/exposure/audit/audit-targets.js';
import { consentOf } from '../../gateway/exposure/audit/consent.js';
import { auditHttpBasic, offersBasic } from '../../gateway/exposure/audit/http-basic-login.js';
import { runAudit } from '../../gateway/exposure/audit/run-audit.js';
import { auditCredentials } from '../../gateway/exposure/default-credentials.js';

const MAC = '02:aa:00:00:00:01';
const MIRAI = auditCredentials(['mirai']);
const CONFIG = { lists: ['mirai'], attemptsPerSecond: 1000, maxAttempts: 4, connectTimeoutMs: 1000, readTimeoutMs: 400, concurrentDevices: 2 };

/** An HTTP server: Basic with `good` ("user:password"), or `challenge` as given; counts connections and requests. */
async function httpServer(o: { good?: string; challenge?: string; status?: number }): Promise<{ server: Server; port: number; connections: number; requests: (string | null)[] }> {
  const s = { connections: 0, requests: [] as (string | null)[] };
  const server = createServer((req: IncomingMessage, res) => {
    const auth = req.headers.authorization ?? null;
    s.requests.push(auth);
    if (o.status !== undefined) { res.writeHead(o.status, o.challenge ? { 'www-authenticate': o.challenge } : {}).end(); return; }
    const ok = auth !== null && o.good !== undefined && auth === `Basic ${Buffer.from(o.good).toString('base64')}`;
    if (ok) res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>router admin</h1>');
    else res.writeHead(401, { 'www-authenticate': o.challenge ?? 'Basic realm="router"' }).end('login');
  });
  server.on('connection', () => { s.connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(s, { server, port: (server.address() as AddressInfo).port });
}

const servers: Server[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); }))); });
const opts = () => ({ limiter: new AttemptLimiter(1000), connectTimeoutMs: 1000, readTimeoutMs: 1000 });

describe('audit scope', () => {
  it('refuses a target outside the LAN, or without consent, before any connection', async () => {
    const h = await httpServer({ good: 'admin:admin' });
    servers.push(h.server);
    const ports = { telnet: [h.port], ssh: [h.port], http: [h.port] };
    const lanOnly = auditScope(consentOf([MAC]), [], []);
    const refusal = async (p: Promise<unknown>) => { try { await p; return null; } catch (e) { return e; } };
    const notLan = await refusal(runAudit([{ mac: MAC, ip: '127.0.0.1' }], { config: CONFIG, scope: lanOnly, ports }));
    expect(notLan).toBeInstanceOf(AuditRefusal);
    expect((notLan as AuditRefusal).code).toBe('exposure.not-lan');
    // A public address is refused the same way (nothing listens there, nothing is tried).
    expect(((await refusal(runAudit([{ mac: MAC, ip: '198.51.100.7' }], { config: CONFIG, scope: lanOnly, ports }))) as AuditRefusal).code).toBe('exposure.not-lan');
    // Loopback counted as LAN, but the device has not consented: refused too.
    const loopLan = auditScope(consentOf([]), ['127.0.0.0/8'], []);
    expect(((await refusal(runAudit([{ mac: MAC, ip: '127.0.0.1' }], { config: CONFIG, scope: loopLan, ports }))) as AuditRefusal).code).toBe('exposure.no-consent');
    // One refused target refuses the whole audit: the consenting one is not audited either.
    const both = auditScope(consentOf([MAC]), ['127.0.0.0/8'], []);
    expect(((await refusal(runAudit([{ mac: MAC, ip: '127.0.0.1' }, { mac: '02:aa:00:00:00:02', ip: '127.0.0.2' }], { config: CONFIG, scope: both, ports }))) as AuditRefusal).code).toBe('exposure.no-consent');
    // The gateway's own address.
    const own = auditScope(consentOf([MAC]), ['127.0.0.0/8'], ['127.0.0.1']);
    expect(((await refusal(runAudit([{ mac: MAC, ip: '127.0.0.1' }], { config: CONFIG, scope: own, ports }))) as AuditRefusal).code).toBe('exposure.own-address');
    await new Promise((r) => setTimeout(r, 100));
    expect(h.connections).toBe(0);

    // The control: consenting, and loopback counted as LAN (not the gateway's): the listener is reached.
    const runs = await runAudit([{ mac: MAC, ip: '127.0.0.1' }], { config: CONFIG, scope: both, ports });
    expect(h.connections).toBeGreaterThan(0);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.results.map((r) => [r.service, r.outcome])).toEqual([['telnet', 'not-offered'], ['ssh', 'not-offered'], ['http', 'default-accepted']]);
    expect(runs[0]!.results[2]).toMatchObject({ port: h.port, list: 'mirai', tried: 4 });
    expect(JSON.stringify(runs)).not.toMatch(/xc3511|vizxv|"admin"|YWRtaW46YWRtaW4=/);
  });
});

describe('a stopped audit', () => {
  it('sends nothing more: the services not begun end as stopped, without a connection', async () => {
    const h = await httpServer({ good: 'admin:admin' });
    servers.push(h.server);
    const ports = { telnet: [h.port], ssh: [h.port], http: [h.port] };
    const scope = auditScope(consentOf([MAC]), ['127.0.0.0/8'], []);
    const abort = new AbortController();
    abort.abort();
    const runs = await runAudit([{ mac: MAC, ip: '127.0.0.1' }], { config: CONFIG, scope, ports, signal: abort.signal });
    expect(runs[0]!.results.map((r) => [r.service, r.outcome, r.detail])).toEqual([
      ['telnet', 'error', 'the audit was stopped'], ['ssh', 'error', 'the audit was stopped'], ['http', 'error', 'the audit was stopped'],
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.connections).toBe(0);
  });
});

describe('audit HTTP Basic client', () => {
  it('logs in with the first pair the server takes, then asks nothing more', async () => {
    const good = MIRAI[3]!; // admin/admin
    const h = await httpServer({ good: `${good.user}:${good.password}` });
    servers.push(h.server);
    expect(await auditHttpBasic('127.0.0.1', h.port, MIRAI, opts())).toEqual({ outcome: 'default-accepted', list: 'mirai', tried: 4, detail: 'HTTP 200' });
    // The probe without credentials, then four pairs: nothing after the one that worked.
    expect(h.requests).toHaveLength(5);
    expect(h.requests[0]).toBeNull();
    expect(h.requests[4]).toBe(`Basic ${Buffer.from('admin:admin').toString('base64')}`);
  });

  it('not-accepted after the pairs it was given; not-offered without a Basic challenge; closed when nothing listens', async () => {
    const strong = await httpServer({ good: 'admin:Zq8-long-and-unique' });
    servers.push(strong.server);
    expect(await auditHttpBasic('127.0.0.1', strong.port, MIRAI.slice(0, 5), opts())).toEqual({ outcome: 'not-accepted', list: null, tried: 5, detail: null });
    const digest = await httpServer({ challenge: 'Digest realm="cam", nonce="x"' });
    servers.push(digest.server);
    expect(await auditHttpBasic('127.0.0.1', digest.port, MIRAI, opts())).toEqual({ outcome: 'not-offered', list: null, tried: 0, detail: 'HTTP 401 asking for Digest' });
    expect(digest.requests).toEqual([null]);
    const page = await httpServer({ status: 200 });
    servers.push(page.server);
    expect(await auditHttpBasic('127.0.0.1', page.port, MIRAI, opts())).toMatchObject({ outcome: 'not-offered', tried: 0, detail: 'HTTP 200' });
    const gone = await httpServer({ status: 200 });
    await new Promise((r) => gone.server.close(r));
    expect(await auditHttpBasic('127.0.0.1', gone.port, MIRAI, opts())).toMatchObject({ outcome: 'closed', tried: 0 });
  });

  it('reads Basic among several challenges', () => {
    expect(offersBasic('Basic realm="x"')).toBe(true);
    expect(offersBasic('Digest realm="x", Basic realm="y"')).toBe(true);
    expect(offersBasic('Bearer, basic realm=x')).toBe(true);
    expect(offersBasic('Digest realm="Basic"')).toBe(false);
    expect(offersBasic('Basically')).toBe(false);
    expect(offersBasic(null)).toBe(false);
  });
});
