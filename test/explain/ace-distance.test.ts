// How far a flow is from an ACE (policies/compile/ace-distance.ts): every way a flow can miss an
// ACE is named by a stable code with what the ACE wanted and what the flow had; the nearest ACE it
// finds is the one CompiledPolicy.decide names; and explainDenial tells a matched drop ACE from the
// implicit deny. Codes are asserted, never the text (one test checks every code has a text).
import { describe, expect, it } from 'vitest';
import {
  ACE_DIFFERENCES, aceDistance, compileProfile, differenceText, nearestAce, parseIpAddress, parseMud, policyAddressTest,
  type AceDifferenceCode, type FlowQuery, type MudProfile, type PolicyContext, type RuleSpec,
} from '../../policies/index.js';
import { explainDenial } from '../../gateway/explain/denial-detail.js';

type AceJson = { name: string; matches: object; actions?: object };

const DEVICE = '02:00:00:00:00:10';
const GATEWAY = '192.168.1.1';
const CLOUD_IP = '203.0.113.10';
const TS = 1_000_000_000;

function profile(from: AceJson[], to: AceJson[]): MudProfile {
  const acl = (name: string, aces: AceJson[]) => ({ name, type: 'ipv4-acl-type', aces: { ace: aces.map((a) => ({ actions: { forwarding: 'accept' }, ...a })) } });
  const doc = {
    'ietf-mud:mud': {
      'mud-version': 1, 'mud-url': 'https://example.com/thing', 'last-update': '2024-01-01T00:00:00Z', 'is-supported': true, 'cache-validity': 48,
      systeminfo: 'distance test device',
      'from-device-policy': { 'access-lists': { 'access-list': [{ name: 'fr' }] } },
      'to-device-policy': { 'access-lists': { 'access-list': [{ name: 'to' }] } },
    },
    'ietf-access-control-list:acls': { acl: [acl('fr', from), acl('to', to)] },
  };
  const r = parseMud(JSON.stringify(doc));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

const PROFILE = profile([
  { name: 'cloud', matches: { ipv4: { protocol: 6, 'ietf-acldns:dst-dnsname': 'cloud.example.com' }, tcp: { 'destination-port': { operator: 'eq', port: 443 }, 'ietf-mud:direction-initiated': 'from-device' } } },
  { name: 'ntp', matches: { 'ietf-mud:mud': { controller: 'urn:ietf:params:mud:ntp' }, ipv4: { protocol: 17 }, udp: { 'destination-port': { operator: 'eq', port: 123 } } } },
  { name: 'lan-web', matches: { 'ietf-mud:mud': { 'local-networks': [null] }, ipv4: { protocol: 6 }, tcp: { 'destination-port': { 'lower-port': 8080, 'upper-port': 8090 } } } },
  { name: 'net-not-telnet', matches: { ipv4: { protocol: 6, 'destination-ipv4-network': '198.51.100.0/24' }, tcp: { 'destination-port': { operator: 'neq', port: 23 } } } },
  { name: 'no-quic', matches: { ipv4: { protocol: 17, 'destination-ipv4-network': '198.51.100.0/24' }, udp: { 'destination-port': { operator: 'eq', port: 443 } } }, actions: { forwarding: 'drop' } },
  { name: 'vendor-peers', matches: { 'ietf-mud:mud': { manufacturer: 'nobody.example' }, ipv4: { protocol: 6 } } },
], [
  { name: 'cloud-back', matches: { ipv4: { protocol: 6, 'ietf-acldns:src-dnsname': 'cloud.example.com' }, tcp: { 'source-port': { operator: 'eq', port: 443 } } } },
  { name: 'lan-rtsp', matches: { 'ietf-mud:mud': { 'local-networks': [null] }, ipv4: { protocol: 6 }, tcp: { 'destination-port': { operator: 'eq', port: 554 }, 'ietf-mud:direction-initiated': 'to-device' } } },
]);

const CONTEXT: PolicyContext = { deviceMac: DEVICE, localNetworks: ['192.168.1.0/24'], services: { ntp: [GATEWAY], dns: [GATEWAY] } };

function policy(ctx: PolicyContext = CONTEXT) {
  const p = compileProfile(PROFILE, ctx);
  const w = parseIpAddress(CLOUD_IP)!.words;
  p.onDnsAnswer('cloud.example.com', 4, w[0], 0, 0, 0, 300, TS);
  return p;
}

function q(peer: string, proto: number, peerPort: number, extra: Partial<FlowQuery> = {}): FlowQuery {
  const a = parseIpAddress(peer)!;
  const d = parseIpAddress('192.168.1.20')!;
  return {
    direction: 'from-device', family: a.family, peer0: a.words[0], peer1: a.words[1], peer2: a.words[2], peer3: a.words[3],
    device0: d.words[0], device1: 0, device2: 0, device3: 0,
    proto, devicePort: 40000, peerPort, initiatedByDevice: true, ts: TS + 1_000_000, ...extra,
  };
}

const spec = (ace: string, dir: 'from-device' | 'to-device' = 'from-device'): RuleSpec =>
  (dir === 'from-device' ? policy().rules.fromDevice : policy().rules.toDevice).find((s) => s.ace === ace)!;
/** The names the DNS cache would hold for a peer address. */
const namesOf = (peer: string): string[] => (peer === CLOUD_IP ? ['cloud.example.com'] : peer === '203.0.113.99' ? ['a.example.net'] : []);
const dist = (ace: string, f: FlowQuery, names = namesOf(CLOUD_IP), ctx?: PolicyContext) =>
  aceDistance(spec(ace, f.direction), f, policyAddressTest(policy(ctx), names));
const codes = (f: FlowQuery, ace: string, names?: string[]) => dist(ace, f, names).differences.map((d) => d.code);

describe('aceDistance', () => {
  it('is 0 with no difference for a flow the ACE matches', () => {
    expect(dist('cloud', q(CLOUD_IP, 6, 443))).toEqual({ distance: 0, differences: [] });
    expect(dist('lan-web', q('192.168.1.50', 6, 8085), [])).toEqual({ distance: 0, differences: [] });
    expect(dist('net-not-telnet', q('198.51.100.7', 6, 22), [])).toEqual({ distance: 0, differences: [] });
  });

  it('port: the peer port outside an exact port, a range, or on the excluded port; and the device port', () => {
    expect(dist('cloud', q(CLOUD_IP, 6, 8080)).differences).toEqual([{ code: 'peer-port', want: '443', have: '8080' }]);
    expect(dist('lan-web', q('192.168.1.50', 6, 9000), []).differences).toEqual([{ code: 'peer-port', want: '8080-8090', have: '9000' }]);
    expect(dist('net-not-telnet', q('198.51.100.7', 6, 23), []).differences).toEqual([{ code: 'peer-port', want: 'not 23', have: '23' }]);
    const inbound = q('192.168.1.50', 6, 50000, { direction: 'to-device', devicePort: 80, initiatedByDevice: false });
    expect(dist('lan-rtsp', inbound, []).differences).toEqual([{ code: 'device-port', want: '554', have: '80' }]);
  });

  it('name: a dnsname ACE and a peer address no answer for that name gave (with the names it did have)', () => {
    expect(dist('cloud', q('203.0.113.99', 6, 443), ['a.example.net']).differences).toEqual([{ code: 'peer-name', want: 'cloud.example.com', have: 'a.example.net' }]);
    const none = dist('cloud', q('203.0.113.98', 6, 443), []).differences;
    expect(none.map((d) => d.code)).toEqual(['peer-name']);
    expect(none[0]!.have).toContain('203.0.113.98');
  });

  it('direction: direction-initiated wants the device and the peer opened it, or the opener was not seen', () => {
    expect(dist('cloud', q(CLOUD_IP, 6, 443, { initiatedByDevice: false })).differences).toEqual([{ code: 'direction-initiated', want: 'the device', have: 'the peer' }]);
    expect(dist('cloud', q(CLOUD_IP, 6, 443, { initiatedByDevice: null })).differences).toEqual([{ code: 'direction-initiated', want: 'the device', have: 'unknown' }]);
    // And inbound, an ACE for connections the peer opens, met by one the device opened.
    const inbound = q('192.168.1.50', 6, 50000, { direction: 'to-device', devicePort: 554, initiatedByDevice: true });
    expect(dist('lan-rtsp', inbound, []).differences).toEqual([{ code: 'direction-initiated', want: 'the peer', have: 'the device' }]);
  });

  it('protocol: udp to a tcp ACE (the port still counts on its own)', () => {
    expect(dist('cloud', q(CLOUD_IP, 17, 443)).differences).toEqual([{ code: 'protocol', want: 'tcp', have: 'udp' }]);
    expect(codes(q(CLOUD_IP, 17, 444), 'cloud')).toEqual(['protocol', 'peer-port']);
  });

  it('peer network and peer class; a class nothing stands for here is flagged', () => {
    expect(dist('net-not-telnet', q('192.0.2.1', 6, 22), []).differences).toEqual([{ code: 'peer-network', want: '198.51.100.0/24', have: '192.0.2.1' }]);
    expect(dist('ntp', q('192.0.2.1', 17, 123), []).differences).toEqual([{ code: 'peer-class', want: 'controller urn:ietf:params:mud:ntp', have: '192.0.2.1' }]);
    // No NTP server configured: the class is empty, and the difference says so.
    const d = dist('ntp', q(GATEWAY, 17, 123), [], { deviceMac: DEVICE, localNetworks: ['192.168.1.0/24'] }).differences;
    expect(d).toEqual([{ code: 'peer-class', want: 'controller urn:ietf:params:mud:ntp', have: GATEWAY, emptyClass: true }]);
    expect(dist('vendor-peers', q('192.168.1.9', 6, 1), []).differences).toMatchObject([{ code: 'peer-class', emptyClass: true }]);
    expect(dist('ntp', q(GATEWAY, 17, 123), [])).toEqual({ distance: 0, differences: [] });
  });

  it('weighs a family mismatch 100 and every other condition 1, and lists every failed condition', () => {
    const v6 = dist('cloud', q('2001:db8::1', 6, 443), []);
    expect(v6.differences.map((d) => d.code)).toEqual(['family', 'peer-name']);
    expect(v6.distance).toBe(101);
    const many = dist('cloud', q('203.0.113.99', 17, 80, { initiatedByDevice: false }), ['a.example.net']);
    expect(many.differences.map((d) => d.code)).toEqual(['protocol', 'peer-port', 'direction-initiated', 'peer-name']);
    expect(many.distance).toBe(4);
  });

  it('every code is documented and has a line of text', () => {
    const all = Object.keys(ACE_DIFFERENCES) as AceDifferenceCode[];
    expect(all.length).toBeGreaterThanOrEqual(16);
    for (const code of all) {
      expect(ACE_DIFFERENCES[code].length).toBeGreaterThan(20);
      expect(differenceText({ code, want: 'W', have: 'H' }).length).toBeGreaterThan(5);
    }
  });
});

describe('nearestAce', () => {
  it('names the ACE CompiledPolicy.decide names for every implicit deny, and finds distance 0 for the ACE that allowed', () => {
    const p = policy();
    const peers = [CLOUD_IP, '203.0.113.99', GATEWAY, '192.168.1.50', '198.51.100.7', '192.0.2.1'];
    let denied = 0;
    let allowed = 0;
    for (const direction of ['from-device', 'to-device'] as const) {
      for (const peer of peers) {
        for (const proto of [6, 17]) {
          for (const port of [23, 123, 443, 554, 8080, 8443]) {
            for (const init of [true, false, null]) {
              const f = direction === 'from-device'
                ? q(peer, proto, port, { initiatedByDevice: init })
                : q(peer, proto, 50000, { direction, devicePort: port, initiatedByDevice: init });
              const v = p.decide(f);
              const specs = direction === 'from-device' ? p.rules.fromDevice : p.rules.toDevice;
              const test = policyAddressTest(p, namesOf(peer));
              if (v.allowed) {
                allowed++;
                expect(aceDistance(specs.find((s) => s.ace === v.ace)!, f, test).distance).toBe(0);
              } else if (v.action === undefined) {
                denied++;
                expect(nearestAce(specs, f, test)?.spec.ace).toBe(v.nearestAce);
                expect(nearestAce(specs, f, test)!.distance).toBeGreaterThan(0);
              }
            }
          }
        }
      }
    }
    expect(denied).toBeGreaterThan(200);
    expect(allowed).toBeGreaterThan(10);
  });

  it('is null when the direction has no enabled ACE', () => {
    expect(nearestAce([], q(CLOUD_IP, 6, 443), policyAddressTest(policy()))).toBeNull();
  });
});

describe('explainDenial', () => {
  it('a matched drop ACE denied the flow: no differences', () => {
    const p = policy();
    const f = q('198.51.100.7', 17, 443);
    const v = p.decide(f);
    expect(v).toMatchObject({ allowed: false, action: 'drop', nearestAce: 'no-quic' });
    const d = explainDenial(p, f, 'fr', 'no-quic', []);
    expect(d).toMatchObject({ deniedBy: 'drop', differences: [] });
    expect(d.nearest?.ace).toBe('no-quic');
  });

  it('the implicit deny is explained against the nearest accept ACE, not a drop ACE the verdict may name', () => {
    const p = policy();
    // UDP to 198.51.100.7:23 is one condition (port) from the drop ACE, two from any accept ACE: the verdict names the drop ACE.
    const f = q('198.51.100.7', 17, 23);
    const v = p.decide(f);
    expect(v).toMatchObject({ allowed: false, nearestAce: 'no-quic' });
    expect(v.allowed === false && v.action).toBeUndefined();
    const d = explainDenial(p, f, 'fr', 'no-quic', []);
    expect(d.deniedBy).toBe('implicit-deny');
    expect(d.nearest?.action).toBe('accept');
    // Two conditions from 'ntp' (port, class) and from 'net-not-telnet' (protocol, port): the first wins.
    expect(d.nearest?.ace).toBe('ntp');
    expect(d.differences.map((x) => x.code)).toEqual(['peer-port', 'peer-class']);
  });

  it('a flow the nearest ACE matches now was judged on other DNS answers: state-changed', () => {
    const d = explainDenial(policy(), q(CLOUD_IP, 6, 443), 'fr', 'cloud', ['cloud.example.com']);
    expect(d.differences.map((x) => x.code)).toEqual(['state-changed']);
  });
});
