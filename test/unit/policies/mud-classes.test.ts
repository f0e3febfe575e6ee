// The RFC 8520 §8 MUD classes, one test each, on the NIST and mud-visualizer fixtures that use
// them: a peer inside the class is allowed by the named ACE, a peer outside is denied.
import { describe, expect, it } from 'vitest';
import { compileProfile, parseIpAddress, parseMud, type FlowQuery, type MudProfile, type PolicyContext } from '../../../policies/index.js';
import { readFixture } from './helpers/mud-fixtures.js';

function load(file: string): MudProfile {
  const r = parseMud(readFixture(file));
  if (!r.ok) throw new Error(`${file} refused`);
  return r.profile;
}

/** A from-device flow to `peer` (IPv4 or IPv6 text). */
function flow(peer: string, proto: number, devicePort: number, peerPort: number, initiatedByDevice: boolean | null, direction: FlowQuery['direction'] = 'from-device'): FlowQuery {
  const a = parseIpAddress(peer)!;
  const [peer0, peer1, peer2, peer3] = a.words;
  return { direction, family: a.family, peer0, peer1, peer2, peer3, proto, devicePort, peerPort, initiatedByDevice };
}

// vitest types its asymmetric matchers as `any`; these are matchers, nothing more is known.
const allowedBy = (ace: string): unknown => expect.objectContaining({ allowed: true, ace });
const denied: unknown = expect.objectContaining({ allowed: false });

describe('MUD class: controller', () => {
  const profile = load('mud/nist-mud/mudfile-controllerclass-test.json');

  it('maps the class URI to the configured controller addresses', () => {
    const p = compileProfile(profile, { controllers: { 'HTTPS://Controller.NIST.local': ['10.0.0.5', 'fd00::5'] } });
    expect(p.decide(flow('10.0.0.5', 6, 50000, 80, true))).toEqual(allowedBy('ent0-frdev'));
    expect(p.decide(flow('10.0.0.5', 6, 50000, 80, true, 'to-device'))).toEqual(allowedBy('ent0-todev'));
    expect(p.decide(flow('10.0.0.6', 6, 50000, 80, true))).toMatchObject({ allowed: false, nearestAce: 'ent0-frdev' });
  });

  it('matches nothing when the class has no members', () => {
    expect(compileProfile(profile, {}).decide(flow('10.0.0.5', 6, 50000, 80, true))).toEqual(denied);
  });

  it('maps the IANA service URNs to the gateway services', () => {
    const st = load('mud/mud-visualizer/SmartThingsMud.json');
    const p = compileProfile(st, { services: { dns: ['192.168.1.1'], gateway: ['192.168.1.254'] } });
    expect(p.decide(flow('192.168.1.1', 17, 40000, 53, true))).toEqual(allowedBy('from-ipv4-smartthings-1'));
    // to-ipv4-smartthings-4: from the gateway, udp source port 67 (DHCP server to client)
    expect(p.decide(flow('192.168.1.254', 17, 68, 67, null, 'to-device'))).toEqual(allowedBy('to-ipv4-smartthings-4'));
    expect(p.decide(flow('192.168.1.1', 17, 68, 67, null, 'to-device'))).toEqual(denied);
    expect(p.decide(flow('192.168.1.253', 17, 68, 67, null, 'to-device'))).toEqual(denied);
  });
});

describe('MUD class: my-controller', () => {
  const profile = load('mud/mud-visualizer/tester_mycontroller2.json'); // mud-url https://tester2.com/ttt

  it('uses the controllers configured for the device MUD URL', () => {
    const p = compileProfile(profile, { myControllers: { 'https://tester2.com/ttt': ['192.168.1.30'] } });
    expect(p.decide(flow('192.168.1.30', 6, 73, 50000, true))).toEqual(allowedBy('myctl0-frdev'));
    expect(p.decide(flow('192.168.1.31', 6, 73, 50000, true))).toEqual(denied);
  });

  it('follows the MUD URL the device announced, not another device type', () => {
    const other = compileProfile(profile, { myControllers: { 'https://tester2.com/other': ['192.168.1.30'] } });
    expect(other.decide(flow('192.168.1.30', 6, 73, 50000, true))).toEqual(denied);
    const announced = compileProfile(profile, { mudUrl: 'https://tester2.com/other', myControllers: { 'https://tester2.com/other': ['192.168.1.30'] } });
    expect(announced.decide(flow('192.168.1.30', 6, 73, 50000, true))).toEqual(allowedBy('myctl0-frdev'));
  });
});

describe('MUD class: local-networks', () => {
  const profile = load('mud/nist-mud/mudfile-local-networks-test.json');
  const ctx: PolicyContext = { localNetworks: ['192.168.1.0/24', 'fd00:1::/64'] };

  it('matches configured local prefixes only', () => {
    const p = compileProfile(profile, ctx);
    // loc0-frdev: local peer, device source port 80, connection opened by the peer
    expect(p.decide(flow('192.168.1.50', 6, 80, 50000, false))).toEqual(allowedBy('loc0-frdev'));
    expect(p.decide(flow('8.8.8.8', 6, 80, 50000, false))).toEqual(denied);
    expect(p.decide(flow('192.168.2.50', 6, 80, 50000, false))).toEqual(denied);
  });

  it('counts link scopes as local unless switched off', () => {
    expect(compileProfile(profile, ctx).decide(flow('169.254.3.4', 6, 80, 50000, false))).toEqual(allowedBy('loc0-frdev'));
    expect(compileProfile(profile, { ...ctx, linkScopeIsLocal: false }).decide(flow('169.254.3.4', 6, 80, 50000, false))).toEqual(denied);
  });

  it('lets non-IP frames of a local-networks ethernet ACE through', () => {
    const p = compileProfile(load('mud/mud-visualizer/NetatmoCameraMud.json'), ctx);
    const eapol: FlowQuery = { direction: 'from-device', family: 0, peer0: 0, peer1: 0, peer2: 0, peer3: 0, proto: -1, devicePort: -1, peerPort: -1, initiatedByDevice: null, ethertype: 0x888e };
    expect(p.decide(eapol)).toEqual(allowedBy('from-ethernet-netatmocamera-1'));
    expect(p.decide({ ...eapol, ethertype: 0x88cc })).toEqual(denied);
  });
});

describe('MUD class: same-manufacturer', () => {
  const profile = load('mud/nist-mud/mudfile-same-manufacturer-test.json'); // https://same-manufacturer-test.nist.local/super1
  const peers = [
    { mudUrl: 'https://same-manufacturer-test.nist.local/other-model', addresses: ['192.168.1.60', 'fd00:1::60'] },
    { mudUrl: 'https://someone-else.example/x', addresses: ['192.168.1.61'] },
  ];

  it('matches devices whose MUD URL has the same authority', () => {
    const p = compileProfile(profile, { peers });
    expect(p.decide(flow('192.168.1.60', 17, 1000, 2000, null))).toEqual(allowedBy('myman0-frdev'));
    expect(p.decide(flow('192.168.1.61', 17, 1000, 2000, null))).toEqual(denied);
    expect(p.decide(flow('192.168.1.60', 17, 1000, 2000, null, 'to-device'))).toEqual(allowedBy('myman0-todev'));
  });

  it('follows peer updates', () => {
    const p = compileProfile(profile, { peers });
    p.setPeers([{ mudUrl: 'https://same-manufacturer-test.nist.local/super1', addresses: ['192.168.1.61'] }]);
    expect(p.decide(flow('192.168.1.61', 17, 1000, 2000, null))).toEqual(allowedBy('myman0-frdev'));
    expect(p.decide(flow('192.168.1.60', 17, 1000, 2000, null))).toEqual(denied);
  });
});

describe('MUD class: manufacturer', () => {
  const profile = load('mud/nist-mud/mudfile-mfg-test.json');
  const peers = [
    { mudUrl: 'https://toothbrush.nist.local/super1', addresses: ['192.168.1.70'] },
    { mudUrl: 'https://hairbrush.nist.local/super9', addresses: ['192.168.1.71'] },
  ];

  it('matches devices whose MUD URL authority is the named domain', () => {
    const p = compileProfile(profile, { peers });
    expect(p.decide(flow('192.168.1.70', 17, 5000, 8008, null))).toEqual(allowedBy('man0-frdev'));
    expect(p.decide(flow('192.168.1.71', 6, 5000, 8010, true))).toEqual(allowedBy('man1-frdev'));
    expect(p.decide(flow('192.168.1.71', 17, 5000, 8008, null))).toEqual(denied);
    expect(p.decide(flow('192.168.1.72', 17, 5000, 8008, null))).toEqual(denied);
  });
});

describe('MUD class: model', () => {
  const profile = load('mud/nist-mud/mudfile-model-test.json');

  it('matches devices whose MUD URL is exactly the model URI', () => {
    const p = compileProfile(profile, {
      peers: [
        { mudUrl: 'https://toothbrush.nist.local/super1', addresses: ['192.168.1.80'] },
        { mudUrl: 'https://toothbrush.nist.local/super2', addresses: ['192.168.1.81'] },
      ],
    });
    expect(p.decide(flow('192.168.1.80', 17, 5000, 8008, null))).toEqual(allowedBy('man0-frdev'));
    expect(p.decide(flow('192.168.1.81', 17, 5000, 8008, null))).toEqual(denied);
  });
});
