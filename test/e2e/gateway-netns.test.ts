// edgeward as the gateway between a device and the internet, in network namespaces the test
// builds (device — gateway — upstream): the device announces its MUD URL in DHCP option 161, the
// gateway fetches the signed profile over HTTPS and enforces it with nftables; monitor mode only
// alerts; fail-open and fail-closed hold after SIGKILL. Needs root, ip, nft and the cap module.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';
import { canUseNetns, inNs, nodeInNs, spawnInNs, Topology } from '../helpers/netns.js';
import { issue, signDetached, type Issued } from '../helpers/pki.js';

const capLoads = (() => { try { createRequire(import.meta.url)('cap'); return true; } catch { return false; } })();
const ready = canUseNetns() && capLoads;
const MUD_URL = 'https://10.77.2.2:8443/mud/thermo.json';
const CLI = join(ROOT, 'dist/gateway/cli/main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROFILE = {
  'ietf-mud:mud': {
    'mud-version': 1, 'mud-url': MUD_URL, 'last-update': '2026-01-01T00:00:00Z', 'cache-validity': 48, 'is-supported': true, systeminfo: 'e2e thermostat',
    'from-device-policy': { 'access-lists': { 'access-list': [{ name: 'from-thermo' }] } },
    'to-device-policy': { 'access-lists': { 'access-list': [{ name: 'to-thermo' }] } },
  },
  'ietf-access-control-list:acls': {
    acl: [
      { name: 'from-thermo', type: 'ipv4-acl-type', aces: { ace: [
        { name: 'cloud', matches: { ipv4: { protocol: 6, 'ietf-acldns:dst-dnsname': 'api.vendor.test' }, tcp: { 'destination-port': { operator: 'eq', port: 443 }, 'ietf-mud:direction-initiated': 'from-device' } }, actions: { forwarding: 'accept' } },
        { name: 'dns', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'destination-port': { operator: 'eq', port: 53 } } }, actions: { forwarding: 'accept' } },
        { name: 'svc', matches: { ipv4: { protocol: 6, 'destination-ipv4-network': '10.77.2.2/32' }, tcp: { 'destination-port': { operator: 'eq', port: 7000 } } }, actions: { forwarding: 'accept' } },
      ] } },
      { name: 'to-thermo', type: 'ipv4-acl-type', aces: { ace: [
        { name: 'cloud-back', matches: { ipv4: { protocol: 6, 'ietf-acldns:src-dnsname': 'api.vendor.test' }, tcp: { 'source-port': { operator: 'eq', port: 443 } } }, actions: { forwarding: 'accept' } },
        { name: 'dns-back', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'source-port': { operator: 'eq', port: 53 } } }, actions: { forwarding: 'accept' } },
        { name: 'svc-back', matches: { ipv4: { protocol: 6, 'source-ipv4-network': '10.77.2.2/32' }, tcp: { 'source-port': { operator: 'eq', port: 7000 } } }, actions: { forwarding: 'accept' } },
      ] } },
    ],
  },
};

/** The upstream host: DNS for api.vendor.test (answer read from a file, TTL 2 s), TCP services, HTTPS with the MUD file. */
const UPSTREAM = `
import dgram from 'node:dgram'; import net from 'node:net'; import https from 'node:https'; import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const dns = dgram.createSocket('udp4');
dns.on('message', (q, r) => {
  let o = 12; while (q[o] !== 0) o += q[o] + 1; const qEnd = o + 5;
  const ip = JSON.parse(readFileSync(cfg.dnsFile, 'utf8')).addr.split('.').map(Number);
  const h = Buffer.from(q.subarray(0, 12)); h.writeUInt16BE(0x8180, 2); h.writeUInt16BE(1, 6);
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 2, 0, 4, ...ip]);
  dns.send(Buffer.concat([h, q.subarray(12, qEnd), rr]), r.port, r.address);
});
dns.bind(53, '0.0.0.0');
for (const port of [443, 7000, 7001]) net.createServer((s) => s.end('ok\\n')).listen(port, '0.0.0.0');
https.createServer({ cert: cfg.cert, key: cfg.key }, (req, res) => {
  if (req.url === '/mud/thermo.json') res.end(readFileSync(cfg.mud));
  else if (req.url === '/mud/thermo.p7s') res.end(readFileSync(cfg.p7s));
  else { res.statusCode = 404; res.end(); }
}).listen(8443, '10.77.2.2', () => console.log('ready'));
`;

/** The device: dhcp MAC URL | dns NAME SERVER | connect HOST PORT TIMEOUT_MS. */
const DEVICE = `
import dgram from 'node:dgram'; import net from 'node:net';
const [cmd, a, b, c] = process.argv.slice(2);
if (cmd === 'dhcp') {
  const h = Buffer.alloc(240); h[0] = 1; h[1] = 1; h[2] = 6; h.writeUInt32BE(0x1234abcd, 4);
  Buffer.from(a.replace(/:/g, ''), 'hex').copy(h, 28); h.writeUInt32BE(0x63825363, 236);
  const url = Buffer.from(b);
  const msg = Buffer.concat([h, Buffer.from([53, 1, 3, 161, url.length]), url, Buffer.from([255])]);
  const s = dgram.createSocket('udp4');
  s.bind(68, () => { s.setBroadcast(true); s.send(msg, 67, '255.255.255.255', () => s.close()); });
} else if (cmd === 'dns') {
  const s = dgram.createSocket('udp4');
  const labels = a.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
  const q = Buffer.from([0x42, 0x42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
  const t = setTimeout(() => { console.log('timeout'); process.exit(1); }, 2000);
  s.on('message', (m) => { clearTimeout(t); console.log([...m.subarray(m.length - 4)].join('.')); s.close(); });
  s.send(q, 53, b);
} else if (cmd === 'connect') {
  const s = net.connect({ host: a, port: Number(b), timeout: Number(c) });
  s.on('data', () => { console.log('ok'); s.destroy(); process.exit(0); });
  s.on('timeout', () => { console.log('timeout'); process.exit(1); });
  s.on('error', (e) => { console.log('error ' + e.code); process.exit(1); });
}
`;

interface Daemon {
  proc: ChildProcess;
  events: Record<string, unknown>[];
}

describe.skipIf(!ready)(`gateway in network namespaces${ready ? '' : ' (skipped: needs root, ip, nft and the cap module)'}`, () => {
  const topo = new Topology();
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-e2e-'));
  let upstream: ChildProcess | null = null;
  const daemons: Daemon[] = [];
  let caFile = '';

  beforeAll(async () => {
    topo.create();
    const ca = await issue({ cn: 'e2e root', role: 'ca' });
    const server = await issue({ cn: '10.77.2.2', role: 'server', ipAddresses: ['10.77.2.2'] }, ca);
    const signer: Issued = await issue({ cn: 'mud signer', role: 'signer' }, ca);
    const mud = Buffer.from(JSON.stringify(PROFILE));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.pem);
    writeFileSync(join(dir, 'thermo.json'), mud);
    writeFileSync(join(dir, 'thermo.p7s'), await signDetached(mud, signer));
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ addr: '10.77.2.3' }));
    writeFileSync(join(dir, 'up.json'), JSON.stringify({ dnsFile: join(dir, 'dns.json'), cert: server.pem, key: server.keyPem, mud: join(dir, 'thermo.json'), p7s: join(dir, 'thermo.p7s') }));
    writeFileSync(join(dir, 'up.mjs'), UPSTREAM);
    writeFileSync(join(dir, 'device.mjs'), DEVICE);
    upstream = spawnInNs(topo.up, [join(dir, 'up.mjs'), join(dir, 'up.json')]);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('upstream servers did not start')), 10_000);
      upstream!.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) { clearTimeout(t); resolve(); } });
    });
  });

  afterAll(() => {
    for (const d of daemons) d.proc.kill('SIGKILL');
    upstream?.kill('SIGKILL');
    topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const device = (...args: string[]) => nodeInNs(topo.dev, join(dir, 'device.mjs'), args).stdout.trim();
  const connect = (host: string, port: number) => device('connect', host, String(port), '1000');

  async function startDaemon(name: string, policy: Record<string, unknown>, enforce: Record<string, unknown> = {}, announce = true): Promise<Daemon> {
    const cfg = join(dir, `${name}.json`);
    writeFileSync(cfg, JSON.stringify({
      capture: { interface: topo.lan },
      dns: { ttlGraceSeconds: 0 },
      policy: { gatewayAddresses: ['10.77.1.1'], dnsServers: ['10.77.2.2'], emergency: ['10.77.2.9/32'], ...policy },
      fetch: { extraCa: caFile, trustAnchors: [caFile], requireSignature: true, cacheDir: join(dir, 'mud-cache') },
      enforce: { failMode: 'open', aliveTimeoutSeconds: 2, heartbeatSeconds: 0.5, ...enforce },
      storage: { dataDir: join(dir, `data-${name}`) },
    }));
    const d: Daemon = { proc: spawnInNs(topo.gw, [CLI, 'start', '--config', cfg]), events: [] };
    daemons.push(d);
    let buf = '';
    d.proc.stdout!.on('data', (x: Buffer) => {
      buf += x.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) { d.events.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>); buf = buf.slice(nl + 1); }
    });
    await waitFor(d, (e) => e.event === 'started', 10_000);
    // The device announces its MUD URL; the gateway fetches, checks and binds the profile.
    if (announce) device('dhcp', topo.deviceMac, MUD_URL);
    await waitFor(d, (e) => e.event === 'device.profile' && e.mac === topo.deviceMac && e.profile === MUD_URL, 10_000);
    if (policy.mode === 'enforce') await waitFor(d, (e) => e.event === 'enforce.applied' && (e.devices as number) >= 1, 10_000);
    return d;
  }

  async function waitFor(d: Daemon, pred: (e: Record<string, unknown>) => boolean, ms: number): Promise<Record<string, unknown>> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = d.events.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`timed out; events so far: ${JSON.stringify(d.events.slice(-8))}`);
      await sleep(50);
    }
  }

  const violations = (d: Daemon, port: number) => d.events.filter((e) => e.event === 'alert' && (e.alert as { rule: string; dport: number }).rule === 'mud.violation' && (e.alert as { dport: number }).dport === port);

  async function stop(d: Daemon, signal: NodeJS.Signals): Promise<void> {
    const exited = new Promise((r) => d.proc.once('exit', r));
    d.proc.kill(signal);
    await exited;
  }

  it('enforce: allowed flows pass, a forbidden one is dropped within 1 s with one alert, the emergency list passes, DNS-name rules follow the answers', async () => {
    const d = await startDaemon('enforce', { mode: 'enforce' });
    expect(device('dns', 'api.vendor.test', '10.77.2.2')).toBe('10.77.2.3');
    await sleep(300); // the answer reaches the gateway's nft set
    expect(connect('10.77.2.3', 443)).toBe('ok');
    expect(connect('10.77.2.2', 7000)).toBe('ok');
    const t0 = Date.now();
    expect(connect('10.77.2.2', 7001)).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitFor(d, (e) => e.event === 'alert' && (e.alert as { dport: number }).dport === 7001, 3000);
    await sleep(500);
    const v = violations(d, 7001);
    expect(v).toHaveLength(1);
    expect((v[0]!.alert as { evidence: { acl: string; action: string } }).evidence).toMatchObject({ acl: 'from-thermo', action: 'drop' });
    expect(connect('10.77.2.9', 443)).toBe('ok'); // emergency allow-list: denied by the profile, never blocked
    // The name moves to another address: the new one is allowed, the old one only until its TTL.
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ addr: '10.77.2.4' }));
    expect(device('dns', 'api.vendor.test', '10.77.2.2')).toBe('10.77.2.4');
    await sleep(300);
    expect(connect('10.77.2.4', 443)).toBe('ok');
    await sleep(2500); // TTL 2 s
    expect(connect('10.77.2.3', 443)).toBe('timeout');
    expect(connect('10.77.2.4', 443)).toBe('timeout');
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ addr: '10.77.2.3' }));
    await stop(d, 'SIGTERM');
    expect(d.events.at(-1)!.event).toBe('stopped');
    // Fail-open on a clean stop: the table is gone.
    expect(spawnSync('ip', ['netns', 'exec', topo.gw, 'nft', 'list', 'table', 'inet', 'edgeward'], { stdio: 'ignore' }).status).not.toBe(0);
  });

  it('monitor: the forbidden flow passes and raises the alert', async () => {
    const d = await startDaemon('monitor', { mode: 'monitor' });
    expect(connect('10.77.2.2', 7001)).toBe('ok');
    await waitFor(d, (e) => e.event === 'alert' && (e.alert as { dport: number }).dport === 7001, 3000);
    expect((violations(d, 7001)[0]!.alert as { evidence: { action: string } }).evidence.action).toBe('alert');
    await stop(d, 'SIGTERM');
  });

  it('fail-open: after SIGKILL the drops lapse once the liveness element expires', async () => {
    const d = await startDaemon('failopen', { mode: 'enforce' }, { failMode: 'open' });
    expect(connect('10.77.2.2', 7001)).toBe('timeout');
    await stop(d, 'SIGKILL');
    await sleep(2500); // aliveTimeoutSeconds 2
    expect(connect('10.77.2.2', 7001)).toBe('ok');
    inNs(topo.gw, 'nft', ['delete', 'table', 'inet', 'edgeward']);
  });

  it('fail-closed: after SIGKILL the drops stay', async () => {
    const d = await startDaemon('failclosed', { mode: 'enforce' }, { failMode: 'closed' });
    expect(connect('10.77.2.2', 7001)).toBe('timeout');
    await stop(d, 'SIGKILL');
    await sleep(2500);
    expect(connect('10.77.2.2', 7001)).toBe('timeout');
    expect(connect('10.77.2.2', 7000)).toBe('ok');
    // Restart re-applies the state: the device is bound again from what the gateway kept, with no
    // new DHCP request, and the same flows are allowed and dropped.
    const again = await startDaemon('failclosed', { mode: 'enforce' }, { failMode: 'closed' }, false);
    expect(again.events.some((e) => e.event === 'state.restored')).toBe(true);
    expect(connect('10.77.2.2', 7000)).toBe('ok');
    expect(connect('10.77.2.2', 7001)).toBe('timeout');
    await stop(again, 'SIGTERM');
    // Fail-closed keeps the table on a clean stop too.
    expect(inNs(topo.gw, 'nft', ['list', 'table', 'inet', 'edgeward'])).toContain('meta mark @alive');
    inNs(topo.gw, 'nft', ['delete', 'table', 'inet', 'edgeward']);
  });
});
