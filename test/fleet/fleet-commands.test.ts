// Fleet commands end to end on a real nats-server: a hub signs a block for every site it heard
// from, three gateways (each its own daemon and SQLite) verify, apply and ack it, and the hub shows
// each site's answer; a command signed with another key, one for an emergency address and an
// expired one are refused with their codes; a command delivered twice is applied once; a domain
// block blocks the addresses later DNS answers give for names under it.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSigningKey, signCommand } from '../../gateway/fleet/command-signature.js';
import type { FleetCommand } from '../../gateway/fleet/command-types.js';
import { controlSubject } from '../../gateway/fleet/fleet-stream.js';
import { HUB_INBOX_PREFIX } from '../../gateway/fleet/nats-server-config.js';
import type { HubCommand } from '../../gateway/hub/hub-commands-store.js';
import { HubCommands } from '../../gateway/hub/hub-commands.js';
import { validateHubConfig } from '../../gateway/hub/hub-config.js';
import { Hub } from '../../gateway/hub/hub.js';
import type { ResponseAction } from '../../gateway/response/action-store.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { writeDeviceCapture } from '../helpers/device-capture.js';
import { dnsFrame } from '../helpers/dns-wire.js';
import { T0 } from '../helpers/replay-frames.js';
import { PcapWriter } from '../../gateway/capture/pcap-writer.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';
import { messageText } from '../helpers/ws-text.js';
import WebSocket from 'ws';

const SITES = ['home', 'shop', 'office'] as const;
const EMERGENCY = '192.0.2.53';
const quiet = () => {};

/** A PEM Ed25519 key pair written to `dir`: [private key file, public key file]. */
function keyPair(dir: string, name: string): [string, string] {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = join(dir, `${name}.key`);
  const pub = join(dir, `${name}.pub`);
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return [priv, pub];
}

describe.skipIf(natsServerUnavailable() !== null)('fleet commands: hub to three gateways (real nats-server)', () => {
  let nats: TestNats;
  let hub: Hub;
  let dir: string;
  let hubKey: string;
  let wrongKey: string;
  let hubNc: NatsConnection;
  let analyst = '';
  const gateways = new Map<string, TestDaemon>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-commands-'));
    const [priv, pub] = keyPair(dir, 'hub-command');
    hubKey = priv;
    wrongKey = keyPair(dir, 'other')[0];
    nats = await startNatsServer({ sites: [...SITES] });
    hub = new Hub(validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass }, api: { port: 0 }, storage: { dataDir: dir },
      consumer: { batch: 64, flushMs: 20 }, commands: { signingKeyFile: hubKey, resendMs: 500 },
    }), quiet);
    await hub.start();
    analyst = hub.tokens.create({ role: 'analyst', name: 'soc analyst' }).token;
    hubNc = await connect({ servers: nats.url, user: nats.hub.user, pass: nats.hub.pass, inboxPrefix: HUB_INBOX_PREFIX });
    for (const [i, site] of SITES.entries()) {
      const c = nats.site(site);
      const g = await startTestDaemon({
        detect: { deviceNew: { holdSeconds: 0 } }, policy: { emergency: [`${EMERGENCY}/32`] },
        fleet: { enabled: true, servers: [nats.url], site, user: c.user, password: c.pass, commandKeys: [pub] },
      });
      gateways.set(site, g);
      // A device seen at each site: its record makes the hub hear from the site ('all').
      const file = join(g.dir, 'devices.pcap');
      writeDeviceCapture(file, i + 1, i + 2, 1);
      await g.daemon.ingestCapture(file);
    }
    await until(() => hub.store.sites().length === SITES.length, () => `the hub heard from every site: ${JSON.stringify(hub.store.sites().map((x) => x.site))} ${JSON.stringify([...gateways.values()].map((g) => g.daemon.fleet?.status()))}`, 20_000);
  }, 60_000);

  afterAll(async () => {
    await hubNc?.close();
    for (const g of gateways.values()) await g.close();
    await hub?.stop();
    await nats?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const hubApi = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
    const res = await fetch(`${hub.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.token ?? analyst}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const settled = async (id: string): Promise<HubCommand> => {
    let c: HubCommand | null = null;
    await until(() => { c = hub.commands.store.get(id); return c !== null && c.sites.every((s) => s.status !== 'pending'); },
      () => `every site answered ${id}: ${JSON.stringify(c?.sites)}`, 20_000);
    return c!;
  };
  const actionsAt = async (g: TestDaemon): Promise<ResponseAction[]> =>
    ((await (await g.api('/api/v1/actions?state=active', { token: g.tokens.analyst })).json()) as { items: ResponseAction[] }).items;
  const refusedEvents = (g: TestDaemon, id: string) => g.events.filter((e) => e.event === 'fleet.command_refused' && e.id === id);

  it('a block for every site is applied and acked by all three, each gateway lists the block, and a release lifts it', async () => {
    const viewer = hub.tokens.create({ role: 'vendor', vendor: 'example.com' }).token;
    expect((await hubApi('/api/v1/commands', { method: 'POST', token: viewer, body: { action: 'block', target: { peer: '203.0.113.7' }, sites: 'all' } })).status).toBe(403);
    expect((await hubApi('/api/v1/commands', { method: 'POST', body: { action: 'block', target: { peer: '203.0.113.300' }, sites: 'all' } })).body.code).toBe('request.invalid');

    // The hub's stream tells a dashboard of each site's answer (topic `command`).
    const frames: { type: string; topic?: string; data?: HubCommand }[] = [];
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/api/v1/stream`, ['edgeward.v1', `bearer.${hub.tokens.create({ role: 'analyst', name: 'screen' }).token}`]);
    ws.on('message', (d) => {
      const m = JSON.parse(messageText(d)) as { type: string; lastId?: number };
      frames.push(m);
      if (m.type === 'hello') ws.send(JSON.stringify({ type: 'subscribe', topics: ['command'], since: m.lastId }));
    });
    await until(() => frames.some((f) => f.type === 'live'), () => 'the stream live', 10_000);
    const posted = await hubApi('/api/v1/commands', { method: 'POST', body: { action: 'block', target: { peer: '203.0.113.7' }, sites: 'all', note: 'C2 server' } });
    expect(posted.status).toBe(202);
    const id = posted.body.id as string;
    expect(posted.body).toMatchObject({ action: 'block', target: { peer: '203.0.113.7' }, note: 'C2 server', issuedBy: expect.stringMatching(/^soc analyst/) as string });
    const done = await settled(id);
    expect(done.sites.map((s) => [s.site, s.status, s.code])).toEqual([['home', 'applied', null], ['office', 'applied', null], ['shop', 'applied', null]]);
    await until(() => frames.some((f) => f.topic === 'command' && f.data!.id === id && f.data!.sites.every((s) => s.status === 'applied')),
      () => `a command event with every site applied, got ${JSON.stringify(frames)}`, 10_000);
    ws.close();
    for (const s of done.sites) {
      const active = await actionsAt(gateways.get(s.site)!);
      expect(active.map((a) => [a.id, a.kind, a.peer]), s.site).toEqual([[s.actionId, 'block', '203.0.113.7']]);
      expect(active[0]!.by).toMatch(/^hub:soc analyst/);
    }
    // The API shows the same, newest first.
    expect(((await hubApi('/api/v1/commands')).body.items as HubCommand[])[0]!.id).toBe(id);
    expect((await hubApi(`/api/v1/commands/${id}`)).body).toEqual(JSON.parse(JSON.stringify(hub.commands.store.get(id))));
    expect((await hubApi(`/api/v1/commands/${randomUUID()}`)).body.code).toBe('command.not-found');
    const health = (await (await gateways.get('home')!.api('/api/v1/health')).json()) as { fleet: { commands: Record<string, number> } };
    // Repeats: copies the hub sent again before the ack reached it, answered from the table.
    expect(health.fleet.commands).toMatchObject({ applied: 1, refused: 0, failed: 0 });

    const rel = await hubApi('/api/v1/commands', { method: 'POST', body: { action: 'release', target: { peer: '203.0.113.7' }, sites: ['home'] } });
    expect(rel.status).toBe(202);
    const released = await settled(rel.body.id as string);
    expect(released.sites).toMatchObject([{ site: 'home', status: 'applied', actionId: done.sites.find((s) => s.site === 'home')!.actionId }]);
    expect(await actionsAt(gateways.get('home')!)).toEqual([]);
    expect((await actionsAt(gateways.get('shop')!)).length).toBe(1);
  }, 60_000);

  it('a command signed with another key is refused command.bad-signature and shown per site at the hub', async () => {
    const rogue = new HubCommands({
      db: hub.db, config: { signingKeyFile: wrongKey, resendMs: 500, ttlSeconds: 600 }, knownSites: () => [...SITES],
    });
    rogue.start(hubNc);
    try {
      const c = rogue.issue({ action: 'block', target: { peer: '198.51.100.0/24' }, sites: ['home', 'shop'] }, 'rogue');
      const done = await settled(c.id);
      expect(done.sites.map((s) => [s.site, s.status, s.code])).toEqual([['home', 'refused', 'command.bad-signature'], ['shop', 'refused', 'command.bad-signature']]);
      for (const site of ['home', 'shop']) {
        const g = gateways.get(site)!;
        expect((await actionsAt(g)).some((a) => a.peer === '198.51.100.0/24'), site).toBe(false);
        expect(refusedEvents(g, c.id)[0]).toMatchObject({ code: 'command.bad-signature' });
        // The refusal's log line names the command, never its signature bytes.
        expect(JSON.stringify(refusedEvents(g, c.id))).not.toContain('signature":');
      }
    } finally {
      rogue.stop();
    }
  }, 30_000);

  it('an emergency address is refused action.emergency at every site', async () => {
    const posted = await hubApi('/api/v1/commands', { method: 'POST', body: { action: 'block', target: { peer: EMERGENCY }, sites: 'all' } });
    const done = await settled(posted.body.id as string);
    expect(done.sites.map((s) => [s.status, s.code])).toEqual([['refused', 'action.emergency'], ['refused', 'action.emergency'], ['refused', 'action.emergency']]);
    for (const g of gateways.values()) expect((await actionsAt(g)).some((a) => a.peer === EMERGENCY)).toBe(false);
  }, 30_000);

  it('a domain block blocks the addresses DNS answers give for names under it, and its release lifts them', async () => {
    const home = gateways.get('home')!;
    const posted = await hubApi('/api/v1/commands', { method: 'POST', body: { action: 'block', target: { domain: 'Bad-C2.example' }, sites: ['home'] } });
    expect((await settled(posted.body.id as string)).sites).toMatchObject([{ site: 'home', status: 'applied', code: null }]);
    // Answers seen after the command: a name under the domain, one outside it, the emergency address.
    const file = join(home.dir, 'dns.pcap');
    const w = new PcapWriter(file);
    const ends = { clientMac: '02:00:00:00:00:0a', clientIp: '192.168.7.10', resolverMac: '02:00:00:00:ff:fe', resolverIp: '192.168.7.254' };
    const answers: [string, string[]][] = [['cdn.bad-c2.example', ['198.51.100.99', EMERGENCY]], ['good.example', ['198.51.100.100']], ['bad-c2.example', ['198.51.100.98']]];
    answers.forEach(([name, ips], i) => {
      w.write(dnsFrame(ends, { id: 100 + i, name }), T0 + i * 1000);
      w.write(dnsFrame(ends, { id: 100 + i, name, response: true, answers: ips }), T0 + i * 1000 + 500);
    });
    w.close();
    await home.daemon.ingestCapture(file);
    const peers = async () => (await actionsAt(home)).filter((a) => a.peer!.startsWith('198.51.100.9') || a.peer === EMERGENCY).map((a) => a.peer).sort();
    await until(async () => (await peers()).length === 2, () => 'the two addresses of the domain blocked', 10_000);
    expect(await peers()).toEqual(['198.51.100.98', '198.51.100.99']);
    expect((await actionsAt(home)).some((a) => a.peer === '198.51.100.100')).toBe(false);
    expect(home.events.find((e) => e.event === 'fleet.domain_address_refused')).toMatchObject({ domain: 'bad-c2.example', address: EMERGENCY });

    const rel = await hubApi('/api/v1/commands', { method: 'POST', body: { action: 'release', target: { domain: 'bad-c2.example' }, sites: ['home'] } });
    expect((await settled(rel.body.id as string)).sites).toMatchObject([{ site: 'home', status: 'applied' }]);
    expect(await peers()).toEqual([]);
  }, 30_000);

  it('an expired command is refused command.expired; one delivered twice is applied once', async () => {
    const key = readSigningKey(hubKey);
    const now = Date.now();
    const base = { action: 'block', note: null, issuedBy: 'test' } as const;
    const expired: FleetCommand = { ...base, id: randomUUID(), site: 'office', target: { peer: '198.51.100.66' }, issuedAt: new Date(now - 2 * 3600_000).toISOString(), expiresAt: new Date(now - 3600_000).toISOString() };
    const twice: FleetCommand = { ...base, id: randomUUID(), site: 'shop', target: { peer: '198.51.100.77' }, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 600_000).toISOString() };
    hubNc.publish(controlSubject('office'), JSON.stringify(signCommand(expired, key)));
    const body = JSON.stringify(signCommand(twice, key));
    const repeatsBefore = gateways.get('shop')!.daemon.commands!.counts().repeats;
    hubNc.publish(controlSubject('shop'), body);
    hubNc.publish(controlSubject('shop'), body);
    await hubNc.flush();

    const office = gateways.get('office')!;
    const shop = gateways.get('shop')!;
    const answered = (g: TestDaemon, id: string) => g.daemon.db.prepare('SELECT status, code FROM fleet_commands WHERE id = ?').all(id);
    await until(() => answered(office, expired.id).length === 1, () => 'office answered the expired command', 10_000);
    expect(answered(office, expired.id)).toEqual([{ status: 'refused', code: 'command.expired' }]);
    expect(refusedEvents(office, expired.id)).toHaveLength(1);
    expect((await actionsAt(office)).some((a) => a.peer === '198.51.100.66')).toBe(false);

    // Both copies handled (one after the other): one action, one applied answer, the ack in the hub once.
    await until(() => shop.daemon.commands!.counts().repeats === repeatsBefore + 1 && shop.daemon.outbox!.depth === 0,
      () => 'shop handled both copies and sent its ack', 10_000);
    expect(answered(shop, twice.id)).toEqual([{ status: 'applied', code: null }]);
    expect(shop.events.filter((e) => e.event === 'fleet.command_applied' && e.id === twice.id)).toHaveLength(1);
    expect((await actionsAt(shop)).filter((a) => a.peer === '198.51.100.77')).toHaveLength(1);
    const acks = () => (hub.db.prepare("SELECT count(*) AS n FROM hub_records WHERE site = 'shop' AND id = ?").get(`ack:${twice.id}`) as { n: number }).n;
    await until(() => acks() === 1, () => 'the hub stored the ack', 10_000);
  }, 30_000);
});
