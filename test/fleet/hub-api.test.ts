// The hub's data API over a real nats-server (issue 18, item 2): three sites publish alerts,
// devices, incidents, logs and traffic summaries with their own NATS users; the hub lists each kind
// with and without a site filter, the sites page shows the gateway's outbox depth and health, the
// cross-site search finds an address seen at two of three sites, a network, a MAC vendor, an OUI,
// a domain and a JA4 from a traffic summary; the WebSocket stream sends a committed alert with its
// site (and replays it to a client that resumes); a vendor token gets 403 everywhere; and every
// kind stored twice — even past the dedup table — changes nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FleetKind } from '../../gateway/fleet/fleet-stream.js';
import { validateHubConfig } from '../../gateway/hub/hub-config.js';
import type { HubRecord } from '../../gateway/hub/hub-record.js';
import { search } from '../../gateway/hub/hub-search.js';
import { SILENT_AFTER_MS, siteView } from '../../gateway/hub/hub-sites.js';
import { HubStore } from '../../gateway/hub/hub-store.js';
import { alertEventJson, changeEvent } from '../../gateway/hub/hub-stream.js';
import { Hub } from '../../gateway/hub/hub.js';
import { openDatabase } from '../../gateway/store/database.js';
import { SitePublisher } from '../helpers/fleet-site.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';
import { messageText } from '../helpers/ws-text.js';

const SITES = ['north', 'south', 'east'];
const quiet = () => {};
const JA4 = 't13d1516h2_8daaf6152771_e5627efa2ab1';
const SHARED_PEER = '198.51.100.7';

/** A StoredAlert as a gateway's API has it. */
function alert(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, ts: '2026-01-01T00:00:00.000Z', rule: 'intel.blocklist', severity: 'high', device: null,
    src: '192.168.1.10', dst: '203.0.113.9', proto: 'tcp', sport: 40000, dport: 443, communityId: null, count: 1,
    message: `alert ${id}`, evidence: {}, firstTs: '2026-01-01T00:00:00.000Z', lastTs: '2026-01-01T00:01:00.000Z',
    seq: 1, status: 'open', acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, reopenedAt: null, activity: 1, rev: 1, ...over,
  };
}

function device(mac: string, vendor: string | null, ip: string, hostname: string | null, lastSeen = '2026-01-01T00:02:00.000Z'): Record<string, unknown> {
  return {
    mac, ips: [ip], vendor, hostname, mudUrl: null, mudUrlSource: null, profile: null, compliance: 'no-profile', openViolations: 0, alerts: 0,
    firstSeen: '2026-01-01T00:00:00.000Z', lastSeen, txPackets: 10, txBytes: 1000,
  };
}

function incident(id: string, state = 'open'): Record<string, unknown> {
  return {
    id, activity: 1, subject: { kind: 'device', device: 'aa:bb:cc:00:00:01', peer: null, name: 'plug-1' }, title: `incident ${id}`, kind: 'compromise',
    severity: 'high', state, resolution: null, firstTs: '2026-01-01T00:00:00.000Z', lastTs: '2026-01-01T00:03:00.000Z', alertIds: ['a1'],
    counts: { alerts: 1, occurrences: 1, logs: 0 }, history: [],
  };
}

function log(seq: number, sourceIp: string, device: string | null): Record<string, unknown> {
  return {
    seq, ts: `2026-01-01T00:0${seq}:00.000Z`, receivedAt: `2026-01-01T00:0${seq}:00.000Z`, deviceTs: null, clockSkewed: false, device, sourceIp,
    host: 'plug-1', app: 'fw', procId: null, msgId: null, facility: 1, severity: 'err', severityCode: 3, message: `error ${seq}`,
    structuredData: null, format: 'rfc5424', transport: 'udp', raw: `<11>1 error ${seq}`, truncated: false,
  };
}

/** A TrafficSummary (contract §4) of one minute. */
function traffic(minute: string, peers: { address: string; domain: string | null }[], tls: { ja4: string; sni: string | null }[], gateway: Record<string, unknown>): Record<string, unknown> {
  return {
    minute, seconds: 60, packets: 100, bytes: 50_000, flows: 4,
    devices: [{ mac: 'aa:bb:cc:00:00:01', packets: 100, bytes: 50_000, flows: 4, denied: 0 }],
    peers: peers.map((p) => ({ ...p, packets: 10, bytes: 5000, devices: 1 })),
    tls: tls.map((t) => ({ ...t, count: 3 })),
    gateway: { version: '0.18.0', outboxDepth: 0, health: 'ok', captureLossPercent: null, ...gateway },
  };
}

type Json = Record<string, unknown>;
interface SearchBody { q: string; kind: string; sites: { site: string; matches: { kind: string; id: string; summary: string; lastSeen: string }[] }[] }

describe.skipIf(natsServerUnavailable() !== null)('hub data API, search and stream (real nats-server)', () => {
  let nats: TestNats;
  let dir: string;
  let hub: Hub;
  let analyst: string;
  let vendor: string;
  const sites = new Map<string, SitePublisher>();

  const api = async (path: string, token: string | null = analyst): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${hub.url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const items = async (path: string): Promise<Json[]> => {
    const r = await api(path);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.items as Json[];
  };
  const find = async (q: string): Promise<SearchBody> => {
    const r = await api(`/api/v1/search?q=${encodeURIComponent(q)}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as unknown as SearchBody;
  };
  const caughtUp = () => until(() => hub.consumer!.caughtUp(), () => 'the hub to acknowledge every message', 20_000);

  beforeAll(async () => {
    nats = await startNatsServer({ sites: SITES });
    dir = mkdtempSync(join(tmpdir(), 'edgeward-hub-api-'));
    hub = new Hub(validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass },
      api: { port: 0 }, storage: { dataDir: dir }, consumer: { batch: 16, flushMs: 20 },
    }), quiet);
    analyst = hub.tokens.create({ role: 'analyst', name: 'soc' }).token;
    vendor = hub.tokens.create({ role: 'vendor', name: 'acme', vendor: 'acme.example' }).token;
    await hub.start();
    for (const s of SITES) sites.set(s, await SitePublisher.open(nats, s));
    const north = sites.get('north')!;
    const south = sites.get('south')!;
    const east = sites.get('east')!;
    await north.publish('alert', 'n1:1', alert('n1', { device: 'aa:bb:cc:00:00:01', ja4: JA4, sni: 'api.example.com' }));
    await north.publish('alert', 'n2:1', alert('n2', { status: 'resolved', severity: 'low' }));
    await north.publish('device', 'aa:bb:cc:00:00:01:x', device('aa:bb:cc:00:00:01', 'Espressif Inc.', '192.168.1.10', 'plug-1'));
    await north.publish('incident', 'inc-1:x', incident('inc-1'));
    await north.publish('log', 'log:1:x', log(1, '192.168.1.10', 'aa:bb:cc:00:00:01'));
    await north.publish('traffic', 'traffic:2026-01-01T00:05:00.000Z', traffic('2026-01-01T00:05:00.000Z',
      [{ address: SHARED_PEER, domain: 'cdn.example.com' }], [{ ja4: JA4, sni: 'api.example.com' }], { outboxDepth: 7, health: 'degraded' }));
    await south.publish('alert', 's1:1', alert('s1', { src: '10.0.0.5', dst: SHARED_PEER }));
    await south.publish('device', '11:22:33:00:00:09:x', device('11:22:33:00:00:09', 'Apple, Inc.', '10.0.0.5', 'phone'));
    await south.publish('log', 'log:1:y', log(2, '10.0.0.5', null));
    await east.publish('alert', 'e1:1', alert('e1', { src: '172.16.0.2', dst: '192.0.2.44' }));
    await east.publish('device', '22:33:44:00:00:01:x', device('22:33:44:00:00:01', null, '172.16.0.2', null));
    await caughtUp();
  });

  afterAll(async () => {
    for (const s of sites.values()) await s.nc.close();
    await hub?.stop();
    await nats?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('says it is a hub in its health, without a token', async () => {
    const h = await api('/api/v1/health', null);
    expect(h.status).toBe(200);
    expect(h.body.role).toBe('hub');
  });

  it('tells a token its role and name (whoami), for any valid token; none: 401', async () => {
    expect((await api('/api/v1/whoami', analyst)).body).toMatchObject({ role: 'analyst', name: 'soc', vendor: null });
    expect((await api('/api/v1/whoami', vendor)).body).toMatchObject({ role: 'vendor', vendor: 'acme.example' });
    expect((await api('/api/v1/whoami', null)).status).toBe(401);
  });

  it('lists devices, incidents, logs and alerts of every site, and of one site with ?site=', async () => {
    const devices = await items('/api/v1/devices');
    expect(devices.map((d) => [d.site, d.mac, d.vendor])).toEqual([
      ['east', '22:33:44:00:00:01', null], ['north', 'aa:bb:cc:00:00:01', 'Espressif Inc.'], ['south', '11:22:33:00:00:09', 'Apple, Inc.'],
    ]);
    expect((await items('/api/v1/devices?site=south')).map((d) => d.mac)).toEqual(['11:22:33:00:00:09']);
    const incidents = await items('/api/v1/incidents');
    expect(incidents.map((i) => [i.site, i.id, i.state])).toEqual([['north', 'inc-1', 'open']]);
    expect(await items('/api/v1/incidents?site=east')).toEqual([]);
    const logs = await items('/api/v1/logs');
    expect(logs.map((l) => [l.site, l.message])).toEqual([['south', 'error 2'], ['north', 'error 1']]);
    expect((await items('/api/v1/logs?site=north&limit=5')).map((l) => l.sourceIp)).toEqual(['192.168.1.10']);
    expect((await items('/api/v1/alerts')).map((a) => `${String(a.site)}/${String(a.id)}`).sort()).toEqual(['east/e1', 'north/n1', 'north/n2', 'south/s1']);
    expect((await items('/api/v1/alerts?status=resolved')).map((a) => a.id)).toEqual(['n2']);
    expect((await items('/api/v1/alerts?site=north&status=open')).map((a) => a.id)).toEqual(['n1']);
    const badSite = await api('/api/v1/devices?site=Not.A.Site');
    expect([badSite.status, badSite.body.code]).toEqual([400, 'request.invalid']);
  });

  it('shows each site with the outbox depth and health its gateway last reported', async () => {
    const list = await items('/api/v1/sites');
    const north = list.find((s) => s.site === 'north')!;
    expect([north.outboxDepth, north.health, north.version]).toEqual([7, 'degraded', '0.18.0']);
    expect(north.alerts).toEqual({ high: 1, low: 1 });
    const east = list.find((s) => s.site === 'east')!;
    expect([east.outboxDepth, east.health]).toEqual([null, null]);
    // A site heard from longer ago than SILENT_AFTER_MS is silent, whatever its gateway said last.
    const row = hub.store.sites().find((s) => s.site === 'north')!;
    const state = hub.store.siteStates().get('north');
    expect(siteView(row, {}, state, null, Date.parse(row.lastHeard) + SILENT_AFTER_MS + 1).health).toBe('silent');
    expect(siteView(row, {}, state, null, Date.parse(row.lastHeard) + 1000).health).toBe('degraded');
  });

  it('finds an address seen at two of the three sites, and the network around it', async () => {
    const r = await find(SHARED_PEER);
    expect(r.kind).toBe('address');
    expect(r.sites.map((s) => s.site)).toEqual(['north', 'south']);
    expect(r.sites[0]!.matches.map((m) => [m.kind, m.id])).toEqual([['traffic', 'traffic:2026-01-01T00:05:00.000Z']]);
    expect(r.sites[1]!.matches.map((m) => [m.kind, m.id])).toEqual([['alert', 's1']]);
    const net = await find('198.51.100.0/24');
    expect(net.kind).toBe('network');
    expect(net.sites.map((s) => s.site)).toEqual(['north', 'south']);
    // An address of one site's LAN only: that site, through its alert, device and log.
    const lan = await find('172.16.0.2');
    expect(lan.sites.map((s) => [s.site, s.matches.map((m) => m.kind).sort()])).toEqual([['east', ['alert', 'device']]]);
    expect((await find('203.0.113.0/25')).sites.map((s) => s.site)).toEqual(['north']);
  });

  it('finds a MAC vendor, an OUI and a whole MAC', async () => {
    const v = await find('espressif');
    expect(v.kind).toBe('vendor');
    expect(v.sites.map((s) => [s.site, s.matches.map((m) => [m.kind, m.id])])).toEqual([['north', [['device', 'aa:bb:cc:00:00:01']]]]);
    const oui = await find('AA-BB-CC');
    expect(oui.kind).toBe('mac');
    expect(oui.sites.map((s) => s.site)).toEqual(['north']);
    expect(oui.sites[0]!.matches.map((m) => m.kind).sort()).toEqual(['alert', 'device', 'log', 'traffic']);
    expect((await find('11:22:33:00:00:09')).sites.map((s) => s.site)).toEqual(['south']);
    expect((await find('nobody-makes-this')).sites).toEqual([]);
  });

  it('finds a domain with its subdomains and a JA4 fingerprint from a traffic summary', async () => {
    const d = await find('example.com');
    expect(d.kind).toBe('domain');
    expect(d.sites.map((s) => [s.site, s.matches.map((m) => m.kind).sort()])).toEqual([['north', ['alert', 'traffic']]]);
    const j = await find(JA4);
    expect(j.kind).toBe('fingerprint');
    expect(j.sites.map((s) => [s.site, s.matches.map((m) => m.kind).sort()])).toEqual([['north', ['alert', 'traffic']]]);
    const prefix = await find('t13d1516h2');
    expect([prefix.kind, prefix.sites.map((s) => s.site)]).toEqual(['fingerprint', ['north']]);
    const empty = await api('/api/v1/search?q=');
    expect([empty.status, empty.body.code]).toEqual([400, 'request.invalid']);
  });

  it('refuses a vendor token on every hub data route and on the stream (403), and no token (401)', async () => {
    for (const path of ['/api/v1/sites', '/api/v1/alerts', '/api/v1/devices', '/api/v1/incidents', '/api/v1/logs', '/api/v1/search?q=10.0.0.5']) {
      const r = await api(path, vendor);
      expect([path, r.status, r.body.code]).toEqual([path, 403, 'auth.forbidden']);
      expect((await api(path, null)).status).toBe(401);
    }
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/api/v1/stream`, ['edgeward.v1', `bearer.${vendor}`]);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => { ws.close(); reject(new Error('a vendor token opened the stream')); });
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
  });

  it('streams a committed alert with its site, and replays it to a client that resumes', async () => {
    const open = async (since: 'last' | number | null) => {
      const frames: Json[] = [];
      const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/api/v1/stream`, ['edgeward.v1', `bearer.${analyst}`]);
      ws.on('message', (d) => {
        const m = JSON.parse(messageText(d)) as Json;
        frames.push(m);
        if (m.type === 'hello') ws.send(JSON.stringify({ type: 'subscribe', topics: ['alert', 'site'], since: since === 'last' ? m.lastId : since }));
      });
      await until(() => frames.some((f) => f.type === 'live'), () => `live, got ${JSON.stringify(frames)}`, 10_000);
      return { ws, frames };
    };
    const a = await open('last');
    await sites.get('east')!.publish('alert', 'e2:1', alert('e2', { dst: '192.0.2.45' }));
    const isE2 = (f: Json) => f.type === 'event' && f.topic === 'alert' && (f.data as { alert: Json }).alert.id === 'e2';
    await until(() => a.frames.some(isE2), () => `the alert event, got ${JSON.stringify(a.frames)}`, 10_000);
    const ev = a.frames.find(isE2)!;
    expect(ev.data).toMatchObject({ change: 'new', site: 'east', alert: { id: 'e2', site: 'east', dst: '192.0.2.45' } });
    await until(() => a.frames.some((f) => f.topic === 'site' && (f.data as Json).site === 'east'), () => 'the site event', 10_000);
    expect((a.frames.find((f) => f.topic === 'site')!.data as Json).records).toBeGreaterThanOrEqual(3);
    a.ws.close();
    // A client resuming from just before the alert gets it again, then goes live.
    const b = await open((ev.id as number) - 1);
    expect(b.frames.filter(isE2)).toHaveLength(1);
    // Replayed from the journal's reference to the alert's row: the same event as sent live.
    expect(b.frames.find(isE2)).toEqual(ev);
    expect(b.frames.some((f) => f.type === 'gap')).toBe(false);
    b.ws.close();
    // The journal is the hub's SQLite table (kept across restarts): a client from the first event on
    // is replayed everything after it, with no gap.
    const c = await open(1);
    expect(c.frames.some((f) => f.type === 'gap')).toBe(false);
    expect(c.frames.filter(isE2)).toHaveLength(1);
    c.ws.close();
  });

  it('stores a record published again under another message id once, and sends no second event', async () => {
    const events: Json[] = [];
    const stop = hub.store.observe((r) => { for (const c of r.changed) events.push(c as unknown as Json); });
    const north = sites.get('north')!;
    const dev = device('aa:bb:cc:00:00:01', 'Espressif Inc.', '192.168.1.10', 'plug-1');
    await north.publish('device', 'aa:bb:cc:00:00:01:x', dev, { msgId: 'again-1' });
    await north.publish('log', 'log:1:x', log(1, '192.168.1.10', 'aa:bb:cc:00:00:01'), { msgId: 'again-2' });
    await caughtUp();
    stop();
    expect(events).toEqual([]);
    expect((await items('/api/v1/logs?site=north')).length).toBe(1);
  });
});

describe('hub store: every kind stored twice changes nothing', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'edgeward-hub-store-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  let n = 0;
  const rec = (site: string, kind: FleetKind, id: string, seq: number, data: unknown, at = '2026-01-01T00:10:00.000Z'): HubRecord =>
    ({ id, site, kind, seq, at, data, version: null, streamSeq: ++n });
  const TABLES = ['hub_alerts', 'hub_devices', 'hub_incidents', 'hub_logs', 'hub_traffic', 'hub_site_state', 'hub_terms'];

  it('encodes an alert event from the stored JSON exactly as from the object', () => {
    for (const data of [alert('x1', { dst: '192.0.2.9', evidence: { note: 'a "quoted" \\ text' } }), {}]) {
      for (const change of ['new', 'updated'] as const) {
        const c = { kind: 'alert' as const, site: 'north', change, data };
        expect(alertEventJson(c, JSON.stringify(data))).toBe(JSON.stringify(changeEvent(c).data));
      }
    }
  });

  it('absorbs a repeated batch whether the dedup table remembers it or not', () => {
    const db = openDatabase(join(dir, 'twice.sqlite'));
    // dedupRecords 1: the second copy of the batch is not recognised by id, so the upserts alone must absorb it.
    const store = new HubStore(db, { dedupRecords: 1 });
    const batch = [
      rec('north', 'alert', 'a:1', 1, alert('a', { ja4: JA4 })),
      rec('north', 'device', 'd:1', 2, device('aa:bb:cc:00:00:01', 'Espressif Inc.', '192.168.1.10', 'plug-1')),
      rec('north', 'incident', 'i:1', 3, incident('i')),
      rec('north', 'log', 'l:1', 4, log(1, '192.168.1.10', null)),
      rec('north', 'traffic', 'traffic:m1', 5, traffic('2026-01-01T00:05:00.000Z', [{ address: SHARED_PEER, domain: 'x.example' }], [{ ja4: JA4, sni: null }], { outboxDepth: 3 })),
    ];
    const snapshot = () => TABLES.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all());
    const first = store.storeBatch(batch);
    expect(first.changed.map((c) => `${c.kind}:${c.change}`)).toEqual(['alert:new', 'device:new', 'incident:new', 'log:new']);
    const before = snapshot();
    expect(before.every((rows) => rows.length > 0)).toBe(true);
    const again = store.storeBatch(batch);
    expect(again.changed).toEqual([]);
    expect(snapshot()).toEqual(before);
    // A new store on the file (a restarted hub: nothing remembered in memory) absorbs it too.
    const restarted = new HubStore(db, { dedupRecords: 1 });
    expect(restarted.storeBatch(batch).changed).toEqual([]);
    expect(snapshot()).toEqual(before);
    // With the ids remembered (the default), the same batch is all repeats.
    const db2 = openDatabase(join(dir, 'remembered.sqlite'));
    const store2 = new HubStore(db2);
    store2.storeBatch(batch);
    expect(store2.storeBatch(batch)).toMatchObject({ stored: 0, repeats: batch.length, changed: [] });
    db.close();
    db2.close();
  });

  it('keeps the newer copy of a device and an incident, whatever order they come in', () => {
    const db = openDatabase(join(dir, 'order.sqlite'));
    const store = new HubStore(db);
    store.storeBatch([
      rec('north', 'device', 'd:new', 9, device('aa:bb:cc:00:00:01', 'Espressif Inc.', '192.168.1.11', 'plug-new'), '2026-01-01T00:20:00.000Z'),
      rec('north', 'incident', 'i:new', 10, incident('i', 'resolved'), '2026-01-01T00:20:00.000Z'),
    ]);
    const late = store.storeBatch([
      rec('north', 'device', 'd:old', 4, device('aa:bb:cc:00:00:01', 'Espressif Inc.', '192.168.1.10', 'plug-old'), '2026-01-01T00:10:00.000Z'),
      rec('north', 'incident', 'i:old', 5, incident('i', 'open'), '2026-01-01T00:10:00.000Z'),
    ]);
    expect(late.changed).toEqual([]);
    expect(store.devices().map((d) => d.hostname)).toEqual(['plug-new']);
    expect(store.incidents().map((i) => i.state)).toEqual(['resolved']);
    db.close();
  });

  it('bounds logs and traffic summaries by rows, and forgets their search terms with them', () => {
    const db = openDatabase(join(dir, 'bounded.sqlite'));
    const store = new HubStore(db, { logRows: 2, trafficRows: 1 });
    store.storeBatch([rec('north', 'log', 'l:1', 1, log(1, '10.9.9.1', null))]);
    store.storeBatch([rec('north', 'log', 'l:2', 2, log(2, '10.9.9.2', null)), rec('north', 'log', 'l:3', 3, log(3, '10.9.9.3', null))]);
    expect(store.logs().map((l) => l.sourceIp)).toEqual(['10.9.9.3', '10.9.9.2']);
    expect(search(store.terms, '10.9.9.1').sites).toEqual([]);
    expect(search(store.terms, '10.9.9.2').sites.map((s) => s.site)).toEqual(['north']);
    store.storeBatch([rec('north', 'traffic', 'traffic:m1', 4, traffic('2026-01-01T00:01:00.000Z', [{ address: '198.51.100.1', domain: null }], [], {}))]);
    store.storeBatch([rec('north', 'traffic', 'traffic:m2', 5, traffic('2026-01-01T00:02:00.000Z', [{ address: '198.51.100.2', domain: null }], [], {}))]);
    expect(db.prepare('SELECT minute FROM hub_traffic').all()).toEqual([{ minute: '2026-01-01T00:02:00.000Z' }]);
    expect(search(store.terms, '198.51.100.1').sites).toEqual([]);
    expect(search(store.terms, '198.51.100.0/24').sites.map((s) => s.matches.map((m) => m.id))).toEqual([['traffic:m2']]);
    db.close();
  });
});
