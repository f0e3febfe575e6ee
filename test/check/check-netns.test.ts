// `edgeward check` against home routers the test builds in network namespaces: a PASSING one
// (input policy drop on the WAN, masquerade, no UPnP, telnet dropped by the firewall and SSH on the
// LAN address only, an intel blocklist of domains, the daemon's pid running as nobody) and a FAILING
// one (input policy accept, no NAT, SSDP on 0.0.0.0:1900, telnet on 0.0.0.0:23, no blocklist, root).
// Reachability of telnet is proven with a real TCP connect from the internet side. Needs root,
// ip and nft; skipped otherwise, with the reason in its title.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_IDS, CheckError, type CheckResult, type CheckStatus } from '../../gateway/check/check-result.js';
import { checkGateway, runChecks } from '../../gateway/check/run-checks.js';
import { runCheck } from '../../gateway/cli/check-command.js';
import { loadConfig } from '../../gateway/plugins/gateway-config.js';
import { netnsUnavailable, run, stopProcess, tryRun } from '../helpers/netns.js';
import { RouterNetns } from './router-netns.js';

const skipReason = netnsUnavailable();
const title = skipReason === null ? 'edgeward check in network namespaces' : `edgeward check in network namespaces (SKIPPED: ${skipReason})`;

const PASSING_NFT = `
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iifname "lo" accept
    iifname "lan0" accept
  }
}
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" masquerade
  }
}`;
/** An input chain whose policy is accept: a firewall that lets everything in. */
const FAILING_NFT = `
table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "lo" accept
  }
}`;

const statusOf = (items: CheckResult[]): Record<string, CheckStatus> => Object.fromEntries(items.map((i) => [i.id, i.status]));
const item = (items: CheckResult[], id: string): CheckResult => items.find((i) => i.id === id)!;

function captureIo() {
  const io = { out: '', err: '', stdout: (s: string) => { io.out += s; }, stderr: (s: string) => { io.err += s; }, stderrIsTTY: false };
  return io;
}

describe.skipIf(skipReason !== null)(title, () => {
  const pass = new RouterNetns('p');
  const fail = new RouterNetns('f');
  const bare = `ewc-${pass.id}-bare`;
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-check-'));
  const configFile = join(dir, 'gateway.json');
  let nobody: ChildProcess;

  beforeAll(async () => {
    try {
      pass.create();
      fail.create();
      run('ip', ['netns', 'add', bare]);
      pass.nft(PASSING_NFT);
      fail.nft(FAILING_NFT);
      writeFileSync(join(dir, 'blocklist.txt'), '# test list\nc2.bad.example\n*.phish.example\n0.0.0.0 ads.tracker.example\n203.0.113.66\n');
      writeFileSync(configFile, JSON.stringify({ capture: { interface: 'lan0' }, detect: { intel: { lists: [join(dir, 'blocklist.txt')] } } }));
      await Promise.all([
        // sshd stand-in on the LAN address only; telnet on every address, but the firewall drops it from the WAN.
        pass.listen([`tcp:${pass.lanIp}:22`, 'tcp:0.0.0.0:23']),
        fail.listen(['udp:0.0.0.0:1900', 'tcp:0.0.0.0:23']),
      ]);
      // The "daemon" of the passing state: a process running as nobody.
      nobody = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { uid: 65534, gid: 65534, stdio: 'ignore' });
    } catch (e) {
      await cleanup();
      throw e;
    }
  });

  async function cleanup(): Promise<void> {
    if (nobody) await stopProcess(nobody, 'SIGKILL', 2000);
    await Promise.all([pass.destroy(), fail.destroy()]);
    tryRun('ip', ['netns', 'del', bare]);
    rmSync(dir, { recursive: true, force: true });
  }
  afterAll(cleanup);

  it('PASSING: every item passes, with the evidence that says why', async () => {
    const report = await checkGateway({ netns: pass.router, lan: pass.lanIf, config: loadConfig(configFile, {}), pid: nobody.pid! });
    expect(report.wan).toBe('wan0');
    expect(report.wanFromRoute).toBe(true);
    expect(report.items.map((i) => i.id)).toEqual(CHECK_IDS);
    expect(statusOf(report.items)).toEqual({
      'firewall.wan-default-drop': 'pass', 'nat.masquerade': 'pass', 'dns.filtering': 'pass',
      'upnp.off': 'pass', 'remote-admin.closed': 'pass', 'edgeward.not-root': 'pass',
    });
    expect(report.counts).toEqual({ pass: 6, fail: 0, unknown: 0 });
    const fw = item(report.items, 'firewall.wan-default-drop').evidence.join('\n');
    expect(fw).toContain('policy drop of inet filter input');
    expect(fw).toMatch(/new tcp from 192\.0\.2\.77 on the WAN \(wan0\) to 10\.88\.0\.1:\d+/);
    expect(item(report.items, 'nat.masquerade').evidence.join('\n')).toContain('oifname "wan0" masquerade');
    // The blocklist has three domains and one address.
    expect(item(report.items, 'dns.filtering').evidence.join('\n')).toMatch(/blocklist\.txt: 3 domains, 1 addresses/);
    // The telnet listener is there, and the evidence says the WAN input policy drops it.
    const ra = item(report.items, 'remote-admin.closed').evidence.join('\n');
    expect(ra).toMatch(/tcp 0\.0\.0\.0:23 \(node pid \d+\): new tcp from 192\.0\.2\.77 on the WAN \(wan0\) to 10\.88\.0\.1:23: listens, but the WAN input is dropped by policy drop of inet filter input/);
    expect(ra).toMatch(/tcp 10\.88\.1\.1:22 .*an address of another interface.*dropped by policy drop/);
    expect(item(report.items, 'edgeward.not-root').evidence[0]).toMatch(new RegExp(`pid ${nobody.pid}: node runs as uid 65534`));
  });

  it('FAILING: firewall, NAT, UPnP, remote admin and root fail; DNS filtering is unknown (no config, no resolver)', async () => {
    const items = await runChecks({ netns: fail.router, wan: fail.wanIf, lan: fail.lanIf });
    expect(statusOf(items)).toEqual({
      'firewall.wan-default-drop': 'fail', 'nat.masquerade': 'fail', 'dns.filtering': 'unknown',
      'upnp.off': 'fail', 'remote-admin.closed': 'fail', 'edgeward.not-root': 'fail',
    });
    expect(item(items, 'firewall.wan-default-drop').evidence.join('\n')).toContain('accepted (policy accept of inet filter input)');
    expect(item(items, 'nat.masquerade').evidence.join('\n')).toContain('no masquerade or snat statement reached');
    expect(item(items, 'upnp.off').evidence.join('\n')).toMatch(/udp 0\.0\.0\.0:1900 \(node pid \d+\) listens on the SSDP/);
    expect(item(items, 'remote-admin.closed').evidence.join('\n')).toMatch(/tcp 0\.0\.0\.0:23 .*reachable from the WAN/);
    const dns = item(items, 'dns.filtering').evidence.join('\n');
    expect(dns).toContain('no configuration given');
    expect(dns).toContain('no DNS resolver listens on port 53');
    expect(item(items, 'edgeward.not-root').evidence[0]).toMatch(/runs as uid 0 \(root\)/);
    for (const i of items) if (i.status !== 'pass') expect(i.fix.length).toBeGreaterThan(20);
  });

  it('telnet on the WAN address: a real connect from the internet succeeds in FAILING, times out in PASSING, as the check says', async () => {
    const [f, p] = await Promise.all([fail.connectFromInternet(23), pass.connectFromInternet(23)]);
    expect(f.result).toBe('ok');
    expect(p.result).toBe('timeout');
    const [fi, pi] = await Promise.all([
      runChecks({ netns: fail.router, wan: fail.wanIf }),
      runChecks({ netns: pass.router, wan: pass.wanIf }),
    ]);
    expect(item(fi, 'remote-admin.closed').status).toBe('fail');
    expect(item(pi, 'remote-admin.closed').status).toBe('pass');
  });

  it('DNS filtering by a local resolver: dnsmasq without a blocklist fails, with address=/…/0.0.0.0 passes', async () => {
    // A stand-in dnsmasq (node under that name, so ss and /proc name it so) on the failing router, with its config under fsRoot.
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    const exe = join(dir, 'bin', 'dnsmasq');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    symlinkSync(process.execPath, exe);
    writeFileSync(join(root, 'etc/dnsmasq.conf'), 'domain-needed\nbogus-priv\nlocal=/lan/\naddress=/router.lan/10.88.1.1\n');
    const proc = await fail.listen(['udp:0.0.0.0:53', 'tcp:0.0.0.0:53'], exe);
    try {
      const off = item(await runChecks({ netns: fail.router, wan: fail.wanIf, fsRoot: root }), 'dns.filtering');
      expect(off.status).toBe('fail');
      expect(off.evidence.join('\n')).toMatch(/dnsmasq \(pid \d+\): read 1 configuration file\(s\) \(\/etc\/dnsmasq.conf\): 0 names answered with a sink/);
      writeFileSync(join(root, 'etc/dnsmasq.conf'), 'domain-needed\nconf-dir=/etc/dnsmasq.d,*.conf\n');
      mkdirSync(join(root, 'etc/dnsmasq.d'));
      writeFileSync(join(root, 'etc/dnsmasq.d/blocklist.conf'), 'address=/c2.bad.example/0.0.0.0\naddress=/ads.example/tracker.example/\n');
      writeFileSync(join(root, 'etc/dnsmasq.d/ignored.txt'), 'address=/not.read.example/0.0.0.0\n');
      const on = item(await runChecks({ netns: fail.router, wan: fail.wanIf, fsRoot: root }), 'dns.filtering');
      expect(on.status).toBe('pass');
      expect(on.evidence.join('\n')).toMatch(/read 2 configuration file\(s\).*: 3 names answered with a sink/);
    } finally {
      await stopProcess(proc, 'SIGKILL', 2000);
    }
  });

  it('a namespace with no default route and nothing in it: WAN items are unknown, with the reason', async () => {
    const items = await runChecks({ netns: bare });
    const s = statusOf(items);
    expect(s['firewall.wan-default-drop']).toBe('unknown');
    expect(s['nat.masquerade']).toBe('unknown');
    expect(item(items, 'firewall.wan-default-drop').evidence[0]).toMatch(/no default route in network namespace ewc-/);
    expect(s['upnp.off']).toBe('pass');
    expect(s['remote-admin.closed']).toBe('pass');
  });

  it('the CLI: exit 0 on PASSING with --json, 1 and a table on FAILING, 2 on bad usage', async () => {
    const ok = captureIo();
    const code = await runCheck(['--netns', pass.router, '--config', configFile, '--pid', String(nobody.pid), '--json'], ok);
    expect(code, ok.err).toBe(0);
    const report = JSON.parse(ok.out) as { lan: string; items: CheckResult[] };
    // The LAN comes from the config's capture.interface.
    expect(report.lan).toBe('lan0');
    expect(report.items.every((i) => i.status === 'pass')).toBe(true);

    const bad = captureIo();
    expect(await runCheck(['--netns', fail.router, '--wan', 'wan0', '--pid', String(process.pid)], bad)).toBe(1);
    expect(bad.out).toMatch(/^FAIL +firewall\.wan-default-drop/m);
    expect(bad.out).toMatch(/^FAIL +upnp\.off/m);
    expect(bad.out).toMatch(/^UNKNOWN +dns\.filtering/m);
    expect(bad.out).not.toMatch(/\?{2,}/);
    expect(bad.out).toMatch(/fix: Give input a default drop/);
    expect(bad.out).toContain('0 pass, 5 fail, 1 unknown');

    const usage = captureIo();
    expect(await runCheck(['--netns', `ewc-${pass.id}-nosuch`], usage)).toBe(2);
    expect(usage.err).toContain('check.netns-unknown');
    expect(await runCheck(['--netns', pass.router, '--wan', 'nosuch0'], usage)).toBe(2);
    expect(usage.err).toContain('check.interface-unknown');
    await expect(runCheck(['--bogus'], usage)).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    await expect(checkGateway({ netns: pass.router, pid: 0x3fffffff })).rejects.toBeInstanceOf(CheckError);
  });
});
