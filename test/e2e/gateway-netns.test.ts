// edgeward as the gateway between a device and the internet (issue 6), in network namespaces the
// test builds: device — gateway (forwarding, edgeward capturing on its LAN veth) — upstream (DNS,
// TCP services, HTTPS with the signed MUD file). The device announces its MUD URL in DHCP option
// 161; the gateway fetches and checks the profile and enforces it with nftables; DNS-name rules
// follow the answers and their TTLs; monitor mode only alerts; fail-open and fail-closed hold after
// SIGKILL. Needs root, ip, nft and the built capture addon; skipped otherwise, with the reason in
// its title.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { captureUnavailableReason } from '../../gateway/capture/pcap-binding.js';
import { ROOT } from '../helpers/fixtures.js';
import { netnsUnavailable, nodeInNs, spawnInNs, stopProcess, Topology, tryInNs, writeNodeScript } from '../helpers/netns.js';
import { issue, signDetached } from '../helpers/pki.js';
import { collectEventLines, type LoggedEvent } from '../helpers/event-lines.js';

const skipReason = netnsUnavailable() ?? captureUnavailableReason();

const MUD_URL = 'https://10.77.2.2:8443/mud/thermo.json';
const CLI = join(ROOT, 'dist/gateway/cli/main.js');
/** The upstream DNS server, and the name the profile allows by DNS answer (TTL {@link DNS_TTL} s). */
const DNS_SERVER = '10.77.2.2';
const CLOUD = 'api.vendor.test';
const DNS_TTL = 2;
/** enforce.aliveTimeoutSeconds of the daemons: a SIGKILLed fail-open gateway stops dropping after this. */
const ALIVE_TIMEOUT = 2;
/** Client connect timeout, ms: a dropped SYN shows as a timeout after this. */
const CONNECT_TIMEOUT = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The upstream servers and the device's actions (their headers say what each does). */
const UPSTREAM_SCRIPT = fileURLToPath(new URL('./netns-upstream.mjs', import.meta.url));
const DEVICE_SCRIPT = fileURLToPath(new URL('./netns-device.mjs', import.meta.url));

const PROFILE = {
  'ietf-mud:mud': {
    'mud-version': 1, 'mud-url': MUD_URL,
    'last-update': '2026-01-01T00:00:00Z', 'cache-validity': 48, 'is-supported': true, systeminfo: 'e2e thermostat',
    'from-device-policy': { 'access-lists': { 'access-list': [{ name: 'from-thermo' }] } },
    'to-device-policy': { 'access-lists': { 'access-list': [{ name: 'to-thermo' }] } },
  },
  'ietf-access-control-list:acls': {
    acl: [
      { name: 'from-thermo', type: 'ipv4-acl-type', aces: { ace: [
        { name: 'cloud', matches: { ipv4: { protocol: 6, 'ietf-acldns:dst-dnsname': CLOUD }, tcp: { 'destination-port': { operator: 'eq', port: 443 }, 'ietf-mud:direction-initiated': 'from-device' } }, actions: { forwarding: 'accept' } },
        { name: 'dns', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'destination-port': { operator: 'eq', port: 53 } } }, actions: { forwarding: 'accept' } },
        { name: 'svc', matches: { ipv4: { protocol: 6, 'destination-ipv4-network': '10.77.2.2/32' }, tcp: { 'destination-port': { operator: 'eq', port: 7000 } } }, actions: { forwarding: 'accept' } },
      ] } },
      { name: 'to-thermo', type: 'ipv4-acl-type', aces: { ace: [
        { name: 'cloud-back', matches: { ipv4: { protocol: 6, 'ietf-acldns:src-dnsname': CLOUD }, tcp: { 'source-port': { operator: 'eq', port: 443 } } }, actions: { forwarding: 'accept' } },
        { name: 'dns-back', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'source-port': { operator: 'eq', port: 53 } } }, actions: { forwarding: 'accept' } },
        { name: 'svc-back', matches: { ipv4: { protocol: 6, 'source-ipv4-network': '10.77.2.2/32' }, tcp: { 'source-port': { operator: 'eq', port: 7000 } } }, actions: { forwarding: 'accept' } },
      ] } },
    ],
  },
};

type Ev = LoggedEvent;
interface AlertEv {
  rule: string; device: string | null; src: string; dst: string; proto: string; sport: number | null; dport: number | null;
  count: number; evidence: Record<string, unknown>;
}
interface Daemon {
  name: string;
  proc: ChildProcess;
  events: Ev[];
  stderr: string;
  dataDir: string;
}
interface Connect { result: 'ok' | 'timeout' | 'error'; ms: number; line?: string; code?: string }

describe.skipIf(skipReason !== null)(`gateway in network namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const topo = new Topology();
  let dir = '';
  let caFile = '';
  let upstream: ChildProcess | null = null;
  const upstreamLog: Record<string, unknown>[] = [];
  const daemons: Daemon[] = [];

  const setDns = (addr: string) => writeFileSync(join(dir, 'dns.json'), JSON.stringify({ addr, ttl: DNS_TTL }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-e2e-'));
    topo.create();
    // The test PKI: one root for both the HTTPS server (SAN IP 10.77.2.2) and the MUD signer.
    const ca = await issue({ cn: 'Edgeward e2e root', org: 'Edgeward Test', role: 'ca' });
    const server = await issue({ cn: '10.77.2.2', role: 'server', ipAddresses: ['10.77.2.2'] }, ca);
    const signer = await issue({ cn: 'mud.vendor.test', org: 'Vendor', role: 'signer', dnsNames: ['mud.vendor.test'] }, ca);
    const mud = Buffer.from(JSON.stringify(PROFILE, null, 1));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.pem);
    writeFileSync(join(dir, 'thermo.json'), mud);
    writeFileSync(join(dir, 'thermo.p7s'), await signDetached(mud, signer));
    setDns('10.77.2.3');
    writeFileSync(join(dir, 'up.json'), JSON.stringify({ name: CLOUD, dnsFile: join(dir, 'dns.json'), cert: server.pem, key: server.keyPem, mud: join(dir, 'thermo.json'), p7s: join(dir, 'thermo.p7s') }));
    upstream = spawnInNs(topo.up, [UPSTREAM_SCRIPT, join(dir, 'up.json')]);
    let errText = '';
    upstream.stderr!.on('data', (d: Buffer) => { errText += d.toString(); });
    let buf = '';
    upstream.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          upstreamLog.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          upstreamLog.push({ line });
        }
      }
    });
    await until(() => upstreamLog.some((l) => l.ready), 10_000, () => `upstream servers did not start: ${errText}`);
    // The topology works before edgeward is involved: the device resolves through the gateway, and
    // the gateway namespace fetches the MUD file over HTTPS trusting the test CA.
    expect(await dns()).toEqual({ addr: '10.77.2.3', ttl: DNS_TTL });
    const fetchScript = writeNodeScript(dir, 'fetch.mjs', `
      import https from 'node:https'; import { readFileSync } from 'node:fs';
      https.get(process.argv[2], { ca: readFileSync(process.argv[3], 'utf8'), timeout: 3000 }, (res) => {
        let n = 0; res.on('data', (d) => { n += d.length; }); res.on('end', () => console.log(res.statusCode + ' ' + n));
      }).on('error', (e) => console.log('error ' + e.code));`);
    const fetched = await nodeInNs(topo.gw, fetchScript, [MUD_URL, caFile], 5000);
    expect(fetched.stdout.trim()).toBe(`200 ${mud.length}`);
  });

  afterEach(async () => {
    // Whatever a scenario left (a failed one too): no daemon running, no table, the first DNS answer.
    await Promise.all(daemons.map((d) => stopProcess(d.proc, 'SIGKILL')));
    // EDGEWARD_E2E_LOG=DIR keeps every daemon's events and stderr there, passed or failed.
    const logDir = process.env.EDGEWARD_E2E_LOG;
    if (logDir) for (const d of daemons) writeFileSync(join(logDir, `${d.name}.log`), dump(d));
    tryInNs(topo.gw, 'nft', ['delete', 'table', 'inet', 'edgeward']);
    if (dir) setDns('10.77.2.3');
  });

  afterAll(async () => {
    await Promise.all([...daemons.map((d) => stopProcess(d.proc, 'SIGKILL')), ...(upstream ? [stopProcess(upstream, 'SIGKILL')] : [])]);
    topo.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function until(cond: () => boolean, ms: number, what: () => string): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what()}`);
      await sleep(25);
    }
  }

  async function device(args: string[]): Promise<Record<string, unknown>> {
    const r = await nodeInNs(topo.dev, DEVICE_SCRIPT, args, 6000);
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (!line.startsWith('{')) throw new Error(`device ${args.join(' ')}: exit ${r.status}, ${r.stdout} ${r.stderr}`);
    return JSON.parse(line) as Record<string, unknown>;
  }
  const dns = () => device(['dns', CLOUD, DNS_SERVER]);
  const connect = async (host: string, port: number) => (await device(['connect', host, String(port), String(CONNECT_TIMEOUT)])) as unknown as Connect;
  const announce = () => device(['dhcp', topo.deviceMac, MUD_URL]);

  /** The nft table of the gateway namespace, or null when there is none. */
  function table(): string | null {
    const r = tryInNs(topo.gw, 'nft', ['list', 'table', 'inet', 'edgeward']);
    return r.status === 0 ? r.stdout : null;
  }
  /** True when the table's liveness set still holds its element (the table stays after a SIGKILL). */
  function aliveHasElement(): boolean {
    return /set alive \{[^}]*elements = \{/.test(table() ?? '');
  }
  /** True when the table's DNS-name set (the only timeout set holding upstream addresses) has `addr`. */
  function dnsSetHas(addr: string): boolean {
    const sets = (table() ?? '').match(/set dns_\w+ \{[^}]*\}/g) ?? [];
    return sets.some((s) => new RegExp(`[\\s{,]${addr.replace(/\./g, '\\.')}[\\s,}]`).test(s));
  }

  function dump(d: Daemon): string {
    return `--- edgeward ${d.name} (exit ${d.proc.exitCode ?? d.proc.signalCode}) events:\n${d.events.map((e) => JSON.stringify(e)).join('\n')}\n--- stderr:\n${d.stderr}\n`;
  }

  /** Starts edgeward in the gateway namespace; waits for `started`, the device's profile, and (enforce) the table. */
  async function startDaemon(name: string, o: { mode: 'enforce' | 'monitor'; failMode?: 'open' | 'closed'; announce?: boolean }): Promise<Daemon> {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
    const dataDir = join(dir, `data-${name}`);
    const cfg = join(dir, `${name}.json`);
    writeFileSync(cfg, JSON.stringify({
      capture: { interface: topo.lan },
      dns: { ttlGraceSeconds: 0 },
      policy: { mode: o.mode, gatewayAddresses: [topo.gatewayLanIp], dnsServers: [DNS_SERVER], emergency: ['10.77.2.9/32'], noProfile: 'allow' },
      fetch: { extraCa: caFile, trustAnchors: [caFile], requireSignature: true, cacheDir: join(dataDir, 'mud-cache') },
      enforce: { failMode: o.failMode ?? 'open', aliveTimeoutSeconds: ALIVE_TIMEOUT, heartbeatSeconds: 0.5 },
      storage: { dataDir },
    }, null, 1));
    const d: Daemon = { name, proc: spawnInNs(topo.gw, [CLI, 'start', '--config', cfg]), events: [], stderr: '', dataDir };
    daemons.push(d);
    onTestFailed(() => { process.stderr.write(dump(d)); });
    collectEventLines(d.proc.stdout!, d.events);
    d.proc.stderr!.on('data', (x: Buffer) => { d.stderr += x.toString(); });
    await waitFor(d, (e) => e.event === 'started', 10_000, 'started');
    // The device announces its MUD URL; the gateway fetches, checks and binds the profile.
    if (o.announce ?? true) expect(await announce()).toEqual({ sent: true });
    await waitFor(d, (e) => e.event === 'device.profile' && e.mac === topo.deviceMac && e.profile === MUD_URL, 10_000, 'device.profile');
    if (o.mode === 'enforce') await waitFor(d, (e) => e.event === 'enforce.applied' && (e.devices as number) >= 1, 10_000, 'enforce.applied');
    return d;
  }

  async function waitFor(d: Daemon, pred: (e: Ev) => boolean, ms: number, what: string): Promise<Ev> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = d.events.find(pred);
      if (hit) return hit;
      const exited = d.proc.exitCode !== null || d.proc.signalCode !== null;
      if (exited || Date.now() > end) {
        throw new Error(`edgeward ${d.name}: no ${what} ${exited ? 'before it exited' : `within ${ms} ms`}; last events ${JSON.stringify(d.events.slice(-6))}; stderr ${d.stderr.slice(-800)}`);
      }
      await sleep(25);
    }
  }

  const alerts = (d: Daemon, f: Partial<Pick<AlertEv, 'rule' | 'dst' | 'dport'>> = {}): AlertEv[] =>
    d.events.filter((e) => e.event === 'alert').map((e) => e.alert as AlertEv)
      .filter((a) => Object.entries(f).every(([k, v]) => a[k as keyof AlertEv] === v));

  /** The alerts edgeward persisted in its dataDir (read after it stopped, or even after SIGKILL). */
  function storedAlerts(d: Daemon): { rule: string; dst: string; dport: number | null; count: number }[] {
    const db = new Database(join(d.dataDir, 'edgeward.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT rule, dst, dport, count FROM alerts ORDER BY seq').all() as { rule: string; dst: string; dport: number | null; count: number }[];
    } finally {
      db.close();
    }
  }

  it('enforce: the device is bound to its fetched profile; allowed flows pass, a forbidden one is dropped within 1 s with one alert naming the ACL; the emergency list passes', async () => {
    const before = upstreamLog.length;
    const d = await startDaemon('enforce', { mode: 'enforce' });
    // The inventory: the device is known by its MAC, with the URL it announced and the profile bound.
    expect(d.events.find((e) => e.event === 'device.new' && e.mac === topo.deviceMac)).toBeDefined();
    expect(d.events.find((e) => e.event === 'device.mud-url' && e.mac === topo.deviceMac)).toMatchObject({ mudUrl: MUD_URL });
    // Fetched over HTTPS from the gateway, with its detached signature (RFC 8520 §13.2).
    const fetched = upstreamLog.slice(before).filter((l) => l.from === topo.gatewayWanIp).map((l) => l.http);
    expect(fetched).toEqual(expect.arrayContaining(['/mud/thermo.json', '/mud/thermo.p7s']));
    expect(table()).toContain(`dev_${topo.deviceMac.replace(/:/g, '')}_from`);

    // The DNS-name rule: allowed once the gateway has seen the answer.
    expect(await dns()).toEqual({ addr: '10.77.2.3', ttl: DNS_TTL });
    await until(() => dnsSetHas('10.77.2.3'), 3000, () => `10.77.2.3 never reached the DNS-name set: ${table()}`);
    expect(await connect('10.77.2.3', 443)).toMatchObject({ result: 'ok', line: 'ok 10.77.2.3:443' });
    // An address rule.
    expect(await connect('10.77.2.2', 7000)).toMatchObject({ result: 'ok', line: 'ok 10.77.2.2:7000' });

    // Outside the profile: the SYN is dropped, so the 1 s connect deadline is what ends it (how
    // late past 1 s the client's timer fires is the machine's business, not the gateway's).
    const denied = await connect('10.77.2.2', 7001);
    expect(denied.result).toBe('timeout');
    await waitFor(d, (e) => e.event === 'alert' && (e.alert as AlertEv).dport === 7001, 3000, 'alert for :7001');
    await sleep(1000); // SYN retransmissions and later packets fold into that alert, they raise no other
    const v = alerts(d, { dport: 7001 });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ rule: 'mud.violation', device: topo.deviceMac, src: topo.deviceIp, dst: '10.77.2.2', proto: 'tcp', dport: 7001 });
    expect(v[0]!.evidence).toMatchObject({ acl: 'from-thermo', direction: 'from-device', profile: MUD_URL, action: 'drop' });
    // Port 443 is only allowed to the name's answers, not to any address.
    expect((await connect('10.77.2.4', 443)).result).toBe('timeout');

    // Emergency allow-list: denied by the profile, yet never blocked and never alerted on.
    expect(await connect('10.77.2.9', 443)).toMatchObject({ result: 'ok', line: 'ok 10.77.2.9:443' });
    await sleep(300);
    expect(alerts(d, { dst: '10.77.2.9' })).toEqual([]);

    const exited = new Promise((r) => d.proc.once('exit', r));
    d.proc.kill('SIGTERM');
    await exited;
    expect(d.proc.exitCode).toBe(0);
    expect(d.events.at(-1)!.event).toBe('stopped');
    // Fail-open on a clean stop: the table is gone, the forbidden flow passes again.
    expect(table()).toBeNull();
    expect((await connect('10.77.2.2', 7001)).result).toBe('ok');
    // The alert was persisted.
    expect(storedAlerts(d)).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'mud.violation', dst: '10.77.2.2', dport: 7001 })]));
  });

  it('enforce: a DNS-name rule follows the answer — the new address is allowed, the old one stops after its TTL', async () => {
    const d = await startDaemon('dns-follow', { mode: 'enforce' });
    expect(await dns()).toEqual({ addr: '10.77.2.3', ttl: DNS_TTL });
    const oldAnswered = Date.now();
    await until(() => dnsSetHas('10.77.2.3'), 3000, () => `10.77.2.3 never reached the DNS-name set: ${table()}`);
    expect((await connect('10.77.2.3', 443)).result).toBe('ok');

    setDns('10.77.2.4');
    expect(await dns()).toEqual({ addr: '10.77.2.4', ttl: DNS_TTL });
    await until(() => dnsSetHas('10.77.2.4'), 3000, () => `10.77.2.4 never reached the DNS-name set: ${table()}`);
    expect(await connect('10.77.2.4', 443)).toMatchObject({ result: 'ok', line: 'ok 10.77.2.4:443' });
    // Within its TTL the old answer still holds (checked only while well inside it, so a slow machine skips it).
    if (Date.now() - oldAnswered < (DNS_TTL * 1000) / 2) expect((await connect('10.77.2.3', 443)).result).toBe('ok');

    // The old answer lapses TTL seconds after the gateway saw it: waited for (the gateway sees it a
    // little after the device, later still on a loaded machine), with a deadline far past the TTL.
    await until(() => !dnsSetHas('10.77.2.3'), DNS_TTL * 1000 + 10_000, () => `10.77.2.3 to lapse from the DNS-name set: ${table()}`);
    expect(dnsSetHas('10.77.2.3')).toBe(false);
    expect((await connect('10.77.2.3', 443)).result).toBe('timeout');
    // Asking again renews the current answer (even once it has lapsed).
    expect(await dns()).toEqual({ addr: '10.77.2.4', ttl: DNS_TTL });
    await until(() => dnsSetHas('10.77.2.4'), 3000, () => `10.77.2.4 was not renewed: ${table()}`);
    expect((await connect('10.77.2.4', 443)).result).toBe('ok');
    await stopProcess(d.proc, 'SIGTERM');
    expect(d.events.at(-1)!.event).toBe('stopped');
  });

  it('monitor: the forbidden flow passes and raises the alert', async () => {
    const d = await startDaemon('monitor', { mode: 'monitor' });
    expect(table()).toBeNull();
    expect(await connect('10.77.2.2', 7001)).toMatchObject({ result: 'ok', line: 'ok 10.77.2.2:7001' });
    await waitFor(d, (e) => e.event === 'alert' && (e.alert as AlertEv).dport === 7001, 3000, 'alert for :7001');
    await sleep(300);
    const v = alerts(d, { rule: 'mud.violation', dport: 7001 });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ device: topo.deviceMac, src: topo.deviceIp, dst: '10.77.2.2', proto: 'tcp' });
    expect(v[0]!.evidence).toMatchObject({ acl: 'from-thermo', direction: 'from-device', mode: 'monitor', action: 'alert' });
    await stopProcess(d.proc, 'SIGTERM');
    expect(d.events.at(-1)!.event).toBe('stopped');
  });

  it('fail-open: after SIGKILL the drops lapse once the liveness element expires', async () => {
    const d = await startDaemon('fail-open', { mode: 'enforce', failMode: 'open' });
    expect((await connect('10.77.2.2', 7001)).result).toBe('timeout');
    await waitFor(d, (e) => e.event === 'alert' && (e.alert as AlertEv).dport === 7001, 3000, 'alert for :7001');
    await stopProcess(d.proc, 'SIGKILL');
    // No heartbeat any more: the liveness element lapses ALIVE_TIMEOUT s after the last one (an nft
    // the daemon had started may still land one after the kill): waited for, not slept on.
    await until(() => !aliveHasElement(), ALIVE_TIMEOUT * 1000 + 10_000, () => `the liveness element to lapse: ${table()}`);
    expect(await connect('10.77.2.2', 7001)).toMatchObject({ result: 'ok', line: 'ok 10.77.2.2:7001' });
    // What it saw before it died was already on disk.
    expect(storedAlerts(d)).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'mud.violation', dport: 7001 })]));
  });

  it('fail-closed: after SIGKILL the drops stay; a restart restores the binding; a clean stop keeps the drops', async () => {
    const d = await startDaemon('fail-closed', { mode: 'enforce', failMode: 'closed' });
    expect((await connect('10.77.2.2', 7001)).result).toBe('timeout');
    await stopProcess(d.proc, 'SIGKILL');
    await sleep(ALIVE_TIMEOUT * 1000 + 500);
    expect((await connect('10.77.2.2', 7001)).result).toBe('timeout');
    expect((await connect('10.77.2.2', 7000)).result).toBe('ok');
    // Restart on the same dataDir: the device is bound again from the state kept there, with no
    // new DHCP request, and the same flows are allowed and dropped.
    const again = await startDaemon('fail-closed', { mode: 'enforce', failMode: 'closed', announce: false });
    expect(again.events.some((e) => e.event === 'state.restored')).toBe(true);
    expect((await connect('10.77.2.2', 7000)).result).toBe('ok');
    expect((await connect('10.77.2.2', 7001)).result).toBe('timeout');
    await stopProcess(again.proc, 'SIGTERM');
    expect(again.events.at(-1)!.event).toBe('stopped');
    // Fail-closed keeps the table on a clean stop too.
    expect(table()).not.toBeNull();
    expect((await connect('10.77.2.2', 7001)).result).toBe('timeout');
  });
});
