// The fleet over mutual TLS (a real nats-server rendered with a `tls` block, certificates made at
// test time): a gateway daemon's devices and alerts reach the hub and a hub command reaches the
// gateway when both present certificates of the fleet's CA; a link that trusts another CA, one
// without a client certificate and one without TLS are refused, say why in their health, keep every
// record in the outbox, and once given the right files deliver each record exactly once; a hub
// without its certificate does not start and says why.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_DEFAULTS, resolveFleet, type FleetConfig } from '../../gateway/fleet/fleet-config.js';
import { FleetLink } from '../../gateway/fleet/fleet-link.js';
import type { FleetRecord } from '../../gateway/fleet/fleet-record.js';
import { FLEET_STREAM } from '../../gateway/fleet/fleet-stream.js';
import { HUB_INBOX_PREFIX } from '../../gateway/fleet/nats-server-config.js';
import { Outbox } from '../../gateway/fleet/outbox.js';
import { validateHubConfig } from '../../gateway/hub/hub-config.js';
import { Hub } from '../../gateway/hub/hub.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { writeDeviceCapture } from '../helpers/device-capture.js';
import { natsServerUnavailable, startNatsServer, type TestNats } from '../helpers/nats-server.js';
import { issue, issueClientCert, issueServerCert, type Issued } from '../helpers/pki.js';
import { until } from '../helpers/wait-until.js';

const quiet = (): void => {};

/** A fleet section as the daemon's config load resolves it (its TLS files checked), failing on any problem. */
function fleetConfig(raw: Record<string, unknown>): Readonly<FleetConfig> {
  const problems: string[] = [];
  const cfg = resolveFleet(raw, problems);
  expect(problems).toEqual([]);
  return cfg;
}

describe.skipIf(natsServerUnavailable() !== null)('fleet over mutual TLS (real nats-server)', () => {
  let dir: string;
  let nats: TestNats;
  let hub: Hub;
  let hubNc: NatsConnection;
  let gateway: TestDaemon;
  let db: Db;
  /** PEM files by name: ca, server, branch / kiosk (client certificates of the fleet's CA), rogue (of another CA). */
  const files: Record<string, { cert: string; key: string }> = {};
  let commandKey = '';

  const write = (name: string, c: Issued): void => {
    files[name] = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    writeFileSync(files[name].cert, c.pem);
    writeFileSync(files[name].key, c.keyPem, { mode: 0o600 });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-fleet-tls-'));
    const ca = await issue({ cn: 'Edgeward Fleet Test CA', org: 'Edgeward Test', role: 'ca' });
    const other = await issue({ cn: 'Someone Else CA', org: 'Someone Else', role: 'ca' });
    write('ca', ca);
    write('other', other);
    write('server', await issueServerCert(ca));
    write('hub', await issueClientCert(ca, 'hub'));
    write('branch', await issueClientCert(ca, 'site-branch'));
    write('kiosk', await issueClientCert(ca, 'site-kiosk'));
    write('rogue', await issueClientCert(other, 'site-kiosk'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    commandKey = join(dir, 'command.key');
    writeFileSync(commandKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const commandPub = join(dir, 'command.pub');
    writeFileSync(commandPub, publicKey.export({ type: 'spki', format: 'pem' }));

    nats = await startNatsServer({
      sites: ['branch', 'kiosk'],
      tls: {
        server: { certFile: files.server!.cert, keyFile: files.server!.key, caFile: files.ca!.cert, verify: true },
        client: { caFile: files.ca!.cert, certFile: files.hub!.cert, keyFile: files.hub!.key },
      },
    });
    expect(nats.url).toMatch(/^tls:\/\//);
    hub = new Hub(validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass, tlsCaFile: files.ca!.cert, tlsCertFile: files.hub!.cert, tlsKeyFile: files.hub!.key },
      api: { port: 0 }, storage: { dataDir: dir }, consumer: { batch: 64, flushMs: 20 }, commands: { signingKeyFile: commandKey, resendMs: 500 },
    }), quiet);
    await hub.start();
    hubNc = await connect({ servers: nats.url, user: nats.hub.user, pass: nats.hub.pass, inboxPrefix: HUB_INBOX_PREFIX, tls: nats.clientTls });
    const c = nats.site('branch');
    gateway = await startTestDaemon({
      detect: { deviceNew: { holdSeconds: 0 } },
      fleet: {
        enabled: true, servers: [nats.url], site: 'branch', user: c.user, password: c.pass, commandKeys: [commandPub],
        tls: { ca: files.ca!.cert, cert: files.branch!.cert, key: files.branch!.key },
      },
    });
    db = openDatabase(':memory:');
  }, 60_000);

  afterAll(async () => {
    await hubNc?.close();
    await gateway?.close();
    await hub?.stop();
    await nats?.close();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a gateway\'s devices and alerts reach the hub, and a hub command reaches the gateway, over mutual TLS', async () => {
    const file = join(gateway.dir, 'devices.pcap');
    writeDeviceCapture(file, 1, 4, 1);
    await gateway.daemon.ingestCapture(file);
    await until(() => hub.store.sites().some((s) => s.site === 'branch') && (hub.store.alertCountsOf('branch').low ?? 0) >= 3,
      () => `the hub to hear branch's three devices: ${JSON.stringify(hub.store.alertCountsOf('branch'))} ${JSON.stringify(gateway.daemon.fleet?.status())}`, 20_000);
    expect(hub.store.alerts({ site: 'branch' }).items.filter((a) => a.rule === 'device.new')).toHaveLength(3);
    expect(gateway.daemon.fleet?.status()).toMatchObject({ connected: true, lastError: null });

    const command = hub.commands.issue({ action: 'block', target: { peer: '203.0.113.7' }, sites: ['branch'] }, 'soc analyst');
    await until(() => hub.commands.store.get(command.id)?.sites[0]?.status === 'applied',
      () => `branch to apply the block: ${JSON.stringify(hub.commands.store.get(command.id))}`, 20_000);
    const actions = (await (await gateway.api('/api/v1/actions?state=active', { token: gateway.tokens.analyst })).json()) as { items: { kind: string; peer: string }[] };
    expect(actions.items.map((a) => [a.kind, a.peer])).toEqual([['block', '203.0.113.7']]);
  }, 60_000);

  it('refuses a link that trusts another CA, one without a client certificate and one without TLS; the right files then deliver each record once', async () => {
    const outbox = new Outbox(db, { maxRecords: 1000 });
    for (let i = 1; i <= 20; i++) outbox.add('alert', `k${i}:1`, { n: i });
    const c = nats.site('kiosk');
    const base = { ...FLEET_DEFAULTS, enabled: true, site: 'kiosk', user: c.user, password: c.pass };
    const attempt = async (servers: string[], tls: { ca?: string; cert?: string; key?: string }, want: RegExp): Promise<string> => {
      const events: Record<string, unknown>[] = [];
      // The config as the daemon would load it: the files are checked there first.
      const config = fleetConfig({ ...base, servers, tls });
      const link = new FleetLink({ config, outbox, log: (event, fields) => { events.push({ event, ...fields }); }, ackTimeoutMs: 1000 });
      link.start();
      try {
        await until(() => link.status().lastError !== null, () => 'a connect error', 15_000);
        const st = link.status();
        expect(st.connected).toBe(false);
        expect(st.lastError).toMatch(want);
        expect(st.published).toBe(0);
        expect(JSON.stringify(events)).not.toContain(c.pass);
        return st.lastError!;
      } finally {
        await link.stop();
      }
    };
    // Trusts another CA: the server's certificate does not verify.
    await attempt([nats.url], { ca: files.other!.cert, cert: files.kiosk!.cert, key: files.kiosk!.key }, /^connect: unable to verify the first certificate$/);
    // The fleet's CA but no client certificate: the server's alert, which the nats client does not
    // report (its connect times out), is read by the link's own handshake (tls-probe.ts).
    await attempt([nats.url], { ca: files.ca!.cert },
      /^connect: TIMEOUT \(tls:\/\/127\.0\.0\.1:\d+: TLS: the server sent alert 42 \(bad certificate\): it refused our client certificate, and none is configured \(fleet\.tls\.cert, fleet\.tls\.key\)\)$/);
    // A client certificate of another CA: refused just the same, naming the file.
    await attempt([nats.url], { ca: files.ca!.cert, cert: files.rogue!.cert, key: files.rogue!.key }, /TLS: the server sent alert 42 \(bad certificate\): it refused our client certificate \(.*rogue\.crt\)\)$/);
    // Plain nats:// with no TLS files: the server requires TLS, and the system's CAs do not know the fleet's.
    await attempt([nats.url.replace('tls://', 'nats://')], {}, /^connect: unable to verify the first certificate$/);
    expect(outbox.depth).toBe(20);

    const link = new FleetLink({ config: fleetConfig({ ...base, servers: [nats.url], tls: { ca: files.ca!.cert, cert: files.kiosk!.cert, key: files.kiosk!.key } }), outbox, ackTimeoutMs: 1000 });
    link.start();
    try {
      await until(() => outbox.depth === 0, () => `the outbox to drain: ${JSON.stringify(link.status())}`, 20_000);
    } finally {
      await link.stop();
    }
    const js = hubNc.jetstream();
    const consumer = await js.consumers.get(FLEET_STREAM, { filterSubjects: 'edgeward.kiosk.alert' });
    const seqs: number[] = [];
    for await (const m of await consumer.fetch({ max_messages: 100, expires: 2000 })) {
      seqs.push(m.json<FleetRecord>().seq);
      if (seqs.length === 20) break;
    }
    await consumer.delete();
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  }, 120_000);

  it('a hub without its client certificate does not start, and says why in its own keys', async () => {
    const hubDir = mkdtempSync(join(dir, 'hub-'));
    const bare = new Hub(validateHubConfig({
      nats: { servers: [nats.url], user: nats.hub.user, password: nats.hub.pass, tlsCaFile: files.ca!.cert },
      api: { port: 0 }, storage: { dataDir: hubDir },
    }), quiet);
    try {
      const err = await bare.start().then(() => null, (e: unknown) => e as Error);
      expect(err?.message).toMatch(/^TIMEOUT \(tls:\/\/127\.0\.0\.1:\d+: TLS: the server sent alert 42 \(bad certificate\): it refused our client certificate, and none is configured \(nats\.tlsCertFile, nats\.tlsKeyFile\)\)$/);
      expect(err?.message).not.toContain(nats.hub.pass);
    } finally {
      await bare.stop();
    }
  }, 30_000);
});
