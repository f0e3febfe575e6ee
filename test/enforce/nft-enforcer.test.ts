// The nftables enforcer against the real nft and real packets, in network namespaces the test makes
// (device — gateway — upstream, routed by the gateway): one-transaction applies, batched elements
// kept across re-applies, DNS timeouts, the liveness guard (fail-open / fail-closed), quarantine.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENFORCE_ERRORS, NftEnforcer, type NftEnforcerOptions } from '../../gateway/enforce/nft-enforcer.js';
import { compileProfile, parseMud, type CompiledPolicy, type PolicyContext } from '../../policies/index.js';
import { dnsSetName } from '../../policies/nft/nft-names.js';
import { fixture } from '../helpers/fixtures.js';
import { until } from '../helpers/wait-until.js';

const root = process.getuid?.() === 0;
const tools = !spawnSync('nft', ['--version'], { stdio: 'ignore' }).error && !spawnSync('ip', ['-V'], { stdio: 'ignore' }).error;
const skipWhy = !root ? 'not root' : !tools ? 'nft or ip (iproute2) not installed' : '';
if (skipWhy) console.warn(`nft-enforcer: SKIPPED — ${skipWhy}; these tests build network namespaces and load nftables`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEV_MAC = '02:00:00:00:00:0a';
const DEV_MAC_NUM = 0x02000000000a;
const DNS_NAME = 'www.nist.local'; // the dnsname of nist-mud/mudfile-dns-test.json (tcp 80 to it)
const DNS_SET = dnsSetName(DNS_NAME, 4);

// Tiny TCP servers and a client, run with `ip netns exec NS node -e …` (CommonJS under -e).
const SERVER = `const net=require('net');const ps=process.argv.slice(1).map(Number);let n=0;
for(const p of ps)net.createServer((s)=>{s.on('error',()=>{});s.end('ok')}).listen(p,()=>{if(++n===ps.length)console.log('ready')});`;
const CLIENT = `const net=require('net');const [h,p,t]=process.argv.slice(1);const s=net.connect({host:h,port:+p});
setTimeout(()=>{console.log('timeout');process.exit(0)},+t);s.on('connect',()=>{console.log('ok');process.exit(0)});
s.on('error',(e)=>{console.log(e.code);process.exit(0)});`;

describe.skipIf(skipWhy !== '')(`nftables enforcer in network namespaces${skipWhy ? ` (skipped: ${skipWhy})` : ''}`, () => {
  const id = randomBytes(3).toString('hex');
  const dev = `edgeward-t-${id}-dev`;
  const gw = `edgeward-t-${id}-gw`; // the gateway: routes 10.88.1.0/24 (device) <-> 10.88.2.0/24 (upstream); edgeward's table lives here
  const up = `edgeward-t-${id}-up`;
  const tmp = mkdtempSync(join(tmpdir(), 'edgeward-enf-'));
  const servers: ChildProcess[] = [];

  const ns = (name: string, ...args: string[]) => execFileSync('ip', ['netns', 'exec', name, ...args], { encoding: 'utf8', timeout: 10_000 });
  const nft = (...args: string[]) => ns(gw, 'nft', ...args);
  const listSet = (set: string) => nft('list', 'set', 'inet', 'edgeward', set);
  const tableExists = () => spawnSync('ip', ['netns', 'exec', gw, 'nft', 'list', 'table', 'inet', 'edgeward'], { stdio: 'ignore' }).status === 0;
  const dropTable = () => spawnSync('ip', ['netns', 'exec', gw, 'nft', 'delete', 'table', 'inet', 'edgeward'], { stdio: 'ignore' });
  const enforcer = (o: Partial<NftEnforcerOptions> = {}) => new NftEnforcer({ failMode: 'closed', netns: gw, emergency: ['10.88.2.9/32'], ...o });

  /** A TCP connect from a namespace, without blocking the event loop (the heartbeat keeps running): ok, timeout, ECONNREFUSED… */
  function connect(from: string, host: string, port: number, ms = 700): Promise<string> {
    return new Promise((resolve) => {
      const p = spawn('ip', ['netns', 'exec', from, process.execPath, '-e', CLIENT, host, String(port), String(ms)], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      p.on('close', () => resolve(out.trim()));
    });
  }

  async function serve(name: string, ...ports: number[]): Promise<void> {
    const p = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', SERVER, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
    servers.push(p);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server in ${name} not ready`)), 5000);
      p.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) { clearTimeout(t); resolve(); } });
    });
  }

  function policy(rel: string, mac: string, ctx: PolicyContext = {}): CompiledPolicy {
    const r = parseMud(readFileSync(fixture(rel), 'utf8'));
    if (!r.ok) throw new Error(`fixture ${rel} refused`);
    return compileProfile(r.profile, { deviceMac: mac, localNetworks: ['10.88.0.0/16'], ...ctx });
  }
  const dnsPolicy = (ctx: PolicyContext = {}) => policy('mud/nist-mud/mudfile-dns-test.json', DEV_MAC, ctx);
  const lanPolicy = () => policy('mud/mud-visualizer/tester_local_network.json', '02:00:00:00:00:0b');

  beforeAll(async () => {
    for (const n of [dev, gw, up]) execFileSync('ip', ['netns', 'add', n]);
    // veth pairs made inside the namespaces: nothing is created in the host's own namespace.
    execFileSync('ip', ['-n', gw, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', dev]);
    execFileSync('ip', ['-n', gw, 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', up]);
    execFileSync('ip', ['-n', dev, 'link', 'set', 'eth0', 'address', DEV_MAC]);
    const addr = (n: string, ifc: string, ...cidrs: string[]) => {
      for (const c of cidrs) execFileSync('ip', ['-n', n, 'addr', 'add', c, 'dev', ifc]);
      execFileSync('ip', ['-n', n, 'link', 'set', ifc, 'up']);
      execFileSync('ip', ['-n', n, 'link', 'set', 'lo', 'up']);
    };
    addr(dev, 'eth0', '10.88.1.10/24');
    addr(gw, 'lan0', '10.88.1.1/24');
    addr(gw, 'wan0', '10.88.2.1/24');
    addr(up, 'eth0', '10.88.2.2/24', '10.88.2.9/24');
    execFileSync('ip', ['-n', dev, 'route', 'add', 'default', 'via', '10.88.1.1']);
    execFileSync('ip', ['-n', up, 'route', 'add', 'default', 'via', '10.88.2.1']);
    ns(gw, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward'); // the namespace's own sysctl
    await Promise.all([serve(up, 53, 80, 7001), serve(gw, 53, 2222), serve(dev, 8080)]);
  });

  afterAll(() => {
    for (const s of servers) s.kill('SIGKILL');
    for (const n of [dev, gw, up]) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('applies two device policies in one table: device chains, liveness guard on every drop, emergency sets first', async () => {
    const e = enforcer();
    await e.apply([dnsPolicy(), lanPolicy()]);
    const t = nft('list', 'table', 'inet', 'edgeward');
    for (const mac of ['02000000000a', '02000000000b']) {
      expect(t).toContain(`chain dev_${mac}_from {`);
      expect(t).toContain(`chain dev_${mac}_to {`);
    }
    // fail-closed: the liveness element is there for good
    expect(t).toMatch(/set alive \{\s+type mark\s+flags timeout\s+elements = \{ 0x00000000 \}/);
    // The implicit deny of each device chain (4), and the block rules: to and from the blocked peers, each family (4).
    expect(t.match(/meta mark & 0x00000000 == @alive counter packets 0 bytes 0 drop/g)).toHaveLength(8);
    expect(t.match(/@block_v[46] meta mark & 0x00000000 == @alive counter packets 0 bytes 0 drop/g)).toHaveLength(4);
    expect(t).not.toMatch(/^\s+counter packets \d+ bytes \d+ drop/m); // no unguarded drop
    expect(t).toMatch(/set emergency_v4 \{[^}]*elements = \{ 10\.88\.2\.9 \}/);
    const fwd = t.slice(t.indexOf('chain forward {'));
    expect(fwd.indexOf('ip daddr @emergency_v4 accept')).toBeLessThan(fwd.indexOf('jump'));
    await e.stop();
    expect(tableExists()).toBe(true); // closed keeps it
  });

  it('writes DNS and device addresses in one batched transaction, and a re-apply keeps them', async () => {
    const e = enforcer();
    await e.apply([dnsPolicy(), lanPolicy()]);
    const before = e.stats.transactions;
    e.addDnsAddress('WWW.Nist.Local.', 4, '10.88.2.3', 300); // case and final dot do not matter
    e.addDeviceAddress(DEV_MAC_NUM, 4, '10.88.1.10');
    e.addDnsAddress('not.used.example', 4, '10.88.2.4', 300); // no policy uses it: no set, never written
    e.addDnsAddress(DNS_NAME, 6, '2001:db8::3', 300); // the profile has no IPv6 ACE: no _v6 set
    e.addDeviceAddress(DEV_MAC_NUM, 4, 'not-an-address');
    await e.flush();
    expect(e.stats.transactions - before).toBe(1);
    expect(e.stats.invalidAddresses).toBe(1);
    expect(listSet(DNS_SET)).toMatch(/elements = \{ 10\.88\.2\.3 timeout 5m expires 4m5\ds/);
    expect(listSet('dev_02000000000a_v4')).toMatch(/elements = \{ 10\.88\.1\.10 \}/);
    expect(nft('list', 'table', 'inet', 'edgeward')).not.toContain(dnsSetName('not.used.example', 4));
    // Without flush(): written by the timer (after flushDelayMs, 100 ms), however late it fires.
    e.addDnsAddress(DNS_NAME, 4, '10.88.2.5', 300);
    await until(() => listSet(DNS_SET).includes('10.88.2.5'), () => `10.88.2.5 written by the timer: ${listSet(DNS_SET)}`, 10_000, 50);
    expect(listSet(DNS_SET)).toContain('10.88.2.5');
    // A profile change (or a restart that re-adds what it learned) replaces the table: nothing lost.
    await e.apply([dnsPolicy()]);
    expect(listSet(DNS_SET)).toMatch(/10\.88\.2\.3 timeout 5m expires 4m5\ds/);
    expect(listSet(DNS_SET)).toContain('10.88.2.5');
    expect(listSet('dev_02000000000a_v4')).toContain('10.88.1.10');
    expect(nft('list', 'table', 'inet', 'edgeward')).not.toContain('dev_02000000000b');
    await e.stop();
    dropTable();
  });

  it('lets a DNS element go when its TTL runs out, and does not bring it back on a re-apply', async () => {
    const e = enforcer();
    await e.apply([dnsPolicy()]);
    e.addDnsAddress(DNS_NAME, 4, '10.88.2.6', 1);
    await e.flush();
    expect(listSet(DNS_SET)).toMatch(/10\.88\.2\.6 timeout 1s/);
    // The kernel lets it go after its second: waited for, not slept on.
    await until(() => !listSet(DNS_SET).includes('10.88.2.6'), () => `10.88.2.6 to expire: ${listSet(DNS_SET)}`, 10_000, 100);
    expect(listSet(DNS_SET)).not.toContain('10.88.2.6');
    await e.apply([dnsPolicy()]);
    expect(listSet(DNS_SET)).not.toContain('10.88.2.6');
    dropTable();
  });

  it('packets: the profile drops what it does not allow, a DNS answer opens its name, device addresses route traffic toward the device', async () => {
    const e = enforcer();
    await e.apply([dnsPolicy()]);
    expect(await connect(dev, '10.88.2.2', 80)).toBe('timeout'); // www.nist.local not resolved yet
    e.addDnsAddress(DNS_NAME, 4, '10.88.2.2', 30);
    await e.flush();
    const [web, other, emergency] = await Promise.all([connect(dev, '10.88.2.2', 80), connect(dev, '10.88.2.2', 7001), connect(dev, '10.88.2.9', 7001)]);
    expect([web, other, emergency]).toEqual(['ok', 'timeout', 'ok']);
    // Toward the device: the device's answer meets its _from chain (the SYN-ACK is dropped there);
    // the packet itself meets its _to chain only once the address is in dev_…_v4.
    const toDrops = () => Number(/counter packets (\d+) bytes \d+ drop/.exec(nft('list', 'chain', 'inet', 'edgeward', 'dev_02000000000a_to'))![1]);
    expect(await connect(up, '10.88.1.10', 8080)).toBe('timeout');
    expect(toDrops()).toBe(0);
    e.addDeviceAddress(DEV_MAC_NUM, 4, '10.88.1.10');
    await e.flush();
    expect(await Promise.all([connect(up, '10.88.1.10', 8080), connect(dev, '10.88.2.2', 80)])).toEqual(['timeout', 'ok']);
    expect(toDrops()).toBeGreaterThan(0); // stopped on its way in; the answers of the device's own flow pass
    dropTable();
  });

  it('fail-open: drops hold while the liveness element lives, lapse once it expires (no heartbeat, as after SIGKILL), and stop() removes the table', async () => {
    // A liveness timeout of a few seconds, so that the first connect (a process to start) is sure
    // to meet the live element, and a heartbeat well inside it, so that one late beat does not
    // let it lapse; the lapse itself is waited for, not slept on.
    const aliveSeconds = 3;
    const alive = () => listSet('alive').includes('0x00000000');
    const e = enforcer({ failMode: 'open', aliveTimeoutSeconds: aliveSeconds, heartbeatSeconds: 0.5 });
    await e.apply([dnsPolicy()]);
    expect(listSet('alive')).toMatch(/0x00000000 timeout 3s/);
    expect(await connect(dev, '10.88.2.2', 7001)).toBe('timeout');
    await until(() => !alive(), () => `the liveness element to lapse: ${listSet('alive')}`, 15_000, 100); // nobody refreshes it
    expect(listSet('alive')).not.toContain('0x00000000');
    expect(await connect(dev, '10.88.2.2', 7001)).toBe('ok');
    e.start(); // the heartbeat brings it back and keeps it past its timeout
    await until(alive, () => `the heartbeat to bring the liveness element back: ${listSet('alive')}`, 15_000, 100);
    await sleep(aliveSeconds * 1000 + 500);
    expect(listSet('alive')).toContain('0x00000000');
    expect(await connect(dev, '10.88.2.2', 7001)).toBe('timeout');
    await e.stop();
    expect(tableExists()).toBe(false);
    expect(await connect(dev, '10.88.2.2', 7001)).toBe('ok');
  });

  it('fail-closed: drops stay past the liveness timeout, for marked packets too, and after stop()', async () => {
    const e = enforcer({ failMode: 'closed', aliveTimeoutSeconds: 1 });
    await e.apply([dnsPolicy()]);
    await sleep(1200);
    expect(await connect(dev, '10.88.2.2', 7001)).toBe('timeout');
    // Another ruleset marks every packet before forward (as policy routing does): the guard keys on
    // the mark masked to zero, so the drops still hold.
    ns(gw, 'nft', 'add table inet edgeward_t_marker');
    ns(gw, 'nft', 'add chain inet edgeward_t_marker pre { type filter hook prerouting priority mangle; }');
    ns(gw, 'nft', 'add rule inet edgeward_t_marker pre meta mark set 0x42');
    expect(await connect(dev, '10.88.2.2', 7001)).toBe('timeout');
    ns(gw, 'nft', 'delete table inet edgeward_t_marker');
    await e.stop();
    expect(listSet('alive')).toMatch(/elements = \{ 0x00000000 \}/);
    expect(await connect(dev, '10.88.2.2', 7001)).toBe('timeout');
    dropTable();
  });

  it('quarantine: a device without a profile keeps DHCP, DNS and NTP to the gateway and the emergency list, nothing else', async () => {
    const e = enforcer({ gatewayAddresses: ['10.88.2.2'] });
    await e.apply([], [DEV_MAC_NUM]);
    e.addDeviceAddress(DEV_MAC_NUM, 4, '10.88.1.10');
    await e.flush();
    const t = nft('list', 'table', 'inet', 'edgeward');
    expect(t).toMatch(/chain input \{\s+type filter hook input priority filter; policy accept;\s+ether saddr 02:00:00:00:00:0a jump dev_02000000000a_from/);
    expect(t).toMatch(/meta mark & 0x00000000 == @alive counter packets \d+ bytes \d+ drop comment "edgeward: quarantined \(no MUD profile, or held by an operator\)"/);
    const got = await Promise.all([
      connect(dev, '10.88.1.1', 53), // DNS on the gateway itself (input hook, fib daddr type local)
      connect(dev, '10.88.1.1', 2222), // another service on the gateway
      connect(dev, '10.88.2.2', 53), // DNS at a listed gateway service address (forward hook)
      connect(dev, '10.88.2.2', 7001),
      connect(dev, '10.88.2.9', 7001), // emergency allow-list
      connect(up, '10.88.1.10', 8080), // toward the quarantined device
    ]);
    expect(got).toEqual(['ok', 'timeout', 'ok', 'timeout', 'ok', 'timeout']);
    await e.stop();
    dropTable();
  });

  it('blocked peers: element changes of the block sets (a network covers its addresses), kept by a re-apply, dropped both ways', async () => {
    const e = enforcer();
    await e.setBlockedPeers(['10.88.2.2']); // before the first apply: kept, written with the table
    await e.apply([]);
    const elements = () => /elements = \{ ([^}]*) \}/.exec(listSet('block_v4'))?.[1]?.trim() ?? '';
    expect(elements()).toBe('10.88.2.2');
    expect(await Promise.all([connect(dev, '10.88.2.2', 7001), connect(up, '10.88.1.10', 8080), connect(dev, '10.88.2.9', 7001)])).toEqual(['timeout', 'timeout', 'ok']);
    // A network holding the address replaces it; released, the address alone is back (deletes go first).
    await e.setBlockedPeers(['10.88.2.2', '10.88.2.0/24', 'not an address']);
    expect(elements()).toBe('10.88.2.0/24');
    expect(e.stats.invalidAddresses).toBe(1);
    await e.setBlockedPeers(['10.88.2.2']);
    expect(elements()).toBe('10.88.2.2');
    await e.apply([]);
    expect(elements()).toBe('10.88.2.2');
    await e.setBlockedPeers([]);
    expect(elements()).toBe('');
    expect(await connect(dev, '10.88.2.2', 7001)).toBe('ok');
    await e.stop();
    dropTable();
  });

  it('never half-applies: a refused script leaves the previous table, errors carry a stable code and nft stderr; refused elements do not sink the rest', async () => {
    const e = enforcer();
    await e.apply([dnsPolicy(), lanPolicy()]);
    // An nft that appends a line nft refuses to whatever it is given: the whole transaction fails.
    const wrapper = join(tmp, 'nft-bad');
    writeFileSync(wrapper, '#!/bin/sh\n{ cat; echo "add rule inet edgeward no_such_chain counter"; } | exec nft "$@"\n');
    chmodSync(wrapper, 0o755);
    const bad = enforcer({ nft: wrapper });
    const err = await bad.apply([lanPolicy()]).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'enforce.nft_failed' });
    expect((err as { stderr: string }).stderr).toContain('no_such_chain');
    expect(ENFORCE_ERRORS['enforce.nft_failed']).toBeTruthy();
    expect(nft('list', 'table', 'inet', 'edgeward')).toContain('chain dev_02000000000a_from'); // the old table, whole
    await expect(enforcer({ netns: `${gw}-missing` }).apply([])).rejects.toMatchObject({ code: 'enforce.nft_failed' });
    // 10.88.1.5 lies inside the device's rendered prefix 10.88.1.0/28: an interval set refuses the
    // overlap; the other element of the same batch is written all the same.
    const p = new NftEnforcer({ failMode: 'closed', netns: gw });
    await p.apply([dnsPolicy({ deviceAddresses: ['10.88.1.0/28'] })]);
    p.addDeviceAddress(DEV_MAC_NUM, 4, '10.88.1.5');
    p.addDnsAddress(DNS_NAME, 4, '10.88.2.7', 60);
    await expect(p.flush()).rejects.toMatchObject({ code: 'enforce.element_refused' });
    expect(p.stats.elementsRefused).toBe(1);
    expect(listSet(DNS_SET)).toContain('10.88.2.7');
    expect(p.rememberedElements).toBe(1); // the refused one is forgotten, so re-applies stay clean
    dropTable();
  });
});

describe('nftables enforcer options', () => {
  it('refuses options that cannot work, with a stable code', () => {
    const bad = (o: Partial<NftEnforcerOptions>) => () => new NftEnforcer({ failMode: 'open', ...o });
    expect(bad({ heartbeatSeconds: 3, aliveTimeoutSeconds: 3 })).toThrow(expect.objectContaining({ code: 'enforce.bad_options' }));
    expect(bad({ aliveTimeoutSeconds: 0 })).toThrow(expect.objectContaining({ code: 'enforce.bad_options' }));
    expect(bad({ table: 'edge-ward' })).toThrow(expect.objectContaining({ code: 'enforce.bad_options' }));
    expect(bad({ emergency: ['not-a-prefix'] })).toThrow(expect.objectContaining({ code: 'enforce.bad_options' }));
    expect(() => new NftEnforcer({ failMode: 'closed', heartbeatSeconds: 5 })).not.toThrow(); // no heartbeat when closed
    for (const code of Object.keys(ENFORCE_ERRORS)) expect(code).toMatch(/^enforce\.[a-z_]+$/);
  });
});
