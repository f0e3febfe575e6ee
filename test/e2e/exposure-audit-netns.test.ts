// The opt-in exposure audit against real servers (issue 20, must-show), in network namespaces the
// test builds: a gateway namespace with a bridge (the LAN, 10.77.5.0/24) and three devices on it.
// Each device namespace has its own accounts, through `ip netns exec`'s bind mounts of
// /etc/netns/<ns>/{passwd,shadow,group} (the host's are never touched). dev1 runs BusyBox telnetd +
// login, dropbear and BusyBox httpd (Basic auth) with admin/admin, a pair of Mirai's list; dev2 the
// same servers with a strong random password; dev3 a telnetd too but no consent, with tcpdump on its
// interface. `edgeward audit` (dist/, in the gateway namespace) finds exactly dev1, on telnet, SSH
// and HTTP, by the list's name; dev2 refuses every pair; dev3 never sees a packet addressed to it,
// also when named with --device (exit 2). No password reaches the SQLite file or the output. The
// daemon's API runs an audit in the background into the same inventory. Needs root, ip, busybox
// with telnetd (busybox-static), dropbear, dropbearkey, openssl, tcpdump and dist/ (the API
// part also the capture addon); skipped otherwise.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TokenStore } from '../../gateway/auth/token-store.js';
import { captureUnavailableReason } from '../../gateway/capture/pcap-binding.js';
import type { AuditResult, StoredAuditRun } from '../../gateway/exposure/exposure-store.js';
import { ExposureStore } from '../../gateway/exposure/exposure-store.js';
import { openDatabase } from '../../gateway/store/database.js';
import { DeviceStore } from '../../gateway/store/device-store.js';
import type { Device } from '../../gateway/track/device.js';
import { ROOT } from '../helpers/fixtures.js';
import { collectEventLines, type LoggedEvent } from '../helpers/event-lines.js';
import { inNs, netnsUnavailable, nodeInNs, run, spawnInNs, stopProcess, tryInNs, tryRun, writeNodeScript } from '../helpers/netns.js';
import { until } from '../helpers/wait-until.js';

const CLI = join(ROOT, 'dist/gateway/cli/main.js');

/** Why this machine cannot run the test, or null. */
function skipReason(): string | null {
  const ns = netnsUnavailable();
  if (ns !== null) return ns;
  const has = (cmd: string, args: string[]) => !spawnSync(cmd, args, { stdio: 'ignore' }).error;
  const applets = spawnSync('busybox', ['--list'], { encoding: 'utf8' });
  if (applets.error || !['telnetd', 'login', 'httpd'].every((a) => applets.stdout.split('\n').includes(a))) return 'busybox with telnetd, login and httpd is missing (apt-get install busybox-static)';
  for (const [cmd, args] of [['dropbear', ['-V']], ['dropbearkey', ['-h']], ['openssl', ['version']], ['tcpdump', ['--version']]] as const) {
    if (!has(cmd, [...args])) return `${cmd} is missing`;
  }
  if (!existsSync(CLI)) return `${CLI} is missing: build first (npx tsc -p tsconfig.json)`;
  return null;
}
const skip = skipReason();

/** The Mirai pair dev1 keeps (the 4th of the list: three refusals come first, over a reconnect). */
const DEFAULT_USER = 'admin';
const DEFAULT_PASSWORD = 'admin';
/** Passwords tried before it (audit.maxAttempts 4 of the mirai list): none may be stored. */
const TRIED_PASSWORDS = ['xc3511', 'vizxv'];
const GW_IP = '10.77.5.1';
const BROADCAST = '10.77.5.255';

interface Dev { n: number; ns: string; mac: string; ip: string }

describe.skipIf(skip !== null)(`exposure audit in network namespaces${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const id = randomBytes(3).toString('hex');
  const gw = `ew-${id}-gw`;
  const devs: Dev[] = [1, 2, 3].map((n) => ({ n, ns: `ew-${id}-d${n}`, mac: `02:77:05:00:00:0${n}`, ip: `10.77.5.1${n}` }));
  const [dev1, dev2, dev3] = devs as [Dev, Dev, Dev];
  const strong = randomBytes(12).toString('hex');
  let dir = '';
  let dataDir = '';
  let capture = '';
  const procs: { name: string; p: ChildProcess; out: string }[] = [];
  let tcpdump: ChildProcess | null = null;

  /** Starts a server in a device namespace (argv as is), its output kept for a failure's report. */
  function serve(name: string, ns: string, argv: string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    const e = { name, p, out: '' };
    p.stdout.on('data', (d: Buffer) => { e.out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { e.out += d.toString(); });
    procs.push(e);
    return p;
  }

  /** The device's own accounts: root and admin, both with hashes from `openssl passwd -6`. */
  function accounts(d: Dev, adminPassword: string): void {
    // On standard input: a password never shows in a process list.
    const hash = (pw: string) => execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: pw, encoding: 'utf8' }).trim();
    const etc = `/etc/netns/${d.ns}`;
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000:admin:/tmp:/bin/sh\n');
    writeFileSync(join(etc, 'group'), 'root:x:0:\nadmin:x:1000:\n');
    // root's password is a random strong one (BusyBox login gives up on a `*` hash: "bad salt").
    writeFileSync(join(etc, 'shadow'), `root:${hash(randomBytes(12).toString('hex'))}:19000:0:99999:7:::\nadmin:${hash(adminPassword)}:19000:0:99999:7:::\n`, { mode: 0o600 });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-audit-'));
    dataDir = join(dir, 'data');
    capture = join(dir, 'dev3.pcap');
    for (const ns of [gw, ...devs.map((d) => d.ns)]) {
      run('ip', ['netns', 'add', ns]);
      // No IPv6: its neighbour and listener reports would be frames nobody asked for on dev3's link.
      inNs(ns, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6']);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    run('ip', ['-n', gw, 'link', 'add', 'br0', 'type', 'bridge']);
    run('ip', ['-n', gw, 'addr', 'add', `${GW_IP}/24`, 'brd', BROADCAST, 'dev', 'br0']);
    run('ip', ['-n', gw, 'link', 'set', 'br0', 'up']);
    for (const d of devs) {
      // Both ends born inside the namespaces: nothing appears in the host's.
      run('ip', ['-n', d.ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${d.n}`, 'netns', gw]);
      run('ip', ['-n', d.ns, 'link', 'set', 'eth0', 'address', d.mac]);
      run('ip', ['-n', d.ns, 'addr', 'add', `${d.ip}/24`, 'dev', 'eth0']);
      run('ip', ['-n', d.ns, 'link', 'set', 'eth0', 'up']);
      run('ip', ['-n', gw, 'link', 'set', `p${d.n}`, 'master', 'br0']);
      run('ip', ['-n', gw, 'link', 'set', `p${d.n}`, 'up']);
    }
    accounts(dev1, DEFAULT_PASSWORD);
    accounts(dev2, strong);
    accounts(dev3, randomBytes(12).toString('hex'));
    symlinkSync(spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim(), join(dir, 'login'));
    run('dropbearkey', ['-t', 'ed25519', '-f', join(dir, 'hostkey')]);
    mkdirSync(join(dir, 'www'));
    writeFileSync(join(dir, 'www', 'index.html'), '<h1>camera</h1>\n');
    writeFileSync(join(dir, 'httpd1.conf'), `/:${DEFAULT_USER}:${DEFAULT_PASSWORD}\n`);
    writeFileSync(join(dir, 'httpd2.conf'), `/:admin:${strong}\n`);
    for (const d of devs) {
      serve(`telnetd ${d.n}`, d.ns, ['busybox', 'telnetd', '-F', '-p', '23', '-l', join(dir, 'login')]);
      if (d.n === 3) continue;
      serve(`dropbear ${d.n}`, d.ns, ['dropbear', '-F', '-E', '-p', '22', '-r', join(dir, 'hostkey')]);
      serve(`httpd ${d.n}`, d.ns, ['busybox', 'httpd', '-f', '-p', '80', '-h', join(dir, 'www'), '-c', join(dir, `httpd${d.n}.conf`)]);
    }
    // tcpdump on dev3's link from before anything is audited; -U writes each packet at once.
    let tdErr = '';
    tcpdump = spawn('ip', ['netns', 'exec', dev3.ns, 'tcpdump', '-i', 'eth0', '-n', '-U', '-Z', 'root', '-w', capture], { stdio: ['ignore', 'ignore', 'pipe'] });
    tcpdump.stderr!.on('data', (x: Buffer) => { tdErr += x.toString(); });
    await until(() => tdErr.includes('listening on'), () => `tcpdump to start: ${tdErr}`, 10_000);
    const listening = (d: Dev, port: number) => tryInNs(d.ns, 'ss', ['-Hltn', `sport = :${port}`]).stdout.includes(`:${port}`);
    await until(() => devs.every((d) => listening(d, 23)) && [dev1, dev2].every((d) => listening(d, 22) && listening(d, 80)),
      () => `the servers to listen: ${procs.map((p) => `${p.name}: ${p.out}`).join('; ')}`, 10_000);
  });

  afterAll(async () => {
    await Promise.all([...procs.map((e) => stopProcess(e.p, 'SIGKILL')), ...(tcpdump ? [stopProcess(tcpdump, 'SIGKILL')] : [])]);
    for (const ns of [gw, ...devs.map((d) => d.ns)]) tryRun('ip', ['netns', 'del', ns]);
    for (const d of devs) rmSync(`/etc/netns/${d.ns}`, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Packets of dev3's capture that match a tcpdump filter. */
  function captured(filter: string): string[] {
    const r = tryRun('tcpdump', ['-n', '-r', capture, filter]);
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  }

  it('finds exactly the device with a default password, on telnet, SSH and HTTP; never touches the one without consent; stores no password', async () => {
    onTestFailed(() => { process.stderr.write(`--- servers:\n${procs.map((p) => `${p.name}: ${p.out}`).join('\n')}\n`); });
    const cfg = join(dir, 'edgeward.json');
    writeFileSync(cfg, JSON.stringify({
      storage: { dataDir },
      policy: { gatewayAddresses: [GW_IP] },
      // Four pairs of Mirai's list a service (admin/admin is the 4th), fast: the test's pace, not a device's.
      audit: { consent: [dev1.mac, dev2.mac], lists: ['mirai'], maxAttempts: 4, attemptsPerSecond: 20, concurrentDevices: 2, connectTimeoutMs: 2000, readTimeoutMs: 8000 },
    }));
    // dev1's address is in the daemon's device table (as a running daemon saves it); dev2's only in the
    // gateway's neighbour table (dev2 sent the gateway one datagram); dev3 is in neither, and in no consent.
    mkdirSync(dataDir, { recursive: true });
    const db0 = openDatabase(join(dataDir, 'edgeward.sqlite'));
    const now = Date.now() * 1000;
    new DeviceStore(db0).save([{
      mac: dev1.mac, vendor: null, hostname: 'garden-camera', hostnameSource: 'dhcp', dhcpFingerprint: null, dhcpVendorClass: null, mudUrl: null, mudUrlSource: null,
      ssdpServer: null, lldpSystemName: null, ips: [dev1.ip], firstSeen: now, lastSeen: now, packets: 1, bytes: 60,
    } as unknown as Device]);
    db0.close();
    inNs(dev2.ns, process.execPath, ['-e', `const s = require('dgram').createSocket('udp4'); s.send('hi', 9, '${GW_IP}', () => setTimeout(() => s.close(), 200));`]);
    await until(() => inNs(gw, 'ip', ['-j', 'neigh', 'show']).includes(dev2.mac), () => `dev2 in the gateway's neighbour table: ${inNs(gw, 'ip', ['neigh'])}`, 5000);

    // dev3 named on the command line: refused before anything is sent, exit 2.
    const refused = await nodeInNs(gw, CLI, ['audit', '--config', cfg, '--device', dev3.mac, '--device', dev1.mac], 20_000);
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`${dev3.mac} has not consented`);
    expect(refused.stdout).toBe('');

    // The audit of every consenting device.
    const r = await nodeInNs(gw, CLI, ['audit', '--config', cfg, '--json'], 60_000);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { audits: (StoredAuditRun & { name: string; level: string; findings: { severity: string; service: string | null; text: string; todo: string[] }[] })[] };
    const byMac = new Map(report.audits.map((a) => [a.mac, a]));
    expect([...byMac.keys()].sort()).toEqual([dev1.mac, dev2.mac]);
    const outcomes = (a: { results: AuditResult[] }) => Object.fromEntries(a.results.map((x) => [`${x.service}/${x.port}`, x.outcome === 'default-accepted' ? `${x.outcome} ${x.list}` : x.outcome]));
    expect(byMac.get(dev1.mac)!.ip).toBe(dev1.ip);
    expect(outcomes(byMac.get(dev1.mac)!)).toEqual({
      'telnet/23': 'default-accepted mirai', 'telnet/2323': 'closed', 'ssh/22': 'default-accepted mirai', 'http/80': 'default-accepted mirai', 'http/8080': 'closed',
    });
    // The 4th pair logged in on each: the first three were tried and refused.
    expect(byMac.get(dev1.mac)!.results.filter((x) => x.outcome === 'default-accepted').map((x) => x.tried)).toEqual([4, 4, 4]);
    expect(byMac.get(dev2.mac)!.ip).toBe(dev2.ip);
    expect(outcomes(byMac.get(dev2.mac)!)).toEqual({ 'telnet/23': 'not-accepted', 'telnet/2323': 'closed', 'ssh/22': 'not-accepted', 'http/80': 'not-accepted', 'http/8080': 'closed' });
    expect(byMac.get(dev2.mac)!.results.filter((x) => x.outcome === 'not-accepted').map((x) => x.tried)).toEqual([4, 4, 4]);
    // Exactly dev1 is found, named as the device table names it, with what to do.
    expect(report.audits.filter((a) => a.results.some((x) => x.outcome === 'default-accepted')).map((a) => a.mac)).toEqual([dev1.mac]);
    const d1 = byMac.get(dev1.mac)!;
    expect(d1.name).toBe('garden-camera');
    expect(d1.level).toBe('high');
    const telnetFinding = d1.findings.find((f) => f.service === 'telnet');
    expect(telnetFinding?.text).toContain('garden-camera accepts a factory default password on telnet (tcp 23)');
    expect(telnetFinding?.todo[0]).toMatch(/^Change the password of telnet on garden-camera/);
    expect(byMac.get(dev2.mac)!.findings.every((f) => f.severity !== 'high' && f.severity !== 'critical')).toBe(true);

    // The runs are in the inventory, with the audit log rows; no password anywhere.
    const db = openDatabase(join(dataDir, 'edgeward.sqlite'));
    const stored = new ExposureStore(db).audits();
    expect(stored.map((a) => a.mac).sort()).toEqual([dev1.mac, dev2.mac]);
    expect(stored.find((a) => a.mac === dev1.mac)!.results).toEqual(d1.results);
    const log = db.prepare("SELECT status, code, target FROM audit_log WHERE path = 'audit' ORDER BY seq").all() as { status: number; code: string | null; target: string }[];
    expect(log.map((x) => [x.status, x.code])).toEqual([[422, 'exposure.no-consent'], [201, null], [201, null]]);
    db.close();
    const files = ['edgeward.sqlite', 'edgeward.sqlite-wal'].filter((f) => existsSync(join(dataDir, f))).map((f) => readFileSync(join(dataDir, f)));
    const outputs = [r.stdout, r.stderr, refused.stdout, refused.stderr].map((s) => Buffer.from(s));
    for (const secret of [strong, ...TRIED_PASSWORDS, Buffer.from(`${DEFAULT_USER}:${DEFAULT_PASSWORD}`).toString('base64')]) {
      for (const b of [...files, ...outputs]) expect(b.includes(Buffer.from(secret)), secret).toBe(false);
    }

    // dev3: a broadcast from the gateway shows the capture is live; nothing was ever addressed to dev3.
    inNs(gw, process.execPath, ['-e', `const s = require('dgram').createSocket('udp4'); s.bind(() => { s.setBroadcast(true); s.send('control', 9, '${BROADCAST}', () => s.close()); });`]);
    await until(() => captured(`udp and dst host ${BROADCAST}`).length > 0, () => `the control broadcast in dev3's capture: ${captured('').join('\n')}`, 5000);
    expect(captured(`dst host ${dev3.ip}`)).toEqual([]);
    expect(captured(`ether dst ${dev3.mac}`)).toEqual([]);
    expect(captured('tcp')).toEqual([]);
  });

  it.skipIf(captureUnavailableReason() !== null)(`the API runs an audit in the background into the same inventory (admin only)${captureUnavailableReason() ? ` (skipped: ${captureUnavailableReason()})` : ''}`, async () => {
    const cfg = join(dir, 'daemon.json');
    // The daemon capturing on the LAN bridge (it has seen no frame of dev1 yet: the address comes from
    // the neighbour table the CLI's audit filled), one pair a service so a run ends after one refused
    // telnet login.
    writeFileSync(cfg, JSON.stringify({
      capture: { interface: 'br0' }, storage: { dataDir }, edgeLogs: { udp: false, tcp: false }, server: { host: '127.0.0.1', port: 8080 },
      policy: { gatewayAddresses: [GW_IP] },
      audit: { consent: [dev1.mac], lists: ['mirai'], maxAttempts: 1, attemptsPerSecond: 20, readTimeoutMs: 8000 },
    }));
    const db = openDatabase(join(dataDir, 'edgeward.sqlite'));
    const tokens = new TokenStore(db);
    writeFileSync(join(dir, 'admin'), tokens.create({ role: 'admin', name: 'e2e admin' }).token);
    writeFileSync(join(dir, 'analyst'), tokens.create({ role: 'analyst', name: 'e2e analyst' }).token);
    db.close();
    const apiScript = writeNodeScript(dir, 'api.mjs', `
      import { readFileSync } from 'node:fs';
      const [method, path, tokenFile, body] = process.argv.slice(2);
      const headers = { authorization: 'Bearer ' + readFileSync(tokenFile, 'utf8').trim() };
      if (body) headers['content-type'] = 'application/json';
      const res = await fetch('http://127.0.0.1:8080' + path, { method, headers, body });
      console.log(JSON.stringify({ status: res.status, body: await res.json() }));`);
    const api = async (who: string, method: string, path: string, body?: unknown) => {
      const x = await nodeInNs(gw, apiScript, [method, path, join(dir, who), ...(body === undefined ? [] : [JSON.stringify(body)])], 10_000);
      return JSON.parse(x.stdout.trim().split('\n').at(-1) ?? '{}') as { status: number; body: Record<string, unknown> };
    };
    const events: LoggedEvent[] = [];
    let stderr = '';
    const daemon = spawnInNs(gw, [CLI, 'start', '--config', cfg]);
    procs.push({ name: 'daemon', p: daemon, out: '' });
    collectEventLines(daemon.stdout!, events);
    daemon.stderr!.on('data', (x: Buffer) => { stderr += x.toString(); });
    onTestFailed(() => { process.stderr.write(`--- daemon:\n${events.map((e) => JSON.stringify(e)).join('\n')}\n${stderr}\n`); });
    await until(() => events.some((e) => e.event === 'started') || daemon.exitCode !== null, () => `edgeward start: ${stderr}`, 15_000);
    expect(events.some((e) => e.event === 'started'), stderr).toBe(true);

    expect((await api('analyst', 'POST', '/api/v1/exposure/audits', {})).status).toBe(403);
    const no = await api('admin', 'POST', '/api/v1/exposure/audits', { devices: [dev2.mac] });
    expect([no.status, no.body.code]).toEqual([422, 'exposure.no-consent']);
    const started = await api('admin', 'POST', '/api/v1/exposure/audits', {});
    expect(started.status).toBe(202);
    const job = started.body.audit as { id: string; state: string; devices: { mac: string; ip: string }[] };
    expect(job).toMatchObject({ state: 'running', devices: [{ mac: dev1.mac, ip: dev1.ip }] });
    expect((await api('admin', 'POST', '/api/v1/exposure/audits', {})).body.code).toBe('exposure.audit-running');
    let done: Record<string, unknown> = {};
    await until(async () => { done = (await api('analyst', 'GET', `/api/v1/exposure/audits/${job.id}`)).body; return done.state !== 'running'; }, () => JSON.stringify(done), 30_000, 250);
    expect(done.state).toBe('done');
    const runs = done.runs as StoredAuditRun[];
    expect(runs).toHaveLength(1);
    // One pair (root/xc3511) a service: refused everywhere on dev1.
    expect(runs[0]!.results.filter((x) => x.port === 23 || x.port === 22 || x.port === 80).map((x) => [x.service, x.outcome, x.tried])).toEqual([
      ['telnet', 'not-accepted', 1], ['ssh', 'not-accepted', 1], ['http', 'not-accepted', 1],
    ]);
    const list = await api('analyst', 'GET', `/api/v1/exposure/audits?device=${dev1.mac}`);
    expect((list.body.items as StoredAuditRun[]).map((x) => x.id)).toEqual([runs[0]!.id, expect.any(Number)]);
    expect((await api('analyst', 'GET', '/api/v1/exposure/audits/xa-000000000000')).status).toBe(404);
    expect(captured(`dst host ${dev3.ip}`)).toEqual([]);
    await stopProcess(daemon, 'SIGTERM');
  });
});
