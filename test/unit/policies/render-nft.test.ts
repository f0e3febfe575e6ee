// The nftables script's shape: own table replaced atomically, emergency sets accepted first,
// device chains with ACE rules (comments naming ACL and ACE) and a final drop, DNS sets with
// timeouts, valid identifiers, and class sets filled from the context.
import { describe, expect, it } from 'vitest';
import { compileProfile, parseMud, renderNft, NFT_PLACEHOLDER_MAC, type MudProfile } from '../../../policies/index.js';
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
});
