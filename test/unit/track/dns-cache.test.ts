// The DNS cache: answers in packet time, CNAME chains credited to every alias, reverse lookup by
// address, TTL expiry with grace, and the caps.
import { describe, expect, it } from 'vitest';
import { pipelineConfig, type DnsConfig, type Overrides } from '../../../gateway/sensor/sensor-config.js';
import type { DnsMessage, DnsRecord } from '../../../gateway/app/dns/dns-message.js';
import { DnsCache, ipv4Key } from '../../../gateway/track/dns-cache.js';

const S = 1e6;
const rr = (name: string, type: number, ttl: number, data: string): DnsRecord => ({ name, type, class: 1, ttl, rdLen: 4, data });
const answer = (...answers: DnsRecord[]): DnsMessage => ({ id: 1, qr: true, opcode: 0, rcode: 0, tc: false, questions: [], answers, authorities: [], additionals: [] });

function cache(over: Overrides<DnsConfig> = {}): DnsCache {
  return new DnsCache(pipelineConfig({ dns: { ttlGraceSeconds: 0, ...over } }).dns);
}

describe('DnsCache', () => {
  it('maps names to addresses and back, for A and AAAA', () => {
    const c = cache();
    c.onMessage(answer(rr('api.vendor.com', 1, 300, '203.0.113.5'), rr('api.vendor.com', 28, 300, '2001:db8::5')), 0);
    expect(c.addressesFor('api.vendor.com', 1)).toEqual([ipv4Key('203.0.113.5'), '2001:db8::5']);
    expect(c.namesFor(ipv4Key('203.0.113.5'), 1)).toEqual(['api.vendor.com']);
    expect(c.namesFor('2001:db8::5', 1)).toEqual(['api.vendor.com']);
  });

  it('credits an address at the end of a CNAME chain to every alias, with the smallest TTL', () => {
    const c = cache();
    c.onMessage(answer(
      rr('api.vendor.com', 5, 600, 'edge.cdn.net'),
      rr('edge.cdn.net', 5, 60, 'e1.cdn.net'),
      rr('e1.cdn.net', 1, 300, '198.51.100.7'),
    ), 0);
    expect(c.namesFor(ipv4Key('198.51.100.7'), 1).sort()).toEqual(['api.vendor.com', 'e1.cdn.net', 'edge.cdn.net']);
    // The alias entries expire with the shortest TTL along the chain (60 s), the owner's at 300 s.
    expect(c.namesFor(ipv4Key('198.51.100.7'), 61 * S)).toEqual(['e1.cdn.net']);
  });

  it('survives a CNAME loop in a hostile answer', () => {
    const c = cache();
    c.onMessage(answer(rr('a.example', 5, 60, 'b.example'), rr('b.example', 5, 60, 'a.example'), rr('a.example', 1, 60, '192.0.2.1')), 0);
    expect(c.namesFor(ipv4Key('192.0.2.1'), 0).sort()).toEqual(['a.example', 'b.example']);
  });

  it('expires records after TTL plus grace, and sweep drops them', () => {
    const c = new DnsCache(pipelineConfig({ dns: { ttlGraceSeconds: 30 } }).dns);
    c.onMessage(answer(rr('t.example', 1, 10, '192.0.2.9')), 0);
    expect(c.addressesFor('t.example', 39 * S)).toHaveLength(1);
    expect(c.addressesFor('t.example', 41 * S)).toHaveLength(0);
    c.sweep(41 * S);
    expect(c.size).toBe(0);
  });

  it('ignores queries and error responses', () => {
    const c = cache();
    c.onMessage({ ...answer(rr('q.example', 1, 10, '192.0.2.1')), qr: false }, 0);
    c.onMessage({ ...answer(rr('q.example', 1, 10, '192.0.2.1')), rcode: 3 }, 0);
    expect(c.size).toBe(0);
  });

  it('holds at most maxNames names, evicting the least recently answered', () => {
    const c = cache({ maxNames: 2 });
    c.onMessage(answer(rr('one.example', 1, 100, '192.0.2.1')), 0);
    c.onMessage(answer(rr('two.example', 1, 100, '192.0.2.2')), 0);
    c.onMessage(answer(rr('one.example', 1, 100, '192.0.2.1')), 1); // refresh
    c.onMessage(answer(rr('three.example', 1, 100, '192.0.2.3')), 2);
    expect(c.size).toBe(2);
    expect(c.evicted).toBe(1);
    expect(c.addressesFor('two.example', 3)).toEqual([]);
    expect(c.namesFor(ipv4Key('192.0.2.2'), 3)).toEqual([]);
    expect(c.addressesFor('one.example', 3)).toHaveLength(1);
  });

  it('holds at most maxAddressesPerName addresses per name', () => {
    const c = cache({ maxAddressesPerName: 3 });
    for (let i = 1; i <= 5; i++) c.onMessage(answer(rr('rr.example', 1, 100, `192.0.2.${i}`)), i);
    expect(c.addressesFor('rr.example', 6)).toEqual([3, 4, 5].map((i) => ipv4Key(`192.0.2.${i}`)));
    expect(c.namesFor(ipv4Key('192.0.2.1'), 6)).toEqual([]);
  });

  it('tells listeners of every name/address pair with its expiry', () => {
    const c = cache();
    const seen: unknown[] = [];
    c.addListener((name, addr, family, exp, ts) => seen.push([name, addr, family, exp, ts]));
    c.onMessage(answer(rr('x.example', 5, 50, 'y.example'), rr('y.example', 28, 100, '2001:db8::1')), 0);
    expect(seen).toEqual([['y.example', '2001:db8::1', 6, 100 * S, 0], ['x.example', '2001:db8::1', 6, 50 * S, 0]]);
  });
});
