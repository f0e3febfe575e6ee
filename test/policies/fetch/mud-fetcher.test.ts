// MudFetcher against a local HTTPS server on 127.0.0.1 whose certificate comes from a test CA:
// signatures, cache-validity, keeping the old profile on a failed refetch, and every limit.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FETCH_ERRORS,
  FETCH_ERROR_CODES,
  MudFetcher,
  clampCacheValidity,
  signatureUrlFor,
  type AcceptResult,
  type FetchResult,
  type MudFetcherOptions,
} from '../../../policies/fetch/mud-fetcher.js';
import { TEST_NOW, issueServerCert, makeTestPki, signDetached, type Issued, type TestPki } from '../../helpers/pki.js';
import { MudTrust } from '../../../gateway/policy/mud-trust.js';

const HOUR = 3_600_000;

function profile(opts: { validity?: number; signature?: string; note?: string } = {}): Buffer {
  const mud: Record<string, unknown> = {
    'mud-version': 1,
    'mud-url': 'https://127.0.0.1/lightbulb.json',
    'last-update': '2025-01-01T00:00:00+00:00',
    'is-supported': true,
    systeminfo: opts.note ?? 'Example light bulb',
  };
  if (opts.validity !== undefined) mud['cache-validity'] = opts.validity;
  if (opts.signature !== undefined) mud['mud-signature'] = opts.signature;
  return Buffer.from(JSON.stringify({ 'ietf-mud:mud': mud }, null, 2));
}

/** A stand-in for the project's MUD validator: JSON with an ietf-mud:mud container. */
const accept = (content: Buffer): AcceptResult => {
  try {
    const mud = (JSON.parse(content.toString('utf8')) as Record<string, Record<string, unknown> | undefined>)['ietf-mud:mud'];
    if (!mud) return { ok: false, reason: 'no ietf-mud:mud container' };
    const validity = mud['cache-validity'];
    const sig = mud['mud-signature'];
    return {
      ok: true,
      ...(typeof validity === 'number' ? { cacheValidityHours: validity } : {}),
      ...(typeof sig === 'string' ? { signatureUrl: sig } : {}),
    };
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
};

type Route = { status?: number; body?: Buffer; headers?: Record<string, string>; hang?: boolean; drip?: boolean };

/** An HTTPS server whose routes tests rewrite at will, counting requests per path. */
class TestServer {
  routes = new Map<string, Route>();
  hits = new Map<string, number>();
  server: Server;
  port = 0;

  constructor(cert: Issued) {
    this.server = createServer({ key: cert.keyPem, cert: cert.pem }, (req, res) => {
      const path = req.url ?? '/';
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const route = this.routes.get(path);
      if (!route) return void res.writeHead(404).end('not found');
      if (route.hang) return; // never answers
      if (route.drip) {
        res.writeHead(200, { 'content-type': 'application/mud+json' });
        const timer = setInterval(() => res.write(' '), 20);
        res.on('close', () => clearInterval(timer));
        return;
      }
      res.writeHead(route.status ?? 200, route.headers ?? {});
      res.end(route.body ?? '');
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `https://127.0.0.1:${this.port}${path}`;
  }

  total(): number {
    return [...this.hits.values()].reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let pki: TestPki;
let server: TestServer;
let rogue: TestServer; // certificate from a CA the fetcher does not trust
let cacheDir: string;
let clock: number;

beforeAll(async () => {
  pki = await makeTestPki();
  server = await new TestServer(await issueServerCert(pki.ca)).start();
  rogue = await new TestServer(await issueServerCert(pki.otherCa)).start();
});

afterAll(async () => {
  await server.stop();
  await rogue.stop();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'edgeward-mud-cache-'));
  clock = TEST_NOW.getTime();
  server.routes.clear();
  server.hits.clear();
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function fetcher(overrides: Partial<MudFetcherOptions> = {}): MudFetcher {
  return new MudFetcher({ cacheDir, extraCa: pki.ca.pem, trustAnchors: [pki.ca.pem], accept, now: () => clock, timeoutMs: 5_000, ...overrides });
}

/** Serves `content` at `path` with a good vendor signature at `sigPath`. */
async function publish(path: string, content: Buffer, sigPath = path.replace(/\.json$/, '.p7s'), signer = pki.vendor): Promise<void> {
  server.routes.set(path, { body: content, headers: { 'content-type': 'application/mud+json' } });
  server.routes.set(sigPath, { body: await signDetached(content, signer), headers: { 'content-type': 'application/pkcs7-signature' } });
}

function expectOk(r: FetchResult): asserts r is Extract<FetchResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got ${r.code} (${r.cause ?? '-'}): ${r.reason}`);
}
const codeOf = (r: FetchResult): string => (r.ok ? 'ok' : r.code);

describe('MudFetcher: signature and cache', () => {
  it('fetches and verifies, then serves from cache within cache-validity without a request', async () => {
    const content = profile({ validity: 2 });
    await publish('/lightbulb.json', content);
    const f = fetcher();

    const first = await f.get(server.url('/lightbulb.json'));
    expectOk(first);
    expect(first.source).toBe('network');
    expect(first.content.equals(content)).toBe(true);
    expect(first.fetchedAt).toBe(clock);
    expect(first.expiresAt).toBe(clock + 2 * HOUR);
    expect(first.signer?.subject).toBe('O=Example Devices, CN=mud.example.com');
    expect(server.hits.get('/lightbulb.json')).toBe(1);
    expect(server.hits.get('/lightbulb.p7s')).toBe(1);

    clock += 2 * HOUR - 1;
    const second = await f.get(server.url('/lightbulb.json'));
    expectOk(second);
    expect(second.source).toBe('cache');
    expect(second.warning).toBeUndefined();
    expect(second.content.equals(content)).toBe(true);
    expect(server.total()).toBe(2);
  });

  it('keeps the old profile when a refetch after expiry fails (HTTP 500)', async () => {
    const old = profile({ validity: 1 });
    await publish('/lightbulb.json', old);
    const f = fetcher({ retryAfterFailureMs: 10 * 60_000 });
    expectOk(await f.get(server.url('/lightbulb.json')));
    const fetchedAt = clock;

    clock += HOUR + 1;
    server.routes.set('/lightbulb.json', { status: 500, body: Buffer.from('oops') });
    const r = await f.get(server.url('/lightbulb.json'));
    expectOk(r);
    expect(r.source).toBe('cache');
    expect(r.content.equals(old)).toBe(true);
    expect(r.fetchedAt).toBe(fetchedAt);
    expect(r.warning).toMatch(/fetch\.http-status/);
    expect(server.hits.get('/lightbulb.json')).toBe(2); // it did try

    // Within the retry pause the network is left alone; after it, a good refetch replaces the profile.
    clock += 60_000;
    expectOk(await f.get(server.url('/lightbulb.json')));
    expect(server.hits.get('/lightbulb.json')).toBe(2);
    const next = profile({ validity: 1, note: 'firmware 2' });
    await publish('/lightbulb.json', next);
    clock += 10 * 60_000;
    const renewed = await f.get(server.url('/lightbulb.json'));
    expectOk(renewed);
    expect(renewed.source).toBe('network');
    expect(renewed.content.equals(next)).toBe(true);
    expect(renewed.warning).toBeUndefined();
  });

  it('keeps the old profile when the new file does not match its signature', async () => {
    const old = profile({ validity: 1 });
    await publish('/lightbulb.json', old);
    const f = fetcher();
    expectOk(await f.get(server.url('/lightbulb.json')));

    // The file changes on the server but the signature is the old one: refused, old one kept.
    server.routes.set('/lightbulb.json', { body: profile({ validity: 1, note: 'tampered' }) });
    clock += 2 * HOUR;
    const r = await f.get(server.url('/lightbulb.json'));
    expectOk(r);
    expect(r.source).toBe('cache');
    expect(r.content.equals(old)).toBe(true);
    expect(r.warning).toMatch(/signature\.digest-mismatch/);
  });

  it('refuses a file signed by an untrusted signer, with the signature code as cause', async () => {
    await publish('/lightbulb.json', profile(), undefined, pki.otherSigner);
    const r = await fetcher().get(server.url('/lightbulb.json'));
    expect(r).toMatchObject({ ok: false, code: 'fetch.bad-signature', cause: 'signature.untrusted-chain' });
  });

  it('refuses a file signed with an expired certificate', async () => {
    await publish('/lightbulb.json', profile(), undefined, pki.expiredVendor);
    const r = await fetcher().get(server.url('/lightbulb.json'));
    expect(r).toMatchObject({ ok: false, code: 'fetch.bad-signature', cause: 'signature.expired' });
  });

  it('refuses a file whose signature is missing', async () => {
    server.routes.set('/lightbulb.json', { body: profile() });
    const r = await fetcher().get(server.url('/lightbulb.json'));
    expect(r).toMatchObject({ ok: false, code: 'fetch.signature-unavailable', cause: 'fetch.http-status' });
  });

  it('takes the signature from mud-signature when the profile names one', async () => {
    const content = profile({ signature: server.url('/sigs/bulb-v1.p7s') });
    await publish('/devices/bulb', content, '/sigs/bulb-v1.p7s');
    expectOk(await fetcher().get(server.url('/devices/bulb')));
    expect(server.hits.get('/sigs/bulb-v1.p7s')).toBe(1);
  });

  it('refuses a profile the accept() hook refuses', async () => {
    server.routes.set('/lightbulb.json', { body: Buffer.from('{"not":"mud"}') });
    expect(codeOf(await fetcher().get(server.url('/lightbulb.json')))).toBe('fetch.invalid-profile');
    const throwing = fetcher({ accept: () => { throw new Error('boom'); } });
    await publish('/lightbulb.json', profile());
    expect(codeOf(await throwing.get(server.url('/lightbulb.json')))).toBe('fetch.invalid-profile');
  });

  it('fetches without a signature only when requireSignature is off', async () => {
    server.routes.set('/lab.json', { body: profile() });
    const r = await fetcher({ requireSignature: false, trustAnchors: [] }).get(server.url('/lab.json'));
    expectOk(r);
    expect(r.signer).toBeUndefined();
    expect(server.hits.has('/lab.p7s')).toBe(false);
  });

  it('serves from the on-disk cache after a restart, and ignores a damaged cache', async () => {
    const content = profile({ validity: 24 });
    await publish('/lightbulb.json', content);
    expectOk(await fetcher().get(server.url('/lightbulb.json')));
    expect((await readdir(cacheDir)).sort()).toHaveLength(3);

    clock += HOUR;
    const restarted = await fetcher().get(server.url('/lightbulb.json'));
    expectOk(restarted);
    expect(restarted.source).toBe('cache');
    expect(restarted.signer?.subject).toContain('CN=mud.example.com');
    expect(server.total()).toBe(2);

    // A damaged profile on disk is not served: the fetcher goes back to the network.
    const file = (await readdir(cacheDir)).find((n) => n.endsWith('.json') && !n.endsWith('.meta.json'));
    await writeFile(join(cacheDir, file ?? 'missing'), '{"ietf-mud:mud":{}}');
    const refetched = await fetcher().get(server.url('/lightbulb.json'));
    expectOk(refetched);
    expect(refetched.source).toBe('network');
  });

  it('does not trust a cached profile whose signer is no longer trusted', async () => {
    await publish('/lightbulb.json', profile({ validity: 24 }));
    expectOk(await fetcher().get(server.url('/lightbulb.json')));
    server.routes.clear();
    // With the vendor's CA no longer trusted, the cached copy is ignored and the (now empty)
    // server is asked again: an error, not the cached profile.
    const r = await fetcher({ trustAnchors: [pki.otherCa.pem] }).get(server.url('/lightbulb.json'));
    expect(codeOf(r)).toBe('fetch.http-status');
    expect(server.hits.get('/lightbulb.json')).toBe(2);
  });

  it('clamps cache-validity to 1..168 hours, 48 when absent', async () => {
    for (const [validity, hours] of [[500, 168], [0, 1], [undefined, 48]] as const) {
      server.routes.clear();
      const path = `/v${validity ?? 'none'}.json`;
      await publish(path, profile(validity === undefined ? {} : { validity }));
      const r = await fetcher().get(server.url(path));
      expectOk(r);
      expect(r.expiresAt - r.fetchedAt).toBe(hours * HOUR);
    }
    expect(clampCacheValidity(Number.NaN)).toBe(48);
    expect(clampCacheValidity(12)).toBe(12);
  });

  it('makes one request for many simultaneous gets of one URL', async () => {
    await publish('/lightbulb.json', profile());
    const f = fetcher();
    const results = await Promise.all(Array.from({ length: 10 }, () => f.get(server.url('/lightbulb.json'))));
    for (const r of results) expectOk(r);
    expect(server.hits.get('/lightbulb.json')).toBe(1);
  });
});

describe('MudFetcher: transport limits', () => {
  it('refuses http:// and non-URLs without touching the network', async () => {
    const f = fetcher();
    expect(codeOf(await f.get(`http://127.0.0.1:${server.port}/lightbulb.json`))).toBe('fetch.not-https');
    expect(codeOf(await f.get('not a url'))).toBe('fetch.bad-url');
    expect(server.total()).toBe(0);
  });

  it('refuses a document larger than maxBytes, declared or streamed', async () => {
    const big = Buffer.alloc(4096, 0x20);
    server.routes.set('/big.json', { body: big });
    expect(codeOf(await fetcher({ maxBytes: 1024 }).get(server.url('/big.json')))).toBe('fetch.too-large');
    // Without Content-Length (chunked), the limit applies while streaming.
    server.routes.set('/chunked.json', { body: big, headers: { 'transfer-encoding': 'chunked' } });
    expect(codeOf(await fetcher({ maxBytes: 1024 }).get(server.url('/chunked.json')))).toBe('fetch.too-large');
  });

  it('times out on a server that never answers, and on one that never finishes', async () => {
    server.routes.set('/hang.json', { hang: true });
    server.routes.set('/drip.json', { drip: true });
    const f = fetcher({ timeoutMs: 300 });
    expect(codeOf(await f.get(server.url('/hang.json')))).toBe('fetch.timeout');
    expect(codeOf(await f.get(server.url('/drip.json')))).toBe('fetch.timeout');
  });

  it('refuses a server certificate from an untrusted CA, and ours without extraCa', async () => {
    rogue.routes.set('/lightbulb.json', { body: profile() });
    expect(codeOf(await fetcher().get(rogue.url('/lightbulb.json')))).toBe('fetch.tls');
    await publish('/lightbulb.json', profile());
    expect(codeOf(await fetcher({ extraCa: undefined }).get(server.url('/lightbulb.json')))).toBe('fetch.tls');
    expect(rogue.total() + server.total()).toBe(0); // refused before any HTTP request
  });

  it('follows up to 3 https redirects, never to http', async () => {
    await publish('/lightbulb.json', profile());
    server.routes.set('/r1', { status: 302, headers: { location: '/r2' } });
    server.routes.set('/r2', { status: 301, headers: { location: server.url('/r3') } });
    server.routes.set('/r3', { status: 307, headers: { location: '/lightbulb.json' } });
    server.routes.set('/r0', { status: 308, headers: { location: '/r1' } });
    server.routes.set('/down', { status: 302, headers: { location: `http://127.0.0.1:${server.port}/lightbulb.json` } });
    const f = fetcher({ requireSignature: false, trustAnchors: [] });
    expect(codeOf(await f.get(server.url('/r1')))).toBe('ok');
    expect(codeOf(await f.get(server.url('/r0')))).toBe('fetch.too-many-redirects');
    expect(codeOf(await f.get(server.url('/down')))).toBe('fetch.not-https');
  });

  it('reports other HTTP statuses and refused connections by code', async () => {
    server.routes.set('/gone.json', { status: 410 });
    expect(codeOf(await fetcher().get(server.url('/gone.json')))).toBe('fetch.http-status');
    // A port nobody listens on: take one from a server we close again.
    const closed = await new TestServer(pki.vendor).start();
    const port = closed.port;
    await closed.stop();
    expect(codeOf(await fetcher().get(`https://127.0.0.1:${port}/x.json`))).toBe('fetch.network');
  });

  it('refuses bad options at construction', () => {
    expect(() => fetcher({ maxBytes: 0 })).toThrow(expect.objectContaining({ code: 'fetch.config-invalid' }));
    expect(() => fetcher({ trustAnchors: [] })).toThrow(expect.objectContaining({ code: 'fetch.config-invalid' }));
    expect(() => fetcher({ extraCa: 'not a pem' })).toThrow(expect.objectContaining({ code: 'fetch.config-invalid' }));
  });
});

describe('signatureUrlFor (RFC 8520 §13.2)', () => {
  it('replaces .json with .p7s, else appends .p7s, and prefers mud-signature', () => {
    expect(signatureUrlFor('https://mud.example.com/bulb.json')).toBe('https://mud.example.com/bulb.p7s');
    expect(signatureUrlFor('https://mud.example.com/models/bulb')).toBe('https://mud.example.com/models/bulb.p7s');
    expect(signatureUrlFor('https://mud.example.com/bulb.json?v=2#x')).toBe('https://mud.example.com/bulb.p7s?v=2');
    expect(signatureUrlFor('https://mud.example.com/bulb.json', 'https://sig.example.com/b.p7s')).toBe('https://sig.example.com/b.p7s');
  });
});

describe('fetch error registry', () => {
  it('documents every code, and every code the fetcher uses is in it', () => {
    for (const code of FETCH_ERROR_CODES) {
      expect(code).toMatch(/^fetch\.[a-z-]+$/);
      expect(FETCH_ERRORS[code].length).toBeGreaterThan(20);
    }
    const dir = new URL('../../../policies/fetch/', import.meta.url);
    const source = ['mud-fetcher.ts', 'https-get.ts', 'mud-cache.ts'].map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
    const used = new Set([...source.matchAll(/'(fetch\.[a-z-]+)'/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(8);
    for (const code of used) expect(FETCH_ERROR_CODES).toContain(code);
  });
});

describe('MudFetcher: the gateway\'s trust (verify hook, issue 17)', () => {
  it('checks fetched signatures through the hook: anchors for any URL, a domain-bound signer only for its domain', async () => {
    const content = profile({ validity: 2 });
    await publish('/lightbulb.json', content);
    // Trusted through the config anchors, with no trustAnchors of the fetcher's own.
    const anchors = new MudTrust([pki.ca.pem], null);
    expectOk(await fetcher({ trustAnchors: [], verify: (c, s, url, at) => anchors.verify(c, s, url, at) }).get(server.url('/lightbulb.json')));
    // The same CA trusted for example.com only: this URL's host is 127.0.0.1, not under it.
    const scoped = new MudTrust([], null, [{ id: 'ts-test', vendor: 'example.com', certificate: pki.ca.pem }]);
    await rm(cacheDir, { recursive: true, force: true });
    const r = await fetcher({ trustAnchors: [], verify: (c, s, url, at) => scoped.verify(c, s, url, at) }).get(server.url('/lightbulb.json'));
    expect(r).toMatchObject({ ok: false, code: 'fetch.bad-signature', cause: 'signature.wrong-domain' });
  });
});
