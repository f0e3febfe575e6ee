// NKey sign-in for the fleet (issue 18 item 1: "credentials — user/password or NKey"): the server
// config renders a site and the hub by NKey public key with the same permissions; a gateway
// (fleet.nkeySeedFile) and the hub (nats.nkeySeedFile) sign in with their seeds against a real
// nats-server; the site's NKey still cannot publish as another site, and an unknown key is refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nkeyAuthenticator, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_DEFAULTS, resolveFleet } from '../../gateway/fleet/fleet-config.js';
import { FleetLink } from '../../gateway/fleet/fleet-link.js';
import type { FleetRecord } from '../../gateway/fleet/fleet-record.js';
import { ensureFleetStream, FLEET_STREAM, fleetSubject } from '../../gateway/fleet/fleet-stream.js';
import { NatsConfigError, NKEYS, readNkeySeed, renderNatsServerConfig, siteInboxPrefix } from '../../gateway/fleet/nats-server-config.js';
import { Outbox } from '../../gateway/fleet/outbox.js';
import { validateHubConfig } from '../../gateway/hub/hub-config.js';
import { hubConnectionOptions } from '../../gateway/hub/hub.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

const te = new TextEncoder();
const td = new TextDecoder();
/** A new NKey user: its seed (`SU…`, text) and public key (`U…`). */
function newUser(): { seed: string; pub: string } {
  const kp = NKEYS.createUser();
  return { seed: td.decode(kp.getSeed()), pub: kp.getPublicKey() };
}

describe('nats-server configuration by NKey', () => {
  it('renders a site and the hub by public key, with the site\'s permissions, and refuses what is no user key', () => {
    const site = newUser(), hub = newUser();
    const text = renderNatsServerConfig({ storeDir: '/var/lib/nats', hubNkey: hub.pub, sites: [{ site: 'a', nkey: site.pub }, { site: 'b', password: 'p' }] });
    expect(text).toContain(`{ nkey: "${hub.pub}" }`);
    expect(text).toContain(`nkey: "${site.pub}"`);
    expect(text).toContain('user: "site-b", password: "p"');
    // The site's NKey entry carries the same permissions as a password user.
    const entryA = text.slice(text.indexOf(site.pub), text.indexOf('site-b'));
    expect(entryA).toContain('publish: { allow: ["edgeward.a.*"], deny: ["edgeward.a.control"] }');
    expect(text).not.toContain(site.seed);
    const code = (f: () => unknown): string => { try { f(); return 'none'; } catch (e) { return e instanceof NatsConfigError ? e.code : String(e); } };
    for (const bad of ['', 'U123', hub.seed, NKEYS.createAccount().getPublicKey(), `${site.pub.slice(0, -1)}${site.pub.endsWith('A') ? 'B' : 'A'}`]) {
      expect(code(() => renderNatsServerConfig({ storeDir: '/s', hubPassword: 'h', sites: [{ site: 'a', nkey: bad }] })), bad).toBe('bad_nkey');
    }
  });

  it('fleet.nkeySeedFile goes alone: not with a user or password', () => {
    const problems: string[] = [];
    resolveFleet({ enabled: true, servers: ['nats://h:4222'], site: 'a', user: 'site-a', password: 'p', nkeySeedFile: '/etc/edgeward/site.nk' }, problems);
    expect(problems.some((p) => p.startsWith('fleet.nkeySeedFile'))).toBe(true);
    const ok: string[] = [];
    resolveFleet({ enabled: true, servers: ['nats://h:4222'], site: 'a', nkeySeedFile: '/etc/edgeward/site.nk' }, ok);
    expect(ok).toEqual([]);
  });
});

describe.skipIf(natsServerUnavailable() !== null)('fleet sign-in by NKey (real nats-server)', () => {
  const hubKey = newUser(), aKey = newUser();
  let nats: TestNats;
  let dir: string;
  let db: Db;
  const open: NatsConnection[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-nkey-'));
    writeFileSync(join(dir, 'hub.nk'), `${hubKey.seed}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'a.nk'), `${aKey.seed}\n`, { mode: 0o600 });
    nats = await startNatsServer({ sites: ['nk-a', 'nk-b'], nkeySeeds: { hub: hubKey.seed, 'nk-a': aKey.seed } });
    db = openDatabase(':memory:');
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await nats?.close();
    db?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('the hub and a gateway sign in with their seeds; the gateway\'s record is stored', async () => {
    const hubCfg = validateHubConfig({ nats: { servers: [nats.url], nkeySeedFile: join(dir, 'hub.nk') } });
    const hub = await connect({ ...hubConnectionOptions(hubCfg), reconnect: false });
    open.push(hub);
    const jsm = await hub.jetstreamManager();
    await ensureFleetStream(jsm);

    const outbox = new Outbox(db, { maxRecords: 100 });
    outbox.add('alert', 'nk-1:1', { id: 'nk-1', rev: 1 });
    const events: Record<string, unknown>[] = [];
    const link = new FleetLink({
      config: { ...FLEET_DEFAULTS, enabled: true, servers: [nats.url], site: 'nk-a', nkeySeedFile: join(dir, 'a.nk') },
      outbox, log: (event, fields) => { events.push({ event, ...fields }); },
    });
    link.start();
    try {
      await until(() => outbox.depth === 0, () => `the record to be acknowledged (${JSON.stringify(link.status())})`, 20_000);
      const status = link.status();
      expect(status).toMatchObject({ connected: true, published: 1 });
      // The seed is never in health or the log.
      expect(JSON.stringify([status, events])).not.toContain(aKey.seed);
    } finally {
      await link.stop();
    }
    const m = await jsm.streams.getMessage(FLEET_STREAM, { last_by_subj: 'edgeward.nk-a.alert' });
    expect(m.json<FleetRecord>()).toMatchObject({ id: 'nk-1:1', site: 'nk-a', kind: 'alert', data: { id: 'nk-1' } });
  });

  it('the site\'s NKey cannot publish as another site; an unknown NKey is refused', async () => {
    const a = await connect({ servers: nats.url, authenticator: nkeyAuthenticator(readNkeySeed(join(dir, 'a.nk'))), inboxPrefix: siteInboxPrefix('nk-a'), reconnect: false });
    open.push(a);
    const js = a.jetstream({ timeout: 2000 });
    const body = te.encode(JSON.stringify({ id: 'forged:1', site: 'nk-b', kind: 'alert', seq: 1, at: '2026-01-01T00:00:00.000Z', data: {} }));
    const forged = await js.publish(fleetSubject('nk-b', 'alert'), body, { msgID: 'nk-b:forged:1' }).then(() => null, (e: unknown) => e);
    expect(forged).toMatchObject({ code: 'PERMISSIONS_VIOLATION', permissionContext: { operation: 'publish', subject: 'edgeward.nk-b.alert' } });
    const hub = open[0]!;
    const { state } = await (await hub.jetstreamManager()).streams.info(FLEET_STREAM);
    expect(state.messages).toBe(1);

    const stranger = newUser();
    const refused = await connect({ servers: nats.url, authenticator: nkeyAuthenticator(te.encode(stranger.seed)), reconnect: false, timeout: 2000 }).then((nc) => { open.push(nc); return null; }, (e: unknown) => e);
    expect(refused).toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    // A file that holds no user seed is refused before any connect, without echoing it.
    writeFileSync(join(dir, 'bad.nk'), 'not-a-seed\n');
    expect(() => readNkeySeed(join(dir, 'bad.nk'))).toThrow(NatsConfigError);
  });
});
