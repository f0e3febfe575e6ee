// The learning rules on small captures built in code: DNS names only from answers seen before the
// flow (the queried name through a CNAME chain), bare addresses otherwise, direction-initiated
// from who opened the connection, the IANA URNs for the gateway's DNS and NTP, local-networks for
// the LAN, DHCP, ICMP by type, IPv6, the long tail, the window and the caps. Every learned profile
// must validate without a warning, and replaying its own capture with it bound must raise nothing.
import { testSensor } from '../helpers/sensor.js';
import { standardPlugins } from '../../gateway/plugins/standard-plugins.js';
import { describe, expect, it } from 'vitest';
import { parseMud } from '../../policies/index.js';
import { LINKTYPE_ETHERNET } from '../../gateway/capture/link-types.js';
import { ProfileLearner } from '../../gateway/learn/profile-learner.js';
import { formatDuration, parseDuration } from '../../gateway/common/duration.js';
import type { LearnedProfile } from '../../gateway/learn/learned-profile.js';
import { LEARN_ERRORS, LearnError } from '../../gateway/learn/learn-errors.js';
import { dhcpClientMessage } from '../../gateway/synth/dhcp-payload.js';
import { PROTO, udp } from '../helpers/frames.js';
import { T0, type TimedFrame } from '../helpers/replay-frames.js';
import {
  DEV_IP, DEV_IP6, DEV_MAC, GW_IP, PHONE_IP, PHONE_MAC, dnsAnswer, learnFrames, packet, ping, replayBound, tcpMidstream, tcpSession, udpExchange, writeCase,
} from './learn-case.js';

/** A JSON object of a learned document. */
type Json = Record<string, unknown>;

/** An ACE of a learned document, as these tests read it: `matches` by kind (ipv4, tcp, …). */
interface Ace {
  name: string;
  matches: Record<string, Record<string, unknown>>;
  actions: Record<string, unknown>;
}

/** The ACLs of a learned document. */
function aclsOf(mud: LearnedProfile['mud']): { name: string; type: string; aces: { ace: Ace[] } }[] {
  return (mud['ietf-access-control-list:acls'] as { acl: { name: string; type: string; aces: { ace: Ace[] } }[] }).acl;
}

/** Every ACE of the document by name, with its ACL's name. */
function aces(mud: LearnedProfile['mud']): Map<string, Ace & { acl: string }> {
  const out = new Map<string, Ace & { acl: string }>();
  for (const acl of aclsOf(mud)) for (const a of acl.aces.ace) out.set(a.name, { ...a, acl: acl.name });
  return out;
}

/** Learns the frames, checks the profile is clean and that its own capture replays without a violation. */
async function learnChecked(frames: TimedFrame[], opts: Parameters<typeof learnFrames>[1] = {}, profileOpts = {}): Promise<LearnedProfile> {
  const learner = await learnFrames(frames, opts);
  const p = learner.profileFor(DEV_MAC, profileOpts);
  const r = parseMud(JSON.stringify(p.mud));
  expect(r.ok).toBe(true);
  expect(r.warnings).toEqual([]);
  expect(p.report.validation).toEqual({ accepted: true, warnings: [], errors: [] });
  const c = writeCase(frames);
  try {
    const { summary } = await replayBound(c.file, DEV_MAC, p.mud, p.report.replayConfig?.policy ?? {});
    expect(summary.alerts.filter((a) => a.rule === 'mud.violation')).toEqual([]);
  } finally {
    c.cleanup();
  }
  return p;
}

describe('profile learner: internet peers', () => {
  it('names a destination by the DNS answer seen before the flow: dst-dnsname from the device, src-dnsname toward it', async () => {
    const p = await learnChecked([...dnsAnswer(1, 'api.vendor.example', ['203.0.113.10']), ...tcpSession(2, DEV_IP, 50000, '203.0.113.10', 443)]);
    const a = aces(p.mud);
    expect(a.get('cl0-frdev')).toMatchObject({
      acl: 'from-ipv4-02-00-00-00-00-50',
      matches: { ipv4: { protocol: 6, 'ietf-acldns:dst-dnsname': 'api.vendor.example' }, tcp: { 'destination-port': { operator: 'eq', port: 443 }, 'ietf-mud:direction-initiated': 'from-device' } },
      actions: { forwarding: 'accept' },
    });
    expect(a.get('cl0-todev')).toMatchObject({
      acl: 'to-ipv4-02-00-00-00-00-50',
      matches: { ipv4: { protocol: 6, 'ietf-acldns:src-dnsname': 'api.vendor.example' }, tcp: { 'source-port': { operator: 'eq', port: 443 } } },
    });
    // The initiator's ephemeral port is not part of the rule, and the reply ACE carries no direction.
    expect(a.get('cl0-frdev')!.matches.tcp['source-port']).toBeUndefined();
    expect(a.get('cl0-todev')!.matches.tcp['ietf-mud:direction-initiated']).toBeUndefined();
    expect(p.report.destinations).toMatchObject({ internet: 1, named: 1, unnamed: 0 });
  });

  it('keeps the address (/32) when the only answer naming it came after the flow, and reports it as unnamed', async () => {
    const p = await learnChecked([...tcpSession(1, DEV_IP, 50001, '198.51.100.7', 8883), ...dnsAnswer(5, 'late.vendor.example', ['198.51.100.7'])]);
    const a = aces(p.mud);
    expect(a.get('cl0-frdev')!.matches.ipv4).toEqual({ protocol: 6, 'destination-ipv4-network': '198.51.100.7/32' });
    expect(a.get('cl0-todev')!.matches.ipv4).toEqual({ protocol: 6, 'source-ipv4-network': '198.51.100.7/32' });
    expect(JSON.stringify(p.mud)).not.toContain('late.vendor.example');
    expect(p.report.unnamed).toEqual([{ address: '198.51.100.7', flows: 1, services: ['tcp/8883'], serverName: null }]);
    expect(p.report.destinations).toMatchObject({ internet: 1, named: 0, unnamed: 1 });
  });

  it('through a CNAME chain, names the destination by the name the device asked for', async () => {
    const p = await learnChecked([
      ...dnsAnswer(1, 'device.vendor.example', ['203.0.113.20'], ['edge.cdn.example', 'lb-7.cdn.example']),
      ...tcpSession(2, DEV_IP, 50002, '203.0.113.20', 443),
    ]);
    expect(aces(p.mud).get('cl0-frdev')!.matches.ipv4['ietf-acldns:dst-dnsname']).toBe('device.vendor.example');
  });

  it('ICMP by type: an echo request out, its reply back', async () => {
    const p = await learnChecked([...ping(1, DEV_IP, '198.51.100.9')]);
    const a = aces(p.mud);
    expect(a.get('cl0-frdev')!.matches).toEqual({ ipv4: { protocol: 1, 'destination-ipv4-network': '198.51.100.9/32' }, icmp: { type: 8 } });
    expect(a.get('cl0-todev')!.matches).toEqual({ ipv4: { protocol: 1, 'source-ipv4-network': '198.51.100.9/32' }, icmp: { type: 0 } });
  });

  it('IPv6 peers go to ipv6-acl-type ACLs with /128 networks', async () => {
    const p = await learnChecked([...tcpSession(1, DEV_IP6, 50003, '2001:db8:ffff::1', 443)]);
    const acls = aclsOf(p.mud);
    expect(acls.map((x) => [x.name, x.type])).toEqual([['from-ipv6-02-00-00-00-00-50', 'ipv6-acl-type'], ['to-ipv6-02-00-00-00-00-50', 'ipv6-acl-type']]);
    expect(aces(p.mud).get('cl0-frdev')!.matches.ipv6).toEqual({ protocol: 6, 'destination-ipv6-network': '2001:db8:ffff::1/128' });
  });

  it('an AAAA answer names an IPv6 destination', async () => {
    const p = await learnChecked([...dnsAnswer(1, 'v6.vendor.example', ['2001:db8:ffff:0:0:0:0:2']), ...tcpSession(2, DEV_IP6, 50004, '2001:db8:ffff::2', 443)]);
    expect(aces(p.mud).get('cl0-frdev')!.matches.ipv6).toEqual({ protocol: 6, 'ietf-acldns:dst-dnsname': 'v6.vendor.example' });
  });
});

describe('profile learner: who opened it', () => {
  it('direction-initiated is the opener: to-device for a LAN app connecting to the device, on the to-device ACE only', async () => {
    const p = await learnChecked([...tcpSession(1, PHONE_IP, 40001, DEV_IP, 80), ...tcpSession(3, PHONE_IP, 40002, DEV_IP, 80)]);
    const a = aces(p.mud);
    expect(a.get('loc0-todev')!.matches).toEqual({
      'ietf-mud:mud': { 'local-networks': [null] }, ipv4: { protocol: 6 },
      tcp: { 'destination-port': { operator: 'eq', port: 80 }, 'ietf-mud:direction-initiated': 'to-device' },
    });
    expect(a.get('loc0-frdev')!.matches.tcp).toEqual({ 'source-port': { operator: 'eq', port: 80 } });
    expect(p.report.entries[0]).toMatchObject({ aces: ['loc0-frdev', 'loc0-todev'], flows: 2, midstream: 0 });
  });

  it('a connection joined mid-conversation gives no direction-initiated, and the server port is the lower one', async () => {
    // The device's port 10000 served a LAN app whose handshake the capture missed; the device speaks first.
    const p = await learnChecked(tcpMidstream(1, PHONE_IP, 51904, DEV_IP, 10000));
    const a = aces(p.mud);
    expect(a.get('loc0-frdev')!.matches.tcp).toEqual({ 'source-port': { operator: 'eq', port: 10000 } });
    expect(a.get('loc0-todev')!.matches.tcp).toEqual({ 'destination-port': { operator: 'eq', port: 10000 } });
    expect(p.report.entries[0]!.midstream).toBe(1);
  });

  it('a cloud connection first seen from the server side keeps direction-initiated on the from-device ACE when another was opened in view', async () => {
    const p = await learnChecked([
      ...dnsAnswer(0.5, 'mqtt.vendor.example', ['203.0.113.30']),
      ...tcpSession(1, DEV_IP, 50010, '203.0.113.30', 443),
      ...tcpMidstream(20, DEV_IP, 50011, '203.0.113.30', 443),
    ]);
    const a = aces(p.mud);
    expect(a.get('cl0-frdev')!.matches.tcp['ietf-mud:direction-initiated']).toBe('from-device');
    expect(a.get('cl0-todev')!.matches.tcp).toEqual({ 'source-port': { operator: 'eq', port: 443 } });
  });

  it('but one joined mid-conversation with the device speaking first drops it: its opener is unknown, and the rule must still match it', async () => {
    const p = await learnChecked([
      ...dnsAnswer(0.5, 'mqtt.vendor.example', ['203.0.113.30']),
      ...tcpSession(1, DEV_IP, 50010, '203.0.113.30', 443),
      ...tcpMidstream(20, '203.0.113.30', 443, DEV_IP, 50011),
    ]);
    expect(aces(p.mud).get('cl0-frdev')!.matches.tcp).toEqual({ 'destination-port': { operator: 'eq', port: 443 } });
    expect(p.report.entries[1]).toMatchObject({ flows: 2, midstream: 1 });
  });
});

describe('profile learner: the LAN and the gateway', () => {
  it('DNS and NTP answered by the gateway become the IANA controller URNs; DHCP a local-networks rule with both ports', async () => {
    const frames: TimedFrame[] = [
      { t: 0, data: packet('0.0.0.0', '255.255.255.255', PROTO.UDP, udp({ sport: 68, dport: 67, payload: Buffer.from('discover') })) },
      { t: 0.01, data: packet(GW_IP, DEV_IP, PROTO.UDP, udp({ sport: 67, dport: 68, payload: Buffer.from('offer') })) },
      ...dnsAnswer(1, 'pool.ntp.example', ['198.51.100.123']),
      ...udpExchange(2, DEV_IP, 40123, GW_IP, 123),
    ];
    const p = await learnChecked(frames);
    const a = aces(p.mud);
    expect(a.get('dhcp0-frdev')!.matches).toEqual({
      'ietf-mud:mud': { 'local-networks': [null] }, ipv4: { protocol: 17 },
      udp: { 'source-port': { operator: 'eq', port: 68 }, 'destination-port': { operator: 'eq', port: 67 } },
    });
    expect(a.get('dhcp0-todev')!.matches.udp).toEqual({ 'source-port': { operator: 'eq', port: 67 }, 'destination-port': { operator: 'eq', port: 68 } });
    expect(a.get('dns0-frdev')!.matches).toEqual({
      'ietf-mud:mud': { controller: 'urn:ietf:params:mud:dns' }, ipv4: { protocol: 17 }, udp: { 'destination-port': { operator: 'eq', port: 53 } },
    });
    expect(a.get('ntp0-todev')!.matches).toEqual({
      'ietf-mud:mud': { controller: 'urn:ietf:params:mud:ntp' }, ipv4: { protocol: 17 }, udp: { 'source-port': { operator: 'eq', port: 123 } },
    });
    expect(p.report.services).toEqual({ dhcp: [GW_IP], dns: [GW_IP], ntp: [GW_IP] });
    // The URNs stand for the DHCP server, which is also the resolver and the clock.
    expect(p.report.replayConfig).toEqual({ policy: { gatewayAddresses: [GW_IP] } });
  });

  it('without a DHCP server in view the URN rules need dnsServers in the policy config, and replay clean with it', async () => {
    const p = await learnChecked([...dnsAnswer(1, 'x.vendor.example', ['203.0.113.40'])]);
    expect(p.report.replayConfig).toEqual({ policy: { dnsServers: [GW_IP] } });
  });

  it('a configured gateway address is a DNS server even before it answers; configured controllers win over local-networks', async () => {
    const p = await learnChecked([...udpExchange(1, DEV_IP, 40000, GW_IP, 53).slice(0, 1), ...tcpSession(2, DEV_IP, 50020, PHONE_IP, 8443)], {
      policy: { gatewayAddresses: [GW_IP], dnsServers: [], ntpServers: [], controllers: { 'https://hub.example/controller': [PHONE_IP] }, myControllers: {}, localNetworks: [] },
    });
    const a = aces(p.mud);
    expect(a.get('dns0-frdev')!.matches['ietf-mud:mud']).toEqual({ controller: 'urn:ietf:params:mud:dns' });
    expect(a.get('ctl0-frdev')!.matches['ietf-mud:mud']).toEqual({ controller: 'https://hub.example/controller' });
  });

  it('LAN peers (unicast, multicast, broadcast) fold into local-networks, one rule per protocol and port', async () => {
    const p = await learnChecked([
      ...udpExchange(1, DEV_IP, 5353, '224.0.0.251', 5353).slice(0, 1),
      ...udpExchange(2, DEV_IP, 41000, PHONE_IP, 9999),
      ...udpExchange(3, DEV_IP, 41001, '192.168.1.21', 9999).slice(0, 1),
      ...udpExchange(4, DEV_IP, 41002, '255.255.255.255', 9999).slice(0, 1),
    ]);
    const entries = p.report.entries.map((e) => [e.aces[0], e.flows, e.text]);
    expect(entries).toEqual([
      ['loc0-frdev', 1, 'udp to local networks port 5353: accept'],
      ['loc1-frdev', 3, 'udp to local networks port 9999: accept'],
    ]);
    expect(p.report.destinations).toMatchObject({ internet: 0, lanHosts: 4 });
  });
});

describe('profile learner: what is left out', () => {
  /** `n` cloud hosts named h0..h<n-1>.cloud.example, the first `busy` contacted twice, the rest once. */
  function manyDestinations(n: number, busy: number): TimedFrame[] {
    const out: TimedFrame[] = [];
    for (let i = 0; i < n; i++) {
      const ip = `203.0.113.${100 + i}`;
      out.push(...dnsAnswer(i * 2, `h${i}.cloud.example`, [ip], [], 30000 + i));
      out.push(...tcpSession(i * 2 + 0.5, DEV_IP, 50100 + i, ip, 443));
      if (i < busy) out.push(...tcpSession(i * 2 + 1, DEV_IP, 51100 + i, ip, 443));
    }
    return out;
  }

  it('the long tail: with more than 20 internet destinations, those met once are reported, not learned', async () => {
    const frames = manyDestinations(25, 3);
    const learner = await learnFrames(frames);
    const p = learner.profileFor(DEV_MAC);
    expect(p.report.rare.map((r) => r.peer)).toEqual([...Array.from({ length: 22 }, (_, i) => `h${i + 3}.cloud.example`)].sort());
    expect(p.report.rare[0]).toEqual({ peer: 'h10.cloud.example', named: true, flows: 1, services: ['tcp/443'], addresses: ['203.0.113.110'] });
    const names = [...aces(p.mud).values()].map((a) => a.matches.ipv4['ietf-acldns:dst-dnsname']).filter(Boolean);
    expect(names).toEqual(['h0.cloud.example', 'h1.cloud.example', 'h2.cloud.example']);
    // 25 DNS lookups (one rule: the gateway's resolver), 28 connections of which 22 go to the tail.
    expect(p.report.flows).toMatchObject({ learned: 53, inProfile: 25 + 3 * 2, rareLeftOut: 22 });
    // --include-rare adds them back; a stricter --min-flows or a higher --tail-after moves the cut.
    expect(learner.profileFor(DEV_MAC, { includeRare: true }).report.entries).toHaveLength(1 + 25);
    expect(learner.profileFor(DEV_MAC, { tailAfter: 25 }).report.rare).toEqual([]);
    expect(learner.profileFor(DEV_MAC, { minFlows: 3 }).report.rare).toHaveLength(25);
  });

  it('twenty destinations met once each are all learned (the tail starts past tailAfter)', async () => {
    const p = (await learnFrames(manyDestinations(20, 0))).profileFor(DEV_MAC);
    expect(p.report.rare).toEqual([]);
    expect(p.report.entries).toHaveLength(20 + 1);
  });

  it('--window: only the first DURATION of the device\'s traffic is learned; later flows are counted', async () => {
    const frames = [
      ...dnsAnswer(10, 'early.vendor.example', ['203.0.113.50']), ...tcpSession(11, DEV_IP, 50200, '203.0.113.50', 443),
      ...dnsAnswer(80, 'late.vendor.example', ['203.0.113.51']), ...tcpSession(81, DEV_IP, 50201, '203.0.113.51', 443),
    ];
    const learner = await learnFrames(frames, { windowSeconds: 60 });
    const p = learner.profileFor(DEV_MAC);
    expect(JSON.stringify(p.mud)).toContain('early.vendor.example');
    expect(JSON.stringify(p.mud)).not.toContain('late.vendor.example');
    expect(p.report.flows).toMatchObject({ learned: 2, afterWindow: 2 });
    expect(p.report.window.limitSeconds).toBe(60);
    expect((p.mud['ietf-mud:mud'] as Json).systeminfo).toBe('learned by edgeward from 2 flows in 1m');
    // Without the window both are learned.
    expect(JSON.stringify((await learnFrames(frames)).profileFor(DEV_MAC).mud)).toContain('late.vendor.example');
  });

  it('the caps bound the state: destinations past maxDestinations are counted, not learned', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 6; i++) frames.push(...tcpSession(i, DEV_IP, 50300 + i, `198.51.100.${10 + i}`, 443));
    const learner = await learnFrames(frames, { maxDestinations: 4 });
    const p = learner.profileFor(DEV_MAC);
    expect(p.report.flows).toMatchObject({ learned: 4, overCap: 2 });
    expect(learner.stateSize()).toBeLessThanOrEqual(4 * 2 + 16);
  });
});

describe('profile learner: the profile itself', () => {
  it('carries the RFC 8520 metadata: mud-version 1, an https placeholder mud-url, last-update in packet time, cache-validity 48', async () => {
    const learner = await learnFrames([...tcpSession(1, DEV_IP, 50400, '198.51.100.1', 443)]);
    const mud = learner.profileFor(DEV_MAC).mud['ietf-mud:mud'] as Json;
    expect(mud).toMatchObject({
      'mud-version': 1, 'mud-url': 'https://example.invalid/mud/02-00-00-00-00-50.json', 'last-update': '2026-01-01T00:00:01.070Z',
      'cache-validity': 48, 'is-supported': true, systeminfo: 'learned by edgeward from 1 flows in 0s',
    });
    const given = learner.profileFor(DEV_MAC, { mudUrl: 'https://vendor.example/mud/plug-v2.json' });
    expect((given.mud['ietf-mud:mud'] as Json)['mud-url']).toBe('https://vendor.example/mud/plug-v2.json');
    expect(given.report.mudUrlSource).toBe('given');
    expect(((given.mud['ietf-access-control-list:acls'] as Json).acl as Json[])[0]!.name).toBe('from-ipv4-plug-v2');
  });

  it('takes the MUD URL the device announced in DHCP option 161, unless it is not https', async () => {
    const discover = (url: string): TimedFrame => ({
      t: 0,
      data: packet('0.0.0.0', '255.255.255.255', PROTO.UDP, udp({ sport: 68, dport: 67, payload: dhcpClientMessage({ mac: DEV_MAC, hostname: 'plug', vendorClass: 'x', params: [1, 3, 6], mudUrl: url }, 1) })),
    });
    const https = (await learnFrames([discover('https://vendor.example/mud/plug.json')])).profileFor(DEV_MAC);
    expect((https.mud['ietf-mud:mud'] as Json)['mud-url']).toBe('https://vendor.example/mud/plug.json');
    expect(https.report.mudUrlSource).toBe('announced');
    const http = (await learnFrames([discover('http://vendor.example/mud/plug.json')])).profileFor(DEV_MAC);
    expect(http.report).toMatchObject({ mudUrlSource: 'placeholder', announcedMudUrl: 'http://vendor.example/mud/plug.json', validation: { warnings: [] } });
  });

  it('a device not being learned is a LearnError with a stable code', async () => {
    const learner = await learnFrames([]);
    expect(() => learner.profileFor('02:00:00:00:00:99')).toThrow(LearnError);
    try { learner.profileFor('02:00:00:00:00:99'); } catch (e) { expect((e as LearnError).code).toBe('learn.not-learned'); }
    expect(() => learner.watch('not-a-mac')).toThrow(expect.objectContaining({ code: 'learn.bad-mac' }));
    expect(Object.keys(LEARN_ERRORS).sort()).toEqual(['learn.bad-mac', 'learn.not-learned']);
  });
});

describe('profile learner: live', () => {
  it('runs as a detector beside the others and answers profileFor() while it keeps learning (the daemon\'s policy.learn)', () => {
    const engine = testSensor(standardPlugins({ learn: { devices: [DEV_MAC, PHONE_MAC] } }));
    const pipeline = engine.pipeline;
    const learner = engine.plugin<ProfileLearner>('profileLearner')!;
    const feed = (frames: TimedFrame[]): void => {
      for (const f of frames) pipeline.handle(f.data, 0, f.data.length, f.data.length, T0 + Math.round(f.t * 1e6), LINKTYPE_ETHERNET, 0);
    };
    feed([...dnsAnswer(1, 'a.vendor.example', ['203.0.113.60']), ...tcpSession(2, DEV_IP, 50500, '203.0.113.60', 443)]);
    const early = learner.profileFor(DEV_MAC);
    expect(early.report.flows.learned).toBe(2);
    feed([...tcpSession(3, PHONE_IP, 40500, DEV_IP, 80)]);
    const later = learner.profileFor(DEV_MAC);
    expect(later.report.flows.learned).toBe(3);
    expect(later.report.entries.map((e) => e.aces[0])).toEqual(['dns0-frdev', 'loc0-frdev', 'cl0-frdev']);
    // Both ends of the LAN connection are learned devices: the phone learned it too, as its client.
    expect(learner.profileFor(PHONE_MAC).report.entries.map((e) => e.text)).toEqual(['tcp to local networks port 80 initiated by the device: accept']);
    expect(learner.devices()).toEqual([DEV_MAC, PHONE_MAC]);
    // A flow still open has no bytes yet; they come when it ends.
    engine.finish();
    expect(learner.profileFor(DEV_MAC).report.entries.every((e) => e.bytes > 0)).toBe(true);
  });
});

describe('durations', () => {
  it('parses 90s, 10m, 1h30m, 2d and bare seconds; refuses the rest', () => {
    expect([parseDuration('90s'), parseDuration('10m'), parseDuration('1h30m'), parseDuration('2d'), parseDuration('45')]).toEqual([90, 600, 5400, 172800, 45]);
    expect([parseDuration(''), parseDuration('0m'), parseDuration('10x'), parseDuration('m10'), parseDuration('-5')]).toEqual([null, null, null, null, null]);
    expect([formatDuration(0), formatDuration(45), formatDuration(600), formatDuration(606), formatDuration(3720), formatDuration(90061)]).toEqual(['0s', '45s', '10m', '10m6s', '1h2m', '1d1h']);
  });
});
