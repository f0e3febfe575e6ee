// Community ID v1 against the published reference values, copied as facts (tuple → id), not
// computed here:
// - SPEC: corelight/community-id-spec, baseline/README.md (commit c4ec2bc4), tables "Default
//   settings" and "A custom seed=1 value" (made by pycommunityid's make-tables.py);
// - JSON: the same repo, baseline/baseline_deflt.json (pycommunityid's community-id-pcap over
//   pcaps/combined.pcap.gz; ICMP rows there list the port equivalents, so only TCP rows are used);
// - PY: corelight/pycommunityid, tests/communityid_test.py (test_tcp, test_udp, test_icmp,
//   test_icmp6, test_sctp, test_ip), default column and seed=1 column.
import { describe, expect, it } from 'vitest';
import { parseIpv4, parseIpv6, parseMac } from '../../../gateway/common/address-text.js';
import { communityId } from '../../../gateway/common/community-id.js';
import { flowFields, packetFields } from '../../../gateway/sensor/alert-fields.js';
import { Flow } from '../../../gateway/track/flow.js';
import { decodeBytes, echoBody, ether, ETHER_IPV4, ETHER_IPV6, frame, icmp, icmpv6, ipv4, ipv6, PROTO, tcp, udp } from '../../helpers/frames.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { replayFrames } from '../../helpers/replay-frames.js';

/** Address text to (family, words). */
function addr(text: string): [number, number[]] {
  if (text.includes(':')) {
    const w = parseIpv6(text.toLowerCase());
    if (w === null) throw new Error(`bad IPv6 in test vector: ${text}`);
    return [6, w];
  }
  const v = parseIpv4(text);
  if (v < 0) throw new Error(`bad IPv4 in test vector: ${text}`);
  return [4, [v]];
}

/** [source, proto, src, dst, sport/type, dport/code (-1: none), seed, expected]. */
type Vector = [string, number, string, string, number, number, number, string];

const V6A = 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D';
const V6B = 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D';

const VECTORS: Vector[] = [
  // SPEC, default settings
  ['SPEC tcp out', 6, '1.2.3.4', '5.6.7.8', 1122, 3344, 0, '1:wCb3OG7yAFWelaUydu0D+125CLM='],
  ['SPEC tcp back', 6, '5.6.7.8', '1.2.3.4', 3344, 1122, 0, '1:wCb3OG7yAFWelaUydu0D+125CLM='],
  ['SPEC udp out', 17, '1.2.3.4', '5.6.7.8', 1122, 3344, 0, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg='],
  ['SPEC udp back', 17, '5.6.7.8', '1.2.3.4', 3344, 1122, 0, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg='],
  ['SPEC sctp out', 132, '1.2.3.4', '5.6.7.8', 1122, 3344, 0, '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8='],
  ['SPEC sctp back', 132, '5.6.7.8', '1.2.3.4', 3344, 1122, 0, '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8='],
  ['SPEC icmp echo request', 1, '1.2.3.4', '5.6.7.8', 8, 0, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0='],
  ['SPEC icmp echo reply', 1, '5.6.7.8', '1.2.3.4', 0, 0, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0='],
  ['SPEC icmp one-way (time exceeded)', 1, '1.2.3.4', '5.6.7.8', 11, 0, 0, '1:f/YiSyWqczrTgfUCZlBUnvHRcPk='],
  ['SPEC icmp6 echo request', 58, V6A, V6B, 128, 0, 0, '1:0bf7hyMJUwt3fMED7z8LIfRpBeo='],
  ['SPEC icmp6 echo reply', 58, V6B, V6A, 129, 0, 0, '1:0bf7hyMJUwt3fMED7z8LIfRpBeo='],
  ['SPEC icmp6 one-way (146)', 58, V6A, V6B, 146, 0, 0, '1:fYC8+pz24E+EhANP1EZhpX0Dw10='],
  ['SPEC rsvp v4 out', 46, '1.2.3.4', '5.6.7.8', -1, -1, 0, '1:ikv3kmf89luf73WPz1jOs49S768='],
  ['SPEC rsvp v4 back', 46, '5.6.7.8', '1.2.3.4', -1, -1, 0, '1:ikv3kmf89luf73WPz1jOs49S768='],
  ['SPEC rsvp v6 out', 46, V6A, V6B, -1, -1, 0, '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0='],
  ['SPEC rsvp v6 back', 46, V6B, V6A, -1, -1, 0, '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0='],
  // SPEC, seed=1
  ['SPEC seed1 tcp out', 6, '1.2.3.4', '5.6.7.8', 1122, 3344, 1, '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk='],
  ['SPEC seed1 tcp back', 6, '5.6.7.8', '1.2.3.4', 3344, 1122, 1, '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk='],
  ['SPEC seed1 udp', 17, '1.2.3.4', '5.6.7.8', 1122, 3344, 1, '1:OShq+iKDAMVouh/4bMxB9Sz4amw='],
  ['SPEC seed1 sctp', 132, '5.6.7.8', '1.2.3.4', 3344, 1122, 1, '1:uitchpn5MMGAQKBJh7bIr/bAr7s='],
  ['SPEC seed1 icmp echo reply', 1, '5.6.7.8', '1.2.3.4', 0, 0, 1, '1:9pr4ZGTICiuZoIh90RRYE2RyXpU='],
  ['SPEC seed1 icmp one-way', 1, '1.2.3.4', '5.6.7.8', 11, 0, 1, '1:1DD7cWGC/Yg91YGsQeni8du3pIA='],
  ['SPEC seed1 icmp6 echo request', 58, V6A, V6B, 128, 0, 1, '1:IO27GQzPuCtNnwFvjWALMHu5tJE='],
  ['SPEC seed1 icmp6 one-way', 58, V6A, V6B, 146, 0, 1, '1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s='],
  ['SPEC seed1 rsvp v6', 46, V6B, V6A, -1, -1, 1, '1:j6EyyfBzL4vWKHFXgUqb5Az3OxM='],
  // JSON: TCP over IPv6 both ways
  ['JSON tcp6 out', 6, '2001:470:e5bf:dead:4957:2174:e82c:4887', '2607:f8b0:400c:c03::1a', 63943, 25, 0, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
  ['JSON tcp6 back', 6, '2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', 25, 63943, 0, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
  // PY
  ['PY tcp', 6, '128.232.110.120', '66.35.250.204', 34855, 80, 0, '1:LQU9qZlK+B5F3KDmev6m5PMibrg='],
  ['PY tcp reverse', 6, '66.35.250.204', '128.232.110.120', 80, 34855, 0, '1:LQU9qZlK+B5F3KDmev6m5PMibrg='],
  ['PY tcp seed1', 6, '128.232.110.120', '66.35.250.204', 34855, 80, 1, '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  ['PY tcp issue 3 (port bytes)', 6, '10.0.0.1', '10.0.0.2', 10, 11569, 0, '1:SXBGMX1lBOwhhoDrZynfROxnhnM='],
  ['PY udp', 17, '192.168.1.52', '8.8.8.8', 54585, 53, 0, '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
  ['PY udp reverse', 17, '8.8.8.8', '192.168.1.52', 53, 54585, 0, '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
  ['PY udp seed1', 17, '8.8.8.8', '192.168.1.52', 53, 54585, 1, '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  ['PY icmp echo request', 1, '192.168.0.89', '192.168.0.1', 8, 0, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  ['PY icmp echo reply', 1, '192.168.0.1', '192.168.0.89', 0, 8, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  ['PY icmp echo reply, code ignored', 1, '192.168.0.1', '192.168.0.89', 0, 20, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  ['PY icmp type 20 code 0 (one-way)', 1, '192.168.0.89', '192.168.0.1', 20, 0, 0, '1:3o2RFccXzUgjl7zDpqmY7yJi8rI='],
  ['PY icmp type 20 code 1 (one-way)', 1, '192.168.0.89', '192.168.0.1', 20, 1, 0, '1:tz/fHIDUHs19NkixVVoOZywde+I='],
  ['PY icmp echo seed1', 1, '192.168.0.89', '192.168.0.1', 8, 0, 1, '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  ['PY icmp6 neighbor solicitation', 58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 0, 0, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY='],
  ['PY icmp6 neighbor advertisement', 58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 136, 0, 0, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY='],
  ['PY icmp6 time exceeded one way', 58, '3ffe:507:0:1:260:97ff:fe07:69ea', '3ffe:507:0:1:200:86ff:fe05:80da', 3, 0, 0, '1:NdobDX8PQNJbAyfkWxhtL2Pqp5w='],
  ['PY icmp6 time exceeded other way', 58, '3ffe:507:0:1:200:86ff:fe05:80da', '3ffe:507:0:1:260:97ff:fe07:69ea', 3, 0, 0, '1:/OGBt9BN1ofenrmSPWYicpij2Vc='],
  ['PY icmp6 seed1', 58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 0, 1, '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY='],
  ['PY sctp', 132, '192.168.170.8', '192.168.170.56', 7, 80, 0, '1:jQgCxbku+pNGw8WPbEc/TS/uTpQ='],
  ['PY sctp reverse', 132, '192.168.170.56', '192.168.170.8', 80, 7, 0, '1:jQgCxbku+pNGw8WPbEc/TS/uTpQ='],
  ['PY ip proto 46', 46, '10.1.24.4', '10.1.12.1', -1, -1, 0, '1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4='],
  ['PY ip proto 46 reverse', 46, '10.1.12.1', '10.1.24.4', -1, -1, 0, '1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4='],
  ['PY ip proto 46 seed1', 46, '10.1.12.1', '10.1.24.4', -1, -1, 1, '1:BK3BVW3U2eemuwVQVN3zd/GULno='],
];

describe('Community ID v1', () => {
  it.each(VECTORS)('%s', (_name, proto, src, dst, sport, dport, seed, want) => {
    const [fs, s] = addr(src);
    const [fd, d] = addr(dst);
    expect(fs).toBe(fd);
    expect(communityId(fs, proto, s, d, sport, dport, seed)).toBe(want);
  });

  it('takes words that hold the top bit as signed or unsigned alike', () => {
    // 192.168.0.89 as the decoder's unsigned word, and as a signed int32 (the same bits).
    const u = parseIpv4('192.168.0.89'), g = parseIpv4('192.168.0.1');
    expect(communityId(4, 1, [u | 0], [g | 0], 8, 0)).toBe('1:X0snYXpgwiv9TZtqg64sgzUn6Dk=');
  });

  it('gives null rather than a wrong id when the tuple lacks what the spec hashes', () => {
    const a = [parseIpv4('1.2.3.4')], b = [parseIpv4('5.6.7.8')];
    expect(communityId(4, 6, a, b, -1, -1)).toBeNull(); // TCP without ports (a later fragment)
    expect(communityId(4, 1, a, b, -1, -1)).toBeNull(); // ICMP without a type (truncated)
    expect(communityId(4, 132, a, b, -1, 80)).toBeNull();
    expect(communityId(0, 6, a, b, 1, 2)).toBeNull(); // not IP
    // A port-less protocol ignores whatever ports it is given.
    expect(communityId(4, 46, a, b, 7, 9)).toBe('1:ikv3kmf89luf73WPz1jOs49S768=');
  });
});

const MAC_A = 'aa:bb:cc:00:00:01', MAC_B = 'aa:bb:cc:00:00:02';
const v4 = (src: string, dst: string, proto: number, payload: Buffer, fromA = true) =>
  frame(ether({ src: fromA ? MAC_A : MAC_B, dst: fromA ? MAC_B : MAC_A, type: ETHER_IPV4 }), ipv4({ src, dst, proto, payload }));
const v6 = (src: string, dst: string, next: number, payload: Buffer) =>
  frame(ether({ src: MAC_A, dst: MAC_B, type: ETHER_IPV6 }), ipv6({ src: src.toLowerCase(), dst: dst.toLowerCase(), next, payload }));

describe('communityId on flow records', () => {
  it('gives every ended flow the reference value of its tuple, whichever side spoke first', async () => {
    const r = await replayFrames([
      // SPEC tcp: the handshake names 1.2.3.4:1122 the initiator.
      { t: 0, data: v4('1.2.3.4', '5.6.7.8', PROTO.TCP, tcp({ sport: 1122, dport: 3344, flags: 'S' })) },
      { t: 0.01, data: v4('5.6.7.8', '1.2.3.4', PROTO.TCP, tcp({ sport: 3344, dport: 1122, flags: 'SA' }), false) },
      // SPEC udp, seen from the other side first.
      { t: 1, data: v4('5.6.7.8', '1.2.3.4', PROTO.UDP, udp({ sport: 3344, dport: 1122, payload: Buffer.from('x') }), false) },
      // PY icmp: the echo reply is seen first, then the request; one flow, the echo pair's id.
      { t: 2, data: v4('192.168.0.1', '192.168.0.89', PROTO.ICMP, icmp({ type: 0, body: echoBody({ id: 1, seq: 1 }) }), false) },
      { t: 2.01, data: v4('192.168.0.89', '192.168.0.1', PROTO.ICMP, icmp({ type: 8, body: echoBody({ id: 1, seq: 2 }) })) },
      // SPEC icmp one-way: time exceeded keeps its direction.
      { t: 3, data: v4('1.2.3.4', '5.6.7.8', PROTO.ICMP, icmp({ type: 11, code: 0, body: Buffer.alloc(4) })) },
      // SPEC icmp6 echo request.
      { t: 4, data: v6(V6A, V6B, PROTO.ICMPV6, icmpv6({ type: 128, body: echoBody({ id: 7, seq: 1 }) })) },
      // JSON tcp6, seen from the server first (no SYN).
      { t: 5, data: v6('2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', PROTO.TCP, tcp({ sport: 25, dport: 63943, flags: 'A' })) },
      // SPEC rsvp: a port-less protocol.
      { t: 6, data: v4('5.6.7.8', '1.2.3.4', 46, Buffer.alloc(8)) },
      // SCTP: the decoder reads no SCTP ports, so no id rather than a wrong one.
      { t: 7, data: v4('1.2.3.4', '5.6.7.8', 132, Buffer.alloc(12)) },
    ], { detect: false });
    const ids = r.summary.flows.top.map((f) => [f.proto, f.src, f.communityId]).sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])));
    expect(ids).toEqual([
      ['132', '1.2.3.4', null],
      ['46', '5.6.7.8', '1:ikv3kmf89luf73WPz1jOs49S768='],
      ['icmp', '1.2.3.4', '1:f/YiSyWqczrTgfUCZlBUnvHRcPk='],
      ['icmp', '192.168.0.1', '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
      ['icmpv6', 'fe80:1:203:405:607:809:a0b:c0d', '1:0bf7hyMJUwt3fMED7z8LIfRpBeo='],
      ['tcp', '1.2.3.4', '1:wCb3OG7yAFWelaUydu0D+125CLM='],
      ['tcp', '2001:470:e5bf:dead:4957:2174:e82c:4887', '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
      ['udp', '5.6.7.8', '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg='],
    ]);
  });
});

describe('communityId in alert fields', () => {
  it('fills it from a packet and from a flow, the same value both ways', () => {
    const { host } = fakeHost();
    const { pv } = decodeBytes(v4('66.35.250.204', '128.232.110.120', PROTO.TCP, tcp({ sport: 80, dport: 34855, flags: 'A' })));
    expect(packetFields(host, pv).communityId).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg='); // PY tcp
    const { pv: echo } = decodeBytes(v4('192.168.0.89', '192.168.0.1', PROTO.ICMP, icmp({ type: 8, body: echoBody({ id: 1, seq: 1 }) })));
    expect(packetFields(host, echo).communityId).toBe('1:X0snYXpgwiv9TZtqg64sgzUn6Dk='); // PY icmp
    const f = new Flow(1, 0, 4, PROTO.TCP, 0);
    f.a0 = parseIpv4('128.232.110.120'); f.aPort = 34855; f.b0 = parseIpv4('66.35.250.204'); f.bPort = 80;
    f.aMac = parseMac(MAC_A);
    expect(flowFields(host, f).communityId).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  });

  it('gives null for a packet whose ports were not decoded (a later IPv4 fragment)', () => {
    const { host } = fakeHost();
    const frag = frame(ether({ src: MAC_A, dst: MAC_B, type: ETHER_IPV4 }), ipv4({ src: '1.2.3.4', dst: '5.6.7.8', proto: PROTO.TCP, payload: Buffer.alloc(16), fragOffset: 8 }));
    const { pv } = decodeBytes(frag);
    expect(pv.srcPort).toBe(-1);
    expect(packetFields(host, pv).communityId).toBeNull();
  });
});
