// LAN prefixes: a /32 holds one address (JavaScript's `>>> 32` is `>>> 0`, so it needs its own case).
import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../../policies/net/ip-address.js';
import { LocalNetworks } from '../../../gateway/track/local-networks.js';

describe('local networks', () => {
  it('treats a /32 as one address and a /24 as its 256', () => {
    const l = new LocalNetworks(['198.51.100.7/32', '203.0.113.0/24']);
    expect(l.hasV4(parseIpv4('198.51.100.7'))).toBe(true);
    expect(l.hasV4(parseIpv4('198.51.100.8'))).toBe(false);
    expect(l.hasV4(parseIpv4('8.8.8.8'))).toBe(false);
    expect(l.hasV4(parseIpv4('203.0.113.200'))).toBe(true);
  });
});
