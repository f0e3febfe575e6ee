// The nftables walk behind firewall.wan-default-drop, nat.masquerade and remote-admin.closed, on
// real `nft -j list ruleset` output of the rulesets in rulesets/ (made by rulesets/make-rulesets.sh:
// each NAME.nft loaded into a scratch namespace) and real-format `ss` lines. No root needed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../gateway/check/check-context.js';
import type { CheckResult } from '../../gateway/check/check-result.js';
import { checkFirewall } from '../../gateway/check/firewall-check.js';
import { checkNat } from '../../gateway/check/nat-check.js';
import type { InterfaceInfo } from '../../gateway/check/network-interfaces.js';
import { walkHooks, INPUT_STAGES, summarize } from '../../gateway/check/nft-evaluate.js';
import { parseNftRuleset, type NftRuleset } from '../../gateway/check/nft-ruleset.js';
import { ProbeRunner } from '../../gateway/check/probe-runner.js';
import { checkRemoteAdmin } from '../../gateway/check/remote-admin-check.js';
import { parseSsListeners } from '../../gateway/check/socket-listeners.js';
import { checkUpnp } from '../../gateway/check/upnp-check.js';

const DIR = new URL('./rulesets/', import.meta.url);
function ruleset(name: string): NftRuleset {
  return parseNftRuleset(readFileSync(new URL(`${name}.json`, DIR), 'utf8'), readFileSync(new URL(`${name}.txt`, DIR), 'utf8'));
}

const iface = (name: string, cidr: string): InterfaceInfo => {
  const [address, len] = cidr.split('/');
  return { ok: true, name, up: true, addresses: [{ family: address!.includes(':') ? 6 : 4, address: address!, prefixLength: Number(len), scope: 'global' }] };
};

/** A context as gatherContext would build it, from a ruleset file and `ss -H -ltunp` lines. */
function context(rs: string, wan: InterfaceInfo, ss: string, lan: InterfaceInfo | null = null): CheckContext {
  return {
    opts: {}, probe: new ProbeRunner(undefined), wan, wanFromRoute: false, lan,
    ruleset: { ok: true, value: ruleset(rs) },
    listeners: { ok: true, value: parseSsListeners(ss) },
    processes: { ok: true, value: { list: [], unreadable: 0 } },
  };
}
const text = (r: CheckResult): string => r.evidence.join('\n');

const SS_ROUTER = [
  'tcp   LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("dropbear",pid=1201,fd=3))',
  'tcp   LISTEN 0      128          0.0.0.0:80         0.0.0.0:*    users:(("uhttpd",pid=1400,fd=3))',
  'tcp   LISTEN 0      4096       127.0.0.1:8080       0.0.0.0:*    users:(("node",pid=1500,fd=20))',
  'tcp   LISTEN 0      128     192.168.1.1%br-lan:443  0.0.0.0:*    users:(("uhttpd",pid=1400,fd=4))',
  'udp   UNCONN 0      0             0.0.0.0%eth0:68   0.0.0.0:*    users:(("udhcpc",pid=900,fd=6))',
].join('\n');

describe('ss listener lines', () => {
  it('reads wildcard, bracketed IPv6, device-bound sockets and their processes', () => {
    const l = parseSsListeners(`${SS_ROUTER}\ntcp   LISTEN 0      511             [::]:2323          [::]:*    users:(("busybox",pid=77,fd=3),("telnetd",pid=78,fd=3))\nudp   UNCONN 0      0                  *:1900             *:*\n`);
    expect(l).toHaveLength(7);
    expect(l[3]).toEqual({ proto: 'tcp', address: '192.168.1.1', port: 443, device: 'br-lan', processes: [{ name: 'uhttpd', pid: 1400 }] });
    expect(l[4]).toMatchObject({ proto: 'udp', address: '0.0.0.0', port: 68, device: 'eth0' });
    expect(l[5]).toEqual({ proto: 'tcp', address: '::', port: 2323, device: null, processes: [{ name: 'busybox', pid: 77 }, { name: 'telnetd', pid: 78 }] });
    expect(l[6]).toEqual({ proto: 'udp', address: '*', port: 1900, device: null, processes: [] });
  });
});

describe('OpenWrt fw4-style ruleset (zone chains, SYN limit, reject handlers, masquerade in a jump target)', () => {
  const wan = iface('wan', '203.0.113.2/24');
  const ctx = context('fw4-openwrt', wan, SS_ROUTER, iface('br-lan', '192.168.1.1/24'));

  it('the WAN default is a reject, through jumps, whichever way the SYN limit goes', () => {
    const r = checkFirewall(ctx);
    expect(r.status).toBe('pass');
    expect(text(r)).toContain('inet fw4 handle_reject: meta l4proto tcp reject with tcp reset');
    expect(text(r)).toContain('inet fw4 syn_flood: drop');
    expect(text(r)).toContain('inet fw4 handle_reject: reject comment "!fw4: Reject any other traffic"');
  });

  it('NAT: masquerade is reached through oifname "wan" jump srcnat_wan', () => {
    const r = checkNat(ctx);
    expect(r.status).toBe('pass');
    expect(text(r)).toContain('inet fw4 srcnat_wan: meta nfproto ipv4 masquerade');
    expect(text(r)).toContain('(br-lan, 192.168.1.2)');
  });

  it('remote admin: dropbear on 0.0.0.0:22 is reachable from the management network, so it fails; uhttpd on 80 is rejected', () => {
    const r = checkRemoteAdmin(ctx);
    expect(r.status).toBe('fail');
    expect(text(r)).toMatch(/tcp 0\.0\.0\.0:22 \(dropbear pid 1201\): .*but some sources can reach it from the WAN: accepted by inet fw4 input_wan: ip saddr 198\.51\.100\.0\/24 tcp dport 22/);
    expect(text(r)).toMatch(/tcp 0\.0\.0\.0:80 \(uhttpd pid 1400\): .*listens, but the WAN input is dropped by inet fw4 handle_reject/);
    expect(text(r)).toContain('tcp 127.0.0.1:8080 (node pid 1500): loopback only');
    expect(text(r)).toContain('bound to device br-lan, not the WAN');
  });

  it('without dropbear, remote admin passes', () => {
    const r = checkRemoteAdmin(context('fw4-openwrt', wan, SS_ROUTER.split('\n').slice(1).join('\n')));
    expect(r.status).toBe('pass');
  });
});

describe('a host firewall that opens SSH and HTTPS to everyone', () => {
  const ctx = context('server-ssh-open', iface('eth0', '198.51.100.20/24'), SS_ROUTER);

  it('the default is drop (the open ports are named, so the probe port is not one of them)', () => {
    expect(checkFirewall(ctx).status).toBe('pass');
  });

  it('SSH on 0.0.0.0:22 is reachable from any host: fail, naming the rule', () => {
    const r = checkRemoteAdmin(ctx);
    expect(r.status).toBe('fail');
    expect(text(r)).toContain('reachable from the WAN: accepted (inet filter input: tcp dport @admin_ports accept)');
  });

  it('its only masquerade is for another interface: NAT fails for eth0', () => {
    const r = checkNat(ctx);
    expect(r.status).toBe('fail');
    expect(text(r)).toContain('no masquerade or snat statement reached');
  });
});

describe('policy accept ending in a WAN drop, telnet dropped by a verdict map, SNAT', () => {
  const ss = 'tcp   LISTEN 0      5            0.0.0.0:23         0.0.0.0:*    users:(("telnetd",pid=300,fd=3))';
  const ctx = context('accept-policy-trailing-drop', iface('wan0', '203.0.113.9/24'), ss, iface('lan0', '192.168.1.1/24'));

  it('the trailing rule is the default drop', () => {
    const r = checkFirewall(ctx);
    expect(r.status).toBe('pass');
    expect(text(r)).toContain('dropped by ip filter input: iifname "wan0" counter packets 0 bytes 0 drop');
  });

  it('telnet is dropped by the verdict map before anything else', () => {
    const r = checkRemoteAdmin(ctx);
    expect(r.status).toBe('pass');
    expect(text(r)).toContain('dropped by ip filter input: tcp dport vmap { 23 : drop, 2323 : drop }');
  });

  it('SNAT counts as NAT for a LAN source; with the LAN unknown it still passes, saying on what condition', () => {
    const r = checkNat(ctx);
    expect(r.status).toBe('pass');
    expect(text(r)).toContain('snat to 203.0.113.7');
    const open = checkNat(context('accept-policy-trailing-drop', iface('wan0', '203.0.113.9/24'), ss));
    expect(open.status).toBe('pass');
    expect(text(open)).toContain('give --lan to test a LAN source');
  });
});

describe('a policy drop defeated by an early accept', () => {
  it('fails, naming the accepting rule; the bogon drop in prerouting does not save it', () => {
    const r = checkFirewall(context('wan-accepted-early', iface('wan0', '203.0.113.9/24'), ''));
    expect(r.status).toBe('fail');
    expect(text(r)).toContain('accepted (inet filter input: iifname "wan*" accept)');
  });

  it('a source inside the bogon range is dropped by the raw prerouting chain', () => {
    const rs = ruleset('wan-accepted-early');
    const p = { family: 4 as const, l4proto: 6, iifname: 'wan0', oifname: null, saddr: '10.1.2.3', daddr: '203.0.113.9', sport: 40000, dport: 22, ctState: 'new' as const, daddrLocal: true };
    const r = summarize(walkHooks(rs, p, INPUT_STAGES));
    expect(r.verdict).toBe('dropped');
    expect(r.paths[0]!.by).toBe('inet filter pre: iifname "wan0" ip saddr 10.0.0.0/8 drop');
  });
});

describe('a run-time ban set', () => {
  it('an ordinary host is in no ban set: input is accepted, the check fails', () => {
    const r = checkFirewall(context('dynamic-blocklist', iface('wan0', '203.0.113.9/24'), ''));
    expect(r.status).toBe('fail');
    expect(text(r)).toContain('accepted (policy accept of inet filter input)');
  });
});

describe('no ruleset, no sockets', () => {
  it('an unreadable ruleset makes the WAN items unknown, with the reason; UPnP still reads the sockets', () => {
    const ctx: CheckContext = { ...context('dynamic-blocklist', iface('wan0', '203.0.113.9/24'), 'udp   UNCONN 0      0      0.0.0.0:5351      0.0.0.0:*    users:(("miniupnpd",pid=42,fd=7))'), ruleset: { ok: false, why: 'nft -j list ruleset: exit 1: Operation not permitted' } };
    expect(checkFirewall(ctx).status).toBe('unknown');
    expect(text(checkFirewall(ctx))).toContain('Operation not permitted');
    expect(checkNat(ctx).status).toBe('unknown');
    const u = checkUpnp(ctx);
    expect(u.status).toBe('fail');
    expect(text(u)).toContain('udp 0.0.0.0:5351 (miniupnpd pid 42) listens on the NAT-PMP/PCP port');
  });
});
