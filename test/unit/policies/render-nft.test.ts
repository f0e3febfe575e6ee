// The nftables script's shape: own table replaced atomically, emergency sets accepted first,
// device chains with ACE rules (comments naming ACL and ACE) and a final drop, DNS sets with
// timeouts, valid identifiers, class sets filled from the context; the liveness guard and quarantine.
import { describe, expect, it } from 'vitest';
import { compileProfile, parseMud, renderNft, NFT_PLACEHOLDER_MAC, type MudProfile } from '../../../policies/index.js';
import { dnsSetName } from '../../../policies/nft/nft-names.js';
import { renderNftTable } from '../../../policies/nft/render-nft.js';
import { readFixture } from './helpers/mud-fixtures.js';

function load(file: string): MudProfile {
  const r = parseMud(readFixture(file));
  if (!r.ok) throw new Error(file);
  return r.profile;
}

describe('renderNft', () => {
  const st = load('mud/mud-visualizer/SmartThingsMud.json');
  const script = renderNft([compileProfile(st, {
    deviceMac: '00:11:22:33:44:55', localNetworks: ['192.168.1.0/24', '192.168.0.0/16'],
    services: { dns: ['192.168.1.1'] }, emergency: ['192.0.2.0/24'], deviceAddresses: ['192.168.1.10'],
  })], { emergency: ['2001:db8:911::/48'] });

  it('replaces a table of its own', () => {
    expect(script).toContain('table inet edgeward\ndelete table inet edgeward\ntable inet edgeward {');
  });

  it('accepts the emergency allow-list before dispatching to device chains', () => {
    const fwd = script.slice(script.indexOf('chain forward {'));
    const lines = fwd.split('\n').map((l) => l.trim());
    const firstJump = lines.findIndex((l) => l.includes(' jump '));
    const emergency = lines.findIndex((l) => l === 'ip daddr @emergency_v4 accept');
    expect(emergency).toBeGreaterThan(0);
    expect(emergency).toBeLessThan(firstJump);
    expect(script).toMatch(/set emergency_v4 \{\n\s+type ipv4_addr;\n\s+flags interval;\n\s+elements = \{ 192\.0\.2\.0\/24 \}/);
    expect(script).toMatch(/set emergency_v6 \{[^}]*elements = \{ 2001:db8:911::\/48 \}/);
    expect(fwd).toContain('ether saddr 00:11:22:33:44:55 jump dev_001122334455_from');
    expect(fwd).toContain('ip daddr @dev_001122334455_v4 jump dev_001122334455_to');
  });

  it('renders each ACE with a comment naming it, then a default drop', () => {
    const chain = script.slice(script.indexOf('chain dev_001122334455_from {'), script.indexOf('chain dev_001122334455_to {'));
    const rules = chain.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('meta nfproto'));
    expect(rules).toHaveLength(6);
    rules.forEach((r, i) => expect(r).toContain(`comment "accept acl from-ipv4-smartthings ace from-ipv4-smartthings-${i}"`));
    expect(chain.trim().split('\n').slice(-2)[0]!.trim()).toMatch(/^counter drop comment/);
    expect(chain).toMatch(/ip daddr @dns_[0-9a-f]{8}_v4 tcp dport 443 ct direction original return/);
    expect(chain).toContain('ip daddr 255.255.255.255 ip daddr @local_v4 udp dport 67 ether daddr ff:ff:ff:ff:ff:ff return');
  });

  it('declares DNS sets with timeouts and fills class sets from the context', () => {
    expect(script).toMatch(/# dns pool\.ntp\.org\n\s+set dns_[0-9a-f]{8}_v4 \{\n\s+type ipv4_addr;\n\s+flags timeout;\n\s+\}/);
    expect(script).toMatch(/# controller urn:ietf:params:mud:dns\n\s+set ctl_[0-9a-f]{8}_v4 \{[^}]*elements = \{ 192\.168\.1\.1 \}/);
    // 192.168.1.0/24 lies inside 192.168.0.0/16: interval sets must not overlap
    expect(script).toMatch(/set local_v4 \{[^}]*elements = \{ 169\.254\.0\.0\/16, 192\.168\.0\.0\/16, 224\.0\.0\.0\/24, /);
    expect(script).not.toContain('192.168.1.0/24');
    expect(script).toMatch(/set dev_001122334455_v4 \{[^}]*elements = \{ 192\.168\.1\.10 \}/);
  });

  it('uses only valid nft identifiers', () => {
    for (const m of script.matchAll(/\b(?:set|chain) (\S+) \{/g)) expect(m[1]).toMatch(/^[a-z][a-z0-9_]{0,62}$/);
    for (const m of script.matchAll(/@(\S+)/g)) expect(m[1]).toMatch(/^[a-z][a-z0-9_]{0,62}$/);
  });

  it('keys the chains on the placeholder MAC without a device, and lists non-IP ACEs as comments', () => {
    const s = renderNft([compileProfile(load('mud/mud-visualizer/amazonEchoMud.json'))]);
    const hex = NFT_PLACEHOLDER_MAC.replace(/:/g, '');
    expect(s).toContain(`ether saddr ${NFT_PLACEHOLDER_MAC} jump dev_${hex}_from`);
    expect(s).toMatch(/# ACE from-ethernet-amazonecho-1 of ACL from-ethernet-amazonecho: non-IP frames \(ethertype 0x888e\)/);
  });

  it('refuses two policies for one device', () => {
    const p = compileProfile(st, { deviceMac: '00:11:22:33:44:55' });
    expect(() => renderNft([p, compileProfile(st, { deviceMac: '00:11:22:33:44:55' })])).toThrow();
  });

  it('renders the same output as before without guard or quarantine', () => {
    const p = compileProfile(st, { deviceMac: '00:11:22:33:44:55' });
    const plain = renderNft([p]);
    expect(renderNft([p], { guard: false, quarantine: [], gatewayAddresses: ['192.168.1.1'] })).toBe(plain);
    expect(plain).not.toContain('@alive');
    expect(plain).not.toContain('chain input');
  });

  it('guards every drop with the liveness set, and only the drops', () => {
    const g = renderNft([compileProfile(load('mud/mud-visualizer/amazonEchoMud.json'), { deviceMac: '00:11:22:33:44:55' })], { guard: true });
    expect(g).toMatch(/set alive \{\n\s+type mark;\n\s+flags timeout;\n\s+\}/);
    const drops = g.split('\n').filter((l) => / (drop|reject) comment/.test(l));
    expect(drops.length).toBeGreaterThan(1);
    for (const l of drops) expect(l).toContain('meta mark & 0x00000000 @alive ');
    for (const l of g.split('\n').filter((x) => / return comment/.test(x))) expect(l).not.toContain('@alive');
  });

  it('holds a quarantined device to gateway services, in forward and input', () => {
    const p = compileProfile(st, { deviceMac: '00:11:22:33:44:55' });
    const { script: q, sets } = renderNftTable([p], { guard: true, quarantine: [0x0200000000c0, 0x001122334455], gatewayAddresses: ['192.168.1.1', 'fd00::1'] });
    const from = q.slice(q.indexOf('chain dev_0200000000c0_from {'), q.indexOf('chain dev_0200000000c0_to {'));
    expect(from).toMatch(/fib daddr type \{ local, broadcast \} udp sport 68 udp dport 67 return/);
    expect(from).toMatch(/fib daddr type local udp dport \{ 53, 123 \} return/);
    expect(from).toMatch(/ip daddr @gateway_v4 tcp dport 53 return/);
    expect(from).toMatch(/ip6 daddr @gateway_v6 udp dport \{ 53, 123 \} return/);
    expect(from).toMatch(/icmpv6 type \{ nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert \} return/);
    expect(from.trim().split('\n').at(-2)!.trim()).toBe('meta mark & 0x00000000 @alive counter drop comment "edgeward: quarantined (no MUD profile, or held by an operator)"');
    expect(q).toMatch(/set gateway_v4 \{[^}]*elements = \{ 192\.168\.1\.1 \}/);
    expect(q).toMatch(/chain input \{\n\s+type filter hook input priority filter; policy accept;\n\s+ether saddr 02:00:00:00:00:c0 jump dev_0200000000c0_from\n\s+\}/);
    expect(q).toContain('ip daddr @dev_0200000000c0_v4 jump dev_0200000000c0_to');
    // a MAC with a profile keeps its profile
    expect(q.match(/chain dev_001122334455_from \{/g)).toHaveLength(1);
    expect(sets).toEqual(expect.arrayContaining(['alive', 'emergency_v4', 'gateway_v6', 'dev_0200000000c0_v4', dnsSetName('pool.ntp.org', 4)]));
    for (const m of q.matchAll(/\bset (\S+) \{/g)) expect(sets).toContain(m[1]);
  });

  it('names a DNS set whatever the case or final dot of the name', () => {
    expect(dnsSetName('Pool.NTP.org.', 4)).toBe(dnsSetName('pool.ntp.org', 4));
    expect(script).toContain(`set ${dnsSetName('pool.ntp.org', 4)} {`);
  });
});
