// Fleet isolation on a real nats-server configured by gateway/fleet/nats-server-config.ts: the hub
// makes EDGEWARD_FLEET, a site's records are stored once by Nats-Msg-Id, and a site's credentials
// can neither publish as another site nor touch control subjects it does not own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, headers, nanos, StringCodec, type NatsConnection, type Status } from 'nats';
import { ensureFleetStream, FLEET_STREAM, FLEET_STREAM_SUBJECTS, controlSubject, fleetSubject } from '../../gateway/fleet/fleet-stream.js';
import { NatsConfigError, renderNatsServerConfig, siteInboxPrefix, HUB_INBOX_PREFIX } from '../../gateway/fleet/nats-server-config.js';
import { natsServerUnavailable, startNatsServer, type NatsCredentials, type TestNats } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

const sc = StringCodec();

/** Error code of a thrown NatsConfigError, or 'none'. */
function configErrorCode(f: () => unknown): string {
  try {
    f();
    return 'none';
  } catch (e) {
    return e instanceof NatsConfigError ? e.code : `other: ${String(e)}`;
  }
}

describe('nats-server configuration', () => {
  const base = { storeDir: '/var/lib/nats', hubPassword: 'h', sites: [{ site: 'a', password: 'p' }] };
  it('refuses bad site ids, repeated sites and bad passwords, by code', () => {
    expect(configErrorCode(() => renderNatsServerConfig(base))).toBe('none');
    for (const site of ['', 'A', '-a', 'a.b', 'a*', 'a>', 'a b', 'x'.repeat(64)]) {
      expect(configErrorCode(() => renderNatsServerConfig({ ...base, sites: [{ site, password: 'p' }] })), site).toBe('bad_site_id');
    }
    expect(configErrorCode(() => renderNatsServerConfig({ ...base, sites: [{ site: 'a', password: 'p' }, { site: 'a', password: 'q' }] }))).toBe('duplicate_site');
    for (const password of ['', 'a\nb', 'x'.repeat(257)]) {
      expect(configErrorCode(() => renderNatsServerConfig({ ...base, hubPassword: password }))).toBe('bad_password');
    }
    expect(configErrorCode(() => renderNatsServerConfig({ ...base, port: 70000 }))).toBe('bad_port');
  });
});

describe.skipIf(natsServerUnavailable() !== null)('fleet isolation on nats-server', () => {
  let nats: TestNats;
  const open: NatsConnection[] = [];
  // The hub's password needs every escape of the config format: a wrong quote would lock it out.
  const hubPassword = 'h"u\\b$HOME#x{y}//z é';

  const as = async (c: NatsCredentials, inboxPrefix: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: nats.url, user: c.user, pass: c.pass, inboxPrefix, reconnect: false });
    open.push(nc);
    return nc;
  };
  /** Collects a connection's status events (permission violations arrive there). */
  const statuses = (nc: NatsConnection): Status[] => {
    const seen: Status[] = [];
    void (async () => { for await (const s of nc.status()) seen.push(s); })();
    return seen;
  };
  const violation = (seen: Status[], operation: string, subject: string): boolean =>
    seen.some((s) => s.data === 'PERMISSIONS_VIOLATION' && s.permissionContext?.operation === operation && s.permissionContext.subject === subject);
  const storedCount = async (hub: NatsConnection): Promise<number> =>
    (await (await hub.jetstreamManager()).streams.info(FLEET_STREAM)).state.messages;
  const closeAll = async (): Promise<void> => {
    await Promise.all(open.splice(0).map((nc) => nc.close()));
  };

  beforeAll(async () => {
    nats = await startNatsServer({ sites: ['site-a', 'site-b'], passwords: { hub: hubPassword } });
  });
  afterAll(async () => {
    await closeAll();
    await nats?.close();
  });

  it('the hub makes the stream; a site stores its own records once; another site\'s subject is refused', async () => {
    const hub = await as(nats.hub, HUB_INBOX_PREFIX);
    const jsm = await hub.jetstreamManager();
    expect(await ensureFleetStream(jsm)).toBe('created');
    expect(await ensureFleetStream(jsm)).toBe('unchanged');
    const cfg = (await jsm.streams.info(FLEET_STREAM)).config;
    expect([...cfg.subjects].sort()).toEqual([...FLEET_STREAM_SUBJECTS].sort());
    expect(cfg.duplicate_window).toBe(10 * 60 * 1e9);

    const a = await as(nats.site('site-a'), siteInboxPrefix('site-a'));
    const aStatus = statuses(a);
    const js = a.jetstream();
    const body = sc.encode(JSON.stringify({ id: 'al-1:1', site: 'site-a', kind: 'alert', seq: 1, at: '2024-01-01T00:00:00.000Z', data: {} }));
    const ack = await js.publish(fleetSubject('site-a', 'alert'), body, { msgID: 'al-1:1' });
    expect([ack.stream, ack.seq, ack.duplicate]).toEqual([FLEET_STREAM, 1, false]);
    const again = await js.publish(fleetSubject('site-a', 'alert'), body, { msgID: 'al-1:1' });
    expect([again.seq, again.duplicate]).toEqual([1, true]);
    expect(await storedCount(hub)).toBe(1);

    // As site-b: the server refuses the publish (a permissions violation, not a timeout) and stores nothing.
    const forged = await js.publish(fleetSubject('site-b', 'alert'), body, { msgID: 'forged-1' }).then(() => null, (e: unknown) => e);
    expect(forged).toMatchObject({ code: 'PERMISSIONS_VIOLATION', permissionContext: { operation: 'publish', subject: 'edgeward.site-b.alert' } });
    const h = headers();
    h.set('Nats-Msg-Id', 'forged-2');
    a.publish(fleetSubject('site-b', 'alert'), body, { headers: h });
    await a.flush(); // the server has handled the publish before it answers the flush's PING
    await until(() => violation(aStatus, 'publish', 'edgeward.site-b.alert'), () => JSON.stringify(aStatus), 5000);
    expect(await storedCount(hub)).toBe(1);
    expect(a.isClosed()).toBe(false);
  });

  it('a site reads only its own control subject and cannot publish to it', async () => {
    const hub = await as(nats.hub, HUB_INBOX_PREFIX);
    const a = await as(nats.site('site-a'), siteInboxPrefix('site-a'));
    const aStatus = statuses(a);
    const got: string[] = [];
    a.subscribe(controlSubject('site-a'), { callback: (_e, m) => { if (m) got.push(`a:${sc.decode(m.data)}`); } });
    let subErr = '';
    a.subscribe(controlSubject('site-b'), { callback: (e, m) => { if (e) subErr = e.code; else if (m) got.push(`b:${sc.decode(m.data)}`); } });
    await a.flush();
    await until(() => violation(aStatus, 'subscription', 'edgeward.site-b.control'), () => JSON.stringify(aStatus), 5000);
    expect(subErr).toBe('PERMISSIONS_VIOLATION');

    a.publish(controlSubject('site-a'), sc.encode('self-made'));
    await until(() => violation(aStatus, 'publish', 'edgeward.site-a.control'), () => JSON.stringify(aStatus), 5000);

    hub.publish(controlSubject('site-b'), sc.encode('for-b'));
    hub.publish(controlSubject('site-a'), sc.encode('for-a'));
    await until(() => got.length > 0, () => 'the hub\'s command to site-a', 5000);
    await a.flush();
    expect(got).toEqual(['a:for-a']);
    await closeAll();
  });

  it('a stored record survives a server stop and start on the same store', async () => {
    await closeAll();
    await nats.stop();
    await nats.start();
    const hub = await as(nats.hub, HUB_INBOX_PREFIX);
    const jsm = await hub.jetstreamManager();
    expect(await ensureFleetStream(jsm)).toBe('unchanged');
    expect(await storedCount(hub)).toBe(1);
    // A stream an operator changed is brought back to the fleet's settings, its records kept.
    await jsm.streams.update(FLEET_STREAM, { duplicate_window: nanos(60_000), subjects: ['edgeward.*.alert'] });
    expect(await ensureFleetStream(jsm)).toBe('updated');
    const cfg = (await jsm.streams.info(FLEET_STREAM)).config;
    expect([cfg.duplicate_window, cfg.subjects.length]).toEqual([10 * 60 * 1e9, FLEET_STREAM_SUBJECTS.length]);
    expect(await storedCount(hub)).toBe(1);
    const m = await jsm.streams.getMessage(FLEET_STREAM, { seq: 1 });
    expect([m.subject, (JSON.parse(sc.decode(m.data)) as { id: string }).id, m.header.get('Nats-Msg-Id')]).toEqual(['edgeward.site-a.alert', 'al-1:1', 'al-1:1']);
  });
});
