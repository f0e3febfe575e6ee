// The gateway's own port forwards as exposure: a real nft ruleset, loaded in a network namespace the
// test makes, read by the watch the daemon runs (`nft -j list ruleset` in that namespace): each dnat
// forward to a device's address is a mapping via `nft` (sets and small ranges listed port by port,
// forwards in jumped-to chains found, a target no device holds and a LAN-side redirect left out); a rule removed is gone at
// the next read; an unreadable ruleset is logged once. The view then says the internet reaches the
// device's telnet through the firewall's forward.
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExposureStore } from '../../gateway/exposure/exposure-store.js';
import { deviceExposure } from '../../gateway/exposure/exposure-view.js';
import { NftForwardWatch } from '../../gateway/exposure/nft-forward-watch.js';
import { openDatabase } from '../../gateway/store/database.js';
import { netnsUnavailable, run, tryRun } from '../helpers/netns.js';

const skipReason = netnsUnavailable();

const RULES = `
table ip nat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "wan0" tcp dport 2323 dnat to 192.168.1.12:23
    iifname "wan0" tcp dport { 8080, 8443 } dnat to 192.168.1.13
    iifname "lan0" udp dport 53 dnat to 192.168.1.13:53
    jump fw_dstnat
  }
  chain fw_dstnat {
    udp dport 5000-5002 dnat to 192.168.1.14:6000
    tcp dport 2222 dnat to 192.168.1.99:22
  }
}
table inet filter {
  chain input { type filter hook input priority 0; policy accept; tcp dport 22 accept; }
}
`;

const MACS: Record<string, string> = { '192.168.1.12': '02:00:00:00:00:0c', '192.168.1.13': '02:00:00:00:00:0d', '192.168.1.14': '02:00:00:00:00:0e' };

describe.skipIf(skipReason !== null)(`nft forwards in the exposure inventory${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const ns = `ew-nft-${randomBytes(3).toString('hex')}`;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgeward-nft-'));
    run('ip', ['netns', 'add', ns]);
    writeFileSync(join(dir, 'rules.nft'), RULES);
    run('ip', ['netns', 'exec', ns, 'nft', '-f', join(dir, 'rules.nft')]);
  });
  afterAll(() => {
    tryRun('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists each dnat forward to a device as an nft mapping, follows the ruleset, and logs an unreadable one once', async () => {
    const store = new ExposureStore(openDatabase(':memory:'));
    const logged: string[] = [];
    // lan0 is the LAN side: its DNS redirect to a local resolver is no way in from outside.
    const watch = (command: string[]) => new NftForwardWatch({ store, macOf: (ip) => MACS[ip] ?? null, log: (e) => { logged.push(e); }, command, lanInterfaces: ['lan0'], now: () => Date.UTC(2026, 0, 1) });
    const w = watch(['ip', 'netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset']);
    expect(await w.refresh()).toBe(6);
    const rows = store.mappings().map((m) => `${m.mac} ${m.via} ${m.proto} ${m.externalPort}→${m.internalIp}:${m.internalPort}`).sort();
    expect(rows).toEqual([
      '02:00:00:00:00:0c nft tcp 2323→192.168.1.12:23',
      '02:00:00:00:00:0d nft tcp 8080→192.168.1.13:8080',
      '02:00:00:00:00:0d nft tcp 8443→192.168.1.13:8443',
      '02:00:00:00:00:0e nft udp 5000→192.168.1.14:6000',
      '02:00:00:00:00:0e nft udp 5001→192.168.1.14:6000',
      '02:00:00:00:00:0e nft udp 5002→192.168.1.14:6000',
    ]);
    // The camera's telnet, in words.
    const e = deviceExposure({ mac: MACS['192.168.1.12']!, name: 'camera', services: [], mappings: store.mappings(MACS['192.168.1.12']), passive: [], audit: null, now: Date.UTC(2026, 0, 1) });
    expect(e.services[0]).toMatchObject({ port: 23, service: 'telnet', internet: { reachable: true, paths: [{ kind: 'nft', externalPort: 2323, expiresAt: null }] } });
    expect(e.findings[0]!.text).toContain('the internet can reach it through a port forward in the gateway\'s firewall (outside port 2323)');
    expect(e.findings[0]!.todo).toContain('Remove the port forward from the gateway\'s firewall rules.');
    // The camera's forward is removed: gone at the next read.
    const handle = /tcp dport 2323 .* # handle (\d+)/.exec(run('ip', ['netns', 'exec', ns, 'nft', '-a', 'list', 'chain', 'ip', 'nat', 'prerouting']))![1]!;
    run('ip', ['netns', 'exec', ns, 'nft', 'delete', 'rule', 'ip', 'nat', 'prerouting', 'handle', handle]);
    expect(await w.refresh()).toBe(5);
    expect(store.mappings(MACS['192.168.1.12'])).toEqual([]);
    // A command that fails: the saved forwards stay, one log line for two failures.
    const bad = watch(['ip', 'netns', 'exec', `${ns}-missing`, 'nft', '-j', 'list', 'ruleset']);
    expect(await bad.refresh()).toBeNull();
    expect(await bad.refresh()).toBeNull();
    expect(logged.filter((l) => l === 'exposure.nft-unreadable')).toHaveLength(1);
    expect(store.mappings()).toHaveLength(5);
  });
});
