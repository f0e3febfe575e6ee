// Verdict semantics on hand-built profiles: first match, drop/reject ACEs, the implicit deny and
// its nearest ACE, port operators, direction-initiated, DNS answers with TTL and a cap, the
// emergency allow-list, MAC masks, device-side networks; verdicts are precomputed objects.
import { describe, expect, it } from 'vitest';
import {
  compileProfile, EMERGENCY_ACE, EMERGENCY_ACL, parseIpAddress, parseMud, type FlowQuery, type MudProfile, type PolicyContext,
} from '../../../policies/index.js';

type AceJson = { name: string; matches?: object; actions?: object };

/** A profile with one from-device ACL and one to-device ACL of the given ACEs. */
function profile(from: AceJson[], to: AceJson[] = [], type = 'ipv4-acl-type'): MudProfile {
  const acl = (name: string, aces: AceJson[]) => ({
    name, type, aces: { ace: aces.map((a) => ({ actions: { forwarding: 'accept' }, ...a })) },
  });
  const doc = {
    'ietf-mud:mud': {
      'mud-version': 1, 'mud-url': 'https://example.com/thing', 'last-update': '2024-01-01T00:00:00Z', 'is-supported': true,
      'from-device-policy': { 'access-lists': { 'access-list': [{ name: 'fr' }] } },
      'to-device-policy': { 'access-lists': { 'access-list': [{ name: 'to' }] } },
    },
    'ietf-access-control-list:acls': { acl: [acl('fr', from), acl('to', to)] },
  };
  const r = parseMud(JSON.stringify(doc));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

function flow(peer: string, proto: number, devicePort: number, peerPort: number, extra: Partial<FlowQuery> = {}): FlowQuery {
  const a = parseIpAddress(peer)!;
  return {
    direction: 'from-device', family: a.family, peer0: a.words[0], peer1: a.words[1], peer2: a.words[2], peer3: a.words[3],
    proto, devicePort, peerPort, initiatedByDevice: true, ...extra,
  };
}
const words = (t: string) => parseIpAddress(t)!.words;
const udpTo = (net: string, port: object) => ({ ipv4: { protocol: 17, 'destination-ipv4-network': net }, udp: { 'destination-port': port } });

describe('CompiledPolicy.decide', () => {
  it('takes the first matching ACE, and reports drop and reject ACEs', () => {
    const p = compileProfile(profile([
      { name: 'no-google-dns', matches: udpTo('8.8.8.8/32', { port: 53 }), actions: { forwarding: 'drop' } },
      { name: 'no-quad9', matches: udpTo('9.9.9.9/32', { port: 53 }), actions: { forwarding: 'reject' } },
      { name: 'any-dns', matches: { ipv4: { protocol: 17 }, udp: { 'destination-port': { port: 53 } } } },
    ]));
    expect(p.decide(flow('8.8.8.8', 17, 5353, 53))).toMatchObject({ allowed: false, acl: 'fr', nearestAce: 'no-google-dns', action: 'drop' });
    expect(p.decide(flow('9.9.9.9', 17, 5353, 53))).toMatchObject({ allowed: false, nearestAce: 'no-quad9', action: 'reject' });
    expect(p.decide(flow('1.1.1.1', 17, 5353, 53))).toEqual({ allowed: true, acl: 'fr', ace: 'any-dns' });
  });

  it('denies what no ACE matches, naming the nearest ACE', () => {
    const p = compileProfile(profile([
      { name: 'ntp', matches: udpTo('192.0.2.1/32', { port: 123 }) },
      { name: 'https', matches: { ipv4: { protocol: 6, 'destination-ipv4-network': '192.0.2.2/32' }, tcp: { 'destination-port': { port: 443 } } } },
    ]));
    const v = p.decide(flow('192.0.2.2', 6, 40000, 80));
    expect(v).toMatchObject({ allowed: false, acl: 'fr', nearestAce: 'https' });
    expect(v.allowed === false && v.action).toBeUndefined();
    expect(p.decide(flow('192.0.2.9', 17, 40000, 123))).toMatchObject({ allowed: false, nearestAce: 'ntp' });
    expect(p.decide({ ...flow('192.0.2.2', 6, 40000, 443), direction: 'to-device' })).toMatchObject({ allowed: false });
  });

  it('applies the port operators and ranges (RFC 8519 §4.1)', () => {
    const port = (name: string, p: object) => ({ name, matches: { ipv4: { protocol: 6 }, tcp: { 'destination-port': p } } });
    const cases: [object, number[], number[]][] = [
      [{ operator: 'lte', port: 1023 }, [0, 1023], [1024]],
      [{ operator: 'gte', port: 1024 }, [1024, 65535], [1023]],
      [{ operator: 'neq', port: 23 }, [22, 24], [23]],
      [{ 'lower-port': 8000, 'upper-port': 8080 }, [8000, 8080], [7999, 8081]],
      [{ port: 443 }, [443], [444]],
    ];
    for (const [spec, yes, no] of cases) {
      const p = compileProfile(profile([port('p', spec)]));
      for (const n of yes) expect(p.decide(flow('192.0.2.1', 6, 40000, n)).allowed, `${JSON.stringify(spec)} ${n}`).toBe(true);
      for (const n of no) expect(p.decide(flow('192.0.2.1', 6, 40000, n)).allowed, `${JSON.stringify(spec)} ${n}`).toBe(false);
      expect(p.decide(flow('192.0.2.1', 17, 40000, yes[0]!)).allowed).toBe(false);
    }
  });

  it('holds TCP ACEs to the direction the connection was initiated (RFC 8520 §4.1)', () => {
    const p = compileProfile(profile(
      [{ name: 'out', matches: { ipv4: { protocol: 6 }, tcp: { 'destination-port': { port: 443 }, 'ietf-mud:direction-initiated': 'from-device' } } }],
      [{ name: 'in', matches: { ipv4: { protocol: 6 }, tcp: { 'destination-port': { port: 80 }, 'ietf-mud:direction-initiated': 'to-device' } } }],
    ));
    expect(p.decide(flow('192.0.2.1', 6, 40000, 443, { initiatedByDevice: true })).allowed).toBe(true);
    expect(p.decide(flow('192.0.2.1', 6, 40000, 443, { initiatedByDevice: false })).allowed).toBe(false);
    expect(p.decide(flow('192.0.2.1', 6, 40000, 443, { initiatedByDevice: null })).allowed).toBe(false);
    const inbound = flow('192.0.2.1', 6, 80, 50000, { direction: 'to-device', initiatedByDevice: false });
    expect(p.decide(inbound)).toEqual({ allowed: true, acl: 'to', ace: 'in' });
    expect(p.decide({ ...inbound, initiatedByDevice: true }).allowed).toBe(false);
  });

  it('matches DNS names through answers, until TTL plus grace runs out', () => {
    const p = compileProfile(profile(
      [{ name: 'cloud', matches: { ipv6: { protocol: 6, 'ietf-acldns:dst-dnsname': 'Cloud.Example.com' }, tcp: { 'destination-port': { port: 443 } } } }],
      [], 'ipv6-acl-type',
    ), { dnsGraceSeconds: 10 });
    const [w0, w1, w2, w3] = words('2001:db8::443');
    const f = flow('2001:db8::443', 6, 40000, 443, { ts: 5_000_000 });
    expect(p.decide(f).allowed).toBe(false);
    expect(p.dnsNames).toEqual(['cloud.example.com']);
    expect(p.onDnsAnswer('other.example.com', 6, w0, w1, w2, w3, 60, 1_000_000)).toBe(false);
    expect(p.onDnsAnswer('CLOUD.example.com.', 6, w0, w1, w2, w3, 60, 1_000_000)).toBe(true);
    expect(p.decide(f)).toEqual({ allowed: true, acl: 'fr', ace: 'cloud' });
    expect(p.decide({ ...f, ts: 1_000_000 + 70 * 1e6 }).allowed).toBe(true); // within TTL + grace
    expect(p.decide({ ...f, ts: 1_000_000 + 71 * 1e6 }).allowed).toBe(false);
    const other = words('2001:db8::444');
    expect(p.decide({ ...f, peer3: other[3] }).allowed).toBe(false);
  });

  it('caps the addresses kept per DNS name, evicting the oldest', () => {
    const p = compileProfile(profile([{ name: 'n', matches: { ipv4: { 'ietf-acldns:dst-dnsname': 'a.example' } } }]), { dnsMaxAddressesPerName: 2 });
    for (const a of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) p.onDnsAnswer('a.example', 4, words(a)[0], 0, 0, 0, 300, 1);
    expect(p.dnsEvictions).toBe(1);
    expect(p.decide(flow('192.0.2.1', 17, 1, 2)).allowed).toBe(false);
    expect(p.decide(flow('192.0.2.3', 17, 1, 2)).allowed).toBe(true);
  });

  it('allows the emergency allow-list before any ACE, both ways', () => {
    const ctx: PolicyContext = { emergency: ['203.0.113.0/24', '2001:db8:911::/48'] };
    const p = compileProfile(profile([{ name: 'x', matches: { ipv4: { protocol: 132 } }, actions: { forwarding: 'drop' } }]), ctx);
    const e = { allowed: true, acl: EMERGENCY_ACL, ace: EMERGENCY_ACE };
    expect(p.decide(flow('203.0.113.9', 132, -1, -1))).toEqual(e);
    expect(p.decide(flow('203.0.113.9', 6, 1, 2, { direction: 'to-device' }))).toEqual(e);
    expect(p.decide(flow('2001:db8:911::1', 17, 1, 2))).toEqual(e);
    expect(p.decide(flow('203.0.114.9', 132, -1, -1)).allowed).toBe(false);
  });

  it('matches MAC addresses under their masks, and device-side networks', () => {
    const p = compileProfile(profile([
      { name: 'mcast', matches: { ipv4: { protocol: 17 }, eth: { 'destination-mac-address': '01:00:5e:00:00:00', 'destination-mac-address-mask': 'ff:ff:ff:80:00:00' } } },
      { name: 'from-lan', matches: { ipv4: { protocol: 6, 'source-ipv4-network': '192.168.1.0/24' } } },
    ]));
    expect(p.decide(flow('239.1.2.3', 17, 1, 2, { peerMac: 0x01005e010203 }))).toMatchObject({ allowed: true, ace: 'mcast' });
    expect(p.decide(flow('239.1.2.3', 17, 1, 2, { peerMac: 0x01005e810203 })).allowed).toBe(false);
    expect(p.decide(flow('239.1.2.3', 17, 1, 2)).allowed).toBe(false);
    expect(p.decide(flow('192.0.2.1', 6, 1, 2, { device0: words('192.168.1.7')[0] }))).toMatchObject({ allowed: true, ace: 'from-lan' });
    expect(p.decide(flow('192.0.2.1', 6, 1, 2, { device0: words('10.0.0.7')[0] })).allowed).toBe(false);
    expect(p.decide(flow('192.0.2.1', 6, 1, 2)).allowed).toBe(false);
  });

  it('never credits an accept ACE that carries an unenforceable match', () => {
    const p = compileProfile(profile([{ name: 'ttl', matches: { ipv4: { protocol: 17, ttl: 1 } } }]));
    expect(p.decide(flow('192.0.2.1', 17, 1, 2)).allowed).toBe(false);
  });

  it('returns precomputed verdict objects (no allocation per decision)', () => {
    const p = compileProfile(profile([{ name: 'ntp', matches: udpTo('192.0.2.1/32', { port: 123 }) }]));
    const ok = flow('192.0.2.1', 17, 40000, 123);
    const bad = flow('192.0.2.1', 17, 40000, 124);
    expect(p.decide(ok)).toBe(p.decide(ok));
    expect(p.decide(bad)).toBe(p.decide(bad));
    expect(Object.isFrozen(p.decide(ok))).toBe(true);
  });
});
