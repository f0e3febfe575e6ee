// DNS modules: UDP flavors by port (DNS, mDNS, LLMNR) and DNS over TCP with its length prefix,
// several messages a connection, messages split across feeds (RFC 7766 §8).
import { describe, expect, it } from 'vitest';
import { dnsTcp, dnsUdp, llmnrUdp, mdnsUdp } from '../../gateway/app/dns/dns-module.js';
import { ev } from '../../gateway/common/events.js';
import { dnsMessage } from '../helpers/dns-wire.js';
import { collect, ofKind, runTcp, splitAt, T0 } from './app-test-kit.js';

const prefixed = (m: Buffer): Buffer => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);
const query = dnsMessage({ id: 1, name: 'cnc.example.net' });
const answer = dnsMessage({ id: 1, name: 'cnc.example.net', response: true, answers: ['203.0.113.9'] });
const query2 = dnsMessage({ id: 2, name: 'pool.example.org', type: 16 });

describe('dns over TCP', () => {
  it('two messages in one feed, then one split over three feeds', () => {
    const a = prefixed(answer);
    const { recs, rets } = runTcp(dnsTcp, [
      [0, Buffer.concat([prefixed(query), prefixed(query2)])],
      ...splitAt(a, 1, 9).map((b) => [1, b] as [number, Buffer]),
    ]);
    expect(rets).toEqual([0, 0, 0, 0]);
    const dns = ofKind(recs, 'dns');
    expect(dns.map((r) => [r.transport, r.flavor, r.msg.id, r.msg.qr, r.msg.questions[0]!.name])).toEqual([
      ['tcp', 'dns', 1, false, 'cnc.example.net'], ['tcp', 'dns', 2, false, 'pool.example.org'], ['tcp', 'dns', 1, true, 'cnc.example.net'],
    ]);
    expect(dns[2]!.msg.answers[0]!.data).toBe('203.0.113.9');
  });

  it('every split point of a pipelined pair gives the same records', () => {
    const wire = Buffer.concat([prefixed(query), prefixed(query2)]);
    const whole = runTcp(dnsTcp, [[0, wire]]).recs.map((r) => ({ ...r, ts: 0 }));
    for (let cut = 1; cut < wire.length; cut++) {
      expect(runTcp(dnsTcp, splitAt(wire, cut).map((b) => [0, b] as [number, Buffer])).recs.map((r) => ({ ...r, ts: 0 }))).toEqual(whole);
    }
  });

  it('a length below the header and a malformed message are named events; the module stops', () => {
    expect(runTcp(dnsTcp, [[0, Buffer.from([0, 5, 1, 2, 3, 4, 5])]]).rets).toEqual([-ev('decoder.dns.too_small')]);
    const bad = Buffer.from(query);
    bad[12] = 0x80; // a reserved label type
    const { rets, state } = runTcp(dnsTcp, [[0, prefixed(bad)], [0, prefixed(query)]], { end: false });
    expect(rets[0]).toBe(-ev('decoder.dns.bad_label'));
    expect(state.done).toBe(true);
  });
});

describe('dns over UDP: the flavor comes from the module (port)', () => {
  it.each([[dnsUdp, 'dns'], [mdnsUdp, 'mdns'], [llmnrUdp, 'llmnr']] as const)('%#: %s', (mod, flavor) => {
    const { recs, out } = collect();
    expect(mod.parse(answer, 0, answer.length, T0, 1, out)).toBe(0);
    expect(recs).toEqual([{ kind: 'dns', ts: T0, transport: 'udp', flavor, msg: expect.objectContaining({ id: 1, qr: true }) as unknown }]);
    expect(mod.parse(answer, 0, 5, T0, 1, out)).toBe(-ev('decoder.dns.too_small'));
  });
});
